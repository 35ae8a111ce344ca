"""Referrals for the API and the pages: each step decided by the access policy, recorded
in the audit log, and told to whoever must know (`careplan.referrals.notices`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import g
from sqlalchemy import func, select, union

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.decision import BasisKind, Decision, DenialKind
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import load_context, require_on
from careplan.access.policy import decide, section_decisions
from careplan.access.subject import Role, Subject
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.core.http import require_version
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.access import catalogue, plan_access
from careplan.plans.models import Plan
from careplan.plans.operations import section_views
from careplan.plans.rows import PersonRow
from careplan.referrals import lifecycle, notices, operations, presenters
from careplan.referrals.models import DeclinedBy, Referral, ReferralStatus
from careplan.referrals.presenters import Names
from consent.facts import team_facts
from consent.models import Consent

Loader = Callable[[], dict[str, Any]]

# Why a section sent with a referral is not shown to the receiving agency, in words.
WITHHELD_WORDS = {
    DenialKind.WITHDRAWN: "They withdrew their agreement to send this.",
    DenialKind.EXPIRED: "Their agreement to send this has ended.",
    DenialKind.REFUSED: "They have said never to share this with your organisation.",
    DenialKind.NO_AGREEMENT: "Your organisation has no information-sharing agreement in force.",
    DenialKind.AGREEMENT_CEILING: (
        "Your organisation's information-sharing agreement does not cover this."
    ),
    DenialKind.AGREEMENT_EXPIRED: "Your organisation's information-sharing agreement has ended.",
}
NOT_SHARED = "Not shared with you."


def resource(row: Referral) -> Resource:
    return Resource(ResourceType.REFERRAL, record=operations.fact(row))


def locate(values: Mapping[str, Any], action: AuditAction) -> tuple[uuid.UUID, Resource]:
    """For `@requires(..., locate=locate)`: the referral named by the URL's `referral_id`
    and its person (NotFound, recorded as invalid, for no such referral)."""
    try:
        row = operations.get(db.session, values["referral_id"])
    except NotFound:
        record(
            action,
            Outcome.INVALID,
            reason="not_found",
            details={"requested_id": values["referral_id"]},
        )
        raise
    return row.person_id, resource(row)


def referral_access(
    row: Referral, permission: Permission, action: AuditAction
) -> tuple[AccessContext, Decision]:
    context = load_context(row.person_id)
    if context is None:  # the person was merged away under the referral: as for nobody
        raise NotFound(operations.NO_REFERRAL)
    return context, require_on(context, resource(row), permission, action)


def _person(context: AccessContext) -> dict[str, Any] | None:
    """Who the referral is about, for staff (the person knows)."""
    person = context.person
    if context.subject.is_individual:
        return None
    born = person.date_of_birth
    return {"name": person.display_name, "date_of_birth": born.isoformat() if born else None}


def _consents(referral_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    if not referral_ids:
        return {}
    rows = db.session.execute(
        select(Consent.referral_id, Consent.id).where(Consent.referral_id.in_(referral_ids))
    )
    return {r.referral_id: r.id for r in rows}


def shared_sections(
    context: AccessContext, row: Referral
) -> tuple[list[dict[str, Any]], list[str]]:
    """The sections sent with the referral as the caller may read them now: the consent's
    withdrawal or end, a refusal or the agreement's ceiling stop one at once."""
    keys = [k for k in row.sections if k in context.sensitivity]
    decisions = section_decisions(context, Permission.SECTION_VIEW, keys)
    permitted = [k for k, d in decisions.items() if d.permit]
    views = section_views(db.session, row.plan_id, permitted) if permitted else {}
    kinds = catalogue()
    shared = []
    for key, decision in decisions.items():
        kind = kinds.get(key)
        title = kind.title if kind is not None else key
        if decision.permit:
            view = views.get(key)
            content = view.content if view is not None else None
            shared.append({"key": key, "title": title, "content": content, "withheld": None})
        else:
            denial = decision.denial.kind if decision.denial is not None else None
            words = WITHHELD_WORDS.get(denial, NOT_SHARED) if denial else NOT_SHARED
            shared.append({"key": key, "title": title, "content": None, "withheld": words})
    return shared, permitted


