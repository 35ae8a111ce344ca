"""Re-walking the chain and its signed checkpoints, in batches, in constant memory.

It finds an edited record (its hash no longer matches), a removed or inserted record (a
gap or a broken link), reordering (broken links), and a tail cut off after the last
checkpoint was signed (the checkpoint names a record that is no longer there). Checkpoint
signatures are checked with the public key, so someone who can rewrite the database but
does not hold the private key cannot rewrite history and re-sign it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.chain import CHAINED_FIELDS, link_hash_values
from audit.models import GENESIS_HASH, AuditCheckpoint
from audit.signing import checkpoint_message, verify_signature

BATCH = 5000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint: dict[str, Any] | None = None


def verify_chain(session: Session, public_key: Ed25519PublicKey) -> VerifyResult:
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
            return VerifyResult(False, expected - 1, problem[0], problem[1], summary)
        prev_hash, expected = row_hash, expected + 1
    checked = expected - 1
    if last_cp is not None and last_cp.seq > checked:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            "records signed in a checkpoint are missing from the end",
            summary,
        )
    return VerifyResult(True, checked, None, None, summary)


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
