"""Re-walking the chain and its signed checkpoints, in batches, in constant memory.

It finds an edited record (its hash no longer matches), a removed or inserted record (a
gap or a broken link), reordering (broken links), and a tail cut off after the last
checkpoint was signed (the checkpoint names a record that is no longer there). Checkpoint
signatures are checked with the public key, so someone who can rewrite the database but
does not hold the private key cannot rewrite history and re-sign it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.chain import CHAINED_FIELDS, link_hash_values
from audit.models import GENESIS_HASH, AuditCheckpoint
from audit.signing import checkpoint_message, verify_signature
from audit.witnesses import entry_message, read_entries

BATCH = 5000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint: dict[str, Any] | None = None
    # Each witness checked (verify_witnessed): {name, ok, last_seq, behind, problem, line}.
    witnesses: tuple[dict[str, Any], ...] = ()
    # The stored hash of each record asked for in `verify_chain(..., hashes_at=)`.
    hashes: dict[int, str] = field(default_factory=dict)


def verify_chain(
    session: Session, public_key: Ed25519PublicKey, hashes_at: frozenset[int] = frozenset()
) -> VerifyResult:
    checkpoints = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)))
    for cp in checkpoints:
        message = checkpoint_message(cp.seq, cp.hash, cp.signed_at)
        if not verify_signature(public_key, cp.signature, message):
            return VerifyResult(False, 0, cp.seq, "checkpoint signature is not valid")
    wanted = {cp.seq: cp.hash for cp in checkpoints}
    last_cp = checkpoints[-1] if checkpoints else None
    summary = (
        {
            "seq": last_cp.seq,
            "signed_at": last_cp.signed_at.isoformat() + "Z",
            "key_id": last_cp.key_id,
        }
        if last_cp
        else None
    )
    prev_hash, expected = GENESIS_HASH, 1
    hashes: dict[int, str] = {}
    for row in _rows(session):
        seq, values, row_prev, row_hash = row[0], row[:-2], row[-2], row[-1]
        problem = None
        if seq != expected:
            problem = (expected, "missing record")
        elif row_prev != prev_hash:
            problem = (seq, "broken link")
        elif link_hash_values(prev_hash, values) != row_hash:
            problem = (seq, "record altered")
        elif wanted.get(seq, row_hash) != row_hash:
            problem = (seq, "record differs from the signed checkpoint")
        if problem is not None:
            return VerifyResult(False, expected - 1, problem[0], problem[1], summary, (), hashes)
        if seq in hashes_at:
            hashes[seq] = row_hash
        prev_hash, expected = row_hash, expected + 1
    checked = expected - 1
    if last_cp is not None and last_cp.seq > checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            "records signed in a checkpoint are missing from the end",
            summary,
            (),
            hashes,
        )
    return VerifyResult(True, checked, None, None, summary, (), hashes)


def _rows(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every record as stored, in order, in batches, through the plain driver cursor:
    no type conversion, no objects, constant memory."""
    connection = session.connection()
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join((*CHAINED_FIELDS, "prev_hash", "hash"))
    sql = (
        f"SELECT {columns} FROM audit_event WHERE seq > {mark} "  # noqa: S608 - fixed names
        f"ORDER BY seq LIMIT {BATCH}"
    )
    cursor = connection.connection.cursor()
    try:
        last = 0
        while True:
            cursor.execute(sql, (last,))
            batch = cursor.fetchall()
            if not batch:
                return
            yield from batch
            last = batch[-1][0]
    finally:
        cursor.close()


# --- witnesses (audit.witnesses) ----------------------------------------------------


@dataclass
class _Witnessed:
    name: str
    head: tuple[int, str] | None = None  # the newest entry (head or checkpoint)
    checkpoints: dict[int, str] = field(default_factory=dict)
    problem: str | None = None
    line: int | None = None
    first_bad_seq: int | None = None


