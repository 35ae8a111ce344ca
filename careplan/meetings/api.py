"""Reviews and multi-agency meetings in the JSON API."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, respond
from careplan.meetings import services
from careplan.meetings.schemas import meeting_create, meeting_out, meetings_out

MEETINGS = "/people/<uuid:person_id>/meetings"


@bp.get(MEETINGS)
@documented(
    "The person's reviews and meetings, newest first (what was said is withheld from the "
    "care team outside the key worker and lead agency)",
    response=meetings_out,
)
@requires(Permission.MEETING_VIEW, AuditAction.MEETING_LIST)
def list_meetings(person_id: uuid.UUID) -> Response:
    return respond(meetings_out.dump(services.meetings(person_id).present()))


@bp.post(MEETINGS)
@documented(
    "Record a review or meeting: attendees, the person's views, decisions, actions (each a "
    "task its owner is told of) and the next review date (the plan's)",
    body=meeting_create,
    response=meeting_out,
    status=201,
    errors=(422,),
    versioned=True,
)
@requires(Permission.MEETING_RECORD, AuditAction.MEETING_CREATE)
def record_meeting(person_id: uuid.UUID) -> Response:
    meeting = services.record_meeting(person_id, lambda: json_body(meeting_create))
    actions = services.actions_of([meeting.id])
    body = services.present(meeting, True, actions.get(meeting.id, []))
    return respond(meeting_out.dump(body), 201, version=meeting.version)
