"""Re-walking the chain: every record's link and hash, in sequence, in constant memory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.chain import link_hash
from audit.models import GENESIS_HASH, AuditEvent, AuditHead

BATCH = 5000


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session) -> VerifyResult:
    table = AuditEvent.__table__
    prev_hash, expected_seq, checked, last_seq = GENESIS_HASH, 1, 0, 0
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
            if row["seq"] != expected_seq:
                return VerifyResult(False, checked, expected_seq, "missing record")
            if row["prev_hash"] != prev_hash:
                return VerifyResult(False, checked, row["seq"], "broken link")
            if link_hash(prev_hash, row) != row["hash"]:
                return VerifyResult(False, checked, row["seq"], "record altered")
            prev_hash, expected_seq, checked = row["hash"], expected_seq + 1, checked + 1
        last_seq = rows[-1]["seq"]
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return VerifyResult(False, checked, checked + 1, "records missing from the end")
    return VerifyResult(True, checked)
