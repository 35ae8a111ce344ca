"""Referrals over the API (API.md, "Referrals")."""

from __future__ import annotations

import uuid

from flask import Response, g, url_for

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, paged, query_args, respond
from careplan.referrals import letters, services
from careplan.referrals.schemas import (
    forward,
    inbox_out,
    referral_create,
    referral_out,
    referral_query,
    referrals_out,
    status_change,
)
from careplan.web.pdf import MEDIA_TYPE


@bp.post("/people/<uuid:person_id>/referrals")
@documented(
    "Refer the person to a service in the directory, with their consent to what is sent "
    "recorded in the same step (`consent`: how and when they agreed; without it 400). "
    "For a service on the platform the consent is an ordinary consent record (purpose "
    "`referral`, grantee the receiving agency, those sections) that ends when the "
    "referral closes; for any other service the referral is made by letter",
    body=referral_create,
    response=referral_out,
    status=201,
    errors=(404, 409, 422),
    versioned=True,
)
@requires(Permission.PERSON_REFERRAL_CREATE, AuditAction.REFERRAL_CREATE)
def create_referral(person_id: uuid.UUID) -> Response:
    body = services.refer(person_id, lambda: json_body(referral_create))
    response = respond(referral_out.dump(body), 201, version=body["version"])
    response.headers["Location"] = url_for("api.get_referral", referral_id=body["id"])
    return response


@bp.get("/people/<uuid:person_id>/referrals")
@documented(
    "Every referral of the person, newest first, each with its history of statuses and reasons",
    response=referrals_out,
    errors=(404,),
)
@requires(Permission.PERSON_REFERRALS_VIEW, AuditAction.REFERRAL_LIST, rows=True)
def person_referrals(person_id: uuid.UUID) -> Response:
    return respond(referrals_out.dump(services.for_person(person_id)))


@bp.get("/me/referrals")
@documented(
    "The signed-in person's own referrals, with their statuses and reasons",
    response=referrals_out,
    errors=(404,),
)
@requires(Permission.PERSON_REFERRALS_VIEW, AuditAction.REFERRAL_LIST, person=OWN_PERSON, rows=True)
def my_referrals() -> Response:
    return respond(referrals_out.dump(services.for_person(g.user.person_id, own=True)))


@bp.get("/referrals")
@documented(
    "The caller's referral inbox (incoming: to their agency, for its referral "
    "coordinators) or outbox (outgoing: made by them or for people they are key worker "
    "for), newest first, a page at a time (X-Total-Count; Link rel=next)",
    query=referral_query,
    response=inbox_out,
)
@requires(Permission.JOB_REFERRAL_LIST, AuditAction.REFERRAL_LIST)
def list_referrals() -> Response:
    page = services.inbox(lambda: referral_query.load(query_args()))
    response = respond(inbox_out.dump(page.referrals))
    return paged(
        response, "api.list_referrals", page.total, page.query["offset"], page.query["limit"]
    )


@bp.get("/referrals/<uuid:referral_id>")
@documented(
    "One referral; for the receiving agency with the sections sent with it, as the "
    "person's consent lets them be read now",
    response=referral_out,
    errors=(404,),
    versioned=True,
)
@requires(Permission.REFERRAL_VIEW, AuditAction.REFERRAL_VIEW, locate=services.locate)
def get_referral(referral_id: uuid.UUID) -> Response:
    body, _, _ = services.view(referral_id)
    return respond(referral_out.dump(body), version=body["version"])


@bp.post("/referrals/<uuid:referral_id>/status")
@documented(
    "Set the referral's status: the receiving agency answers (received, accepted, "
    "rejected, in-progress, on-hold, completed, failed), the referrer's side cancels, and "
    "records the answer of a service not on the platform. A reason code and text are "
    "needed for rejected, cancelled, on-hold and failed; an illegal transition is 409",
    body=status_change,
    response=referral_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(404, 409, 422),
    versioned=True,
)
@requires(Permission.REFERRAL_VIEW, AuditAction.REFERRAL_STATUS, locate=services.locate)
def set_referral_status(referral_id: uuid.UUID) -> Response:
    body = services.change_status(referral_id, lambda: json_body(status_change))
    return respond(referral_out.dump(body), version=body["version"])


@bp.post("/referrals/<uuid:referral_id>/forward")
@documented(
    "Pass the referral on to another service: a new referral whose `part_of` is this "
    "one; this one closes. The sections travel again only with the person's agreement "
    "to the new service (`consent`)",
    body=forward,
    response=referral_out,
    status=201,
    errors=(404, 409, 422),
    versioned=True,
)
@requires(Permission.REFERRAL_FORWARD, AuditAction.REFERRAL_FORWARD, locate=services.locate)
def forward_referral(referral_id: uuid.UUID) -> Response:
    body = services.forward(referral_id, lambda: json_body(forward))
    response = respond(referral_out.dump(body), 201, version=body["version"])
    response.headers["Location"] = url_for("api.get_referral", referral_id=body["id"])
    return response


@bp.get("/referrals/<uuid:referral_id>/letter.pdf")
@documented(
    "The referral letter for a service not on the platform: a tagged (accessible) PDF of "
    "the referral and what the person agreed to send with it, for the referrer to send; "
    "409 for a service that answers referrals here",
    media_type=MEDIA_TYPE,
    errors=(404, 409),
)
@requires(Permission.REFERRAL_LETTER, AuditAction.REFERRAL_LETTER, locate=services.locate)
def get_referral_letter(referral_id: uuid.UUID) -> Response:
    return letters.response(letters.read_for_letter(referral_id))
