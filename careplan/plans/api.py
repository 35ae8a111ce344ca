"""The plan as a whole: view (filtered by the decision), create, hand over the key worker."""

from __future__ import annotations

import uuid

from flask import Response, g

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, forget, person_context, requires
from careplan.core import transaction
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, require_version, respond
from careplan.extensions import db
from careplan.plans import operations, presenters, printing, services
from careplan.plans.access import plan_access
from careplan.plans.queries import PlanView
from careplan.plans.schemas import (
    agreement,
    close_plan,
    closed_out,
    hand_over,
    handed_over_out,
    key_workers_out,
    plan_create,
    plan_out,
    reopen_plan,
)
from careplan.web import pdf


@bp.get("/people/<uuid:person_id>/plan")
@documented("The plan, with only the sections you may see", response=plan_out, versioned=True)
@requires(Permission.PLAN_VIEW, AuditAction.PLAN_VIEW, rows=True)
def get_plan(person_id: uuid.UUID) -> Response:
    return _plan_view(person_id)


def _plan_view(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Permission.PLAN_VIEW, AuditAction.PLAN_VIEW, view=True)
    view = services.read_plan_view(access.facts, AuditAction.PLAN_VIEW)
    # The reads and their audit record are one transaction; the sections are opened and
    # the body made after it commits, so SQLite's write lock is not held meanwhile (the
    # busiest route). A failure to record still returns nothing (NotRecorded, 503).
    return transaction.respond_after_commit(lambda: _plan_response(view))


def _plan_response(view: PlanView, status: int = 200) -> Response:
    body = services.plan_body(view, AuditAction.PLAN_VIEW)
    return respond(plan_out.dump(body), status, version=view.version)


@bp.get("/me/plan")
@documented("Your own plan, in full (individuals)", response=plan_out, versioned=True)
@requires(Permission.PLAN_VIEW, AuditAction.PLAN_VIEW, person=OWN_PERSON, rows=True)
def get_my_plan() -> Response:
    return _plan_view(services.my_person_id())


@bp.get("/people/<uuid:person_id>/plan.pdf")
@documented(
    "The plan on paper: a tagged (accessible) PDF of the sections you may see, dated, "
    "saying how many parts are left out; recorded as an export",
    media_type=pdf.MEDIA_TYPE,
)
@requires(Permission.PLAN_VIEW, AuditAction.EXPORT, rows=True)
def get_plan_pdf(person_id: uuid.UUID) -> Response:
    return _plan_pdf(person_id, own=False)


@bp.get("/me/plan.pdf")
@documented(
    "Your own plan on paper (individuals): a tagged (accessible) PDF; recorded as an export",
    media_type=pdf.MEDIA_TYPE,
)
@requires(Permission.PLAN_VIEW, AuditAction.EXPORT, person=OWN_PERSON, rows=True)
def get_my_plan_pdf() -> Response:
    return _plan_pdf(services.my_person_id(), own=True)


def _plan_pdf(person_id: uuid.UUID, *, own: bool) -> Response:
    person, view = printing.read_for_print(person_id)
    # Laid out after the commit, as the plan view's body is: the reads and their audit
    # record are one transaction, and SQLite's write lock is not held while WeasyPrint works.
    return transaction.respond_after_commit(lambda: printing.response(person, view, own=own))


@bp.post("/people/<uuid:person_id>/plan")
@documented(
    "Create the plan and record the person's agreement",
    body=plan_create,
    response=plan_out,
    status=201,
    errors=(409, 422),
    versioned=True,
)
@requires(Permission.PLAN_CREATE, AuditAction.PLAN_CREATE)
def create_plan(person_id: uuid.UUID) -> Response:
    services.create_plan(person_id, lambda: json_body(plan_create))
    forget(person_id)  # the caller is now the key worker, or in the lead agency
    facts = person_context(person_id, AuditAction.PLAN_VIEW, rows=True)
    return _plan_response(services.read_plan_view(facts, AuditAction.PLAN_VIEW), 201)


