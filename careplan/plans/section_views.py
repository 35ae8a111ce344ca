"""One section of a plan: read it with its updates, add an update, change it, see its history."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.access.policy import decide_on
from careplan.core.errors import ApiError, NotFound
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.plans import operations
from careplan.plans import services as plans
from careplan.plans.access import catalogue, section_access
from careplan.plans.schemas import entry_create
from careplan.web import section_forms
from careplan.web.display import differences, lines
from careplan.web.pages import form_values, loader, refused, render
from careplan.web.schemas import edit_controls

bp = Blueprint("sections", __name__)

SECTION = "/people/<uuid:person_id>/sections/<key>"


@bp.get(SECTION)
@signed_in_required
@requires(Permission.SECTION_VIEW, AuditAction.SECTION_VIEW)
def section(person_id: uuid.UUID, key: str) -> Any:
    access, row, entries = plans.read_section_page(person_id, key)
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
        can_add=decide_on(access.facts, Permission.SECTION_ADD_ENTRY, key).permit,
        can_change=decide_on(access.facts, Permission.SECTION_WRITE, key).permit,
    )


@bp.route(f"{SECTION}/updates/new", methods=["GET", "POST"])
@signed_in_required
@requires(Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE)
def add_update(person_id: uuid.UUID, key: str) -> Any:
    access = section_access(person_id, key, Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE)
    form = form_values(("occurred_on", "text"))
    if request.method == "GET":
        return _update_page(access, {}, {})
    try:
        plans.add_entry(person_id, key, loader(entry_create, form))
    except (ApiError, ValidationError) as exc:
        return _update_page(access, form, *refused(exc))
    return redirect(url_for("sections.section", person_id=person_id, key=key, done="update_added"))


def _update_page(access: Any, form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "sections/add_update.html",
        status,
        page_title="Add an update",
        page_label=f"{access.facts.person.display_name}: {access.kind.title}",
        person=access.facts.person,
        kind=access.kind,
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
    if request.method == "GET":
        access, row = plans.open_for_edit(person_id, key)
        return _edit_page(access, row.content or {}, row.version, {})
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
        return _edit_page(access, changed, sent, {})
    content = section_forms.tidy(typed)
    try:
        valid = schema.dump(schema.load(content))
    except ValidationError as exc:
        errors, status = refused(exc)
        return _edit_page(access, content, sent, errors, status)
    if sent != row.version:
        # Someone else saved first: keep what this person typed, and let them save it
        # over the newer version once they have looked (the form now carries its number).
        return _edit_page(access, content, row.version, {}, 412, conflict=row)
    plans.save_section(access, row, valid)
    return redirect(url_for("plans.plan", person_id=person_id, done="saved") + f"#section-{key}")


def _edit_page(
    access: Any,
    content: dict,
    version: int,
    errors: dict,
    status: int = 200,
    conflict: Any = None,
) -> Any:
    nodes = section_forms.build(access.kind.schema, content)
    ids = {}
    _ids(nodes, ids)
    return render(
        "sections/edit.html",
        status,
        page_title=f"Change: {access.kind.title}",
        page_label=access.facts.person.display_name,
        person=access.facts.person,
        kind=access.kind,
        nodes=nodes,
        version=version,
        errors=errors,
        ids=ids,
        conflict=conflict,
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
