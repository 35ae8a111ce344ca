"""The chronology: one timeline per person of significant events across agencies, as
Scottish social work practice keeps one, each item decided by the access policy on its
own record (rule table: careplan.access.rules.CHRONOLOGY to open it).

Items: section updates (by their section's SECTION_VIEW, with their text), reviews and
meetings (MEETING_VIEW; what was said stays on the meeting), key worker changes
(PLAN_VIEW), consents and refusals given or withdrawn (PERSON_CONSENTS_VIEW), crisis
events (CRISIS_VIEW) and the person's requests for corrections (CORRECTION_VIEW). A
kind the caller may not see is left out and named in the audit record as withheld.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.context import AccessContext
from careplan.access.permissions import Permission
from careplan.access.pipeline import authorise, section_views
from careplan.access.policy import decide_on
from careplan.core import clock
from careplan.corrections.models import Correction
from careplan.crisis.models import CrisisEvent
from careplan.extensions import db
from careplan.meetings.models import Meeting
from careplan.meetings.services import KIND_WORDS
from careplan.plans.access import catalogue
from careplan.plans.models import Entry, KeyWorkerAssignment
from careplan.web import words
from consent.models import Consent

KINDS = {
    "meeting": Permission.MEETING_VIEW,
    "key_worker": Permission.PLAN_VIEW,
    "consent": Permission.PERSON_CONSENTS_VIEW,
    "crisis": Permission.CRISIS_VIEW,
    "correction": Permission.CORRECTION_VIEW,
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


def _section_title(key: str) -> str:
    kind = catalogue().get(key)
    return kind.title if kind is not None else key


def timeline(
    person_id: uuid.UUID, with_errors: bool = False
) -> tuple[list[Item], AccessContext, list[str]]:
    """The person's chronology as the caller may see it, newest first, the context, and
    what was withheld (section keys and item kinds). Updates marked "entered in error" are
    left out unless `with_errors` (then labelled: `extra["entered_in_error"]`). Records
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
        for entry in session.scalars(
            select(Entry).where(Entry.plan_id == plan.id, Entry.section_key.in_(sections))
        ):
            if entry.error_at is not None and not with_errors:
                continue
            error = None
            if entry.error_at is not None:
                error = {"at": entry.error_at, "reason": entry.error_reason}
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
                    extra={"entered_in_error": error},
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
        for event in session.scalars(select(CrisisEvent).where(CrisisEvent.person_id == person_id)):
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
        for c in session.scalars(select(Correction).where(Correction.person_id == person_id)):
            items.append(
                Item(
                    clock.day_of(c.created_at),
                    c.created_at,
                    "correction",
                    f"Asked for a correction to {_section_title(c.section_key)}",
                )
            )
    items.sort(key=lambda i: (i.on, i.at), reverse=True)
    record(
        AuditAction.CHRONOLOGY_VIEW,
        person_id=person_id,
        sections=sections,
        withheld=withheld,
        basis={"plan": decision.basis_text},
        details={"count": len(items), "with_errors": with_errors},
    )
    return items, context, withheld
