"""The chronology: one timeline per person of significant events across agencies, as
Scottish social work practice keeps one, each item decided by the access policy on its
own record (rule table: careplan.access.rules.CHRONOLOGY to open it).

Items: section updates (by their section's SECTION_VIEW, with their text), reviews and
meetings (MEETING_VIEW; what was said stays on the meeting), key worker changes and the
plan's closing and reopening, with who and when (PLAN_VIEW), consents and refusals
given or withdrawn (PERSON_CONSENTS_VIEW), crisis events (CRISIS_VIEW), the person's
requests for corrections (CORRECTION_VIEW), referrals
and each answer to them (made, received, accepted, rejected with the reason in words,
in progress, paused, completed, cancelled, closed without going ahead), each decided on
the referral itself (REFERRAL_VIEW, `rules.REFERRAL`: who made it, the key worker's side,
the receiving agency's coordinators), and "ask and act" records (HOUSING_ASK_VIEW, decided
as the housing section is, `rules.SECTION_BOUND`). A kind the caller may not see is left
out and named in the audit record as withheld ("referral" when at least one referral
is; its existence is in the person's list of referrals for the care team already).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.permissions import Permission, Resource, ResourceType
from careplan.access.pipeline import authorise, section_views
from careplan.access.policy import decide, decide_on
from careplan.accounts.models import User
from careplan.ask_and_act.models import HousingAsk
from careplan.ask_and_act.rules import current as ask_rules
from careplan.core import clock
from careplan.corrections.models import Correction
from careplan.corrections.services import visible as corrections_visible
from careplan.crisis import services as crisis_services
from careplan.crisis.models import CrisisEvent
from careplan.extensions import db
from careplan.meetings.models import Meeting
from careplan.meetings.services import KIND_WORDS
from careplan.plans.access import catalogue
from careplan.plans.models import Entry, KeyWorkerAssignment, PlanClosure
from careplan.plans.services import linked
from careplan.referrals import lifecycle
from careplan.referrals.models import DeclinedBy, Referral, ReferralEvent, ReferralStatus
from careplan.referrals.operations import events as referral_events
from careplan.referrals.operations import fact as referral_fact
from careplan.referrals.presenters import Names
from careplan.web import words
from consent.models import Consent

KINDS = {
    "meeting": Permission.MEETING_VIEW,
    "key_worker": Permission.PLAN_VIEW,
    "consent": Permission.PERSON_CONSENTS_VIEW,
    "crisis": Permission.CRISIS_VIEW,
    "correction": Permission.CORRECTION_VIEW,
    "housing_ask": Permission.HOUSING_ASK_VIEW,
}


@dataclass(frozen=True)
class Item:
    """One event: `on` the day it happened (Scotland), `at` when it was recorded (UTC),
    `kind`, a plain `title`, optional `text` (an update's own words), who recorded it."""

    on: date
    at: datetime
    kind: str
    title: str
    by: str = ""
    agency: str = ""
    text: str | None = None
    section: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _about_key(item: Item) -> str | None:
    """ "goal:<id>" or "action:<task id>" for an update about one, as the caller sees it."""
    found = item.extra.get("about")
    return None if not found else f"{found['kind']}:{found['id']}"


def _section_title(key: str) -> str:
    kind = catalogue().get(key)
    return kind.title if kind is not None else key


def timeline(
    person_id: uuid.UUID, with_errors: bool = False, about: str | None = None
) -> tuple[list[Item], AccessContext, list[str]]:
    """The person's chronology as the caller may see it, newest first, the context, and
    what was withheld (section keys and item kinds). Updates marked "entered in error" are
    left out unless `with_errors` (then labelled: `extra["entered_in_error"]`). `about`
    ("goal:<id>" or "action:<task id>"): only the updates about that goal or action (an
    update's `extra["about"]`, careplan.plans.services.linked). Records
    `chronology.view`."""
    context, decision = authorise(
        person_id, Permission.CHRONOLOGY_VIEW, AuditAction.CHRONOLOGY_VIEW
    )
    plan = context.plan
    session = db.session
    sections = [k for k, d in section_views(context).items() if d.permit]
    kinds = [k for k, p in KINDS.items() if decide_on(context, p).permit]
    withheld = [k for k in context.sensitivity if k not in sections]
    withheld += [k for k in KINDS if k not in kinds]
    items: list[Item] = []
    if sections:
        entries = [
            e
            for e in session.scalars(
                select(Entry).where(Entry.plan_id == plan.id, Entry.section_key.in_(sections))
            )
            if with_errors or e.error_at is None
        ]
        abouts, read = linked(context, plan.id, entries)
        sections = sorted({*sections, *read})
        for entry in entries:
            error = None
            if entry.error_at is not None:
                marker = entry.error_by.name if entry.error_by is not None else ""
                error = {"at": entry.error_at, "reason": entry.error_reason, "by": marker}
            items.append(
                Item(
                    entry.occurred_on,
                    entry.created_at,
                    "update",
                    f"Update on {_section_title(entry.section_key)}",
                    entry.author.name,
                    entry.author.agency.name if entry.author.agency else "",
                    entry.text,
                    entry.section_key,
                    extra={"entered_in_error": error, "about": abouts.get(entry.id)},
                )
            )
    if "meeting" in kinds:
        for meeting in session.scalars(select(Meeting).where(Meeting.person_id == person_id)):
            items.append(
                Item(
                    meeting.held_on,
                    meeting.created_at,
                    "meeting",
                    KIND_WORDS[meeting.kind]
                    + (f" with {len(meeting.attendees)} others" if meeting.attendees else ""),
                    meeting.recorded_by.name,
                    extra={"person_attended": meeting.person_attended},
                )
            )
    if "key_worker" in kinds:
        for kw in session.scalars(
            select(KeyWorkerAssignment).where(KeyWorkerAssignment.plan_id == plan.id)
        ):
            items.append(
                Item(
                    kw.agreed_on,
                    kw.started_at,
                    "key_worker",
                    f"Key worker: {kw.staff.name}, {kw.agency.name}",
                )
            )
        items += _closings(plan)
    if "consent" in kinds:
        for c in session.scalars(select(Consent).where(Consent.person_id == person_id)):
            who = c.grantee_sector.value if c.grantee_sector else "one organisation"
            verb = "Agreed to share with" if c.effect.value == "permit" else "Refused to share with"
            title = f"{verb} {words.value_label(who).lower()}"
            items.append(Item(c.starts_on, c.recorded_at, "consent", title))
            if c.withdrawn_at is not None:
                items.append(
                    Item(
                        clock.day_of(c.withdrawn_at),
                        c.withdrawn_at,
                        "consent",
                        "Withdrew a choice to share",
                    )
                )
    if "crisis" in kinds:
        # Each event as the section it is about (an overdose as substance use).
        events = session.scalars(select(CrisisEvent).where(CrisisEvent.person_id == person_id))
        events = list(events)
        seen = crisis_services.visible(context, events)
        if len(seen) < len(events):
            withheld.append("crisis")
        for event in seen:
            items.append(
                Item(
                    event.occurred_on,
                    event.created_at,
                    "crisis",
                    words.value_label(event.kind.value),
                    event.recorded_by.name,
                    extra={"followed_up": event.follow_up.status.value == "done"},
                )
            )
    if "correction" in kinds:
        asked = list(session.scalars(select(Correction).where(Correction.person_id == person_id)))
        seen_c = corrections_visible(context, asked)
        if len(seen_c) < len(asked):
            withheld.append("correction")
        for c in seen_c:
            items.append(
                Item(
                    clock.day_of(c.created_at),
                    c.created_at,
                    "correction",
                    f"Asked for a correction to {_section_title(c.section_key)}",
                )
            )
    if "housing_ask" in kinds:
        items += _housing_asks(person_id)
    shown, hidden = _referrals(context, person_id)
    items += shown
    if hidden:
        withheld.append("referral")
    if about is not None:
        items = [i for i in items if _about_key(i) == about]
    items.sort(key=lambda i: (i.on, i.at), reverse=True)
    record(
        AuditAction.CHRONOLOGY_VIEW,
        person_id=person_id,
        sections=sections,
        withheld=withheld,
        basis={"plan": decision.basis_text},
        details={"count": len(items), "with_errors": with_errors, "about": about},
    )
    return items, context, withheld


# What each answer to a referral says in the timeline ("Referral to X: ..."); the words
# of the referral pages (careplan.referrals.lifecycle.STATUS_WORDS), said of the referral.
REFERRAL_WORDS = {
    ReferralStatus.REQUESTED: "made",
    ReferralStatus.RECEIVED: "received by the service",
    ReferralStatus.ACCEPTED: "accepted",
    ReferralStatus.REJECTED: "not taken on",
    ReferralStatus.IN_PROGRESS: "the service is working with them",
    ReferralStatus.ON_HOLD: "paused",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.CANCELLED: "cancelled",
    ReferralStatus.FAILED: "closed without going ahead",
}


def _referrals(context: AccessContext, person_id: uuid.UUID) -> tuple[list[Item], int]:
    """Each referral's history as items, for the referrals the policy lets the caller open
    (REFERRAL_VIEW decided on each referral's own facts), and how many were left out."""
    session = db.session
    rows = list(session.scalars(select(Referral).where(Referral.person_id == person_id)))
    if not rows:
        return [], 0
    seen = [
        r
        for r in rows
        if decide(
            context,
            Resource(ResourceType.REFERRAL, record=referral_fact(r)),
            Permission.REFERRAL_VIEW,
        ).permit
    ]
    histories = referral_events(session, [r.id for r in seen])
    names = Names.of(session, seen, [e for h in histories.values() for e in h])
    items = []
    for row in seen:
        service = names.service(row.service_id)
        where = service["name"] if service else "a service"
        for event in histories[row.id]:
            items.append(_referral_item(row, event, where, names))
    return items, len(rows) - len(seen)


def _referral_item(row: Referral, event: ReferralEvent, where: str, names: Names) -> Item:
    """One answer to a referral (or its making): the status in words, who set it (the
    service itself for an unanswered referral's expiry), and the reason given."""
    by = names.users.get(event.by_id, "") if event.by_id is not None else "The service"
    agency = ""
    if event.status is ReferralStatus.REQUESTED:
        agency = names.agencies.get(row.referring_agency_id, "")
    elif row.receiving_agency_id is not None and event.status is not ReferralStatus.CANCELLED:
        agency = names.agencies.get(row.receiving_agency_id, "")
    said = []
    reason = lifecycle.reason_label(event.status, event.reason_code)
    if reason:
        said.append(reason + ".")
    if event.declined_by is DeclinedBy.PERSON:
        said.append("They said no themselves.")
    if event.reason_text:
        said.append(event.reason_text)
    suggested = names.service(event.suggested_service_id)
    if suggested is not None:
        said.append(f"Suggested instead: {suggested['name']}.")
    return Item(
        clock.day_of(event.at),
        event.at,
        "referral",
        f"Referral to {where}: {REFERRAL_WORDS[event.status]}",
        by,
        agency,
        " ".join(said) or None,
        extra={"referral_id": row.id, "status": event.status.value},
    )


def _closings(plan: Any) -> list[Item]:
    """The plan's closing and reopening, each time (step-down and return), with who and
    when: decided as the key worker history is (PLAN_VIEW). A closing recorded before
    its time was kept (`closed_at` None) sorts at the start of its day."""
    session = db.session
    past = list(session.scalars(select(PlanClosure).where(PlanClosure.plan_id == plan.id)))
    ids = {c.closed_by_id for c in past} | {c.reopened_by_id for c in past} | {plan.closed_by_id}
    ids.discard(None)
    names = {u.id: u.name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    closings = [(c.closed_on, c.closed_at, c.closed_reason, c.closed_by_id) for c in past]
    if plan.closed_on is not None:
        closings.append((plan.closed_on, plan.closed_at, plan.closed_reason, plan.closed_by_id))
    items = []
    for on, at, reason, by in closings:
        why = f" ({words.value_label(reason).lower()})" if reason else ""
        when = at if at is not None else datetime.combine(on, time.min)
        items.append(Item(on, when, "plan_closed", f"Plan closed{why}", names.get(by, "")))
    for c in past:
        items.append(
            Item(
                clock.day_of(c.reopened_at),
                c.reopened_at,
                "plan_reopened",
                "Plan reopened",
                names.get(c.reopened_by_id, ""),
            )
        )
    return items


def _housing_asks(person_id: uuid.UUID) -> list[Item]:
    """ "Ask and act" records: the question asked and the answer, and the outcome once
    recorded, with the configured words (config/ask_and_act.toml)."""
    rules = ask_rules()
    items = []
    for ask in db.session.scalars(select(HousingAsk).where(HousingAsk.person_id == person_id)):
        answer = rules.label("answers", ask.answer) or ask.answer
        offered = [rules.label("actions", a) or a for a in ask.actions_offered]
        text = "Offered: " + "; ".join(offered) + "." if offered else None
        items.append(
            Item(
                ask.asked_on,
                ask.created_at,
                "housing_ask",
                f"Asked about their housing: {answer}",
                ask.asked_by.name,
                ask.agency.name,
                text,
                "housing",
            )
        )
        if ask.outcome is not None and ask.outcome_on is not None:
            outcome = rules.label("outcomes", ask.outcome) or ask.outcome
            items.append(
                Item(
                    ask.outcome_on,
                    ask.created_at,
                    "housing_ask",
                    f"Housing outcome: {outcome}",
                    section="housing",
                )
            )
    return items
