"""Walking one stretch of the hash chain, in this process or in a worker process.

A stretch starts from a known point of the chain, `(seq, hash)`: the genesis `(0, 000…)`
or a signed checkpoint. Because a checkpoint's signature fixes the hash the chain had at
its record, the stretch after it can be checked on its own, without walking what came
before: that is what lets verification split the log at checkpoints and check the
pieces in parallel processes (audit.verify.verify_chain), and start an incremental check
from the last verified checkpoint (audit.verified).

This module is kept lean (the chain encoding, the driver, the public key): each worker
process of the pool imports it, not the app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit.chain import CHAINED_FIELDS, link_hash_values
from audit.signing import checkpoint_message, verify_signature

BATCH = 5000

MISSING = "missing record"
BROKEN = "broken link"
ALTERED = "record altered"
DIFFERS = "record differs from the signed checkpoint"
CUT = "records signed in a checkpoint are missing from the end"
BAD_SIGNATURE = "checkpoint signature is not valid"


@dataclass(frozen=True)
class Checkpoint:
    """A signed checkpoint as stored: `signed_at` naive UTC, `signature` base64."""

    seq: int
    hash: str
    signed_at: datetime
    signature: str


@dataclass(frozen=True)
class Segment:
    """Records `start_seq + 1` up to `end_seq` (None: to the end of the log), whose chain
    starts from `start_hash`; `checkpoints`: the signed checkpoints that fall in it, in
    order (the last one is at `end_seq` when it is bounded); `hashes_at`: records whose
    stored hash the caller wants back (the witnesses' heads)."""

    start_seq: int
    start_hash: str
    end_seq: int | None
    checkpoints: tuple[Checkpoint, ...] = ()
    hashes_at: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SegmentResult:
    """`last`: the last record found good (start_seq if none); `problem`: (first bad
    record, what is wrong) or None; `bad_signature`: the first checkpoint of the segment
    whose signature fails (checked before any record is read)."""

    last: int
    problem: tuple[int, str] | None = None
    bad_signature: int | None = None
    hashes: dict[int, str] = field(default_factory=dict)


def record_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The link hash of a stored record (audit.chain.link_hash_values), computed fast.

    orjson writes the canonical encoding (a compact JSON array, non-ASCII as UTF-8) about
    ten times faster than the standard library's encoder, byte for byte the same for the
    values the log holds (ints, None, text). The standard encoder stays the reference:
    whenever the fast hash does not match the stored one, or orjson refuses a value, the
    hash is computed again with audit.chain, so a difference between the two encoders
    could only cost time, never a wrong verdict (SHA-256 collisions aside)."""
    try:
        return hashlib.sha256(prev_hash.encode("ascii") + orjson.dumps(values)).hexdigest()
    except (orjson.JSONEncodeError, TypeError):
        return link_hash_values(prev_hash, values)


def check_signatures(public_key: Ed25519PublicKey, checkpoints: Sequence[Checkpoint]) -> int | None:
    """The sequence number of the first checkpoint whose signature fails, or None."""
    for cp in checkpoints:
        message = checkpoint_message(cp.seq, cp.hash, cp.signed_at)
        if not verify_signature(public_key, cp.signature, message):
            return cp.seq
    return None


def walk(
    connection: Any, public_key: Ed25519PublicKey, segment: Segment, mark: str
) -> SegmentResult:
    """Check one segment through a DB-API `connection` (sqlite3 or psycopg; `mark`: its
    parameter marker, `?` or `%s`), in batches,
    in constant memory: each record's link to the one before, its hash, the checkpoints'
    signatures and hashes, and (for a bounded segment) that it reaches its end. The same
    problems, with the same first bad record, as one walk of the whole log would report
    for this stretch when everything before it is intact."""
    bad = check_signatures(public_key, segment.checkpoints)
    if bad is not None:
        return SegmentResult(segment.start_seq, bad_signature=bad)
    wanted = {cp.seq: cp.hash for cp in segment.checkpoints}
    prev_hash, expected = segment.start_hash, segment.start_seq + 1
    hashes: dict[int, str] = {}
    hashes_at = segment.hashes_at
    for row in rows(connection, mark, segment.start_seq, segment.end_seq):
        seq, row_prev, row_hash = row[0], row[-2], row[-1]
        problem = None
        if seq != expected:
            problem = (expected, MISSING)
        elif row_prev != prev_hash:
            problem = (seq, BROKEN)
        elif record_hash(prev_hash, row[:-2]) != row_hash and (
            link_hash_values(prev_hash, row[:-2]) != row_hash
        ):
            problem = (seq, ALTERED)
        elif wanted.get(seq, row_hash) != row_hash:
            problem = (seq, DIFFERS)
        if problem is not None:
            return SegmentResult(expected - 1, problem, hashes=hashes)
        if seq in hashes_at:
            hashes[seq] = row_hash
        prev_hash, expected = row_hash, expected + 1
    last = expected - 1
    must_reach = segment.end_seq if segment.end_seq is not None else max(wanted, default=0)
    if last < must_reach:
        # A walk of the whole log would meet the next record still there (a gap) or
        # run out of records before a signed checkpoint (a cut tail).
        kind = MISSING if _any_after(connection, mark, last) else CUT
        return SegmentResult(last, (last + 1, kind), hashes=hashes)
    return SegmentResult(last, hashes=hashes)


def marker(paramstyle: str) -> str:
    """The driver's parameter marker for a dialect's `paramstyle`."""
    return "?" if paramstyle == "qmark" else "%s"


def rows(connection: Any, mark: str, after: int, until: int | None) -> Iterator[tuple[Any, ...]]:
    """Records with `after < seq <= until` (no upper bound when None), as stored, in
    order, in batches, through the plain driver cursor: no type conversion, no objects.
    Each tuple: the chained fields (CHAINED_FIELDS), prev_hash, hash."""
    columns = ", ".join((*CHAINED_FIELDS, "prev_hash", "hash"))
    bound = f" AND seq <= {mark}" if until is not None else ""
    sql = (
        f"SELECT {columns} FROM audit_event WHERE seq > {mark}{bound} "  # noqa: S608 - fixed names
        f"ORDER BY seq LIMIT {BATCH}"
    )
    cursor = connection.cursor()
    try:
        last = after
        while True:
            cursor.execute(sql, (last, until) if until is not None else (last,))
            batch = cursor.fetchall()
            if not batch:
                return
            yield from batch
            last = batch[-1][0]
            if len(batch) < BATCH:
                return
    finally:
        cursor.close()


def _any_after(connection: Any, mark: str, seq: int) -> bool:
    cursor = connection.cursor()
    try:
        cursor.execute(f"SELECT seq FROM audit_event WHERE seq > {mark} LIMIT 1", (seq,))  # noqa: S608
        return cursor.fetchone() is not None
    finally:
        cursor.close()


# --- the worker processes -----------------------------------------------------------

_worker: dict[str, Any] = {}


def start_worker(url: str, public_key_raw: bytes) -> None:
    """Pool initializer: one connection for the life of the worker process, opened from
    the database URL the app uses (read only where the driver allows)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    _worker["engine"] = engine
    _worker["mark"] = marker(engine.dialect.paramstyle)
    _worker["key"] = Ed25519PublicKey.from_public_bytes(public_key_raw)


def walk_in_worker(segment: Segment) -> SegmentResult:
    """One segment, in a worker process (start_worker has run), in its own read
    transaction: the records of a segment that ends at a checkpoint were committed with
    that checkpoint, before the walk began."""
    connection = _worker["engine"].raw_connection()
    try:
        return walk(connection, _worker["key"], segment, _worker["mark"])
    finally:
        connection.rollback()
        connection.close()
