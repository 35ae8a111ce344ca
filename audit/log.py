"""Recording audit events for the current request.

Handlers call `record(...)`; the events wait on the request and are written by the
request's single commit (careplan.core.transaction), in the same transaction as the action.
A denied or failed request rolls its changes back and still writes its events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from flask import has_app_context, has_request_context

from audit import writer
from audit.actions import AuditAction, Outcome, outcome_for_status
from audit.stored import json_text, time_text
from careplan.core import clock, unproxied
from careplan.core.text import one_line, storable
from careplan.core.untrusted import client_address
from careplan.extensions import db
from careplan.protection.sealed import vault
from careplan.protection.vault import PREFIX

USER_AGENT_CHARS = 300  # the columns' widths
REASON_CHARS = 100


def _plain(value: Any) -> Any:
    """Details are stored as JSON and hashed: ids and dates as strings, and text that any
    database stores (careplan.core.text.storable), so a record never fails on its text."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {storable(str(k)): _plain(v) for k, v in value.items()}
    return value


def _actor_fields(user: Any) -> dict[str, Any]:
    if user is None:
        return {
            "actor_id": None,
            "actor_name": None,
            "actor_role": None,
            "actor_agency_id": None,
            "actor_agency_name": None,
        }
    agency = user.agency
    return {
        "actor_id": str(user.id),
        "actor_name": user.name,
        "actor_role": user.primary_role,
        "actor_agency_id": str(agency.id) if agency else None,
        "actor_agency_name": agency.name if agency else None,
    }


def _request_fields() -> dict[str, Any]:
    if not has_request_context():
        # A job (careplan.core.unit_of_work.job) names itself in the request id.
        job = unproxied.namespace().get("request_id") if has_app_context() else None
        return {"request_id": job, "client_addr": None, "user_agent": None}
    # Evidence, never a reason to fail: an address only if it is one, the User-Agent on
    # one line without control characters (a NUL would stop PostgreSQL storing the record).
    return {
        "request_id": unproxied.namespace().get("request_id"),
        "client_addr": client_address(),
        "user_agent": one_line(unproxied.request().user_agent.string, USER_AGENT_CHARS),
    }


def build(
    action: AuditAction,
    outcome: Outcome,
    *,
    user: Any = None,
    person_id: uuid.UUID | None = None,
    sections: Iterable[str] = (),
    withheld: Iterable[str] = (),
    basis: Mapping[str, str] | None = None,
    reason: str | None = None,
    purpose: str | None = None,
    justification: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit record as stored text columns (without its place in the chain)."""
    actor = _actor_fields(user)
    context = _request_fields()
    return {
        "occurred_at": time_text(clock.now()),
        **actor,
        "action": action.value,
        "outcome": outcome.value,
        "person_id": _id(person_id),
        "sections": json_text(list(sections)),
        "withheld": json_text(list(withheld)),
        "basis": json_text(dict(basis or {})),
        "reason": None if reason is None else storable(reason)[:REASON_CHARS],
        # The request's purpose (careplan.access.purposes, set as it is decided).
        "purpose": purpose if purpose is not None else _purpose(),
        "justification": seal_justification(justification, context["request_id"], action),
        "details": json_text({k: _plain(v) for k, v in (details or {}).items()}),
        **context,
    }


def _purpose() -> str | None:
    return unproxied.namespace().get("purpose") if has_app_context() else None


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def record(action: AuditAction, outcome: Outcome = Outcome.PERMIT, **fields: Any) -> None:
    """Queue an event for the current request; the actor defaults to the signed-in user."""
    state = unproxied.namespace()
    fields.setdefault("user", state.get("user"))
    pending(state).append(build(action, outcome, **fields))
    state.pop("audit_attempt", None)


def attempt(action: AuditAction, **fields: Any) -> None:
    """Note an access that was permitted but not yet carried out.

    If the request then fails (bad input, a conflict, a stale version) before the handler
    records its outcome, the commit records the attempt as what became of it (invalid,
    conflict, failed; deny only for a 403), with the error code: an attempt on a person's
    plan is access too, even when it changes nothing.
    """
    unproxied.namespace().audit_attempt = {"action": action, **fields}


def record_failed_attempt(error_code: str, status: int | None) -> None:
    """The permitted attempt noted for this request, recorded as what became of it: the
    outcome follows the error's HTTP `status` (audit.actions.outcome_for_status; None: a
    job that failed), the reason is the error code."""
    attempted = unproxied.namespace().pop("audit_attempt", None)
    if attempted is not None:
        action = attempted.pop("action")
        record(action, outcome_for_status(status), reason=error_code, **attempted)


def begin() -> None:
    """Begin hook of the unit of work: nothing queued or attempted is inherited from an
    earlier request or job held in the same app context."""
    state = unproxied.namespace()
    state.pop("audit_attempt", None)
    state.pop("audit_committing", None)
    pending(state).clear()


def append_pending(session: Any, error_code: str | None) -> None:
    """Commit hook of the unit of work (careplan.core.unit_of_work): the records queued by
    this request or job, chained into the log in the same transaction as the work.
    `error_code`: the work failed, so a permitted attempt is recorded as refused with it.
    The queue is emptied whatever happens."""
    state = unproxied.namespace()
    events = pending(state)
    state.pop("audit_committing", None)
    try:
        if error_code is not None:
            record_failed_attempt(error_code, state.get("failed_status"))
        signed: list[int] = []
        rows = writer.append(
            session, events, unproxied.app().extensions["careplan.checkpoints"], signed
        )
        if rows:
            state.audit_committing = (rows[-1]["seq"], rows[-1]["hash"], bool(signed))
    finally:
        events.clear()


def witness_committed() -> None:
    """After-commit hook of the unit of work: the head this unit of work committed goes
    to the witnesses (audit.witnesses; never fails, never waits)."""
    head = unproxied.namespace().pop("audit_committing", None)
    deliverer = unproxied.app().extensions.get("careplan.witnesses")
    if head is not None and deliverer is not None:
        deliverer.offer(*head)


def pending(namespace: Any) -> list[dict[str, Any]]:
    if "audit_pending" not in namespace:
        namespace.audit_pending = []
    return namespace.audit_pending


def _justification_aad(request_id: str | None, action: str) -> str:
    return f"audit_event.justification:{request_id}:{action}"


def seal_justification(text: str | None, request_id: str | None, action: AuditAction) -> str | None:
    """A break-glass or claim justification is sealed like the row it explains; the
    chain hashes the sealed text, so verification never needs the keys."""
    if text is None:
        return None

    return vault().seal(
        db.session, "audit", _justification_aad(request_id, action.value), text.encode("utf-8")
    )


def open_justification(row: Mapping[str, Any]) -> str | None:

    value = row["justification"]
    if value is None or not value.startswith(PREFIX):
        return value  # written before sealing existed: the chain hash still protects it
    return (
        vault()
        .open(db.session, _justification_aad(row["request_id"], row["action"]), value)
        .decode("utf-8")
    )
