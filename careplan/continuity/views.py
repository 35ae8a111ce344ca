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
from careplan.access.subject import Role
from careplan.accounts.models import AccountKind, User
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


def _practitioners(agency_id: uuid.UUID | None = None) -> list[User]:
    query = select(User).where(User.kind == AccountKind.STAFF, User.active.is_(True))
    if agency_id is not None:
        query = query.where(User.agency_id == agency_id)
    return [
        u for u in db.session.scalars(query.order_by(User.name)) if u.has_role(Role.PRACTITIONER)
    ]


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
        try:
            services.create_team(loader(team_in, form))
            return redirect(url_for("continuity.teams", done="team_added"))
        except (ApiError, ValidationError) as exc:
            errors, status = refused(exc)
    rows = services.list_teams()
    return render(
        "continuity/teams.html",
        status,
        page_title="Teams",
        teams=[services.team_body(t) for t in rows],
        agencies=list(db.session.scalars(select(Agency).order_by(Agency.name))),
        staff=[
            (str(u.id), f"{u.name} ({u.agency.name if u.agency else ''})") for u in _practitioners()
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
        if not errors and not problems and version["version"] != found.version:
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
    staff = [(str(u.id), u.name) for u in _practitioners(found.agency_id)]
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
    query, errors = load(caseload_query, request.args.to_dict())
    if errors:
        query = caseload_query.load({})
    return _caseload_page(found, query, {}, {}, 400 if errors else 200)


def _caseload_page(found: Any, query: dict, form: dict, errors: dict, status: int = 200) -> Any:
    result = services.caseload(found, query)
    colleagues = [
        m.staff
        for m in sorted(found.members, key=lambda m: (m.staff.name, str(m.staff_id)))
        if m.staff.active and m.staff.has_role(Role.PRACTITIONER)
    ]
    return render(
        "continuity/caseload.html",
        status,
        page_title=f"{found.name}: team caseload",
        result=result,
        query=query,
        sorts=SORTS,
        shows=SHOWS,
        colleagues=colleagues,
        form=form,
        errors=errors,
    )


@bp.post("/teams/<uuid:team_id>/hand-over")
@signed_in_required
@requires(Permission.JOB_TEAM_LEAD, AuditAction.TEAM_HAND_OVER)
def share_out(team_id: uuid.UUID) -> Any:
    """The caseload's form: for each person ticked, the new key worker chosen beside them
    (`to-<person_id>`), all moved in one step."""
    found = services.led_team(team_id, AuditAction.TEAM_HAND_OVER)
    ticked = request.form.getlist("person")
    form = {f"to-{p}": request.form.get(f"to-{p}", "") for p in ticked}
    moves = [{"person_id": p, "key_worker_id": form[f"to-{p}"]} for p in ticked]
    query = caseload_query.load({})
    if not ticked:
        errors = {"person": ["Choose at least one person to share out."]}
        return _caseload_page(found, query, {"person": ticked, **form}, errors, 400)
    missing = [p for p in ticked if not form[f"to-{p}"]]
    if missing:
        errors = {f"to-{p}": ["Choose their new key worker."] for p in missing}
        return _caseload_page(found, query, {"person": ticked, **form}, errors, 400)
    try:
        moved = services.hand_over(found, hand_over_in.load({"moves": moves}))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        named = _by_person(errors, moves)
        return _caseload_page(found, query, {"person": ticked, **form}, named, status)
    return redirect(
        url_for("continuity.caseload", team_id=team_id, done="shared_out", n=len(moved))
    )


def _by_person(errors: dict[str, list[str]], moves: list[dict[str, str]]) -> dict[str, list[str]]:
    """The service names a move by its place (`moves.2.key_worker_id`); the page names it
    by the person's row (`to-<person_id>`)."""
    named: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "moves" and parts[1].isdigit():
            person = moves[int(parts[1])]["person_id"] if int(parts[1]) < len(moves) else ""
            named.setdefault(f"to-{person}", []).extend(messages)
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
        if not errors:
            try:
                services.name_cover(data)
                return redirect(url_for("continuity.cover", done="cover_named"))
            except ApiError as exc:
                errors, status = refused(exc)
        else:
            status = 400
    given, held = services.my_covers()
    colleagues = [u for u in _practitioners(g.user.agency_id) if u.id != g.user.id]
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
