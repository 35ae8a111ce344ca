"""Subject access (UK GDPR Article 15): everything held about one person, and only them.

Identity, the plan, every version of every section, entries, key worker history, the
care team, consents and refusals, meetings, shared actions, crisis events, corrections,
referrals, their subject access requests, any linked account, the full access log, and
what Article 15(1)(a)-(h) and 15(2) say they must be told (careplan.subject_access.
information). Built from queries that all filter on this person's id or plan id, so
nobody else's data can enter. `gather` gives the data (the JSON download);
`careplan.subject_access.readable` turns it into labelled lines for the page and the PDF.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit import plain, queries
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.clock import iso
from careplan.corrections import services as correction_services
from careplan.corrections.models import Correction
from careplan.crisis import services as crisis_services
from careplan.crisis.models import CrisisEvent
from careplan.meetings import services as meeting_services
from careplan.meetings.models import Meeting
from careplan.people.models import Person
from careplan.plans import operations
from careplan.plans.catalogue import Catalogue
from careplan.plans.models import Plan
from careplan.referrals import operations as referral_operations
from careplan.referrals import presenters as referral_presenters
from careplan.referrals.models import Referral
from careplan.referrals.presenters import Names
from careplan.subject_access import information
from careplan.subject_access import operations as requests
from careplan.subject_access.presenters import present_request
from careplan.tasks import services as task_services
from careplan.tasks.models import Task
from consent import operations as consent_operations
from consent import presenters as consent_presenters


def _name(session: Session, user_id: Any) -> str | None:
    user = session.get(User, user_id) if user_id else None
    return user.name if user else None


def gather(
    session: Session,
    person: Person,
    catalogue: Catalogue,
    *,
    kept: str,
    contact: str | None,
) -> dict[str, Any]:
    """Everything held about `person`, as JSON-ready data. `kept`: the retention period in
    words; `contact`: the operator's address for questions (None: ask the key worker)."""
    plan = session.scalars(select(Plan).where(Plan.person_id == person.id)).one_or_none()
    account = session.scalars(select(User).where(User.person_id == person.id)).one_or_none()
    titles = {kind.key: kind.title for kind in catalogue}
    access_log = [
        {
            **_jsonable(plain.public(plain.entry(row, titles))),
            "self": account is not None and row["actor_id"] == account.id,
        }
        for row in queries.stream(session, {"person": person.id})
    ]
    return {
        "generated_at": iso(clock.now()),
        "person": {
            "id": str(person.id),
            "given_name": person.given_name,
            "family_name": person.family_name,
            "preferred_name": person.preferred_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "chi": person.chi,
            "registered_at": iso(person.created_at),
        },
        "account": {"email": account.email, "active": account.active} if account else None,
        "plan": _plan(session, plan, catalogue) if plan else None,
        "consents": [
            _jsonable(consent_presenters.consent(row, _consent_names(session, row)))
            for row in consent_operations.consents(session, person.id)
        ],
        **_living_plan(session, person),
        "referrals": _referrals(session, person),
        "subject_access_requests": [
            _jsonable(present_request(session, r, for_person=True))
            for r in requests.for_person(session, person.id)
        ],
        "access_log": access_log,
        "about_this_copy": information.about(
            [kind.title for kind in catalogue], access_log, kept, contact
        ),
    }


def _referrals(session: Session, person: Person) -> list[dict[str, Any]]:
    """Every referral of the person, with its history, as the person sees them."""
    rows = list(
        session.scalars(
            select(Referral)
            .where(Referral.person_id == person.id)
            .order_by(Referral.created_at, Referral.id)
        )
    )
    histories = referral_operations.events(session, [r.id for r in rows])
    names = Names.of(session, rows, [e for h in histories.values() for e in h])
    return [_jsonable(referral_presenters.referral(r, names, histories[r.id])) for r in rows]


