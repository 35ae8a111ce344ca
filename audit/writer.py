"""Appends pending events to the chain inside the caller's transaction.

The head row is locked (FOR UPDATE on PostgreSQL; SQLite transactions already hold the
database write lock), so concurrent processes append one after another: no forks, no gaps.
Core statements, not ORM objects: this runs on every request and must stay lean.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from audit.chain import link_hash
from audit.models import AuditEvent, AuditHead

_event_table = AuditEvent.__table__
_head_table = AuditHead.__table__


def append(session: Session, records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chain and insert `records` (dicts of AuditEvent fields without seq and hashes)."""
    if not records:
        return []
    head = session.execute(
        select(_head_table.c.seq, _head_table.c.hash).where(_head_table.c.id == 1).with_for_update()
    ).one()
    seq, prev = head.seq, head.hash
    rows = []
    for record in records:
        seq += 1
        row = {**record, "seq": seq, "prev_hash": prev}
        row["hash"] = prev = link_hash(prev, row)
        rows.append(row)
    session.execute(insert(_event_table), rows)
    session.execute(update(_head_table).where(_head_table.c.id == 1).values(seq=seq, hash=prev))
    return rows