@bp.put("/people/<uuid:person_id>/plan/key-worker")
@documented(
    "Hand over to a new key worker (If-Match: the plan's version)",
    body=hand_over,
    response=handed_over_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(409, 422),
)
@requires(Permission.PLAN_HAND_OVER, AuditAction.KEYWORKER_CHANGE)
def change_key_worker(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Permission.PLAN_HAND_OVER, AuditAction.KEYWORKER_CHANGE)
    data = json_body(hand_over)
    require_version(services.locked_version(access.plan))
    plan = services.hand_over(access, data)
    return respond(
        handed_over_out.dump(
            {
                "version": plan.version,
                "lead_agency": presenters.ref(plan.lead_agency),
                "key_worker": presenters.ref(plan.key_worker),
                "key_worker_agreed": presenters.agreed(plan),
            }
        ),
        version=plan.version,
    )


@bp.post("/people/<uuid:person_id>/plan/key-worker/agreement")
@documented(
    "Record the person's agreement to their key worker after a change made without them "
    "(If-Match: the plan's version); the agreement task is done",
    body=agreement,
    response=handed_over_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(409, 422),
)
@requires(Permission.PLAN_AGREEMENT_RECORD, AuditAction.KEYWORKER_AGREE)
def record_key_worker_agreement(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Permission.PLAN_AGREEMENT_RECORD, AuditAction.KEYWORKER_AGREE)
    data = json_body(agreement)
    require_version(services.locked_version(access.plan))
    plan = services.record_agreement(access, data)
    return respond(
        handed_over_out.dump(
            {
                "version": plan.version,
                "lead_agency": presenters.ref(plan.lead_agency),
                "key_worker": presenters.ref(plan.key_worker),
                "key_worker_agreed": presenters.agreed(plan),
            }
        ),
        version=plan.version,
    )


@bp.get("/people/<uuid:person_id>/plan/key-workers")
@documented("Key worker history, newest first", response=key_workers_out)
@requires(Permission.PLAN_CARE_TEAM_VIEW, AuditAction.CARETEAM_VIEW)
def key_worker_history(person_id: uuid.UUID) -> Response:
    rows = services.key_worker_history(person_id)
    return respond(key_workers_out.dump([presenters.key_worker(r) for r in rows]))


@bp.post("/people/<uuid:person_id>/plan/reopen")
@documented(
    "Reopen a closed plan with the person's agreement, keeping its history, to your own "
    "agency as lead and a key worker in it (If-Match: the plan's version)",
    body=reopen_plan,
    response=handed_over_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(409, 422),
)
@requires(Permission.PLAN_REOPEN, AuditAction.PLAN_REOPEN)
def reopen_plan_route(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Permission.PLAN_REOPEN, AuditAction.PLAN_REOPEN)
    data = json_body(reopen_plan)
    require_version(services.locked_version(access.plan))
    plan = services.reopen(access, data)
    return respond(
        handed_over_out.dump(
            {
                "version": plan.version,
                "lead_agency": presenters.ref(plan.lead_agency),
                "key_worker": presenters.ref(plan.key_worker),
                "key_worker_agreed": {"on": plan.agreed_on, "how": plan.agreed_how.value},
            }
        ),
        version=plan.version,
    )


@bp.post("/people/<uuid:person_id>/plan/close")
@documented(
    "Close the plan (If-Match: the plan's version): read-only from now, erased "
    "after the retention period",
    body=close_plan,
    response=closed_out,
    if_match=IF_MATCH_REQUIRED,
)
@requires(Permission.PLAN_CLOSE, AuditAction.PLAN_CLOSE)
def close_plan_route(person_id: uuid.UUID) -> Response:
    access = plan_access(person_id, Permission.PLAN_CLOSE, AuditAction.PLAN_CLOSE)
    data = json_body(close_plan)
    require_version(services.locked_version(access.plan))
    plan = operations.close(db.session, access.plan, data, g.user)
    record(
        AuditAction.PLAN_CLOSE,
        person_id=person_id,
        basis={"plan": access.decision.basis_text},
        details={"reason": plan.closed_reason, "closed_on": plan.closed_on},
    )
    return respond(
        closed_out.dump(
            {"closed_on": plan.closed_on, "reason": plan.closed_reason, "version": plan.version}
        ),
        version=plan.version,
    )
