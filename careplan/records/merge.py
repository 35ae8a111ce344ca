"""Joining two records of one person into one, with nothing lost (issue #16, fault 14).

An IG officer or an administrator merges a second record (`duplicate`) into the record
that stays (`survivor`). What moves and what stays:
- the duplicate's plan moves to the survivor if the survivor has none. If both have a
  plan, the duplicate's must be closed first (by its key worker): it then stays, read only,
  with the duplicate record, until its own retention ends. Two open plans are refused:
  one person has one plan, and nobody but the key workers can say which to keep.
- consents and supporters' places go with the plan they were given about; refusals always
  move to the survivor too, because they narrow who may see the person's plan and are the
  person's wish;
- the person's own sign-in account moves if the survivor has none;
- identity: the survivor keeps its own; a CHI number or preferred name it lacks comes from
  the duplicate;
- subject access requests always move: they are the person's, whichever record they
  were recorded against, and IG officers track their deadlines on the survivor;
- emergency access records, the audit log and everything else stay where they were.
The duplicate stays as a record marked as merged (never listed, never found by search or
lookup), pointing at the survivor. Both records get an audit record of the merge.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from careplan.accounts.models import User
from careplan.ask_and_act.models import HousingAsk
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.corrections.models import Correction
from careplan.crisis.models import CrisisEvent
from careplan.meetings.models import Meeting
from careplan.people.models import DuplicateCandidate, Person
from careplan.plans.models import Plan
from careplan.referrals.models import Referral
from careplan.subject_access.models import SubjectAccessRequest
from careplan.supporters.models import Supporter
from careplan.tasks.models import Task
from consent.models import Consent, ConsentEffect

BOTH_OPEN = (
    "Both records have an open care plan. One person has one plan: ask the key worker of "
    "the plan that should not go on to close it (reason: other, recorded twice), then "
    "merge. The closed plan stays readable with the merged record."
)


@dataclass
class Merged:
    """What a merge moved, by kind: ids, for the audit record (no personal data)."""

    plan: uuid.UUID | None = None
    consents: list[uuid.UUID] = field(default_factory=list)
    account: uuid.UUID | None = None
    subject_access_requests: list[uuid.UUID] = field(default_factory=list)
    identity: list[str] = field(default_factory=list)
    kept_plan: uuid.UUID | None = None

    def details(self) -> dict[str, Any]:
        return {
            "moved_plan": self.plan,
            "moved_consents": self.consents,
            "moved_account": self.account,
            "moved_subject_access_requests": self.subject_access_requests,
            "copied_identity": self.identity,
            "closed_plan_kept_with_merged_record": self.kept_plan,
        }


def _person(session: Session, person_id: uuid.UUID, field_name: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("No such person.", fields={field_name: ["Choose a record from the list"]})
    if person.merged_at is not None:
        raise Conflict(
            "This record has already been merged into another.",
            fields={
                field_name: [
                    "This record is already merged into another one: choose another record"
                ]
            },
        )
    return person


def merge(
    session: Session, survivor_id: uuid.UUID, duplicate_id: uuid.UUID, by: User
) -> tuple[Person, Person, Merged]:
    """Merge the duplicate record into the survivor (see the module's rules). Raises
    Unprocessable for one record twice, NotFound for a missing one, Conflict for one
    already merged or for two open plans. Flushes; the request commits."""
    if survivor_id == duplicate_id:
        raise Unprocessable(fields={"duplicate_id": ["Choose two different records."]})
    survivor = _person(session, survivor_id, "survivor_id")
    duplicate = _person(session, duplicate_id, "duplicate_id")
    plans = {
        p.person_id: p
        for p in session.scalars(
            select(Plan).where(Plan.person_id.in_([survivor.id, duplicate.id]))
        )
    }
    kept, moving = plans.get(survivor.id), plans.get(duplicate.id)
    if kept is not None and moving is not None and moving.closed_on is None:
        raise Conflict(BOTH_OPEN)
    done = Merged()
    if moving is not None and kept is None:
        moving.person_id = survivor.id
        done.plan = moving.id
    elif moving is not None:
        done.kept_plan = moving.id
    if done.plan is not None:
        # The living plan's records go with the plan (issue 20).
        # Referrals and ask and act (issue 19), and supporters' places, likewise.
        for model in (Meeting, Task, CrisisEvent, Correction, Referral, HousingAsk, Supporter):
            session.execute(
                update(model)
                .where(model.person_id == duplicate.id)
                .values(person_id=survivor.id)
                .execution_options(synchronize_session="fetch")
            )
    for consent in session.scalars(select(Consent).where(Consent.person_id == duplicate.id)):
        if done.plan is not None or consent.effect is ConsentEffect.DENY:
            consent.person_id = survivor.id
            done.consents.append(consent.id)
    for request in session.scalars(
        select(SubjectAccessRequest).where(SubjectAccessRequest.person_id == duplicate.id)
    ):
        request.person_id = survivor.id
        done.subject_access_requests.append(request.id)
    _move_account(session, survivor, duplicate, done)
    _copy_identity(session, survivor, duplicate, done)
    now = clock.now()
    duplicate.merged_into_id, duplicate.merged_at, duplicate.merged_by_id = survivor.id, now, by.id
    _resolve(session, survivor.id, duplicate.id, "merged", by)
    session.flush()
    return survivor, duplicate, done


def _move_account(session: Session, survivor: Person, duplicate: Person, done: Merged) -> None:
    accounts = {
        u.person_id: u
        for u in session.scalars(
            select(User).where(User.person_id.in_([survivor.id, duplicate.id]))
        )
    }
    if duplicate.id in accounts and survivor.id not in accounts:
        account = accounts[duplicate.id]
        account.person_id = survivor.id
        done.account = account.id


def _copy_identity(session: Session, survivor: Person, duplicate: Person, done: Merged) -> None:
    if survivor.chi is None and duplicate.chi is not None:
        chi, duplicate.chi = duplicate.chi, None
        session.flush()  # the CHI is unique: free it before it moves
        survivor.chi = chi
        done.identity.append("chi")
    if survivor.preferred_name is None and duplicate.preferred_name is not None:
        survivor.preferred_name = duplicate.preferred_name
        done.identity.append("preferred_name")


def _resolve(
    session: Session, one: uuid.UUID, other: uuid.UUID, resolution: str, by: User
) -> list[DuplicateCandidate]:
    rows = list(
        session.scalars(
            select(DuplicateCandidate).where(
                DuplicateCandidate.resolved_at.is_(None),
                or_(
                    (DuplicateCandidate.person_id == one)
                    & (DuplicateCandidate.candidate_id == other),
                    (DuplicateCandidate.person_id == other)
                    & (DuplicateCandidate.candidate_id == one),
                ),
            )
        )
    )
    now = clock.now()
    for row in rows:
        row.resolved_at, row.resolved_by_id, row.resolution = now, by.id, resolution
    return rows


def mark_distinct(session: Session, candidate_id: uuid.UUID, by: User) -> DuplicateCandidate:
    """Record that a noted pair are two different people. NotFound if there is no such
    open pair."""
    row = session.get(DuplicateCandidate, candidate_id)
    if row is None or row.resolved_at is not None:
        raise NotFound("No such possible duplicate waiting for a decision.")
    _resolve(session, row.person_id, row.candidate_id, "distinct", by)
    session.flush()
    return row


def waiting(
    session: Session, candidate_id: uuid.UUID | None = None
) -> list[tuple[DuplicateCandidate, Person, Person]]:
    """Pairs noted at registration and not yet decided (or only `candidate_id`), oldest
    first, with both records."""
    query = select(DuplicateCandidate).where(DuplicateCandidate.resolved_at.is_(None))
    if candidate_id is not None:
        query = query.where(DuplicateCandidate.id == candidate_id)
    rows = list(session.scalars(query.order_by(DuplicateCandidate.noted_at)))
    ids = {i for r in rows for i in (r.person_id, r.candidate_id)}
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    )
    return [(r, people[r.person_id], people[r.candidate_id]) for r in rows]
