"""The care team: who supports the person, from which agency, for which period."""

from __future__ import annotations

import uuid

from flask import Response, g

from audit.actions import AuditAction
from audit.log import record
from careplan.api.blueprint import bp
from careplan.api.http import documented, json_body, respond
from careplan.core import clock
from careplan.extensions import db
from careplan.plans import operations, presenters
from careplan.plans.access import plan_access
from careplan.plans.schemas import care_team_add, care_team_member_out, care_team_out
from consent.decision import Action

TEAM = "/people/<uuid:person_id>/care-team"


@bp.get(TEAM)
@documented("Current and past care team members", response=care_team_out)
def get_care_team(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.VIEW_CARE_TEAM, AuditAction.CARETEAM_VIEW)
    now = clock.now()
    rows = operations.care_team(db.session, access.plan)
    record(AuditAction.CARETEAM_VIEW, person_id=person_id, basis={"plan": access.decision.basis})
    return respond(
        care_team_out.dump([presenters.member(r, r.is_current(now.date(), now)) for r in rows])
    )


@bp.post(TEAM)
@documented(
    "Add a member for a period", body=care_team_add, response=care_team_member_out, status=201
)
def add_care_team_member(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.MANAGE_CARE_TEAM, AuditAction.CARETEAM_ADD)
    member = operations.add_member(db.session, access.plan, json_body(care_team_add), g.user)
    record(
        AuditAction.CARETEAM_ADD,
        person_id=person_id,
        basis={"plan": access.decision.basis},
        details={"member_id": member.id, "staff_id": member.staff_id},
    )
    now = clock.now()
    return respond(
        care_team_member_out.dump(presenters.member(member, member.is_current(now.date(), now))),
        201,
    )


@bp.post(f"{TEAM}/<uuid:member_id>/end")
@documented("End a membership now", response=care_team_member_out)
def end_care_team_member(person_id: uuid.UUID, member_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Action.MANAGE_CARE_TEAM, AuditAction.CARETEAM_END)
    member = operations.end_member(db.session, access.plan, member_id, g.user)
    record(
        AuditAction.CARETEAM_END,
        person_id=person_id,
        basis={"plan": access.decision.basis},
        details={"member_id": member.id, "staff_id": member.staff_id},
    )
    return respond(care_team_member_out.dump(presenters.member(member, False)))
