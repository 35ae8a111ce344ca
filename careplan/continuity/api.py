"""Teams and continuity (issue 22): teams, a team's caseload and bulk hand-over, the
"needs a new key worker" list, and absence cover."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.continuity import services
from careplan.continuity.schemas import (
    caseload_out,
    caseload_query,
    cover_in,
    cover_out,
    covers_out,
    hand_over_in,
    handed_over_out,
    team_in,
    team_out,
    team_update,
    teams_out,
    waiting_out,
)
from careplan.core.api_blueprint import bp
from careplan.core.clock import iso
from careplan.core.http import (
    IF_MATCH_REQUIRED,
    documented,
    json_body,
    query_args,
    require_version,
    respond,
)


@bp.get("/teams")
@documented("All teams, by organisation (administrators)", response=teams_out)
@requires(Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_LIST)
def list_teams() -> Response:
    teams = services.list_teams()
    return respond(teams_out.dump([services.team_body(t) for t in teams]))


@bp.post("/teams")
@documented(
    "Add a team to an organisation: its members and its leaders",
    body=team_in,
    response=team_out,
    status=201,
    errors=(409, 422),
    versioned=True,
)
@requires(Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_CREATE)
def create_team() -> Response:
    team = services.create_team(lambda: json_body(team_in))
    return respond(team_out.dump(services.team_body(team)), 201, version=team.version)


@bp.put("/teams/<uuid:team_id>")
@documented(
    "Change a team's name, members and leaders (If-Match: the team's version)",
    body=team_update,
    response=team_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(404, 409, 422),
    versioned=True,
)
@requires(Permission.JOB_TEAM_MANAGE, AuditAction.TEAM_UPDATE)
def update_team(team_id: uuid.UUID) -> Response:
    team = services.get_team(team_id)
    data = json_body(team_update)
    require_version(team.version)
    team = services.update_team(team, data)
    return respond(team_out.dump(services.team_body(team)), version=team.version)


@bp.get("/teams/<uuid:team_id>/caseload")
@documented(
    "The team's caseload, for its leaders: each member's people with reviews due and "
    "overdue, overdue actions, agreements to record; counts without personal content",
    query=caseload_query,
    response=caseload_out,
    errors=(404,),
)
@requires(Permission.JOB_TEAM_LEAD, AuditAction.TEAM_CASELOAD)
def team_caseload(team_id: uuid.UUID) -> Response:
    team = services.led_team(team_id, AuditAction.TEAM_CASELOAD)
    query = caseload_query.load(query_args())
    return respond(caseload_out.dump(caseload_body(services.caseload(team, query))))


def counts_body(counts: services.MemberCounts) -> dict[str, Any]:
    return {
        "people": counts.people,
        "agreement_waiting": counts.agreement_waiting,
        "reviews_due": counts.reviews_due,
        "reviews_overdue": counts.reviews_overdue,
        "no_review_date": counts.no_review_date,
        "overdue_actions": counts.overdue_actions,
        "referrals_waiting": counts.referrals_waiting,
    }


def caseload_body(found: services.Caseload) -> dict[str, Any]:
    return {
        "team": {"id": found.team.id, "name": found.team.name},
        "totals": counts_body(found.totals),
        "members": [
            {
                **counts_body(c),
                "staff": {"id": c.staff.id, "name": c.staff.name},
                "leader": c.leader,
                "active": c.staff.active,
            }
            for c in found.members
        ],
        "people": [
            {
                "person": {"id": r.person.id, "name": r.person.display_name},
                "key_worker": {"id": r.key_worker.id, "name": r.key_worker.name},
                "key_worker_active": r.key_worker.active,
                "agreement_waiting": r.agreement_waiting,
                "reviews_due": r.reviews_due,
                "reviews_overdue": r.reviews_overdue,
                "next_review_on": r.next_review_on,
                "overdue_actions": r.overdue_actions,
                "referrals_waiting": r.referrals_waiting,
            }
            for r in found.people
        ],
        "needing_key_worker": found.needing_key_worker,
    }


@bp.post("/teams/<uuid:team_id>/hand-over")
@documented(
    "Move several people to new key workers in one step, for the team's leaders: each a "
    "key worker change with its own audit record and a task for the new key worker to "
    "record the person's agreement; all or nothing",
    body=hand_over_in,
    response=handed_over_out,
    errors=(404, 409, 422),
)
@requires(Permission.JOB_TEAM_LEAD, AuditAction.TEAM_HAND_OVER)
def team_hand_over(team_id: uuid.UUID) -> Response:
    team = services.led_team(team_id, AuditAction.TEAM_HAND_OVER)
    moved = services.hand_over(team, json_body(hand_over_in))
    return respond(
        handed_over_out.dump(
            {
                "moved": [
                    {
                        "person_id": m.person_id,
                        "key_worker": {"id": m.key_worker.id, "name": m.key_worker.name},
                        "previous_key_worker": {"id": m.previous.id, "name": m.previous.name},
                        "task_id": m.task_id,
                        "version": m.version,
                    }
                    for m in moved
                ]
            }
        )
    )


@bp.get("/plans/needing-key-worker")
@documented(
    "Plans of your organisation whose key worker is no longer active or no longer in it, "
    "longest waiting first; a person is named only if you may see them",
    response=waiting_out,
)
@requires(Permission.JOB_KEY_WORKER_QUEUE, AuditAction.KEYWORKER_QUEUE)
def plans_needing_key_worker() -> Response:
    rows = services.needing_key_worker()
    return respond(
        waiting_out.dump(
            [
                {
                    "plan_id": r.waiting.plan.id,
                    "person": (
                        {"id": r.person.id, "name": r.person.display_name}
                        if r.person is not None
                        else None
                    ),
                    "former_key_worker": {"id": r.waiting.former.id, "name": r.waiting.former.name},
                    "why": r.waiting.why,
                    "since": iso(r.waiting.since),
                    "teams": [{"id": t.id, "name": t.name} for t in r.teams],
                }
                for r in rows
            ]
        )
    )


@bp.post("/me/cover")
@documented(
    "Name a colleague to cover your people from one date to another",
    body=cover_in,
    response=cover_out,
    status=201,
    errors=(409, 422),
)
@requires(Permission.JOB_COVER, AuditAction.COVER_CREATE)
def name_cover() -> Response:
    cover = services.name_cover(json_body(cover_in))
    return respond(cover_out.dump(services.cover_body(cover)), 201)


@bp.get("/me/cover")
@documented("Colleagues covering for you, and colleagues you cover for", response=covers_out)
@requires(Permission.JOB_COVER, AuditAction.COVER_LIST)
def my_cover() -> Response:
    given, held = services.my_covers()
    return respond(
        covers_out.dump(
            {
                "given": [services.cover_body(c) for c in given],
                "held": [services.cover_body(c) for c in held],
            }
        )
    )


@bp.post("/me/cover/<uuid:cover_id>/end")
@documented(
    "Stop a cover now (the key worker who named it, or the colleague)",
    response=cover_out,
    errors=(404, 409),
)
@requires(Permission.JOB_COVER, AuditAction.COVER_END)
def end_cover(cover_id: uuid.UUID) -> Response:
    return respond(cover_out.dump(services.cover_body(services.end_cover(cover_id))))
