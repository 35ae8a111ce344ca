"""One section of a plan: read it with its updates, add an update, change it, see its history."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.access.policy import decide_on
from careplan.core.errors import ApiError, NotFound
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.plans import goals, operations
from careplan.plans import services as plans
from careplan.plans.access import catalogue, section_access
from careplan.plans.schemas import entry_create, entry_error
from careplan.web import section_forms
from careplan.web.display import differences, lines, path_words
from careplan.web.merge import merge
from careplan.web.pages import form_values, loader, refused, render
from careplan.web.schemas import edit_controls
from careplan.web.words import field_label

bp = Blueprint("sections", __name__)

SECTION = "/people/<uuid:person_id>/sections/<key>"


@bp.get(SECTION)
@signed_in_required
@requires(Permission.SECTION_VIEW, AuditAction.SECTION_VIEW)
def section(person_id: uuid.UUID, key: str) -> Any:
    access, row, entries, abouts, by_goal = plans.read_section_page(person_id, key)
    return render(
        "sections/section.html",
        page_title=access.kind.title,
        page_label=access.facts.person.display_name,
        person=access.facts.person,
        kind=access.kind,
        row=row,
        lines=lines(access.kind.schema, row.content),
        basis=access.decision.basis_text,
        entries=entries,
        abouts=abouts,
        goals=_goals_with_updates(row.content, by_goal),
        can_add=decide_on(access.facts, Permission.SECTION_ADD_ENTRY, key).permit,
        can_change=decide_on(access.facts, Permission.SECTION_WRITE, key).permit,
        can_mark=decide_on(access.facts, Permission.CHRONOLOGY_MARK_ERROR).permit,
    )


def _goals_with_updates(content: Any, by_goal: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """On the goals section: each goal with the updates about it (none: left out)."""
    kinds = catalogue()
    return [
        {
            "title": goal["goal"],
            "updates": [(e, kinds.get(e.section_key).title) for e in by_goal[goal_id]],
        }
        for goal_id, goal in goals.by_id(content).items()
        if by_goal.get(goal_id)
    ]


@bp.route(f"{SECTION}/updates/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE)
def add_update(person_id: uuid.UUID, key: str) -> Any:
    return _add_update(person_id, key, own=False)


# The person's own voice (issue 20): the sections the catalogue marks `person_writes`,
# written and added to from their own pages, through the same decisions and records.
MY_SECTION = "/my-plan/sections/<key>"


@bp.route(f"{MY_SECTION}/updates/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE, person=OWN_PERSON)
def add_my_update(key: str) -> Any:
    return _add_update(plans.my_person_id(), key, own=True)


def _add_update(person_id: uuid.UUID, key: str, *, own: bool) -> Any:
    access = section_access(person_id, key, Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE)
    form = form_values(("occurred_on", "text", "about"))
    if request.method == "GET":
        return _update_page(access, {}, {}, own=own)
    try:
        plans.add_entry(person_id, key, loader(entry_create, _about(form)))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        for field in ("goal_id", "task_id"):
            # One question on the page ("What is this update about?") for both fields.
            if field in errors:
                errors["about"] = errors.pop(field)
        return _update_page(access, form, errors, status, own=own)
    if own:
        return redirect(url_for("me.plan", done="update_added") + f"#section-{key}")
    return redirect(url_for("sections.section", person_id=person_id, key=key, done="update_added"))


def _about(form: dict[str, str]) -> dict[str, str]:
    """The form's one "about" choice ("goal:<id>", "task:<id>" or nothing) as the API's
    fields (`goal_id` or `task_id`); anything else is sent on as a goal id and refused
    by the check of the person's goals like any unknown one."""
    data = {k: v for k, v in form.items() if k != "about"}
    kind, _, value = form.get("about", "").partition(":")
    if kind == "task" and value:
        data["task_id"] = value
    elif value or kind:
        data["goal_id"] = value if kind == "goal" else form["about"]
    return data


