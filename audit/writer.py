"""Appends pending events to the chain inside the caller's transaction.

The head row is locked (FOR UPDATE on PostgreSQL; SQLite transactions already hold the
database write lock), so concurrent processes append one after another: no forks, no gaps.
Every `every` records, or when the last checkpoint is older than `seconds`, the same
transaction signs a checkpoint. Core statements, not ORM objects: this runs on every
request and must stay lean. The same transaction keeps the summary of who touched whom
(audit.summary): derived from the records, never part of what the chain hashes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from audit import summary
from audit.chain import link_hash
from audit.models import AuditCheckpoint, AuditEvent, AuditHead
from audit.signing import Signer, checkpoint_message
from careplan.core import clock
from careplan.core.prepared import Prepared

_event_table = AuditEvent.__table__
_head_table = AuditHead.__table__
_checkpoint_table = AuditCheckpoint.__table__


@dataclass(frozen=True)
class CheckpointPolicy:
    signer: Signer
    every: int
    seconds: int


def append(
    session: Session,
    records: Sequence[dict[str, Any]],
    checkpoints: CheckpointPolicy | None = None,
    signed: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Chain and insert `records` (dicts of AuditEvent fields without seq and hashes);
    returns them with their places in the chain. `signed`: if given, the sequence number
    of a checkpoint signed by this append is added to it (for the witnesses)."""
    if not records:
        return []
    head_query, insert_event, update_head = _statements()
    # The request's own transaction; statements prepared once (careplan.core.prepared).
    connection = session.connection()
    head = head_query.first(connection, {})
    seq, prev = head.seq, head.hash
    rows = []
    for record in records:
        seq += 1
        row = {**record, "seq": seq, "prev_hash": prev}
        row["hash"] = prev = link_hash(prev, row)
        rows.append(row)
    values = {
        "seq": seq,
        "hash": prev,
        "checkpoint_seq": head.checkpoint_seq,
        "checkpoint_at": head.checkpoint_at,
    }
    due = checkpoints is not None and _due(head, seq, checkpoints)
    if len(rows) == 1 and not due and connection.dialect.name == "postgresql":
        # The usual request on PostgreSQL: its one record, the summary and the head in
        # one statement (where four round trips cost about 0.25 ms of the app's CPU).
        row = rows[0]
        keys = summary.touched(rows)
        statement = _one_statement(bool(keys))
        for (day, actor, person), events in keys.items():
            values.update(summary.key_values(day, actor, person, events))
        # Sent with the transaction's COMMIT: one round trip for both.
        statement.execute_with_commit(connection, {**row, **values})
        return rows
    insert_event.execute_many(connection, rows)
    summary.keep(connection, rows)
    if due and checkpoints is not None:
        values.update(_checkpoint(session, seq, prev, checkpoints.signer))
        if signed is not None:
            signed.append(seq)
    update_head.execute(connection, values)
    return rows


@functools.cache
def _statements() -> tuple[Prepared, Prepared, Prepared]:
    h = _head_table.c
    head = select(h.seq, h.hash, h.checkpoint_seq, h.checkpoint_at).where(h.id == 1)
    columns = [c.name for c in _event_table.c]
    insert_event = insert(_event_table).values({name: bindparam(name) for name in columns})
    # The head moves; its checkpoint fields stay as they were unless one was just signed.
    moved = ("seq", "hash", "checkpoint_seq", "checkpoint_at")
    move_head = update(_head_table).where(h.id == 1).values({n: bindparam(n) for n in moved})
    return Prepared(head.with_for_update()), Prepared(insert_event), Prepared(move_head)


@functools.cache
def _one_statement(with_summary: bool) -> Prepared:
    """PostgreSQL: one record inserted, its summary key added (`with_summary`) and the
    head moved, in one statement (data-modifying WITH parts, each run exactly once:
    PostgreSQL's documentation, "WITH Queries", 7.8.4). The record's `seq` and `hash`
    are the head's new ones. No checkpoint: `append` uses the separate statements when
    one is due."""
    h = _head_table.c
    columns = [c.name for c in _event_table.c]
    event = postgresql.insert(_event_table).values({n: bindparam(n) for n in columns})
    moved = ("seq", "hash", "checkpoint_seq", "checkpoint_at")
    statement = (
        update(_head_table)
        .where(h.id == 1)
        .values({n: bindparam(n) for n in moved})
        .add_cte(event.cte("appended"))
    )
    if with_summary:
        statement = statement.add_cte(*summary.one_key_parts())
    return Prepared(statement)


def _due(head: Any, seq: int, policy: CheckpointPolicy) -> bool:
    if seq - head.checkpoint_seq >= policy.every:
        return True
    last = head.checkpoint_at
    return last is None or clock.now() - last >= timedelta(seconds=policy.seconds)


def _checkpoint(session: Session, seq: int, chain_hash: str, signer: Signer) -> dict[str, Any]:
    signed_at = clock.now()
    session.execute(
        insert(_checkpoint_table).values(
            seq=seq,
            hash=chain_hash,
            signed_at=signed_at,
            key_id=signer.key_id,
            signature=signer.sign(checkpoint_message(seq, chain_hash, signed_at)),
        )
    )
    return {"checkpoint_seq": seq, "checkpoint_at": signed_at}
