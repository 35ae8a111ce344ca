"""Mutations on plans. Each one flushes; the request commits once, with its audit events."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from careplan.access.subject import Role
from careplan.accounts.models import AccountKind, User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.core.prepared import Fetched, Prepared
from careplan.people.models import Person
from careplan.plans.models import (
    CareTeamMember,
    Entry,
    KeyWorkerAssignment,
    MembershipHow,
    Plan,
    PlanClosure,
    Section,
    SectionVersion,
)
from careplan.plans.rows import Ref
from careplan.protection.sealed import aad, vault
from careplan.protection.vault import Vault
from careplan.tasks import operations as tasks


def _practitioner_in(
    session: Session, staff_id: uuid.UUID, agency_id: uuid.UUID, field: str
) -> User:
    staff = session.get(User, staff_id)
    if (
        staff is None
        or not staff.active
        or not staff.has_role(Role.PRACTITIONER)
        or staff.agency_id != agency_id
    ):
        raise Unprocessable(fields={field: ["Choose an active practitioner in the lead agency."]})
    return staff


def _agency(session: Session, agency_id: uuid.UUID, field: str) -> Agency:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise Unprocessable(fields={field: ["Choose an organisation from the list"]})
    return agency


def create_plan(
    session: Session, person: Person, data: dict[str, Any], by: User, section_keys: Iterable[str]
) -> Plan:
    _agency(session, data["lead_agency_id"], "lead_agency_id")
    if by.agency_id != data["lead_agency_id"]:
        raise Unprocessable(
            "The lead agency must be your own agency.",
            fields={"lead_agency_id": ["Choose your own organisation as the lead agency"]},
        )
    _practitioner_in(session, data["key_worker_id"], data["lead_agency_id"], "key_worker_id")
    if session.scalar(select(Plan.id).where(Plan.person_id == person.id)):
        raise Conflict("This person already has a plan.")
    plan = Plan(person_id=person.id, **data)
    session.add(plan)
    session.flush()
    session.add(
        KeyWorkerAssignment(
            plan_id=plan.id,
            agency_id=plan.lead_agency_id,
            staff_id=plan.key_worker_id,
            agreed_on=plan.agreed_on,
            agreed_how=plan.agreed_how,
            recorded_by_id=by.id,
        )
    )
    for key in section_keys:
        section = Section(plan_id=plan.id, key=key, content={}, version=1, updated_by_id=by.id)
        session.add(section)
        session.flush()
        session.add(
            SectionVersion(
                section_id=section.id, version=1, content={}, changed_fields=[], changed_by_id=by.id
            )
        )
    session.flush()
    return plan


class SectionView:
    """A section as a read-only view shows it: its content, version and who last changed
    it. Read in the request's transaction as the driver returns it, sealed, with its data
    key; converted and opened when first shown, which for the plan view is after the
    commit (careplan.plans.api), so SQLite's write lock is not held meanwhile."""

    def __init__(self, fetched: Fetched, raw: Sequence[Any], key: AESGCM | None) -> None:
        self._fetched, self._raw, self.key = fetched, raw, key

    @functools.cached_property
    def _row(self) -> Any:
        return self._fetched.convert(self._raw)

    @property
    def version(self) -> int:
        return self._row.version  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> datetime:
        return self._row.updated_at  # type: ignore[no-any-return]

    @property
    def updated_by(self) -> Ref | None:
        row = self._row
        return Ref(row.updated_by_id, row.name) if row.updated_by_id is not None else None

    @property
    def by_person(self) -> bool:
        """Last written by the person themselves (their own voice), not by staff."""
        return self._row.kind == AccountKind.INDIVIDUAL

    @functools.cached_property
    def content(self) -> dict[str, Any] | None:
        row = self._row
        if row.content is None:
            return None
        opened = Vault.open_with(self.key, aad("plan_section", "content", row.id), row.content)
        return json.loads(opened)  # type: ignore[no-any-return]


