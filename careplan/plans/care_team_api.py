"""The care team: who supports the person, from which agency, for which period."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core import clock
from careplan.core.api_blueprint import bp
from careplan.core.http import documented, json_body, respond
from careplan.plans import presenters, services
from careplan.plans.schemas import care_team_add, care_team_member_out, care_team_out

TEAM = "/people/<uuid:person_id>/care-team"


@bp.get(TEAM)
@documented("Current and past care team members", response=care_team_out)
@requires(Permission.PLAN_CARE_TEAM_VIEW, AuditAction.CARETEAM_VIEW)
def get_care_team(person_id: uuid.UUID) -> Response:
    return respond(care_team_out.dump(services.care_team(person_id)))


@bp.post(TEAM)
@documented(
    "Add a member for a period",
    body=care_team_add,
    response=care_team_member_out,
    status=201,
    errors=(422,),
)
@requires(Permission.PLAN_CARE_TEAM_MANAGE, AuditAction.CARETEAM_ADD)
def add_care_team_member(person_id: uuid.UUID) -> Response:
    member = services.add_member(person_id, lambda: json_body(care_team_add))
    now = clock.now()
    return respond(
        care_team_member_out.dump(
            presenters.member(member, member.in_period(clock.day_of(now), now))
        ),
        201,
    )


@bp.post(f"{TEAM}/<uuid:member_id>/end")
@documented("End a membership now", response=care_team_member_out, errors=(409,))
@requires(Permission.PLAN_CARE_TEAM_END, AuditAction.CARETEAM_END)
def end_care_team_member(person_id: uuid.UUID, member_id: uuid.UUID) -> Response:
    member = services.end_member(person_id, member_id)
    return respond(care_team_member_out.dump(presenters.member(member, False)))
