"""Pages for teams and continuity (issue 22): teams (administrators), a team's caseload
and sharing out its people (team leaders), the "needs a new key worker" list, and cover
while a key worker is away. The same services as the JSON API decide and record."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, g, redirect, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.accounts import staff_search
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.continuity import services
from careplan.continuity.schemas import (
    caseload_query,
    cover_in,
    hand_over_in,
    team_in,
    team_update,
)
from careplan.core.errors import ApiError
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.web import staff_picker
from careplan.web.pages import form_values, load, loader, refused, render
from careplan.web.schemas import version_only

bp = Blueprint("continuity", __name__)

SORTS = (("member", "Key worker"), ("name", "Name"), ("overdue", "Most overdue"))
SORTS += (("review", "Next review"),)
SHOWS = (
    ("all", "Everyone"),
    ("agreement", "Agreement to record"),
    ("overdue", "Overdue"),
    ("review_due", "Review due"),
    ("no_review", "No review date"),
)


# --- Teams (administrators) ---------------------------------------------------------


@bp.route("/admin/teams", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_TEAM_MANAGE,
    AuditAction.TEAM_LIST,
    methods={"POST": (Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_CREATE)},
)
def teams() -> Any:
    form: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = {
            **form_values(("name", "agency_id")),
            "members": request.form.getlist("members"),
            "leaders": request.form.getlist("leaders"),
        }
        # A search for staff shows the form again as typed, and adds nothing.
        try:
            if not staff_picker.searching():
                services.create_team(loader(team_in, form))
                return redirect(url_for("continuity.teams", done="team_added"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
    rows = services.list_teams()
    # Any organisation's practitioners (the organisation is chosen in the same form).
    chosen = [*form.get("leaders", []), *form.get("members", [])]
    picker = staff_picker.pick_many(staff_search.pool(), chosen)
    return render(
        "continuity/teams.html",
        status,
        page_title="Teams",
        teams=[services.team_body(t) for t in rows],
        agencies=list(db.session.scalars(select(Agency).order_by(Agency.name))),
        picker=picker,
        staff=[
            (str(u.id), f"{u.name} ({u.agency.name if u.agency else ''})") for u in picker.offered
        ],
        form=form,
        errors=errors,
    )


@bp.route("/admin/teams/<uuid:team_id>", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_TEAM_MANAGE,
    AuditAction.TEAM_LIST,
    methods={"POST": (Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_UPDATE)},
)
def team(team_id: uuid.UUID) -> Any:
    found = services.get_team(team_id)
    errors: dict[str, list[str]] = {}
    status = 200
    body = services.team_body(found)
    form: dict[str, Any] = {
        "name": found.name,
        "members": [str(m["staff_id"]) for m in body["members"]],
        "leaders": [str(s) for s in body["leaders"]],
        "version": found.version,
    }
    if request.method == "POST":
        form = {
            **form_values(("name",)),
            "members": request.form.getlist("members"),
            "leaders": request.form.getlist("leaders"),
            "version": request.form.get("version", ""),
        }
        version, problems = load(version_only, {"version": form["version"]})
        data, errors = load(team_update, _without(form, "version"))
        if staff_picker.searching():
            # A search for staff: the form again as typed, nothing saved.
            errors = {}
            record(AuditAction.TEAM_LIST, details={"team_id": found.id})
        elif not errors and not problems and version["version"] != found.version:
            errors = {"_schema": ["Someone else changed this team while you were on this page."]}
            status = 412
        elif not errors and not problems:
            try:
                services.update_team(found, data)
                return redirect(url_for("continuity.teams", done="team_saved"))
            except ApiError as exc:
                errors, status = refused(exc)
        else:
            errors, status = {**problems, **errors}, 400
    else:
        record(AuditAction.TEAM_LIST, details={"team_id": found.id})
    picker = staff_picker.pick_many(
        staff_search.pool(agencies=[found.agency_id]), [*form["leaders"], *form["members"]]
    )
    staff = [(str(u.id), u.name) for u in picker.offered]
    # A member whose account has closed is still listed, so they can be taken off.
    staff += [
        (str(m["staff_id"]), f"{m['name']} (account closed)")
        for m in body["members"]
        if not m["active"]
    ]
    return render(
        "continuity/team.html",
        status,
        page_title=f"Team: {found.name}",
        team=body,
        picker=picker,
        staff=staff,
        form=form,
        errors=errors,
    )


def _without(form: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in form.items() if k != name}


# --- A team leader's caseload and sharing out ---------------------------------------


@bp.get("/teams/<uuid:team_id>")
@signed_in_required
@requires(Permission.JOB_TEAM_LEAD, AuditAction.TEAM_CASELOAD)
def caseload(team_id: uuid.UUID) -> Any:
    found = services.led_team(team_id, AuditAction.TEAM_CASELOAD)
    # The staff search ("search then choose") comes back with the filters; it is not one.
    asked = {k: v for k, v in request.args.items() if k != "staff_q"}
    query, errors = load(caseload_query, asked)
    if errors:
        query = caseload_query.load({})
    return _caseload_page(found, query, {}, {}, 400 if errors else 200)


def _caseload_page(found: Any, query: dict, form: dict, errors: dict, status: int = 200) -> Any:
    result = services.caseload(found, query)
    return render(
        "continuity/caseload.html",
        status,
        page_title=f"{found.name}: team caseload",
        result=result,
        query=query,
        sorts=SORTS,
        shows=SHOWS,
        picker=staff_picker.pick(_team_practitioners(found), form.get("key_worker_id")),
        form=form,
        errors=errors,
    )


def _team_practitioners(found: Any) -> Any:
    """The team's active practitioners, as a query (careplan.accounts.staff_search.pool):
    who may take on the team's people."""
    members = [m.staff_id for m in found.members]
    return staff_search.pool(agencies=[found.agency_id]).where(User.id.in_(members))