def section_views(session: Session, plan_id: uuid.UUID, keys: list[str]) -> dict[str, SectionView]:
    """The named sections of a plan in one column select (no ORM objects), each with the
    data key that opens it, which is read in this transaction if not already held."""
    params: dict[str, Any] = {"plan_id": plan_id}
    params.update((f"key_{i}", key) for i, key in enumerate(keys))
    fetched = _section_views(len(keys)).fetch(session, params)
    sealed_with = vault()
    views = {}
    for raw in fetched.raw:
        content = fetched.value(raw, "content")
        key = sealed_with.key_for(session, content) if content is not None else None
        views[fetched.value(raw, "key")] = SectionView(fetched, raw, key)
    return views


@functools.cache
def _section_views(count: int) -> Prepared:
    """One prepared statement per number of sections asked for (at most the catalogue's)."""
    section, user = Section.__table__.c, User.__table__.c
    keys = [bindparam(f"key_{i}") for i in range(count)]
    return Prepared(
        select(section.id, section.key, section.content, section.version, section.updated_at)
        .add_columns(section.updated_by_id, user.name, user.kind)
        .outerjoin(User.__table__, user.id == section.updated_by_id)
        .where(section.plan_id == bindparam("plan_id"), section.key.in_(keys))
    )


def get_section(session: Session, plan: Plan, key: str, *, for_update: bool = False) -> Section:
    """`for_update`: lock the row until commit, so two writers holding the same version
    queue here and the second one sees the new version (412), not a duplicate (500)."""
    query = select(Section).where(Section.plan_id == plan.id, Section.key == key)
    if for_update:
        # Only the section row: its eagerly joined author may be absent (outer join).
        query = query.with_for_update(of=Section).execution_options(populate_existing=True)
    section = session.scalars(query).one_or_none()
    if section is None:
        # A section added to the catalogue after this plan was made starts empty.
        section = Section(plan_id=plan.id, key=key, content={}, version=0)
        session.add(section)
        session.flush()
    return section


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def update_section(
    session: Session, section: Section, content: dict[str, Any], by: User
) -> Section:
    """Replace the content as a new version; the caller has already checked If-Match."""
    changed = changed_fields(section.content or {}, content)
    section.content = content
    section.version += 1
    section.updated_at = clock.now()
    # The relationship, not only the id: the answer names who wrote this version (the id
    # alone left the previous writer's name on the loaded row).
    section.updated_by = by
    session.add(
        SectionVersion(
            section_id=section.id,
            version=section.version,
            content=content,
            changed_fields=changed,
            changed_by_id=by.id,
        )
    )
    session.flush()
    return section


def versions(session: Session, section: Section) -> list[SectionVersion]:
    return list(
        session.scalars(
            select(SectionVersion)
            .where(SectionVersion.section_id == section.id)
            .order_by(SectionVersion.version.desc())
        )
    )


def add_entry(session: Session, plan: Plan, key: str, data: dict[str, Any], by: User) -> Entry:
    entry = Entry(
        plan_id=plan.id,
        section_key=key,
        text=data["text"].strip(),
        occurred_on=data.get("occurred_on") or clock.today(),
        author_id=by.id,
        author_agency_id=by.agency_id,
        goal_id=data.get("goal_id"),
        task_id=data.get("task_id"),
    )
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, plan: Plan, key: str) -> list[Entry]:
    return list(
        session.scalars(
            select(Entry)
            .where(Entry.plan_id == plan.id, Entry.section_key == key)
            .order_by(Entry.created_at.desc())
        )
    )


def entries_about_goals(session: Session, plan_id: uuid.UUID, keys: list[str]) -> list[Entry]:
    """The plan's updates in the `keys` sections that say which goal they are about,
    newest first."""
    if not keys:
        return []
    return list(
        session.scalars(
            select(Entry)
            .where(
                Entry.plan_id == plan_id, Entry.section_key.in_(keys), Entry.goal_id.is_not(None)
            )
            .order_by(Entry.created_at.desc())
        )
    )


def entries_by_section(
    session: Session, plan_id: uuid.UUID, keys: list[str]
) -> dict[str, list[Entry]]:
    """Every update of the plan in the `keys` sections, in one statement: section key ->
    its updates, newest first (the person's own plan page)."""
    found: dict[str, list[Entry]] = {key: [] for key in keys}
    if not keys:
        return found
    rows = session.scalars(
        select(Entry)
        .where(Entry.plan_id == plan_id, Entry.section_key.in_(keys))
        .order_by(Entry.created_at.desc())
    )
    for row in rows:
        found[row.section_key].append(row)
    return found


