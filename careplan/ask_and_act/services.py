"""Asking about a person's housing and acting on the answer (Housing (Scotland) Act 2025,
Part 5); rule table `careplan.access.rules.HOUSING_ASK`, decided as the housing section.

A referral to the council's homelessness service is made through the referral life cycle
(careplan.referrals, with the person's consent recorded there); an ask names the referral
it led to, which must be the same person's. The referral table is read here by name, not
through its package, which sits above this one in the import layers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import g
from sqlalchemy import String, Uuid, column, select, table

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import authorise
from careplan.agencies.models import Agency
from careplan.ask_and_act.models import HousingAsk
from careplan.ask_and_act.rules import current
from careplan.core import clock
from careplan.core.clock import iso
from careplan.core.errors import NotFound, Unprocessable
from careplan.core.http import require_version
from careplan.directory.councils import name_of
from careplan.extensions import db

RESOURCE = Resource(ResourceType.HOUSING_ASK)
NO_ASK = "There is no such record of asking about housing."
# The referral table, by name (careplan.referrals sits above this package).
_referral = table(
    "referral", column("id", Uuid), column("person_id", Uuid), column("status", String)
)


def locate(values: Mapping[str, Any], action: AuditAction) -> tuple[uuid.UUID, Resource]:
    """For `@requires(..., locate=locate)`: the person of the ask named by the URL's
    `ask_id` (NotFound, recorded as invalid, for no such ask)."""
    person_id = db.session.scalar(
        select(HousingAsk.person_id).where(HousingAsk.id == values["ask_id"])
    )
    if person_id is None:
        record(
            action,
            Outcome.INVALID,
            reason="not_found",
            details={"requested_id": values["ask_id"]},
        )
        raise NotFound(NO_ASK)
    return person_id, RESOURCE


def _referral_status(referral_id: uuid.UUID | None) -> str | None:
    if referral_id is None:
        return None
    return db.session.scalar(select(_referral.c.status).where(_referral.c.id == referral_id))


def present(row: HousingAsk) -> dict[str, Any]:
    """One ask as the API and pages show it (labels from the configured rules)."""
    rules = current()
    status = _referral_status(row.referral_id)
    return {
        "id": row.id,
        "person_id": row.person_id,
        "asked_on": row.asked_on,
        "asked_by": row.asked_by.name,
        "agency": row.agency.name,
        "council_code": row.council_code,
        "council": name_of(row.council_code) or row.council_code,
        "under_duty": row.under_duty,
        "answer": row.answer,
        "answer_label": rules.label("answers", row.answer) or row.answer,
        "actions_offered": list(row.actions_offered),
        "actions_accepted": list(row.actions_accepted),
        "referral": {"id": row.referral_id, "status": status} if row.referral_id else None,
        "outcome": row.outcome,
        "outcome_label": rules.label("outcomes", row.outcome),
        "outcome_on": row.outcome_on,
        "note": row.note,
        "version": row.version,
        "created_at": iso(row.created_at),
    }


def _check_referral(person_id: uuid.UUID, referral_id: uuid.UUID | None) -> None:
    """The referral named is one of this person's. Raises Unprocessable (422)."""
    if referral_id is None:
        return
    owner = db.session.scalar(select(_referral.c.person_id).where(_referral.c.id == referral_id))
    if owner != person_id:
        raise Unprocessable(fields={"referral_id": ["Choose one of this person's referrals."]})


def record_ask(person_id: uuid.UUID, load: Callable[[], dict[str, Any]]) -> HousingAsk:
    """The question asked, the answer and the actions offered and taken up, in the
    person's housing plan. Records `housing_ask.create`. Raises Unprocessable (422) for
    input the rules refuse, or a referral that is not this person's."""
    context, decision = authorise(
        person_id,
        Permission.HOUSING_ASK_RECORD,
        AuditAction.HOUSING_ASK_CREATE,
        resource=RESOURCE,
    )
    data = load()
    _check_referral(person_id, data["referral_id"])
    user = g.user
    if user.agency_id is None:  # staff always belong to an agency; a guard, not a rule
        raise Unprocessable("Only staff of an organisation can record this.")
    agency = db.session.get(Agency, user.agency_id)
    kind = agency.kind.value
    row = HousingAsk(
        id=uuid.uuid4(),
        person_id=person_id,
        plan_id=context.plan.id,
        asked_on=data["asked_on"],
        asked_by_id=user.id,
        agency_id=agency.id,
        agency_kind=kind,
        council_code=data["council_code"],
        under_duty=current().under_duty(data["asked_on"], kind),
        answer=data["answer"],
        actions_offered=data["actions_offered"],
        actions_accepted=data["actions_accepted"],
        referral_id=data["referral_id"],
        created_at=clock.now(),
    )
    row.note = (data["note"] or "").strip() or None
    db.session.add(row)
    db.session.flush()
    record(
        AuditAction.HOUSING_ASK_CREATE,
        person_id=person_id,
        basis={"housing_ask": decision.basis_text},
        details={"housing_ask_id": row.id, "answer": row.answer, "under_duty": row.under_duty},
    )
    return row


def asks(person_id: uuid.UUID) -> Sequence[HousingAsk]:
    """The person's asks, newest first. Records `housing_ask.list`."""
    _, decision = authorise(
        person_id, Permission.HOUSING_ASK_VIEW, AuditAction.HOUSING_ASK_LIST, resource=RESOURCE
    )
    rows = db.session.scalars(
        select(HousingAsk)
        .where(HousingAsk.person_id == person_id)
        .order_by(HousingAsk.asked_on.desc(), HousingAsk.created_at.desc())
    ).all()
    record(
        AuditAction.HOUSING_ASK_LIST,
        person_id=person_id,
        basis={"housing_ask": decision.basis_text},
        details={"count": len(rows)},
    )
    return rows


def update(
    ask_id: uuid.UUID,
    load: Callable[[], dict[str, Any]],
    same_version: Callable[[int], None] = require_version,
) -> HousingAsk:
    """The outcome and/or the referral the ask led to, If-Match on the ask's version
    (428/412 through `same_version`). Records `housing_ask.update`. Raises NotFound,
    Forbidden, Unprocessable (422)."""
    # Lock the ask's row only: its joined loads (who asked, the agency) are outer joins,
    # which PostgreSQL will not lock ("FOR UPDATE cannot be applied to the nullable side").
    row = db.session.scalar(
        select(HousingAsk).where(HousingAsk.id == ask_id).with_for_update(of=HousingAsk)
    )
    if row is None:
        raise NotFound(NO_ASK)
    _, decision = authorise(
        row.person_id,
        Permission.HOUSING_ASK_UPDATE,
        AuditAction.HOUSING_ASK_UPDATE,
        resource=RESOURCE,
    )
    same_version(row.version)
    data = load()
    _check_referral(row.person_id, data["referral_id"])
    if data["outcome"] is not None:
        outcome_on = data["outcome_on"] or clock.today()
        if outcome_on < row.asked_on:
            raise Unprocessable(
                fields={"outcome_on": ["Enter a date on or after the day you asked them."]}
            )
        row.outcome, row.outcome_on = data["outcome"], outcome_on
    if data["referral_id"] is not None:
        row.referral_id = data["referral_id"]
    row.version += 1
    db.session.flush()
    record(
        AuditAction.HOUSING_ASK_UPDATE,
        person_id=row.person_id,
        basis={"housing_ask": decision.basis_text},
        details={"housing_ask_id": row.id, "outcome": row.outcome},
    )
    return row