@bp.post("/teams/<uuid:team_id>/hand-over")
@signed_in_required
@requires(Permission.JOB_TEAM_LEAD, AuditAction.TEAM_HAND_OVER)
def share_out(team_id: uuid.UUID) -> Any:
    """The caseload's form: the people ticked (`person`) all go to the one colleague chosen
    (`key_worker_id`, GOV.UK "search then choose"), in one step; people for another
    colleague are shared out in another step (issue 17: no select on every row)."""
    found = services.led_team(team_id, AuditAction.TEAM_HAND_OVER)
    ticked = request.form.getlist("person")
    form = {"person": ticked, **form_values(("key_worker_id", "staff_q"))}
    query = caseload_query.load({})
    errors: dict[str, list[str]] = {}
    if not ticked:
        errors["person"] = ["Choose at least one person to share out."]
    if not form.get("key_worker_id"):
        errors["key_worker_id"] = ["Choose their new key worker."]
    if errors:
        return _caseload_page(found, query, form, errors, 400)
    moves = [{"person_id": p, "key_worker_id": form["key_worker_id"]} for p in ticked]
    try:
        moved = services.hand_over(found, hand_over_in.load({"moves": moves}))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _caseload_page(found, query, form, _by_person(errors, moves), status)
    return redirect(
        url_for("continuity.caseload", team_id=team_id, done="shared_out", n=len(moved))
    )


def _by_person(errors: dict[str, list[str]], moves: list[dict[str, str]]) -> dict[str, list[str]]:
    """The service names a move by its place (`moves.2.key_worker_id`); the page names it
    by the person's row (`person-<person_id>`, their tick box), except that a colleague who
    cannot take anyone on is said at the one choice (`key_worker_id`)."""
    named: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "moves" and parts[1].isdigit():
            if parts[2] == "key_worker_id" and messages == [services.NEW_KEY_WORKER]:
                named.setdefault("key_worker_id", [])
                named["key_worker_id"] += [m for m in messages if m not in named["key_worker_id"]]
                continue
            person = moves[int(parts[1])]["person_id"] if int(parts[1]) < len(moves) else ""
            named.setdefault(f"person-{person}", []).extend(messages)
        elif key.startswith("moves") or key == "key_worker_id":
            named.setdefault("key_worker_id", []).extend(messages)
        else:
            named.setdefault("person", []).extend(messages)
    return named


# --- The "needs a new key worker" list ----------------------------------------------


@bp.get("/needing-key-worker")
@signed_in_required
@requires(Permission.JOB_KEY_WORKER_QUEUE, AuditAction.KEYWORKER_QUEUE)
def needing_key_worker() -> Any:
    rows = services.needing_key_worker()
    return render(
        "continuity/needing.html",
        page_title="People who need a new key worker",
        rows=rows,
        teams=services.teams_i_lead(),
    )


# --- Cover while away ---------------------------------------------------------------


@bp.route("/cover", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.JOB_COVER,
    AuditAction.COVER_LIST,
    methods={"POST": (Permission.JOB_COVER, AuditAction.COVER_CREATE)},
)
def cover() -> Any:
    form: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form = form_values(("staff_id", "from", "to"))
        data, errors = load(cover_in, form)
        if staff_picker.searching():
            errors = {}  # a search for staff: the form again as typed, nothing saved
        elif not errors:
            try:
                services.name_cover(data)
                return redirect(url_for("continuity.cover", done="cover_named"))
            except ApiError as exc:
                errors, status = refused(exc)
        else:
            status = 400
    given, held = services.my_covers()
    colleagues = staff_search.pool(agencies=[g.user.agency_id], leave_out=[g.user.id])
    return render(
        "continuity/cover.html",
        status,
        page_title="Cover while you are away",
        given=[services.cover_body(c) for c in given],
        held=[services.cover_body(c) for c in held],
        picker=staff_picker.pick(colleagues, form.get("staff_id")),
        form=form,
        errors=errors,
    )


@bp.post("/cover/<uuid:cover_id>/end")
@signed_in_required
@requires(Permission.JOB_COVER, AuditAction.COVER_END)
def end_cover(cover_id: uuid.UUID) -> Any:
    try:
        services.end_cover(cover_id)
    except ApiError as exc:
        if exc.status == 404:
            raise
        refused(exc)
    return redirect(url_for("continuity.cover", done="cover_ended"))
