"""Re-walking the chain and its signed checkpoints, in batches, in constant memory.

It finds an edited record (its hash no longer matches), a removed or inserted record (a
gap or a broken link), reordering (broken links), and a tail cut off after the last
checkpoint was signed (the checkpoint names a record that is no longer there). Checkpoint
signatures are checked with the public key, so someone who can rewrite the database but
does not hold the private key cannot rewrite history and re-sign it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.chain import link_hash
from audit.models import GENESIS_HASH, AuditCheckpoint, AuditEvent
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
    table = AuditEvent.__table__
    prev_hash, expected, last_seq = GENESIS_HASH, 1, 0
    while True:
        rows = (
            session.execute(
                select(table).where(table.c.seq > last_seq).order_by(table.c.seq).limit(BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            problem = _check(row, expected, prev_hash)
            if problem is None and wanted.get(row["seq"], row["hash"]) != row["hash"]:
                problem = (row["seq"], "record differs from the signed checkpoint")
            if problem is not None:
                return VerifyResult(False, expected - 1, problem[0], problem[1], summary)
            prev_hash, expected = row["hash"], expected + 1
        last_seq = rows[-1]["seq"]
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


def _check(row: Any, expected: int, prev_hash: str) -> tuple[int, str] | None:
    if row["seq"] != expected:
        return expected, "missing record"
    if row["prev_hash"] != prev_hash:
        return row["seq"], "broken link"
    if link_hash(prev_hash, row) != row["hash"]:
        return row["seq"], "record altered"
    return None
