"""The access log as pages: who has looked at a person's plan, in plain words (the
person's own page in careplan.me uses the same page function).

Issue 17: the person's page leaves out their own visits unless they ask, opens with a
summary of emergency access, and reads as a list on a phone; the key worker's page speaks
to staff about the person ("Looked at Sarah's plan"), groups repeated visits, and filters
to other organisations or to emergency access."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Blueprint, g, request
from marshmallow import fields, validate

from audit.actions import AuditAction
from audit.queries import LogFilter
from audit.schemas import PageQuerySchema
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core import clock
from careplan.identity.web import signed_in_required
from careplan.ig import services
from careplan.plans.access import catalogue
from careplan.web.pages import load, loader, render

bp = Blueprint("access_log", __name__)

# The page's "Show" choices: (value, label); the first is the default.
MINE_SHOWS = [
    ("others", "Other people's visits"),
    ("all", "Everything, including your own visits"),
    ("emergency", "Emergency access only"),
]
STAFF_SHOWS = [
    ("all", "Everyone"),
    ("other_agencies", "Other organisations only"),
    ("emergency", "Emergency access only"),
]
SHOW_MESSAGE = "Choose which visits to show from the list"


def _show_query(choices: list[tuple[str, str]]) -> PageQuerySchema:
    class ShowQuery(PageQuerySchema):
        show = fields.Str(
            validate=validate.OneOf([v for v, _ in choices], error=SHOW_MESSAGE),
            error_messages={"invalid": SHOW_MESSAGE},
        )

    return ShowQuery()


SHOW_QUERIES = {True: _show_query(MINE_SHOWS), False: _show_query(STAFF_SHOWS)}


def _choose(mine: bool) -> Callable[[dict[str, Any]], LogFilter | None]:
    """What each choice leaves out, for this caller (the default when none is chosen)."""
    choices = MINE_SHOWS if mine else STAFF_SHOWS

    def choose(args: dict[str, Any]) -> LogFilter | None:
        show = args.get("show") or choices[0][0]
        args["show"] = show
        if show == "emergency":
            return LogFilter(emergency=True)
        if show == "others":
            return LogFilter(not_actor=g.user.id)
        if show == "other_agencies" and g.user.agency_id is not None:
            return LogFilter(other_than_agency=g.user.agency_id)
        return None

    return choose


def grouped(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Repeated visits as one line: next to each other in the log (newest first), by the
    same account, doing the same thing to the same parts, with the same outcome and basis,
    on the same day in Scotland. Each line gains `times` and `first` (the earliest visit's
    time; `when` stays the latest)."""
    out: list[dict[str, Any]] = []
    for line in lines:
        day = clock.day_of(_instant(line["when"]))
        last = out[-1] if out else None
        if (
            last is not None
            and line["actor_id"] is not None
            and last["_day"] == day
            and all(
                last[k] == line[k] for k in ("actor_id", "action", "outcome", "sections", "why")
            )
            and not line["justification"]
        ):
            last["times"] += 1
            last["first"] = line["when"]
            continue
        out.append({**line, "times": 1, "first": line["when"], "_day": day})
    for line in out:
        line["from_time"] = f"{clock.local(_instant(line['first'])):%H:%M}"
        line["to_time"] = f"{clock.local(_instant(line['when'])):%H:%M}"
    return out


def _instant(when: str) -> datetime:
    return datetime.fromisoformat(when.replace("Z", "+00:00"))


def access_log_page(person_id: uuid.UUID, mine: bool) -> Any:
    """The log page; a "Show" choice not on the list is said beside the choices (400)
    and the default shown."""
    args = {k: v for k, v in request.args.items() if k in ("cursor", "show")}
    _, errors = load(SHOW_QUERIES[mine], {"show": args["show"]} if "show" in args else {})
    if errors:
        args.pop("show")
    entries, cursor = services.access_log(
        person_id, loader(SHOW_QUERIES[mine], args), _choose(mine), staff_words=not mine
    )
    choices = MINE_SHOWS if mine else STAFF_SHOWS
    show = args.get("show") or choices[0][0]
    # A look at the whole plan names no parts: eleven titles on a phone say less than this.
    every = len(catalogue().keys())
    for line in entries:
        if len(line["sections"]) == every:
            line["sections"] = ["every part"]
    return render(
        "ig/access_log.html",
        400 if errors else 200,
        errors=errors,
        page_title="Who has looked at my plan" if mine else "Who has looked at this plan",
        person_id=person_id,
        mine=mine,
        entries=grouped(entries),
        emergencies=services.emergency_accesses(person_id),
        cursor=cursor,
        show=show,
        shows=choices,
    )


@bp.get("/people/<uuid:person_id>/access-log")
@signed_in_required
@requires(Permission.PERSON_ACCESS_LOG_VIEW, AuditAction.ACCESSLOG_VIEW)
def person(person_id: uuid.UUID) -> Any:
    return access_log_page(person_id, False)
