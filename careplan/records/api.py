"""Records of one person: possible duplicates noted at registration, merging two records
into one, or marking them as two people (IG officers and administrators)."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, respond
from careplan.records import duplicates
from careplan.records.schemas import candidates_out, distinct_schema, merge_schema, merged_out


@bp.get("/people/duplicates")
@documented(
    "Registrations that went ahead although close to an existing record, waiting for a "
    "decision (IG officers, administrators): both records' identities, no plan content",
    response=candidates_out,
)
@requires(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_VIEW)
def list_duplicates() -> Response:
    return respond(candidates_out.dump(duplicates.waiting()))


@bp.post("/people/merge")
@documented(
    "Join a second record of a person into the first, with nothing lost (IG officers, "
    "administrators)",
    body=merge_schema,
    response=merged_out,
    errors=(409, 422),
)
@requires(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_MERGE)
def merge_people() -> Response:
    return respond(merged_out.dump(duplicates.merge_records(lambda: json_body(merge_schema))))


@bp.post("/people/duplicates/<uuid:candidate_id>/distinct")
@documented("Record that two close records are different people", body=distinct_schema)
@requires(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_DISTINCT)
def mark_distinct(candidate_id: uuid.UUID) -> Response:
    duplicates.mark_distinct(candidate_id, lambda: json_body(distinct_schema))
    return respond({"id": str(candidate_id), "resolution": "distinct"})