def recent_entries(session: Session, plan: Plan, keys: list[str], since: Any) -> list[Entry]:
    if not keys:
        return []
    return list(
        session.scalars(
            select(Entry)
            .where(Entry.plan_id == plan.id, Entry.section_key.in_(keys), Entry.created_at >= since)
            .order_by(Entry.created_at.desc())
            .limit(50)
        )
    )


def lock_plan(session: Session, plan: Plan) -> Plan:
    """Hold the plan row until commit and re-read it before its version is checked: two
    changes made from the same version then queue here, and the second one sees the
    first one's version (412) instead of overwriting it (PostgreSQL; on SQLite the
    request already holds the write lock)."""
    session.execute(select(Plan.id).where(Plan.id == plan.id).with_for_update())
    session.refresh(plan)
    return plan


def incoming_key_worker(session: Session, plan: Plan, data: dict[str, Any]) -> User:
    """The practitioner a hand-over names, checked: an active practitioner of the named
    agency who is not already the key worker (Unprocessable or Conflict otherwise)."""
    _agency(session, data["agency_id"], "agency_id")
    worker = _practitioner_in(session, data["staff_id"], data["agency_id"], "staff_id")
    if data["staff_id"] == plan.key_worker_id:
        raise Conflict(
            "This person is already the key worker.",
            fields={"staff_id": ["They are already the key worker: choose someone else"]},
        )
    return worker


def hand_over(
    session: Session, plan: Plan, data: dict[str, Any], by: User, warm_days: int = 0
) -> Plan:
    """Make the named practitioner key worker, with the person's agreement recorded. To
    another lead agency, with `data["warm_hand_over"]` (default true) and `warm_days` > 0,
    the previous key worker keeps a read-only place in the care team for `warm_days` days
    (a warm hand-over, ended early like any place)."""
    incoming_key_worker(session, plan, data)
    now = clock.now()
    if (
        warm_days > 0
        and data.get("warm_hand_over", True)
        and data["agency_id"] != plan.lead_agency_id
    ):
        today = clock.day_of(now)
        session.add(
            CareTeamMember(
                plan_id=plan.id,
                staff_id=plan.key_worker_id,
                role="Previous key worker (hand-over)",
                valid_from=today,
                valid_to=today + timedelta(days=warm_days),
                how=MembershipHow.ADDED,
                warm_hand_over=True,
                added_by_id=by.id,
            )
        )
    current = session.scalars(
        select(KeyWorkerAssignment).where(
            KeyWorkerAssignment.plan_id == plan.id, KeyWorkerAssignment.ended_at.is_(None)
        )
    ).all()
    for assignment in current:
        assignment.ended_at = now
    session.add(
        KeyWorkerAssignment(
            plan_id=plan.id,
            agency_id=data["agency_id"],
            staff_id=data["staff_id"],
            agreed_on=data["agreed_on"],
            agreed_how=data["agreed_how"],
            started_at=now,
            recorded_by_id=by.id,
        )
    )
    plan.lead_agency_id = data["agency_id"]
    tasks.follow_key_worker(session, plan.person_id, plan.key_worker_id, data["staff_id"], by)
    plan.key_worker_id = data["staff_id"]
    plan.agreed_on = data["agreed_on"]
    plan.agreed_how = data["agreed_how"]
    plan.version += 1
    plan.updated_at = now
    session.flush()
    session.expire(plan, ["lead_agency", "key_worker"])
    return plan


def key_worker_history(session: Session, plan: Plan) -> list[KeyWorkerAssignment]:
    return list(
        session.scalars(
            select(KeyWorkerAssignment)
            .where(KeyWorkerAssignment.plan_id == plan.id)
            .order_by(KeyWorkerAssignment.started_at.desc())
        )
    )


def care_team(session: Session, plan: Plan) -> list[CareTeamMember]:
    return list(
        session.scalars(
            select(CareTeamMember)
            .where(CareTeamMember.plan_id == plan.id)
            .order_by(CareTeamMember.added_at.desc())
        )
    )


