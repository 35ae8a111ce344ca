"""The start page, and each person's home: a key worker's caseload, or where their work is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, g, render_template, request
from sqlalchemy import func, select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.pipeline import public
from careplan.access.sources import Scope
from careplan.access.subject import Role
from careplan.core import clock
from careplan.extensions import db
from careplan.ig import reviews
from careplan.me.views import plan
from careplan.meetings.models import Meeting
from careplan.people import services as people
from careplan.people.models import DuplicateCandidate, Person
from careplan.plans import continuity
from careplan.plans import services as plans
from careplan.plans.models import Entry, Plan
from careplan.referrals import queries as referral_queries
from careplan.referrals.queries import ReferralCounts
from careplan.subject_access import services as subject_access
from careplan.supporters import views as supporter_views
from careplan.tasks import queries as tasks
from careplan.tasks import services as task_services
from careplan.tasks.models import TaskSource
from careplan.teams import queries as teams
from careplan.web.pages import is_practitioner, render

bp = Blueprint("home", __name__)

REVIEW_WINDOW = timedelta(days=14)  # a review this close counts as due
UPDATES_WINDOW = timedelta(days=14)  # care team updates this recent count as new
FINISHED = frozenset({"done", "cancelled", "achieved", "stopped"})


@bp.get("/")
@public
def start() -> Any:
    user = g.get("user")
    if user is None:
        return render_template("start.html", page_title="Shared coordinated care plan")
    if user.is_individual:
        return plan()
    if user.is_supporter:
        return supporter_views.supporting_page()
    if is_practitioner(user):
        return caseload()
    if user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN):
        # A home page of links and counts of what waits: it reads no one's details, so
        # it records nothing.
        return render("tools.html", page_title="What do you want to do?", waiting=_waiting(user))
    return render("no_role.html", 403, page_title="There is nothing here for your account yet")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _waiting(user: Any) -> dict[str, list[str]]:
    """What waits for an IG officer or administrator, as sentences under the link to it
    (issue 17: "2 emergency accesses to review"): {endpoint: [sentence, ...]}."""
    found: dict[str, list[str]] = {}
    if user.has_role(Role.IG_OFFICER):
        counts = reviews.waiting(db.session)
        lines = []
        if counts["break_glass"]:
            lines.append(
                _plural(counts["break_glass"], "emergency access", "emergency accesses")
                + " to review"
            )
        if counts["claims"]:
            lines.append(
                _plural(counts["claims"], "claimed relationship", "claimed relationships")
                + " to review"
            )
        if counts["follow_up"]:
            lines.append(
                _plural(counts["follow_up"], "review", "reviews") + " waiting for follow-up"
            )
        found["ig.reviews"] = lines or ["Nothing to review."]
        found["subject_access.queue"] = _requests_waiting()
    duplicates = db.session.scalar(
        select(func.count())
        .select_from(DuplicateCandidate)
        .where(DuplicateCandidate.resolved_at.is_(None))
    )
    found["records.waiting"] = (
        [_plural(duplicates, "possible duplicate", "possible duplicates") + " to check"]
        if duplicates
        else ["Nothing to check."]
    )
    return found


def _requests_waiting() -> list[str]:
    """Subject access requests to answer, as sentences: overdue first (issue 18)."""
    counts = subject_access.waiting()
    if not counts["open"]:
        return ["No requests to answer."]
    lines = []
    if counts["overdue"]:
        lines.append(_plural(counts["overdue"], "request", "requests") + " overdue")
    if counts["due_soon"]:
        lines.append(_plural(counts["due_soon"], "request", "requests") + " due within 7 days")
    if counts["identity"]:
        lines.append(
            _plural(counts["identity"], "request", "requests") + " waiting for proof of identity"
        )
    lines.append(_plural(counts["open"], "request", "requests") + " open in all")
    return lines


@dataclass
class CaseloadItem:
    person: Person
    reviews_due: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    updates: list[Entry] = field(default_factory=list)
    # Issue 22: they became this key worker's without being there; their agreement waits
    # (the new key worker's task, careplan.plans.continuity).
    agreement_task: bool = False
    crises: list[dict[str, Any]] = field(default_factory=list)  # follow-ups not yet done
    # The last day anyone in the care team recorded seeing the person: a dated update, or a
    # meeting they attended.
    last_contact: date | None = None
    referrals: ReferralCounts = field(default_factory=ReferralCounts)


REFERRALS_WINDOW = timedelta(days=30)
OTHERS_SHOWN = 20  # the caseload lists the first of the others; Find a person pages them all


def _everyone(scope: Scope) -> list[Person]:
    """Every person in `scope` the caller may see, page by page (a key worker's own
    people are never cut off at a page's end)."""
    found: list[Person] = []
    cursor = None
    while True:
        query = {"q": "", "scope": scope, "limit": 100, "cursor": cursor}
        page = people.search(lambda query=query: query)
        found += page.people
        if page.cursor is None:
            return found
        cursor = page.cursor


def caseload() -> Any:
    """My people (I am their key worker), with what needs doing; people I registered who
    have no plan yet; then the first of the others I work with, and how many there are."""
    mine = [CaseloadItem(person) for person in _everyone(Scope.KEY_WORKER)]
    unplanned = _everyone(Scope.UNPLANNED)
    others = people.search(
        lambda: {"q": "", "scope": Scope.OTHERS, "limit": OTHERS_SHOWN, "cursor": None}
    )
    today = clock.today()
    since = clock.now() - UPDATES_WINDOW
    working_with = _working_with(others.people, today, since)
    waiting = {t.person_id for t in continuity.my_agreement_tasks(db.session, g.user.id)}
    for item in mine:
        item.agreement_task = item.person.id in waiting
        _, goals = plans.read_section(item.person.id, "goals")
        _what_is_due(item, goals.content or {}, today)
        item.updates = plans.recent_updates(item.person.id, since)
    _living_plan_due(mine, today)
    # Referrals waiting, taken on, and not taken up in the last 30 days: numbers only,
    # for people the caller is key worker for (the referral pages record who reads them).
    referral_counts = referral_queries.counts(
        db.session, [i.person.id for i in mine], clock.now() - REFERRALS_WINDOW
    )
    for item in mine:
        item.referrals = referral_counts.get(item.person.id, ReferralCounts())
    show = request.args.get("show", "")
    shown = [i for i in mine if SHOW.get(show, lambda _i: True)(i)]
    return render(
        "me/caseload.html",
        page_title="My caseload",
        mine=mine,
        shown=shown,
        show=show if show in SHOW else "",
        others=others,
        working_with=working_with,
        my_actions=sum(len(i.overdue) + len(i.due_soon) for i in working_with),
        their_updates=sum(len(i.updates) for i in working_with),
        unplanned=unplanned,
        reviews_due=sum(len(i.reviews_due) for i in mine),
        overdue=sum(len(i.overdue) for i in mine),
        updates=sum(len(i.updates) for i in mine),
        agreements=[i for i in mine if i.agreement_task],
        led_teams=teams.led_by(db.session, g.user.id),
        needing_key_worker=continuity.needing_key_worker_count(db.session, g.user.agency_id)
        if g.user.agency_id
        else 0,
        referrals_waiting=sum(i.referrals.waiting for i in mine),
        referrals_not_taken=sum(i.referrals.not_taken for i in mine),
    )


# The caseload's counts link to the people they count (issue 17): `?show=NAME`.
SHOW: dict[str, Any] = {
    "reviews": lambda item: bool(item.reviews_due),
    "overdue": lambda item: bool(item.overdue or item.crises),
    "updates": lambda item: bool(item.updates),
    "referrals": lambda item: bool(item.referrals.waiting or item.referrals.not_taken),
}


@dataclass
class WorkingWith:
    """Someone the caller works with but is not key worker for (a care-team member's
    caseload, issue 17): the caller's own open actions for them, overdue or due within the
    review window, and the care team's recent updates in the parts the caller may see."""

    person: Person
    overdue: list[Any] = field(default_factory=list)
    due_soon: list[Any] = field(default_factory=list)
    updates: list[Entry] = field(default_factory=list)


def _working_with(people_shown: list[Person], today: date, since: Any) -> list[WorkingWith]:
    """For the others on the caseload: the caller's (or their agency's) open actions, one
    query for all, one `task.list` record per person whose actions are shown; and recent
    updates through the same decision and records as the key worker's own people."""
    items = [WorkingWith(person) for person in people_shown]
    if not items:
        return items
    ids = {item.person.id for item in items}
    soon = today + REVIEW_WINDOW
    mine: dict[Any, list[Any]] = {}
    owned = tasks.owned_by(db.session, g.user.id, g.user.agency_id)
    due = [t for t in owned if t.person_id in ids and t.due_on is not None and t.due_on <= soon]
    # Still theirs to see: the person's refusal or withdrawal ends an owner's sight too.
    for task in task_services.visible_across(due):
        mine.setdefault(task.person_id, []).append(task)
    for item in items:
        owned = mine.get(item.person.id, [])
        item.overdue = [t for t in owned if t.due_on < today]
        item.due_soon = [t for t in owned if t.due_on >= today]
        if owned:
            record(
                AuditAction.TASK_LIST,
                person_id=item.person.id,
                details={"view": "caseload", "task_ids": [t.id for t in owned]},
            )
        item.updates = plans.recent_updates(item.person.id, since)
    return items


def _what_is_due(item: CaseloadItem, goals: dict[str, Any], today: date) -> None:
    for goal in goals.get("goals", []):
        review = _date(goal.get("review_on"))
        if review and review <= today + REVIEW_WINDOW and goal.get("status") not in FINISHED:
            item.reviews_due.append(
                {"goal": goal.get("goal"), "on": review, "late": review < today}
            )
        for action in goal.get("actions", []):
            by = _date(action.get("by_when"))
            if by and by < today and action.get("status") not in FINISHED:
                item.overdue.append({"action": action.get("action"), "by": by})


def _living_plan_due(mine: list[CaseloadItem], today: date) -> None:
    """The plan's review date (set by the last review meeting), overdue shared actions and
    open crisis follow-ups, and the last contact, of the key worker's own people: four
    queries for the whole caseload, and one `task.list` record per person whose actions
    are shown."""
    ids = [item.person.id for item in mine]
    if not ids:
        return
    reviews = dict(
        db.session.execute(
            select(Plan.person_id, Plan.next_review_on).where(
                Plan.person_id.in_(ids), Plan.next_review_on.is_not(None)
            )
        ).all()
    )
    late = tasks.overdue(db.session, ids, today)
    updated = dict(
        db.session.execute(
            select(Plan.person_id, func.max(Entry.occurred_on))
            .join(Entry, Entry.plan_id == Plan.id)
            .where(Plan.person_id.in_(ids))
            .group_by(Plan.person_id)
        ).all()
    )
    met = dict(
        db.session.execute(
            select(Meeting.person_id, func.max(Meeting.held_on))
            .where(Meeting.person_id.in_(ids), Meeting.person_attended.is_(True))
            .group_by(Meeting.person_id)
        ).all()
    )
    for item in mine:
        seen = [d for d in (updated.get(item.person.id), met.get(item.person.id)) if d]
        item.last_contact = max(seen) if seen else None
        review = reviews.get(item.person.id)
        if review is not None and review <= today + REVIEW_WINDOW:
            item.reviews_due.insert(
                0, {"goal": "Review of the plan", "on": review, "late": review < today}
            )
        shown = late.get(item.person.id, [])
        for task in shown:
            owner = task.owner_staff.name if task.owner_staff else task.owner_agency.name
            entry = {"action": f"{task.title} ({owner})", "by": task.due_on}
            if task.source is TaskSource.CRISIS:
                item.crises.append({**entry, "late": task.overdue(today)})
            else:
                item.overdue.append(entry)
        if shown:
            record(
                AuditAction.TASK_LIST,
                person_id=item.person.id,
                basis={"plan": "key_worker"},
                details={"view": "caseload", "task_ids": [t.id for t in shown]},
            )


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
