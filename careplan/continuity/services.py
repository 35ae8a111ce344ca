"""Teams and continuity (issue 22), shared by the JSON API and the pages.

- Teams (administrators): a name, an agency, members and leaders. Administrators never
  see plan content: nothing here shows them a person.
- A team's caseload and bulk hand-over: for the team's leaders only; anyone else is told
  there is no such team (404, recorded as a refusal), as for a team that does not exist.
- The "needs a new key worker" list: the lead agency's practitioners; a person on it is
  named only to a caller the access policy lets see them.
- Absence cover: a practitioner names a colleague of their own agency to cover their
  people for dates (basis `cover:<id>` while it is in force).
Every read of a person is recorded on that person's log with its basis.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import g
from sqlalchemy import select

from audit.actions import AuditAction, Outcome
from audit.log import record
from careplan.access import sources
from careplan.access.context import AccessContext
from careplan.access.permissions import Permission
from careplan.access.pipeline import contexts_for, require_job
from careplan.access.policy import can_see_person, decide_on, refused_sections
from careplan.access.subject import Role
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock
from careplan.core.errors import Conflict, NotFound, Unprocessable
from careplan.extensions import db
from careplan.notifications.kinds import NotificationKind
from careplan.notifications.outbox import queue
from careplan.people.models import Person
from careplan.plans import continuity, operations
from careplan.plans.models import Plan
from careplan.referrals import queries as referral_queries
from careplan.tasks import services as task_services
from careplan.tasks.models import Task, TaskStatus
from careplan.teams import queries
from careplan.teams.models import Cover, Team, TeamMember

NO_TEAM = "No team with that id that you lead."
MEMBER = "Choose active practitioners of the team's organisation."
REVIEW_WINDOW = timedelta(days=14)  # as on a key worker's own caseload (careplan.me.home)
FINISHED = frozenset({"done", "cancelled", "achieved", "stopped"})


# --- Teams (administrators) ---------------------------------------------------------


def list_teams(agency_id: uuid.UUID | None = None) -> list[Team]:
    require_job(Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_LIST)
    record(AuditAction.TEAM_LIST, details={"agency_id": agency_id})
    return queries.teams(db.session, agency_id)


def get_team(team_id: uuid.UUID) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    return team


def _staff_of(agency_id: uuid.UUID, ids: list[uuid.UUID], field_name: str) -> list[User]:
    rows = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    found = {u.id: u for u in rows}
    for staff_id in ids:
        user = found.get(staff_id)
        if (
            user is None
            or not user.active
            or not user.has_role(Role.PRACTITIONER)
            or user.agency_id != agency_id
        ):
            raise Unprocessable(fields={field_name: [MEMBER]})
    return [found[i] for i in ids]


def _set_members(team: Team, data: dict[str, Any]) -> None:
    """Members and leaders as given: leaders are members; a member kept keeps their row."""
    leaders = list(data["leaders"])
    members = list(dict.fromkeys([*data.get("members", []), *leaders]))
    _staff_of(team.agency_id, leaders, "leaders")
    # A member already in the team whose account has since closed may stay listed (their
    # people wait for a new key worker); a new member must be active.
    existing = {m.staff_id for m in team.members}
    _staff_of(team.agency_id, [m for m in members if m not in existing], "members")
    by_staff = {m.staff_id: m for m in team.members}
    for staff_id, place in list(by_staff.items()):
        if staff_id not in members:
            team.members.remove(place)
    for staff_id in members:
        place = by_staff.get(staff_id)
        if place is None:
            team.members.append(
                TeamMember(id=uuid.uuid4(), staff_id=staff_id, leader=staff_id in leaders)
            )
        else:
            place.leader = staff_id in leaders


def _name_free(agency_id: uuid.UUID, name: str, team_id: uuid.UUID | None = None) -> None:
    query = select(Team.id).where(Team.agency_id == agency_id, Team.name == name)
    if team_id is not None:
        query = query.where(Team.id != team_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise Conflict(
            "A team with this name exists in this organisation.",
            fields={"name": ["A team with this name already exists: choose a different name"]},
        )


def create_team(load: Any) -> Team:
    """A new team (422: an unknown agency, or members or leaders who are not its active
    practitioners; 409: its name is taken in that agency)."""
    require_job(Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_CREATE)
    data = load()
    if db.session.get(Agency, data["agency_id"]) is None:
        raise Unprocessable(fields={"agency_id": ["Choose an organisation from the list"]})
    _name_free(data["agency_id"], data["name"])
    now = clock.now()
    team = Team(
        id=uuid.uuid4(),
        agency_id=data["agency_id"],
        name=data["name"],
        version=1,
        created_at=now,
        updated_at=now,
    )
    team.members = []
    _set_members(team, data)
    db.session.add(team)
    db.session.flush()
    record(AuditAction.TEAM_CREATE, details=_team_details(team))
    return team


def update_team(team: Team, data: dict[str, Any]) -> Team:
    """Name, members and leaders replaced (the caller checked If-Match); 422 for another
    agency or members who cannot join, 409 for a name taken."""
    if data.get("agency_id") not in (None, team.agency_id):
        raise Unprocessable(fields={"agency_id": ["A team stays in its organisation"]})
    name = data.get("name") or team.name
    _name_free(team.agency_id, name, team.id)
    team.name = name
    _set_members(team, data)
    team.version += 1
    team.updated_at = clock.now()
    db.session.flush()
    record(AuditAction.TEAM_UPDATE, details=_team_details(team))
    return team


def _team_details(team: Team) -> dict[str, Any]:
    return {
        "team_id": team.id,
        "agency_id": team.agency_id,
        "members": len(team.members),
        "leaders": sorted(str(m.staff_id) for m in team.members if m.leader),
    }


def team_body(team: Team) -> dict[str, Any]:
    members = sorted(team.members, key=lambda m: (not m.leader, m.staff.name, str(m.staff_id)))
    return {
        "id": team.id,
        "name": team.name,
        "agency": {"id": team.agency.id, "name": team.agency.name},
        "version": team.version,
        "members": [
            {
                "staff_id": m.staff_id,
                "name": m.staff.name,
                "leader": m.leader,
                "active": m.staff.active,
            }
            for m in members
        ],
        "leaders": [m.staff_id for m in members if m.leader],
    }


# --- A team leader's team -----------------------------------------------------------


def led_team(team_id: uuid.UUID, action: AuditAction) -> Team:
    """The team, if the caller leads it; otherwise 404 as for no team, recorded."""
    require_job(Permission.JOB_TEAM_LEAD, action)
    team = db.session.get(Team, team_id)
    if team is None or not queries.leads(db.session, team_id, g.user.id):
        record(action, Outcome.DENY, reason="not_team_leader", details={"team_id": team_id})
        raise NotFound(NO_TEAM)
    return team


def teams_i_lead() -> list[Team]:
    return queries.led_by(db.session, g.user.id)


@dataclass
class CaseloadRow:
    person: Person
    plan: Plan
    key_worker: User
    agreement_waiting: bool
    reviews_due: int = 0
    reviews_overdue: int = 0
    next_review_on: date | None = None
    overdue_actions: int = 0
    referrals_waiting: int = 0  # sent, not yet answered by the receiving service


@dataclass
class MemberCounts:
    staff: User
    leader: bool
    people: int = 0
    agreement_waiting: int = 0
    reviews_due: int = 0
    reviews_overdue: int = 0
    no_review_date: int = 0
    overdue_actions: int = 0
    referrals_waiting: int = 0

    def add(self, row: CaseloadRow) -> None:
        self.people += 1
        self.agreement_waiting += row.agreement_waiting
        self.reviews_due += row.reviews_due
        self.reviews_overdue += row.reviews_overdue
        self.no_review_date += row.next_review_on is None
        self.overdue_actions += row.overdue_actions
        self.referrals_waiting += row.referrals_waiting


@dataclass
class Caseload:
    team: Team
    members: list[MemberCounts]
    totals: MemberCounts
    people: list[CaseloadRow] = field(default_factory=list)
    needing_key_worker: int = 0


def caseload(team: Team, query: dict[str, Any]) -> Caseload:
    """The team's open plans by member, with what is due: goal reviews due within 14 days
    and overdue, plans with no review date, overdue actions (goal actions and shared
    actions), agreements to record, referrals waiting for an answer. Each person shown is
    recorded on their log (`team.caseload`, basis `team_leader`), the goals read for it
    named. Counts hold no
    personal content. `query`: member (one member's people), show, sort
    (careplan.continuity.schemas.CaseloadQuerySchema)."""
    today = clock.today()
    places = {m.staff_id: m for m in team.members}
    plans = _open_plans_of(list(places))
    people = _people([p.person_id for p in plans])
    ordered = [people[p.person_id] for p in plans]
    contexts = contexts_for(ordered)
    tasks_overdue = _overdue_tasks(contexts, today)
    referrals = referral_queries.counts(
        db.session, [p.person_id for p in plans], clock.now() - timedelta(days=30)
    )
    rows: list[CaseloadRow] = []
    for plan, person, context in zip(plans, ordered, contexts, strict=True):
        if not can_see_person(context):
            continue
        row = CaseloadRow(person, plan, places[plan.key_worker_id].staff, plan.agreed_on is None)
        goals = decide_on(context, Permission.SECTION_VIEW, "goals")
        if goals.permit:
            content = operations.get_section(db.session, plan, "goals").content or {}
            _what_is_due(row, content, today)
        row.overdue_actions += tasks_overdue.get(plan.person_id, 0)
        waiting = referrals.get(plan.person_id)
        row.referrals_waiting = waiting.waiting if waiting is not None else 0
        record(
            AuditAction.TEAM_CASELOAD,
            person_id=person.id,
            sections=["goals"] if goals.permit else [],
            basis={"plan": str(decide_on(context, Permission.PLAN_VIEW).basis_text)},
            details={"team_id": team.id},
        )
        rows.append(row)
    counts = {
        staff_id: MemberCounts(place.staff, place.leader) for staff_id, place in places.items()
    }
    totals = MemberCounts(g.user, False)
    for row in rows:
        counts[row.plan.key_worker_id].add(row)
        totals.add(row)
    shown = [r for r in rows if _shown(r, query)]
    shown.sort(key=_sort_key(query["sort"]))
    members = sorted(counts.values(), key=lambda c: (not c.leader, c.staff.name, str(c.staff.id)))
    waiting = [
        w
        for w in continuity.needing_key_worker(db.session, team.agency_id)
        if w.former.id in places
    ]
    if not rows:
        record(AuditAction.TEAM_CASELOAD, details={"team_id": team.id, "people": 0})
    return Caseload(team, members, totals, shown, len(waiting))


def _open_plans_of(staff_ids: list[uuid.UUID]) -> list[Plan]:
    if not staff_ids:
        return []
    query = select(Plan).where(Plan.key_worker_id.in_(staff_ids), Plan.closed_on.is_(None))
    return list(db.session.scalars(query.order_by(Plan.created_at, Plan.id)))


def _people(ids: list[uuid.UUID]) -> dict[uuid.UUID, Person]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}


def _shown(row: CaseloadRow, query: dict[str, Any]) -> bool:
    if query.get("member") is not None and row.plan.key_worker_id != query["member"]:
        return False
    show = query.get("show", "all")
    return (
        show == "all"
        or (show == "agreement" and row.agreement_waiting)
        or (show == "overdue" and (row.overdue_actions > 0 or row.reviews_overdue > 0))
        or (show == "review_due" and (row.reviews_due > 0 or row.reviews_overdue > 0))
        or (show == "no_review" and row.next_review_on is None)
    )


def _sort_key(sort: str) -> Any:
    def by_name(row: CaseloadRow) -> tuple[str, str]:
        return (row.person.display_name.casefold(), str(row.person.id))

    if sort == "name":
        return by_name
    if sort == "overdue":
        return lambda r: (-(r.overdue_actions + r.reviews_overdue), *by_name(r))
    if sort == "review":
        return lambda r: (r.next_review_on is not None, r.next_review_on or date.min, *by_name(r))
    return lambda r: (r.key_worker.name.casefold(), str(r.key_worker.id), *by_name(r))


def _what_is_due(row: CaseloadRow, goals: dict[str, Any], today: date) -> None:
    """Goal reviews (due within the window, or late) and goal actions past their date,
    as the key worker's own caseload counts them (careplan.me.home)."""
    for goal in goals.get("goals", []):
        if goal.get("status") in FINISHED:
            continue
        review = _date(goal.get("review_on"))
        if review is not None:
            if row.next_review_on is None or review < row.next_review_on:
                row.next_review_on = review
            if review < today:
                row.reviews_overdue += 1
            elif review <= today + REVIEW_WINDOW:
                row.reviews_due += 1
        for action in goal.get("actions", []):
            by = _date(action.get("by_when"))
            if by is not None and by < today and action.get("status") not in FINISHED:
                row.overdue_actions += 1


def _overdue_tasks(contexts: list[AccessContext], today: date) -> dict[uuid.UUID, int]:
    """Open shared actions past their due day that the caller may see (each decided on
    itself, as the section it is about: a count must not tell a team leader of an action
    the person refused to their agency), counted by person. One query for all."""
    by_person = {c.person.id: c for c in contexts}
    if not by_person:
        return {}
    rows = db.session.scalars(
        select(Task).where(
            Task.person_id.in_(list(by_person)),
            Task.status == TaskStatus.OPEN,
            Task.due_on.is_not(None),
            Task.due_on < today,
        )
    )
    counts: dict[uuid.UUID, int] = {}
    for task in rows:
        if task_services.visible(by_person[task.person_id], [task]):
            counts[task.person_id] = counts.get(task.person_id, 0) + 1
    return counts


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# --- Bulk hand-over -----------------------------------------------------------------

NOT_IN_TEAM = "Choose someone your team's key workers support."
NEW_KEY_WORKER = "Choose an active practitioner in your team."
ALREADY = "They are already the key worker: choose someone else."
REFUSED = (
    "The person has refused to share part of their plan with this organisation, and a key "
    "worker sees the whole plan. Choose someone else, or talk to the person first."
)


@dataclass(frozen=True)
class Moved:
    person_id: uuid.UUID
    key_worker: User
    previous: User
    task_id: uuid.UUID
    version: int


def hand_over(team: Team, data: dict[str, Any]) -> list[Moved]:
    """Each move makes its new key worker the person's key worker now, as its own key
    worker change (`keyworker.change` on the person's log, basis `team_leader`) with a task
    for the new key worker to record the person's agreement. All or nothing: a move that
    cannot be made (someone not on the team's caseload, a new key worker who is not an
    active practitioner of the team, the same key worker, a refusal that bars them) answers
    422 or 409 naming that move, and no move is made."""
    places = {m.staff_id: m for m in team.members}
    moves = data["moves"]
    plans = {
        p.person_id: p
        for p in db.session.scalars(
            select(Plan).where(
                Plan.person_id.in_([m["person_id"] for m in moves]), Plan.closed_on.is_(None)
            )
        )
    }
    problems: dict[str, Any] = {}
    conflicts: dict[str, Any] = {}
    checked: list[tuple[Plan, User]] = []
    for index, move in enumerate(moves):
        plan = plans.get(move["person_id"])
        if plan is None or plan.key_worker_id not in places:
            problems[f"moves.{index}.person_id"] = [NOT_IN_TEAM]
            continue
        place = places.get(move["key_worker_id"])
        worker = place.staff if place is not None else None
        if worker is None or not continuity.usable_key_worker(worker, plan.lead_agency_id):
            problems[f"moves.{index}.key_worker_id"] = [NEW_KEY_WORKER]
            continue
        if worker.id == plan.key_worker_id:
            conflicts[f"moves.{index}.key_worker_id"] = [ALREADY]
            continue
        incoming = sources.loader().person(worker, plan.person_id, rows=True)
        if incoming is not None and refused_sections(incoming):
            conflicts[f"moves.{index}.key_worker_id"] = [REFUSED]
            continue
        checked.append((plan, worker))
    if problems:
        raise Unprocessable(fields={**problems, **conflicts})
    if conflicts:
        raise Conflict("A move cannot be made: nothing was moved.", fields=conflicts)
    moved = []
    for plan, worker in checked:
        operations.lock_plan(db.session, plan)
        previous = places[plan.key_worker_id].staff
        task = continuity.move_without_agreement(db.session, plan, worker, g.user)
        record(
            AuditAction.KEYWORKER_CHANGE,
            person_id=plan.person_id,
            basis={"plan": "team_leader"},
            details={"from": previous.id, "to": worker.id, "team_id": team.id, "bulk": True},
        )
        moved.append(Moved(plan.person_id, worker, previous, task.id, plan.version))
    record(AuditAction.TEAM_HAND_OVER, details={"team_id": team.id, "moves": len(moved)})
    return moved


# --- The "needs a new key worker" list ---------------------------------------------


@dataclass(frozen=True)
class WaitingRow:
    waiting: continuity.Waiting
    person: Person | None  # None: the caller may not see who it is
    teams: list[Team]


def needing_key_worker() -> list[WaitingRow]:
    """The caller's agency's plans whose key worker can no longer act, longest waiting
    first; each person named only if the policy lets the caller see them (and then
    recorded on their log)."""
    require_job(Permission.JOB_KEY_WORKER_QUEUE, AuditAction.KEYWORKER_QUEUE)
    agency_id = g.user.agency_id
    waiting = continuity.needing_key_worker(db.session, agency_id) if agency_id else []
    people = _people([w.plan.person_id for w in waiting])
    ordered = [people[w.plan.person_id] for w in waiting]
    teams_of = _teams_of([w.former.id for w in waiting])
    rows = []
    for item, person, context in zip(waiting, ordered, contexts_for(ordered), strict=True):
        seen = can_see_person(context)
        if seen:
            record(
                AuditAction.KEYWORKER_QUEUE,
                person_id=person.id,
                basis={"person": str(decide_on(context, Permission.PERSON_VIEW).basis_text)},
            )
        rows.append(WaitingRow(item, person if seen else None, teams_of.get(item.former.id, [])))
    record(AuditAction.KEYWORKER_QUEUE, details={"plans": len(rows)})
    return rows


def _teams_of(staff_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Team]]:
    if not staff_ids:
        return {}
    found: dict[uuid.UUID, list[Team]] = {}
    for staff_id, team in db.session.execute(
        select(TeamMember.staff_id, Team)
        .join(Team, Team.id == TeamMember.team_id)
        .where(TeamMember.staff_id.in_(staff_ids))
        .order_by(Team.name)
    ):
        found.setdefault(staff_id, []).append(team)
    return found