def add_member(session: Session, plan: Plan, data: dict[str, Any], by: User) -> CareTeamMember:
    staff = session.get(User, data["staff_id"])
    if staff is None or not staff.active or not staff.has_role(Role.PRACTITIONER):
        raise Unprocessable(fields={"staff_id": ["Choose an active practitioner."]})
    member = CareTeamMember(
        plan_id=plan.id,
        staff_id=staff.id,
        role=data["role"].strip(),
        valid_from=data.get("valid_from") or clock.today(),
        valid_to=data.get("valid_to"),
        how=MembershipHow.ADDED,
        added_by_id=by.id,
    )
    session.add(member)
    session.flush()
    return member


def end_member(session: Session, plan: Plan, member_id: uuid.UUID, by: User) -> CareTeamMember:
    member = session.get(CareTeamMember, member_id)
    if member is None or member.plan_id != plan.id:
        raise NotFound("No such membership in this care team.")
    now = clock.now()
    # In period is enough: a deactivated member's place can be ended too, to tidy it.
    if not member.in_period(clock.day_of(now), now):
        raise Conflict("This membership has already ended.")
    member.ended_at = now
    member.ended_by_id = by.id
    session.flush()
    return member


def reopen(session: Session, plan: Plan, data: dict[str, Any], by: User) -> Plan:
    """Reopen a closed plan (step-down and return): its closure kept as history
    (PlanClosure), the named practitioner key worker in the named lead agency with the
    person's agreement, and a new line in the key worker history. Everything the plan
    held (sections, versions, updates, care team, consents) is kept as it was. Raises
    Conflict for a plan that is open, Unprocessable for an agency or key worker that
    cannot lead it. Flushes; the request commits."""
    if plan.closed_on is None:
        raise Conflict(
            "This plan is open: there is nothing to reopen.",
            fields={"plan": ["This plan is open."]},
        )
    _agency(session, data["lead_agency_id"], "lead_agency_id")
    if by.agency_id != data["lead_agency_id"]:
        # As when a plan starts: the agency that will lead reopens it (API.md).
        raise Unprocessable(
            "The lead agency must be your own agency.",
            fields={"lead_agency_id": ["Choose your own organisation as the lead agency"]},
        )
    _practitioner_in(session, data["key_worker_id"], data["lead_agency_id"], "key_worker_id")
    now = clock.now()
    session.add(
        PlanClosure(
            plan_id=plan.id,
            closed_on=plan.closed_on,
            closed_reason=plan.closed_reason,
            closed_by_id=plan.closed_by_id,
            closed_at=plan.closed_at,
            reopened_at=now,
            reopened_by_id=by.id,
        )
    )
    for assignment in session.scalars(
        select(KeyWorkerAssignment).where(
            KeyWorkerAssignment.plan_id == plan.id, KeyWorkerAssignment.ended_at.is_(None)
        )
    ):
        assignment.ended_at = now
    session.add(
        KeyWorkerAssignment(
            plan_id=plan.id,
            agency_id=data["lead_agency_id"],
            staff_id=data["key_worker_id"],
            agreed_on=data["agreed_on"],
            agreed_how=data["agreed_how"],
            started_at=now,
            recorded_by_id=by.id,
        )
    )
    plan.closed_on = plan.closed_reason = plan.closed_by_id = plan.closed_at = None
    plan.lead_agency_id = data["lead_agency_id"]
    tasks.follow_key_worker(session, plan.person_id, plan.key_worker_id, data["key_worker_id"], by)
    plan.key_worker_id = data["key_worker_id"]
    plan.agreed_on = data["agreed_on"]
    plan.agreed_how = data["agreed_how"]
    plan.version += 1
    plan.updated_at = now
    session.flush()
    session.expire(plan, ["lead_agency", "key_worker"])
    return plan


def closures(session: Session, plan: Plan) -> list[PlanClosure]:
    """The closures the plan came back from, oldest first."""
    return list(
        session.scalars(
            select(PlanClosure)
            .where(PlanClosure.plan_id == plan.id)
            .order_by(PlanClosure.reopened_at)
        )
    )


def close(session: Session, plan: Plan, data: dict[str, Any], by: User) -> Plan:
    plan.closed_on = data.get("closed_on") or clock.today()
    plan.closed_reason = data["reason"]
    plan.closed_by_id = by.id
    plan.closed_at = clock.now()
    plan.version += 1
    plan.updated_at = plan.closed_at
    session.flush()
    return plan
