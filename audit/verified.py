"""How far the log is known to be intact, and the check that starts from there.

A full check walks every record (audit.verify). At national scale that takes minutes, so
the IG page's "Check the log" and `GET /audit/verify` check incrementally: from the newest
signed checkpoint an earlier check reached (kept in `audit_verification`, one row) to the
end of the log, with the witnesses. The row is itself checked before it is trusted:

- it is signed with the audit key (state_message), so it cannot be pointed past records
  changed behind the service's back by someone who does not hold the key;
- the checkpoint it names must still be in `audit_checkpoint`, with the same hash and a
  valid signature, and its record must still hash to that value (audit.verify);
- the chain after it must link to that hash.

Tampering after that checkpoint is found incrementally; tampering before it is found by
the full check (`flask audit verify`), which every answer says when it last ran. A check
that finds a problem removes the row, so the next check, incremental or not, is full.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from audit.models import GENESIS_HASH, AuditCheckpoint, AuditVerification
from audit.segments import Checkpoint
from audit.signing import Signer, key_id, verify_signature
from audit.verify import MIN_SEGMENT, VerifyResult, verify_witnessed

ROW_ID = 1


def state_message(
    checkpoint_seq: int,
    checkpoint_hash: str,
    checked_at: datetime,
    full_at: datetime | None,
    full_seq: int | None,
) -> bytes:
    """What the audit key signs for the state row (times naive UTC, to the microsecond)."""
    full = "" if full_at is None else full_at.isoformat(timespec="microseconds")
    return (
        f"careplan-audit-verified:v1:{checkpoint_seq}:{checkpoint_hash}:"
        f"{checked_at.isoformat(timespec='microseconds')}:{full}:{full_seq or 0}"
    ).encode()


@dataclass(frozen=True)
class Start:
    """Where a check starts: `checkpoint` None for a full check (with `note` saying why
    an incremental one was not possible); `problem` (first bad record, what is wrong)
    when the state itself shows tampering; `last_full`: {"at", "seq"} of the last full
    check found intact, as the signed state says."""

    checkpoint: Checkpoint | None
    last_full: dict[str, Any] | None = None
    note: str | None = None
    problem: tuple[int, str] | None = None
    full_at: datetime | None = None
    full_seq: int | None = None


def load(session: Session, public_key: Ed25519PublicKey) -> Start:
    """The trusted starting point for an incremental check, read from audit_verification."""
    row = session.get(AuditVerification, ROW_ID)
    if row is None:
        return Start(None, note="no earlier check is on record")
    message = state_message(
        row.checkpoint_seq, row.checkpoint_hash, row.checked_at, row.full_at, row.full_seq
    )
    if row.key_id != key_id(public_key) or not verify_signature(public_key, row.signature, message):
        return Start(
            None,
            note="the record of the last check is not signed with this key",
        )
    last_full = (
        {"at": row.full_at.isoformat() + "Z", "seq": row.full_seq}
        if row.full_at is not None
        else None
    )
    kept = {"last_full": last_full, "full_at": row.full_at, "full_seq": row.full_seq}
    if row.checkpoint_seq == 0:
        return Start(None, note="no checkpoint had been verified yet", **kept)
    cp = session.get(AuditCheckpoint, row.checkpoint_seq)
    if cp is None or cp.hash != row.checkpoint_hash:
        return Start(
            None,
            problem=(
                row.checkpoint_seq,
                f"the signed checkpoint at record {row.checkpoint_seq}, verified on "
                f"{row.checked_at:%d %B %Y}, is missing from the database or was changed",
            ),
            **kept,
        )
    return Start(Checkpoint(cp.seq, cp.hash, cp.signed_at, cp.signature), **kept)


def state(session: Session, public_key: Ed25519PublicKey) -> dict[str, Any] | None:
    """The state row as a dict (checkpoint_seq, checked_at, full_at, full_seq) if it is
    signed with `public_key`; None if there is none or it cannot be trusted."""
    row = session.get(AuditVerification, ROW_ID)
    if row is None:
        return None
    message = state_message(
        row.checkpoint_seq, row.checkpoint_hash, row.checked_at, row.full_at, row.full_seq
    )
    if not verify_signature(public_key, row.signature, message):
        return None
    return {
        "checkpoint_seq": row.checkpoint_seq,
        "checked_at": row.checked_at,
        "full_at": row.full_at,
        "full_seq": row.full_seq,
    }


def check(
    session: Session,
    public_key: Ed25519PublicKey,
    witnesses: Sequence[tuple[str, Path]],
    given: Mapping[str, int] | None,
    *,
    incremental: bool,
    processes: int,
    now: datetime,
    signer: Signer | None = None,
    min_segment: int = MIN_SEGMENT,
) -> VerifyResult:
    """A full or incremental check with the witnesses (audit.verify.verify_witnessed);
    what it found is kept in audit_verification (within the caller's transaction) when
    `signer` is given and holds the key checked with: advanced when intact, removed when
    not. The result says what was checked (mode, from_seq, checked), when the whole log
    was last found intact in full (last_full) and, if an incremental check was asked for
    but not possible, why (note)."""
    start = load(session, public_key) if incremental else Start(None)
    if start.problem is not None:
        seq, problem = start.problem
        result = VerifyResult(
            False, seq - 1, seq, problem, mode="incremental", from_seq=seq, note=start.note
        )
    else:
        result = verify_witnessed(
            session,
            public_key,
            witnesses,
            given,
            processes=processes,
            start=start.checkpoint,
            min_segment=min_segment,
        )
        if not incremental:
            # A full check keeps what the state says of the last full check until it
            # has found the log intact itself.
            start = load(session, public_key)
    keep = signer is not None and signer.key_id == key_id(public_key)
    last_full = start.last_full
    if keep and result.ok:
        full = result.mode == "full"
        full_at = now if full else start.full_at
        full_seq = result.checked if full else start.full_seq
        _save(session, signer, result.checked, now, full_at, full_seq)  # type: ignore[arg-type]
        if full:
            last_full = {"at": now.isoformat() + "Z", "seq": result.checked}
    elif keep:
        session.execute(delete(AuditVerification).where(AuditVerification.id == ROW_ID))
        last_full = None if result.mode == "full" else last_full
    return replace(result, last_full=last_full, note=start.note if incremental else None)


def _save(
    session: Session,
    signer: Signer,
    checked: int,
    now: datetime,
    full_at: datetime | None,
    full_seq: int | None,
) -> None:
    """Point the state at the newest checkpoint within the records found intact."""
    cp = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.seq <= checked)
        .order_by(AuditCheckpoint.seq.desc())
        .limit(1)
    ).first()
    seq, chain_hash = (cp.seq, cp.hash) if cp is not None else (0, GENESIS_HASH)
    values = {
        "id": ROW_ID,
        "checkpoint_seq": seq,
        "checkpoint_hash": chain_hash,
        "checked_at": now,
        "full_at": full_at,
        "full_seq": full_seq,
        "key_id": signer.key_id,
        "signature": signer.sign(state_message(seq, chain_hash, now, full_at, full_seq)),
    }
    # One upsert: two checks finishing at once (two IG officers, a scheduled check) must
    # not both insert the first row (IntegrityError on PostgreSQL); the later one stands.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    saved = insert(AuditVerification.__table__).values(values)
    session.execute(
        saved.on_conflict_do_update(
            index_elements=["id"], set_={k: saved.excluded[k] for k in values if k != "id"}
        )
    )
    held = session.identity_map.get(session.identity_key(AuditVerification, ROW_ID))
    if held is not None:
        session.expire(held)