# --- Absence cover ------------------------------------------------------------------

COVER_COLLEAGUE = "Choose an active practitioner in your organisation, not yourself."
COVER_OVERLAP = (
    "This colleague already covers you for some of these dates: stop that cover first, "
    "or choose other dates."
)


def name_cover(data: dict[str, Any]) -> Cover:
    """The caller names a colleague to cover their people from `from_` to `to`; the
    colleague is told (content-free). 422 for someone who cannot cover."""
    require_job(Permission.JOB_COVER, AuditAction.COVER_CREATE)
    colleague = db.session.get(User, data["staff_id"])
    if (
        colleague is None
        or colleague.id == g.user.id
        or not colleague.active
        or not colleague.has_role(Role.PRACTITIONER)
        or colleague.agency_id != g.user.agency_id
    ):
        raise Unprocessable(fields={"staff_id": [COVER_COLLEAGUE]})
    if queries.cover_overlapping(db.session, g.user.id, colleague.id, data["from_"], data["to"]):
        # A second cover of the same colleague for the same days would outlive the first
        # being stopped early: one cover per colleague for any day.
        raise Conflict(
            "This colleague already covers some of these dates.",
            fields={"from": [COVER_OVERLAP]},
        )
    cover = Cover(
        id=uuid.uuid4(),
        staff_id=g.user.id,
        cover_id=colleague.id,
        starts_on=data["from_"],
        ends_on=data["to"],
        created_at=clock.now(),
    )
    db.session.add(cover)
    db.session.flush()
    queue(
        db.session,
        NotificationKind.KEY_WORKER_COVER,
        to_user_id=colleague.id,
        link="/cover",
        actor_id=g.user.id,
    )
    record(
        AuditAction.COVER_CREATE,
        details={
            "cover_id": cover.id,
            "colleague": colleague.id,
            "from": cover.starts_on,
            "to": cover.ends_on,
        },
    )
    return cover