def present(
    row: Referral, context: AccessContext, decision: Decision
) -> tuple[dict[str, Any], list[str]]:
    """The referral as this caller sees it, and the sections shown in it."""
    history = operations.events(db.session, [row.id])[row.id]
    names = Names.of(db.session, [row], history)
    receiving = decision.basis is not None and decision.basis.kind is BasisKind.REFERRAL
    shared, shown = shared_sections(context, row) if receiving else (None, [])
    body = presenters.referral(
        row,
        names,
        history,
        consent_id=_consents([row.id]).get(row.id),
        person=_person(context),
        shared=shared,
    )
    return body, shown


def view(referral_id: uuid.UUID) -> tuple[dict[str, Any], AccessContext, Decision]:
    """One referral (`referral.view`): for the receiving agency with the sections sent
    with it, as the policy lets them read those now."""
    row = operations.get(db.session, referral_id)
    context, decision = referral_access(row, Permission.REFERRAL_VIEW, AuditAction.REFERRAL_VIEW)
    body, shown = present(row, context, decision)
    withheld = [s["key"] for s in body.get("shared_sections") or [] if s["withheld"]]
    record(
        AuditAction.REFERRAL_VIEW,
        person_id=row.person_id,
        sections=shown,
        withheld=withheld,
        basis={"referral": decision.basis_text},
        details={"referral_id": row.id},
    )
    return body, context, decision


def refer(person_id: uuid.UUID, load: Loader) -> dict[str, Any]:
    """Refer the person to a service with their consent recorded in the same step
    (`referral_create`). Raises BadRequest (400) for invalid input, Unprocessable (422)
    for a service or sections that cannot be used, DuplicateReferral (409)."""
    access = plan_access(person_id, Permission.PERSON_REFERRAL_CREATE, AuditAction.REFERRAL_CREATE)
    data = load()
    if data.get("consent") is None:
        raise Unprocessable(
            "Record the person's agreement to this referral and to what it sends, in the "
            "same step: how and when they agreed.",
            fields={"consent": ["Record how and when they agreed to this referral"]},
        )
    service = operations.referable_service(db.session, data["service_id"], "service_id")
    row, consent = operations.create(
        db.session,
        plan=access.plan,
        service=service,
        data=data,
        by=g.user,
        catalogue=dict(access.facts.sensitivity),
    )
    notices.made(db.session, row, g.user)
    record(
        AuditAction.REFERRAL_CREATE,
        person_id=person_id,
        sections=row.sections,
        basis={"plan": access.decision.basis_text},
        details={
            "referral_id": row.id,
            "service_id": service.id,
            "consent_id": consent.id if consent is not None else None,
            "on_platform": row.receiving_agency_id is not None,
        },
    )
    names = Names.of(db.session, [row])
    history = operations.events(db.session, [row.id])[row.id]
    return presenters.referral(
        row,
        names,
        history,
        consent_id=consent.id if consent is not None else None,
        person=_person(access.facts),
    )


def change_status(
    referral_id: uuid.UUID,
    load: Loader,
    check_version: Callable[[int], None] = require_version,
) -> dict[str, Any]:
    """Set the referral's status (`status_change`, If-Match: its version). The receiving
    agency answers and reports progress; the referrer's side cancels, and records the
    answer of a service not on the platform (`lifecycle.permission_to_set`).

    Raises PreconditionRequired/Failed (428/412), BadRequest (400), Forbidden (403,
    recorded) for a status the caller may not set, Conflict (409) for an illegal
    transition, Unprocessable (422) for an unknown suggested service. `check_version`
    (current) raises unless the caller read it (default: If-Match)."""
    row = operations.get(db.session, referral_id, for_update=True)
    check_version(row.version)
    data = load()
    wanted = data["status"]
    if wanted is ReferralStatus.REQUESTED or not lifecycle.may_follow(row.status, wanted):
        operations.change_status(db.session, row, data, g.user)  # raises the 409
    permission = lifecycle.permission_to_set(
        wanted, on_platform=row.receiving_agency_id is not None
    )
    context, decision = referral_access(row, permission, AuditAction.REFERRAL_STATUS)
    before = row.status
    operations.change_status(db.session, row, data, g.user)
    notices.status_changed(db.session, row, g.user)
    record(
        AuditAction.REFERRAL_STATUS,
        person_id=row.person_id,
        basis={"referral": decision.basis_text},
        details={
            "referral_id": row.id,
            "from": before.value,
            "to": row.status.value,
            "reason_code": row.reason_code,
        },
    )
    body, _ = present(row, context, decision)
    return body