def _read_witness(name: str, path: Path, public_key: Ed25519PublicKey, given: int) -> _Witnessed:
    """Everything a witness file holds, every line's signature checked. `given`: what the
    database says this witness was given (audit_witness), 0 if unknown."""
    seen = _Witnessed(name)
    try:
        lines = list(read_entries(path))
    except FileNotFoundError:
        lines = []
        if given:
            seen.problem = (
                f"the witness file is missing, though records up to {given} were written to it"
            )
        return seen
    except OSError:
        seen.problem = "the witness file cannot be read"
        return seen
    for item in lines:
        if isinstance(item, int):
            seen.problem = f"line {item} of the witness is not an entry this service wrote"
            seen.line = item
            return seen
        entry = item.entry
        message = entry_message(entry)
        if message is None or not verify_signature(public_key, entry["signature"], message):
            seen.problem = (
                f"line {item.line} of the witness is not validly signed: the witness was edited"
            )
            seen.line = item.line
            return seen
        if seen.head is None or entry["seq"] > seen.head[0]:
            seen.head = (entry["seq"], entry["hash"])
        if entry["kind"] == "checkpoint":
            seen.checkpoints[entry["seq"]] = entry["hash"]
    if given and (seen.head is None or seen.head[0] < given):
        seen.problem = (
            f"the witness holds less than it was given (records up to {given}): "
            "its newest entries were removed"
        )
    return seen


def verify_witnessed(
    session: Session,
    public_key: Ed25519PublicKey,
    witnesses: Sequence[tuple[str, Path]],
    given: Mapping[str, int] | None = None,
) -> VerifyResult:
    """The chain and checkpoints (verify_chain), and each witness `(name, file)`: every
    record up to the newest one a witness holds must be present and unchanged, and every
    checkpoint it holds must be in the database. A witness that is merely behind (the
    database holds newer records it was not given yet) is reported as behind, not as
    tampering; an edited witness (a line whose signature fails, or entries it was given,
    per `given`, that are gone) makes the result not intact.

    The witnesses are read first: whatever they hold was committed before the walk began.
    """
    read = [_read_witness(n, p, public_key, (given or {}).get(n, 0)) for n, p in witnesses]
    wanted = frozenset(
        s for w in read for s in ([w.head[0]] if w.head else []) + list(w.checkpoints)
    )
    result = verify_chain(session, public_key, wanted)
    stored = {
        cp.seq: cp.hash
        for cp in session.scalars(
            select(AuditCheckpoint).where(
                AuditCheckpoint.seq.in_(sorted({s for w in read for s in w.checkpoints}))
            )
        )
    }
    reports = []
    for w in read:
        _check_against_log(w, result, stored)
        last = w.head[0] if w.head else 0
        reports.append(
            {
                "name": w.name,
                "ok": w.problem is None,
                "last_seq": last,
                "behind": max(result.checked - last, 0) if w.problem is None else None,
                "problem": w.problem,
                "line": w.line,
            }
        )
    problems = [w for w in read if w.problem is not None]
    if result.ok and problems:
        first = min(problems, key=lambda w: w.first_bad_seq or 0)
        result = replace(
            result,
            ok=False,
            first_bad_seq=first.first_bad_seq,
            problem=f"witness {first.name}: {first.problem}",
        )
    return replace(result, witnesses=tuple(reports), hashes={})


def _check_against_log(w: _Witnessed, result: VerifyResult, stored: Mapping[int, str]) -> None:
    if w.problem is not None:
        return
    checked = result.checked if result.ok else (result.first_bad_seq or 1) - 1
    for seq, expected in sorted(w.checkpoints.items()):
        if stored.get(seq) != expected:
            w.problem = f"the signed checkpoint at record {seq} is missing from the database"
            w.first_bad_seq = seq
            return
    if w.head is None:
        return
    seq, expected = w.head
    if seq > result.checked and result.ok:
        w.problem = f"records up to {seq} were witnessed but are missing from the end of the log"
        w.first_bad_seq = result.checked + 1
    elif seq <= checked and result.hashes.get(seq) != expected:
        w.problem = f"record {seq} differs from the witnessed head"
        w.first_bad_seq = seq
