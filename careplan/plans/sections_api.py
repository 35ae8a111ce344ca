"""One section: view, replace (versioned), its history, and dated entries."""

from __future__ import annotations

import uuid

from flask import Response, g
from marshmallow import ValidationError

from audit.actions import AuditAction
from audit.log import record
from careplan.accounts.models import User
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, require_version, respond
from careplan.core.errors import BadRequest, flatten_messages
from careplan.extensions import db
from careplan.plans import operations, presenters
from careplan.plans.access import section_access
from careplan.plans.schemas import (
    entries_out,
    entry_create,
    entry_out,
    section_out,
    section_write,
    versions_out,
)
from consent.decision import Action

SECTION = "/people/<uuid:person_id>/plan/sections/<key>"


@bp.get(SECTION)
@documented("One section, if you have a basis for it", response=section_out)
def get_section(person_id: uuid.UUID, key: str) -> Response:
    access = section_access(person_id, key, Action.VIEW, AuditAction.SECTION_VIEW)
    row = operations.get_section(db.session, access.plan, key)
    record(
        AuditAction.SECTION_VIEW,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis},
    )
    return respond(section_out.dump(presenters.section(access.kind, row)), version=row.version)


@bp.put(SECTION)
@documented(
    "Replace a section's content (If-Match: the section's version)",
    body=section_write,
    response=section_out,
)
def put_section(person_id: uuid.UUID, key: str) -> Response:
    access = section_access(person_id, key, Action.UPDATE, AuditAction.SECTION_UPDATE)
    body = json_body(section_write)
    try:
        content = access.kind.schema.dump(access.kind.schema.load(body["content"]))
    except ValidationError as exc:
        raise BadRequest(
            "The section content is not valid.", fields=_prefixed(exc.messages)
        ) from exc
    row = operations.get_section(db.session, access.plan, key, for_update=True)
    require_version(row.version)
    row = operations.update_section(db.session, row, content, g.user)
    record(
        AuditAction.SECTION_UPDATE,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis},
        details={"version": row.version},
    )
    return respond(section_out.dump(presenters.section(access.kind, row)), version=row.version)


def _prefixed(messages: object) -> dict[str, list[str]]:
    return flatten_messages(messages, "content")


@bp.get(f"{SECTION}/versions")
@documented(
    "Every version of a section, newest first: who, when, what changed", response=versions_out
)
def section_versions(person_id: uuid.UUID, key: str) -> Response:
    access = section_access(person_id, key, Action.VIEW, AuditAction.SECTION_HISTORY)
    row = operations.get_section(db.session, access.plan, key)
    rows = operations.versions(db.session, row)
    ids = {r.changed_by_id for r in rows if r.changed_by_id}
    names = {u.id: u for u in db.session.query(User).filter(User.id.in_(ids))} if ids else {}
    record(
        AuditAction.SECTION_HISTORY,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis},
    )
    return respond(versions_out.dump([presenters.version(r, names) for r in rows]))


@bp.get(f"{SECTION}/entries")
@documented("Dated updates on a section, newest first", response=entries_out)
def list_entries(person_id: uuid.UUID, key: str) -> Response:
    access = section_access(person_id, key, Action.VIEW, AuditAction.ENTRY_VIEW)
    rows = operations.entries(db.session, access.plan, key)
    record(
        AuditAction.ENTRY_VIEW,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis},
    )
    return respond(entries_out.dump([presenters.entry(r) for r in rows]))


@bp.post(f"{SECTION}/entries")
@documented("Add a dated update to a section", body=entry_create, response=entry_out, status=201)
def add_entry(person_id: uuid.UUID, key: str) -> Response:
    access = section_access(person_id, key, Action.ADD_ENTRY, AuditAction.ENTRY_CREATE)
    entry = operations.add_entry(db.session, access.plan, key, json_body(entry_create), g.user)
    record(
        AuditAction.ENTRY_CREATE,
        person_id=person_id,
        sections=[key],
        basis={key: access.decision.basis},
        details={"entry_id": entry.id},
    )
    return respond(entry_out.dump(presenters.entry(entry)), 201)