def _update_page(access: Any, form: dict, errors: dict, status: int = 200, *, own: bool) -> Any:
    person, key = access.facts.person, access.kind.key
    if own:
        links = {
            "action": url_for("sections.add_my_update", key=key),
            "cancel": url_for("me.plan") + f"#section-{key}",
        }
    else:
        links = {
            "action": url_for("sections.add_update", person_id=person.id, key=key),
            "cancel": url_for("sections.section", person_id=person.id, key=key),
        }
    return render(
        "sections/add_update.html",
        status,
        page_title="Add an update",
        page_label="Your plan" if own else f"{person.display_name}: {access.kind.title}",
        person=person,
        kind=access.kind,
        form=form,
        errors=errors,
        own=own,
        links=links,
        about=plans.about_choices(access),
    )


@bp.route(f"{SECTION}/updates/<uuid:entry_id>/error", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.CHRONOLOGY_MARK_ERROR,
    AuditAction.ENTRY_VIEW,
    methods={"POST": (Permission.CHRONOLOGY_MARK_ERROR, AuditAction.ENTRY_ERROR)},
)
def mark_error(person_id: uuid.UUID, key: str, entry_id: uuid.UUID) -> Any:
    """Mark an update "entered in error": a confirmation page showing the update, with the
    reason asked for (the key worker's and lead agency's, rules.CHRONOLOGY); the update is
    kept, struck through, with the reason and who marked it, wherever updates show."""
    if request.method == "GET":
        return _mark_error_page(*plans.entry_to_mark(person_id, key, entry_id), {}, {})
    form = form_values(("reason",))
    try:
        plans.mark_entry_error(person_id, key, entry_id, loader(entry_error, form))
    except ValidationError as exc:
        # Only the reason can be wrong here; a refusal, no such update or one marked
        # already is the service's error page. The update is shown again with the form.
        errors, status = refused(exc)
        return _mark_error_page(
            *plans.entry_to_mark(person_id, key, entry_id), form, errors, status
        )
    return redirect(
        url_for("sections.section", person_id=person_id, key=key, done="entered_in_error")
        + f"#update-{entry_id}"
    )


def _mark_error_page(access: Any, entry: Any, form: dict, errors: dict, status: int = 200) -> Any:
    person = access.facts.person
    return render(
        "sections/mark_error.html",
        status,
        page_title="Mark this update as entered in error?",
        page_label=f"{person.display_name}: {access.kind.title}",
        person=person,
        kind=access.kind,
        entry=entry,
        form=form,
        errors=errors,
    )


@bp.route(f"{SECTION}/edit", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.SECTION_WRITE,
    AuditAction.SECTION_VIEW,
    methods={"POST": (Permission.SECTION_WRITE, AuditAction.SECTION_UPDATE)},
)
def edit(person_id: uuid.UUID, key: str) -> Any:
    return _edit(person_id, key, own=False)


@bp.route(f"{MY_SECTION}/edit", methods=["GET", "POST"])
@signed_in_required
@requires(
    Permission.SECTION_WRITE,
    AuditAction.SECTION_VIEW,
    methods={"POST": (Permission.SECTION_WRITE, AuditAction.SECTION_UPDATE)},
    person=OWN_PERSON,
)
def edit_mine(key: str) -> Any:
    return _edit(plans.my_person_id(), key, own=True)