def forward(referral_id: uuid.UUID, load: Loader) -> dict[str, Any]:
    """The receiving agency passes the referral on to another service (`forward`): a new
    referral whose `part_of` is this one, which closes this one (rejected as passed on,
    or completed if it had been taken on). The sections travel again only with the
    person's agreement to the new service (`consent`); without it the new referral
    carries none until the referrer records it.

    Raises Conflict (409) for a closed referral, Unprocessable (422) for the same or an
    unusable service, DuplicateReferral (409)."""
    row = operations.get(db.session, referral_id, for_update=True)
    context, decision = referral_access(
        row, Permission.REFERRAL_FORWARD, AuditAction.REFERRAL_FORWARD
    )
    data = load()
    if row.status in lifecycle.CLOSED:
        raise Conflict(
            f"This referral is {row.status.value}: it can no longer be passed on.",
            reason="illegal_transition",
        )
    service = operations.referable_service(db.session, data["service_id"], "service_id")
    if service.id == row.service_id:
        raise Unprocessable(fields={"service_id": ["Choose another service to pass it on to"]})
    plan = db.session.get(Plan, row.plan_id)
    agreed = data.get("consent")
    new, consent = operations.create(
        db.session,
        plan=plan,
        service=service,
        data={
            "reason": data["reason"],
            "urgency": row.urgency,
            "sections": list(row.sections) if agreed is not None else [],
            "do_not_contact": row.do_not_contact,
            "contact_note": row.contact_note,
            "consent": agreed,
        },
        by=g.user,
        catalogue=dict(context.sensitivity),
        part_of=row,
    )
    if row.status in lifecycle.TAKEN:
        closing = {"status": ReferralStatus.COMPLETED, "reason_text": data["reason"]}
    else:
        closing = {
            "status": ReferralStatus.REJECTED,
            "reason_code": "forwarded",
            "reason_text": data["reason"],
            "declined_by": DeclinedBy.PROVIDER,
            "suggested_service_id": service.id,
        }
    operations.change_status(db.session, row, closing, g.user)
    notices.made(db.session, new, g.user)
    notices.status_changed(db.session, row, g.user)
    record(
        AuditAction.REFERRAL_FORWARD,
        person_id=row.person_id,
        sections=new.sections,
        basis={"referral": decision.basis_text},
        details={
            "referral_id": row.id,
            "forwarded_to": new.id,
            "service_id": service.id,
            "consent_id": consent.id if consent is not None else None,
        },
    )
    names = Names.of(db.session, [new])
    history = operations.events(db.session, [new.id])[new.id]
    return presenters.referral(
        new,
        names,
        history,
        consent_id=consent.id if consent is not None else None,
        person=_person(context),
    )


def for_person(person_id: uuid.UUID, *, own: bool = False) -> list[dict[str, Any]]:
    """Every referral of the person, newest first, each with its history
    (`referral.list`)."""
    access = plan_access(person_id, Permission.PERSON_REFERRALS_VIEW, AuditAction.REFERRAL_LIST)
    rows = list(
        db.session.scalars(
            select(Referral)
            .where(Referral.person_id == person_id)
            .order_by(Referral.created_at.desc(), Referral.id)
        )
    )
    histories = operations.events(db.session, [r.id for r in rows])
    names = Names.of(db.session, rows, [e for h in histories.values() for e in h])
    consents = _consents([r.id for r in rows])
    record(
        AuditAction.REFERRAL_LIST,
        person_id=person_id,
        basis={"plan": access.decision.basis_text},
        details={"returned": [str(r.id) for r in rows]},
    )
    person = None if own else _person(access.facts)
    return [
        presenters.referral(r, names, histories[r.id], consent_id=consents.get(r.id), person=person)
        for r in rows
    ]


@dataclass(frozen=True)
class PlanTies:
    """What a plan tells the policy about a referral's referrer side."""

    id: uuid.UUID
    key_worker_id: uuid.UUID
    lead_agency_id: uuid.UUID
    closed_on: date | None


@dataclass(frozen=True)
class Page:
    referrals: list[dict[str, Any]]
    total: int
    query: dict[str, Any]