def my_covers() -> tuple[list[Cover], list[Cover]]:
    """(covers the caller named, covers the caller holds), not yet over."""
    require_job(Permission.JOB_COVER, AuditAction.COVER_LIST)
    today = clock.today()
    record(AuditAction.COVER_LIST)
    return (
        queries.covers_given(db.session, g.user.id, today),
        queries.covers_held(db.session, g.user.id, today),
    )


def end_cover(cover_id: uuid.UUID) -> Cover:
    """Stop a cover now: by the key worker who named it, or the colleague covering
    (404 for anyone else, as for no cover; 409 if already over)."""
    require_job(Permission.JOB_COVER, AuditAction.COVER_END)
    cover = db.session.get(Cover, cover_id)
    if cover is None or g.user.id not in (cover.staff_id, cover.cover_id):
        record(AuditAction.COVER_END, Outcome.DENY, reason="not_yours")
        raise NotFound("No cover with that id of yours.")
    if cover.ended_at is not None or cover.ends_on < clock.today():
        raise Conflict("This cover has already ended.")
    cover.ended_at = clock.now()
    db.session.flush()
    record(AuditAction.COVER_END, details={"cover_id": cover.id})
    return cover


def cover_body(cover: Cover) -> dict[str, Any]:
    return {
        "id": cover.id,
        "key_worker": {"id": cover.staff.id, "name": cover.staff.name},
        "cover": {"id": cover.cover.id, "name": cover.cover.name},
        "from_": cover.starts_on,
        "to": cover.ends_on,
        "in_force": cover.in_force(clock.today()),
    }
