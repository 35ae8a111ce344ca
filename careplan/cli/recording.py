"""A command's work and its audit record, committed as one unit of work (a job)."""

from __future__ import annotations

from typing import Any

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.core import unit_of_work


def commit_recorded(action: AuditAction, outcome: Outcome = Outcome.PERMIT, **fields: Any) -> None:
    """Commit what the command changed with one audit record of it (`audit.log.build`'s
    fields: `user`, `person_id`, `details`, ...), its request id `cli:<12 hex>`. Raises
    careplan.core.errors.NotRecorded, changing nothing, if the record cannot be written."""
    fields.setdefault("user", None)
    with unit_of_work.job("cli"):
        record(action, outcome, **fields)