def _edit(person_id: uuid.UUID, key: str, *, own: bool) -> Any:
    if request.method == "GET":
        access, row = plans.open_for_edit(person_id, key)
        return _edit_page(access, row.content or {}, row.version, {}, own=own)
    access = section_access(person_id, key, Permission.SECTION_WRITE, AuditAction.SECTION_UPDATE)
    row = operations.get_section(db.session, access.plan, key)
    schema = access.kind.schema
    controls = edit_controls.load(form_values(("version", "add", "remove", "save")))
    sent = controls["version"]
    typed = section_forms.from_form(request.form)
    add, remove = controls.get("add"), controls.get("remove")
    if add or remove:
        # Adding or removing a row changes the form, not the plan: nothing is saved yet.
        changed = section_forms.change_rows(copy.deepcopy(typed), add, remove)
        changed = section_forms.text_rows_as_strings(schema, changed)
        return _edit_page(access, changed, sent, {}, own=own)
    content = section_forms.tidy(typed)
    try:
        valid = schema.dump(schema.load(content))
    except ValidationError as exc:
        errors, status = refused(exc)
        return _edit_page(access, content, sent, errors, status, own=own)
    if sent != row.version:
        # Someone else saved first: keep what this person typed, take the other person's
        # changes to the fields this person did not touch, show both sets of differences
        # beside the form, and let them save over the newer version once they have looked
        # (the form now carries its number). Nothing is saved yet.
        base = _version_content(row, sent)
        theirs = row.content or {}
        merged = merge(base, theirs, valid)
        clash = {
            "theirs": differences(schema, base, theirs),
            "mine": differences(schema, base, valid),
            "both": [_path_label(path) for path in merged.both_changed],
        }
        return _edit_page(
            access, merged.content, row.version, {}, 412, conflict=row, clash=clash, own=own
        )
    plans.save_section(access, row, valid)
    if own:
        return redirect(url_for("me.plan", done="saved") + f"#section-{key}")
    return redirect(url_for("plans.plan", person_id=person_id, done="saved") + f"#section-{key}")


def _version_content(row: Any, version: int) -> dict[str, Any]:
    """The section's content at `version` (the one this person started from), or {} if
    it is not in its history (a form older than the section)."""
    for saved in operations.versions(db.session, row):
        if saved.version == version:
            return saved.content or {}
    return {}


def _path_label(path: str) -> str:
    """ "offers.0.outcome" as words: "Offers of housing 1, outcome"."""
    parts: list[str] = []
    for part in path.split("."):
        if part.isdigit() and parts:
            parts[-1] = f"{parts[-1]} {int(part) + 1}"
        else:
            parts.append(field_label(part))
    return path_words(parts)


def _edit_page(
    access: Any,
    content: dict,
    version: int,
    errors: dict,
    status: int = 200,
    conflict: Any = None,
    clash: dict | None = None,
    *,
    own: bool,
) -> Any:
    nodes = section_forms.build(access.kind.schema, content)
    ids = {}
    _ids(nodes, ids)
    person, key = access.facts.person, access.kind.key
    if own:
        plan_page = url_for("me.plan") + f"#section-{key}"
        links = {
            "action": url_for("sections.edit_mine", key=key),
            "cancel": plan_page,
            "current": plan_page,
        }
    else:
        links = {
            "action": url_for("sections.edit", person_id=person.id, key=key),
            "cancel": url_for("plans.plan", person_id=person.id),
            "current": url_for("sections.section", person_id=person.id, key=key),
        }
    return render(
        "sections/edit.html",
        status,
        page_title=f"Change: {access.kind.title}",
        page_label="Your plan" if own else person.display_name,
        person=person,
        kind=access.kind,
        nodes=nodes,
        version=version,
        errors=errors,
        ids=ids,
        conflict=conflict,
        clash=clash,
        own=own,
        links=links,
    )


def _ids(nodes: list[section_forms.Node], out: dict[str, str]) -> None:
    for node in nodes:
        out[node.path] = node.id
        _ids(node.children, out)


@bp.get(f"{SECTION}/history")
@signed_in_required
@requires(Permission.SECTION_VIEW, AuditAction.SECTION_HISTORY)
def history(person_id: uuid.UUID, key: str) -> Any:
    access, rows, names = plans.section_history(person_id, key)
    kind = catalogue().get(key)
    if kind is None:
        raise NotFound()
    versions = []
    for index, row in enumerate(rows):
        older = rows[index + 1].content if index + 1 < len(rows) else {}
        versions.append(
            {
                "version": row.version,
                "at": row.changed_at,
                "by": names.get(row.changed_by_id),
                "changes": differences(kind.schema, older, row.content or {}),
            }
        )
    return render(
        "sections/history.html",
        page_title=f"Earlier versions: {kind.title}",
        page_label=access.facts.person.display_name,
        person=access.facts.person,
        kind=kind,
        versions=versions,
    )
