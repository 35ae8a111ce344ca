"""The start page, and each person's home: a key worker's caseload, or where their work is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, g, render_template
from sqlalchemy import select

from careplan.access.pipeline import public
from careplan.access.subject import Role
from careplan.core import clock
from careplan.extensions import db
from careplan.me.views import plan
from careplan.people import services as people
from careplan.people.models import Person
from careplan.plans import services as plans
from careplan.plans.models import Entry, Plan
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
    if is_practitioner(user):
        return caseload()
    if user.has_role(Role.IG_OFFICER) or user.has_role(Role.ADMIN):
        # A home page of links: opening it reads nothing, so it records nothing.
        return render("tools.html", page_title="What do you want to do?")
    return render("no_role.html", 403, page_title="There is nothing here for your account yet")


@dataclass
class CaseloadItem:
    person: Person
    plan: Plan | None
    reviews_due: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    updates: list[Entry] = field(default_factory=list)


def caseload() -> Any:
    """My people (I am their key worker), with what needs doing; then others I work with."""
    found = people.search(lambda: {"q": ""})
    ids = [p.id for p in found]
    plans_by_person = (
        {p.person_id: p for p in db.session.scalars(select(Plan).where(Plan.person_id.in_(ids)))}
        if ids
        else {}
    )
    mine, others, unplanned = [], [], []
    today = clock.today()
    since = clock.now() - UPDATES_WINDOW
    for person in found:
        plan = plans_by_person.get(person.id)
        if plan is None:
            unplanned.append(person)
        elif plan.key_worker_id == g.user.id and plan.closed_on is None:
            item = CaseloadItem(person, plan)
            _, goals = plans.read_section(person.id, "goals")
            _what_is_due(item, goals.content or {}, today)
            item.updates = plans.recent_updates(person.id, since)
            mine.append(item)
        else:
            others.append((person, plan))
    return render(
        "me/caseload.html",
        page_title="My caseload",
        mine=mine,
        others=others,
        unplanned=unplanned,
        reviews_due=sum(len(i.reviews_due) for i in mine),
        overdue=sum(len(i.overdue) for i in mine),
        updates=sum(len(i.updates) for i in mine),
    )


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


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