def _living_plan(session: Session, person: Person) -> dict[str, Any]:
    """Meetings (what was said included), shared actions, crisis events and corrections
    about the person (issue 20): each query filters on the person's id."""
    meetings = session.scalars(
        select(Meeting).where(Meeting.person_id == person.id).order_by(Meeting.held_on)
    ).all()
    actions = meeting_services.actions_of([m.id for m in meetings])
    crises = session.scalars(select(CrisisEvent).where(CrisisEvent.person_id == person.id)).all()
    asked = session.scalars(select(Correction).where(Correction.person_id == person.id)).all()
    tasks = session.scalars(select(Task).where(Task.person_id == person.id)).all()
    return {
        "meetings": [
            _jsonable(meeting_services.present(m, True, actions.get(m.id, []))) for m in meetings
        ],
        "tasks": [_jsonable(task_services.present(t)) for t in tasks],
        "crisis_events": [_jsonable(crisis_services.present(c)) for c in crises],
        "corrections": [_jsonable(correction_services.present(c)) for c in asked],
    }


def _plan(session: Session, plan: Plan, catalogue: Catalogue) -> dict[str, Any]:
    sections = []
    for kind in catalogue:
        row = operations.get_section(session, plan, kind.key)
        sections.append(
            {
                "key": kind.key,
                "title": kind.title,
                "current": row.content or {},
                "versions": [
                    {
                        "version": v.version,
                        "content": v.content,
                        "changed_fields": v.changed_fields,
                        "changed_at": iso(v.changed_at),
                        "changed_by": _name(session, v.changed_by_id),
                    }
                    for v in operations.versions(session, row)
                ],
                "entries": [
                    {
                        "occurred_on": e.occurred_on.isoformat(),
                        "text": e.text,
                        "author": e.author.name,
                        "agency": e.author.agency.name if e.author.agency else None,
                        "written_at": iso(e.created_at),
                        # What it is about (issue 20): a goal of the goals section
                        # above (its id there) or one of the actions below.
                        "goal_id": e.goal_id,
                        "task_id": str(e.task_id) if e.task_id else None,
                        # Kept as written, marked (issue 20): when, by whom and why.
                        "entered_in_error": (
                            None
                            if e.error_at is None
                            else {
                                "at": iso(e.error_at),
                                "by": e.error_by.name if e.error_by else None,
                                "reason": e.error_reason,
                            }
                        ),
                    }
                    for e in operations.entries(session, plan, kind.key)
                ],
            }
        )
    return {
        "lead_agency": plan.lead_agency.name,
        "key_worker": plan.key_worker.name,
        "agreed": (
            {"on": plan.agreed_on.isoformat(), "how": plan.agreed_how.value}
            if plan.agreed_on is not None and plan.agreed_how is not None
            else None
        ),
        "created_at": iso(plan.created_at),
        "version": plan.version,
        "sections": sections,
        "key_workers": [
            {
                "name": a.staff.name,
                "agency": a.agency.name,
                "agreed_on": a.agreed_on.isoformat() if a.agreed_on is not None else None,
                "how": a.agreed_how.value if a.agreed_how is not None else None,
                "from": iso(a.started_at),
                "to": iso(a.ended_at),
                "account_active": a.staff.active,
            }
            for a in operations.key_worker_history(session, plan)
        ],
        "care_team": [
            {
                "name": m.staff.name,
                "agency": m.staff.agency.name if m.staff.agency else None,
                "role": m.role,
                "from": m.valid_from.isoformat(),
                "to": m.valid_to.isoformat() if m.valid_to else None,
                "ended_at": iso(m.ended_at),
                "how": m.how.value,
                "reason": m.reason,
                # Current only while their account is active (CareTeamMember.is_current).
                "current": m.is_current(clock.today(), clock.now()),
                "account_active": m.staff.active,
            }
            for m in operations.care_team(session, plan)
        ],
    }


def _consent_names(session: Session, row: Any) -> dict[Any, Any]:

    names: dict[Any, Any] = {}
    for user_id in (row.recorded_by_id, row.withdrawn_by_id):
        if user_id:
            names[user_id] = session.get(User, user_id)
    if row.grantee_agency_id:
        names[row.grantee_agency_id] = session.get(Agency, row.grantee_agency_id)
    return names


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k.rstrip("_"): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)
    return value
