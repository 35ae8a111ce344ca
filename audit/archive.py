"""Archiving a closed year of the audit log to a file, and the anchor the rest starts from.

`archive_year` writes a year's records, as stored, and the signed checkpoint covering
its last record to a gzip file of JSON lines (first line a header, then one record a
line: CHAINED_FIELDS, prev_hash, hash), checks the file on its own (`verify_file`),
then detaches and drops the year's month partitions (audit.partitions) and keeps an
`audit_archive` row signed with the audit key. Verification of what is left
(audit.verify) starts from the newest row's anchor, `(last_seq, last_hash)`, after
checking its signature and the checkpoint it names.

Only on PostgreSQL with the log partitioned by month: on SQLite (development and small
installations) archiving is refused, as records could only leave the table by turning
off its append-only triggers, and such a log never grows to need it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from audit import partitions, segments, summary
from audit.models import GENESIS_HASH, AuditArchive, AuditCheckpoint, AuditEvent
from audit.signing import Signer, key_id, verify_signature

FORMAT = "careplan-audit-archive"
VERSION = 1


class Refused(Exception):
    """Why a year cannot be archived (a sentence for the command line); nothing changed."""


def anchor_message(row: AuditArchive) -> bytes:
    """What the audit key signs for an archive row (times naive UTC, to the microsecond)."""
    return (
        f"careplan-audit-archive:v1:{row.year}:{row.records}:{row.origin_seq}:"
        f"{row.origin_hash}:{row.first_seq}:{row.last_seq}:{row.last_hash}:"
        f"{row.through_seq}:{row.checkpoint_seq}:{row.checkpoint_hash}:{row.file_sha256}:"
        f"{row.archived_at.isoformat(timespec='microseconds')}"
    ).encode()


@dataclass(frozen=True)
class Anchor:
    """Where the log in the database starts: after record `seq`, whose hash was `hash`.
    `problem`: (first record the anchor vouches for, what is wrong) if it cannot be
    trusted; `year`: the newest year archived."""

    seq: int
    hash: str
    year: int | None = None
    problem: tuple[int, str] | None = None


GENESIS = Anchor(0, GENESIS_HASH)


def anchor(session: Session, public_key: Ed25519PublicKey) -> Anchor:
    """The newest archive's anchor, checked: its row's signature, and the signed
    checkpoint it names (still in audit_checkpoint, same hash, valid signature; at the
    anchor itself, the same hash). GENESIS when nothing was archived, or the database
    predates archiving (a backup made before migration a4e2c8d61f37 being checked)."""
    if not inspect(session.connection()).has_table(AuditArchive.__tablename__):
        return GENESIS
    row = session.scalars(select(AuditArchive).order_by(AuditArchive.year.desc()).limit(1)).first()
    if row is None:
        return GENESIS
    first_kept = row.last_seq + 1
    if row.key_id != key_id(public_key) or not verify_signature(
        public_key, row.signature, anchor_message(row)
    ):
        return Anchor(
            row.last_seq,
            row.last_hash,
            row.year,
            (first_kept, f"the record of the {row.year} archive is not validly signed"),
        )
    cp = session.get(AuditCheckpoint, row.checkpoint_seq)
    if (
        cp is None
        or cp.hash != row.checkpoint_hash
        or segments.check_signatures(
            public_key, [segments.Checkpoint(cp.seq, cp.hash, cp.signed_at, cp.signature)]
        )
        is not None
        or (cp.seq == row.last_seq and cp.hash != row.last_hash)
    ):
        return Anchor(
            row.last_seq,
            row.last_hash,
            row.year,
            (first_kept, f"the signed checkpoint the {row.year} archive ends at was changed"),
        )
    return Anchor(row.last_seq, row.last_hash, row.year)


def archives(session: Session) -> list[AuditArchive]:
    """Every archived year, oldest first (the IG page's list)."""
    return list(session.scalars(select(AuditArchive).order_by(AuditArchive.year)))


def archive_year(
    session: Session, signer: Signer, year: int, path: Path, now: datetime
) -> AuditArchive:
    """Archive `year` to `path` in the caller's transaction (the caller commits); raises
    Refused, with nothing changed and no file left, when: not PostgreSQL partitioned by
    month; the year is this year or later (not closed); it was archived already; it has
    no records; records of an earlier year are still in the log (archive in order); some
    of its records sit in the DEFAULT partition (run `flask audit partitions`); a record
    of another year falls among its sequence numbers; no signed checkpoint covers its last
    record yet; its records do not verify; `path` exists, its folder does not, or it
    cannot be written."""
    connection = session.connection()
    if not partitions.is_partitioned(connection):
        raise Refused(
            "Archiving needs PostgreSQL with the audit log partitioned by month "
            "(run `flask db upgrade`); this database is not."
        )
    if year >= now.year:
        raise Refused(f"{year} is not a closed year: only years before {now.year} can be archived.")
    if session.get(AuditArchive, year) is not None:
        raise Refused(f"{year} has been archived already.")
    if path.exists():
        raise Refused(f"{path} exists: give a new file.")
    if not path.parent.is_dir():
        raise Refused(f"The folder {path.parent} does not exist.")
    if partitions.year_in_default(connection, year):
        raise Refused(
            f"Some records of {year} are in the default partition: run "
            "`flask audit partitions` to move them into their months first."
        )
    start, end = partitions.month_start(year, 1), partitions.month_start(year + 1, 1)
    c = AuditEvent.__table__.c
    in_year = (c.occurred_at >= start) & (c.occurred_at < end)
    first_seq, last_seq, records = session.execute(
        select(func.min(c.seq), func.max(c.seq), func.count()).where(in_year)
    ).one()
    if not records:
        raise Refused(f"The log holds no records of {year}.")
    cp = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.seq >= last_seq)
        .order_by(AuditCheckpoint.seq)
        .limit(1)
    ).first()
    if cp is None:
        raise Refused(
            f"No signed checkpoint covers the last record of {year} (record {last_seq}) yet."
        )
    if records != last_seq - first_seq + 1:
        raise Refused(
            f"Records of another year fall among those of {year} (records {first_seq} to "
            f"{last_seq}); it cannot be archived by month partitions."
        )
    before = anchor(session, signer.public)
    if before.problem is not None:
        raise Refused(f"The last archive cannot be trusted: {before.problem[1]}.")
    earliest = session.execute(select(func.min(c.seq))).scalar()
    if earliest != first_seq or first_seq != before.seq + 1:
        raise Refused(
            f"Records from before {year} are still in the log (from record {earliest}): "
            "archive the earlier years first."
        )
    checkpoints = list(
        session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.seq > before.seq, AuditCheckpoint.seq <= cp.seq)
            .order_by(AuditCheckpoint.seq)
        )
    )
    header = {
        "format": FORMAT,
        "version": VERSION,
        "year": year,
        "records": records,
        "origin_seq": before.seq,
        "origin_hash": before.hash,
        "first_seq": first_seq,
        "last_seq": last_seq,
        "through_seq": cp.seq,
        "key_id": signer.key_id,
        "checkpoints": [
            {
                "seq": k.seq,
                "hash": k.hash,
                "signed_at": k.signed_at.isoformat(timespec="microseconds"),
                "key_id": k.key_id,
                "signature": k.signature,
            }
            for k in checkpoints
        ],
    }
    mark = segments.marker(connection.dialect.paramstyle)
    written = path.with_name(path.name + ".partial")
    try:
        last_hash = _write(
            written,
            header,
            segments.rows(connection.connection, mark, before.seq, cp.seq),
            last_seq,
        )
    except OSError as exc:
        written.unlink(missing_ok=True)
        raise Refused(f"The file cannot be written ({exc.strerror}); nothing archived.") from None
    check = verify_file(written, signer.public)
    if not check.ok or last_hash is None:
        written.unlink(missing_ok=True)
        raise Refused(f"The records of {year} do not verify ({check.problem}); nothing archived.")
    os.replace(written, path)
    partitions.drop_year(connection, year)
    summary.drop_year(connection, year)  # the derived summary follows the log (audit.summary)
    row = AuditArchive(
        year=year,
        records=records,
        origin_seq=before.seq,
        origin_hash=before.hash,
        first_seq=first_seq,
        last_seq=last_seq,
        last_hash=last_hash,
        through_seq=cp.seq,
        checkpoint_seq=cp.seq,
        checkpoint_hash=cp.hash,
        file=str(path),
        file_sha256=_sha256(path),
        archived_at=now.replace(tzinfo=None),
        key_id=signer.key_id,
        signature="",
    )
    row.signature = signer.sign(anchor_message(row))
    session.add(row)
    session.flush()
    return row


