"""One section: view, replace (versioned), its history, and dated entries."""

from __future__ import annotations

import uuid

from flask import Response
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.core.api_blueprint import bp
from careplan.core.errors import BadRequest, flatten_messages
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, require_version, respond
from careplan.extensions import db
from careplan.plans import operations, presenters, services
from careplan.plans.access import catalogue_keys, section_access
from careplan.plans.schemas import (
    entries_out,
    entry_create,
    entry_error,
    entry_out,
    section_out,
    section_write,
    versions_out,
)

SECTION = "/people/<uuid:person_id>/plan/sections/<key>"
# The OpenAPI document lists the catalogue's keys (any other answers 404).
KEYS = {"key": catalogue_keys}


@bp.get(SECTION)
@documented(
    "One section, if you have a basis for it",
    response=section_out,
    versioned=True,
    path_values=KEYS,
)
@requires(Permission.SECTION_VIEW, AuditAction.SECTION_VIEW)
def get_section(person_id: uuid.UUID, key: str) -> Response:
    access, row = services.read_section(person_id, key)
    return respond(section_out.dump(presenters.section(access.kind, row)), version=row.version)


@bp.put(SECTION)
@documented(
    "Replace a section's content (If-Match: the section's version)",
    body=section_write,
    response=section_out,
    if_match=IF_MATCH_REQUIRED,
    path_values=KEYS,
)
@requires(Permission.SECTION_WRITE, AuditAction.SECTION_UPDATE)
def put_section(person_id: uuid.UUID, key: str) -> Response:
    return _put_section(person_id, key)


MY_SECTION = "/me/plan/sections/<key>"


@bp.put(MY_SECTION)
@documented(
    "Write a section of your own plan in your own words (individuals; only the sections "
    "the catalogue marks `person_writes`, such as about_me and goals; If-Match: the "
    "section's version)",
    body=section_write,
    response=section_out,
    if_match=IF_MATCH_REQUIRED,
    path_values=KEYS,
)
@requires(Permission.SECTION_WRITE, AuditAction.SECTION_UPDATE, person=OWN_PERSON)
def put_my_section(key: str) -> Response:
    return _put_section(services.my_person_id(), key)


def _put_section(person_id: uuid.UUID, key: str) -> Response:
    access = section_access(person_id, key, Permission.SECTION_WRITE, AuditAction.SECTION_UPDATE)
    body = json_body(section_write)
    try:
        content = access.kind.schema.dump(access.kind.schema.load(body["content"]))
    except ValidationError as exc:
        raise BadRequest(
            "The section content is not valid.", fields=_prefixed(exc.messages)
        ) from exc
    row = operations.get_section(db.session, access.plan, key, for_update=True)
    require_version(row.version)
    row = services.save_section(access, row, content)
    return respond(section_out.dump(presenters.section(access.kind, row)), version=row.version)


def _prefixed(messages: object) -> dict[str, list[str]]:
    return flatten_messages(messages, "content")


@bp.get(f"{SECTION}/versions")
@documented(
    "Every version of a section, newest first: who, when, what changed",
    response=versions_out,
    path_values=KEYS,
)
@requires(Permission.SECTION_VIEW, AuditAction.SECTION_HISTORY)
def section_versions(person_id: uuid.UUID, key: str) -> Response:
    _, rows, names = services.section_history(person_id, key)
    return respond(versions_out.dump([presenters.version(r, names) for r in rows]))


@bp.get(f"{SECTION}/entries")
@documented("Dated updates on a section, newest first", response=entries_out, path_values=KEYS)
@requires(Permission.SECTION_VIEW, AuditAction.ENTRY_VIEW)
def list_entries(person_id: uuid.UUID, key: str) -> Response:
    return respond(entries_out.dump(services.list_entries(person_id, key)))


@bp.post(f"{SECTION}/entries")
@documented(
    "Add a dated update to a section; `goal_id` or `task_id` says which of the person's "
    "goals or actions it is about (422 naming the field: not theirs, or not yours to see)",
    body=entry_create,
    response=entry_out,
    status=201,
    errors=(422,),
    path_values=KEYS,
)
@requires(Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE)
def add_entry(person_id: uuid.UUID, key: str) -> Response:
    entry = services.add_entry(person_id, key, lambda: json_body(entry_create))
    return respond(entry_out.dump(services.present_entry(person_id, entry)), 201)


@bp.post(f"{SECTION}/entries/<uuid:entry_id>/error")
@documented(
    "Mark an update entered in error, with a reason: it is kept, labelled, and left out of "
    "the chronology unless asked for",
    body=entry_error,
    response=entry_out,
    errors=(409,),
    path_values=KEYS,
)
@requires(Permission.CHRONOLOGY_MARK_ERROR, AuditAction.ENTRY_ERROR)
def mark_entry_error(person_id: uuid.UUID, key: str, entry_id: uuid.UUID) -> Response:
    entry = services.mark_entry_error(person_id, key, entry_id, lambda: json_body(entry_error))
    return respond(entry_out.dump(services.present_entry(person_id, entry)))


@bp.post(f"{MY_SECTION}/entries")
@documented(
    "Add an update to a section of your own plan (individuals; the sections you write), "
    "about one of your goals or actions if you say so (`goal_id` or `task_id`)",
    body=entry_create,
    response=entry_out,
    status=201,
    errors=(422,),
    path_values=KEYS,
)
@requires(Permission.SECTION_ADD_ENTRY, AuditAction.ENTRY_CREATE, person=OWN_PERSON)
def add_my_entry(key: str) -> Response:
    person_id = services.my_person_id()
    entry = services.add_entry(person_id, key, lambda: json_body(entry_create))
    return respond(entry_out.dump(services.present_entry(person_id, entry)), 201)