def _outgoing(
    user_id: uuid.UUID, status: list[Any], limit: int, offset: int
) -> tuple[list[Any], int]:
    """The outbox's page as a condition on the referral's id, and its total: the
    referrals made by the caller, and those for plans they are key worker of, each read
    newest first from its own index (ix_referral_referrer; the plans, then
    ix_referral_plan) no further than the page's end, joined by UNION. PostgreSQL planned
    one query with OR, or an IN over the whole union, as a scan of every referral (p95
    110-230 ms at 200,000 referrals); this reads at most `offset + limit` from each."""
    made = select(Referral.id, Referral.created_at).where(Referral.referrer_id == user_id, *status)
    held = (
        select(Referral.id, Referral.created_at)
        .join(Plan, Plan.id == Referral.plan_id)
        .where(Plan.key_worker_id == user_id, *status)
    )
    every = union(made, held).subquery()
    total = db.session.scalar(select(func.count()).select_from(every)) or 0
    newest = (Referral.created_at.desc(), Referral.id)
    ends = [q.order_by(*newest).limit(offset + limit).subquery() for q in (made, held)]
    top = union(*(select(e.c.id, e.c.created_at) for e in ends)).subquery()
    page = select(top.c.id).order_by(top.c.created_at.desc(), top.c.id).limit(limit).offset(offset)
    return [Referral.id.in_(page)], total


def inbox(load: Loader) -> Page:
    """The caller's agency's incoming referrals (its referral coordinators; anyone else
    sees those they took on), or the caller's outgoing ones (made by them, or for people
    they are key worker for), newest first, a page at a time (`referral.list`)."""
    query = load()
    user = g.user
    status = [Referral.status == query["status"]] if query["status"] is not None else []
    limit, offset = query["limit"], query["offset"]
    if query["direction"] == "incoming":
        where = [Referral.receiving_agency_id == user.agency_id, *status]
        if not user.has_role(Role.REFERRAL_COORDINATOR):
            where.append(Referral.taken_by_id == user.id)
        total = db.session.scalar(select(func.count()).select_from(Referral).where(*where)) or 0
    else:
        where, total = _outgoing(user.id, status, limit, offset)
        offset = 0  # the page is chosen in `_outgoing`
    person, plan = Person.__table__.c, Plan.__table__.c
    found = db.session.execute(
        select(
            Referral,
            person.given_name,
            person.family_name,
            person.preferred_name,
            person.date_of_birth,
            plan.key_worker_id,
            plan.lead_agency_id,
            plan.closed_on,
        )
        .join(Person.__table__, person.id == Referral.person_id)
        .join(Plan.__table__, plan.id == Referral.plan_id)
        .where(*where)
        .order_by(Referral.created_at.desc(), Referral.id)
        .limit(limit)
        .offset(offset)
    ).all()
    # Each row decided by the policy on the referral's own facts: who made it, which
    # agency receives it, and the plan's key worker and lead agency (what
    # `policy.referral_basis` reads), without each person's consents and care team,
    # which decide sections, not referrals. Opening one loads the whole context.
    now = clock.now()
    subject = Subject.of(user)
    contexts = {}
    shown = []
    # The lead agency's teams and covers decide as in a whole context (issue 22: a lead
    # agency colleague outside the key worker's team holds no lead-agency basis).
    teams_of, covers_of = team_facts(db.session, user, found)
    for found_row in found:
        row = found_row.Referral
        ties = PlanTies(
            row.plan_id, found_row.key_worker_id, found_row.lead_agency_id, found_row.closed_on
        )
        context = AccessContext(
            subject=subject,
            person=PersonRow(
                row.person_id,
                None,
                found_row.given_name,
                found_row.family_name,
                found_row.preferred_name,
                found_row.date_of_birth,
                None,
            ),
            plan=ties,
            now=now,
            today=clock.day_of(now),
            teams=teams_of(ties),
            covers=covers_of(ties),
        )
        if decide(context, resource(row), Permission.REFERRAL_VIEW).permit:
            contexts[row.id] = context
            shown.append(row)
    names = Names.of(db.session, shown)
    record(
        AuditAction.REFERRAL_LIST,
        details={
            "direction": query["direction"],
            "status": query["status"].value if query["status"] else None,
            "returned": [str(r.id) for r in shown],
            "people": sorted({str(r.person_id) for r in shown}),
            "total": total,
        },
    )
    body = [presenters.summary(r, names, _person(contexts[r.id])) for r in shown]
    return Page(body, total, query)