def _write(path: Path, header: dict[str, Any], rows: Any, last_seq: int) -> str | None:
    """The file: header, then each record; returns the stored hash of record `last_seq`."""
    last_hash = None
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for row in rows:
            out.write(json.dumps(list(row), ensure_ascii=False, separators=(",", ":")) + "\n")
            if row[0] == last_seq:
                last_hash = row[-1]
        out.flush()
    with path.open("rb") as done:
        os.fsync(done.fileno())
    return last_hash


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileCheck:
    """What `verify_file` found: ok; the year; records checked (`first`..`last`);
    problem: (first bad record or None, what is wrong) as a sentence."""

    ok: bool
    year: int | None = None
    first: int | None = None
    last: int | None = None
    checked: int = 0
    problem: str | None = None


def verify_file(path: Path, public_key: Ed25519PublicKey) -> FileCheck:
    """Check an archive file on its own: every record links to the one before from the
    file's origin, hashes to its stored hash, the records are numbered without gaps up to
    the signed checkpoint at `through_seq`, every checkpoint's signature is valid (with
    `public_key`) and its record has the hash it signed. Never raises for a bad file."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            header = json.loads(next(lines))
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                return FileCheck(False, problem="not an audit archive of this service")
            year = header["year"]
            wanted = {}
            signed = []
            for k in header["checkpoints"]:
                cp = segments.Checkpoint(
                    k["seq"], k["hash"], datetime.fromisoformat(k["signed_at"]), k["signature"]
                )
                signed.append(cp)
                wanted[cp.seq] = cp.hash
            bad = segments.check_signatures(public_key, signed)
            if bad is not None:
                return FileCheck(
                    False, year, problem=f"the checkpoint at record {bad} is not validly signed"
                )
            through = header["through_seq"]
            if wanted.get(through) is None:
                return FileCheck(
                    False, year, problem="the file does not end at a signed checkpoint"
                )
            prev, expected = header["origin_hash"], header["origin_seq"] + 1
            for line in lines:
                row = json.loads(line)
                seq = row[0]
                if seq != expected:
                    return _bad(year, header, expected, segments.MISSING)
                if row[-2] != prev:
                    return _bad(year, header, seq, segments.BROKEN)
                if segments.record_hash(prev, row[:-2]) != row[-1]:
                    return _bad(year, header, seq, segments.ALTERED)
                if wanted.get(seq, row[-1]) != row[-1]:
                    return _bad(year, header, seq, segments.DIFFERS)
                prev, expected = row[-1], expected + 1
            if expected - 1 != through:
                return _bad(year, header, expected, segments.CUT)
            first = header["origin_seq"] + 1
            return FileCheck(True, year, first, through, through - first + 1)
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, StopIteration) as exc:
        return FileCheck(
            False, problem=f"the file cannot be read as an archive ({type(exc).__name__})"
        )


def _bad(year: int, header: dict[str, Any], seq: int, what: str) -> FileCheck:
    return FileCheck(
        False, year, header["origin_seq"] + 1, seq - 1, problem=f"record {seq}: {what}"
    )
