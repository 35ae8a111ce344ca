"""Subject access pages: the IG officer's queue and each request's page (never the copy),
and the copy itself for the person (`/my-plan/copy`, at any time) and for their key
worker to hand over (`/people/<id>/copy`), with PDF, HTML and JSON downloads."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, g, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import OWN_PERSON, requires
from careplan.core.errors import ApiError, NotFound
from careplan.extensions import db
from careplan.identity.web import signed_in_required
from careplan.subject_access import documents, operations, readable, services
from careplan.subject_access.models import (
    Authority,
    Channel,
    IdentityMethod,
    RefusalReason,
    ReleasedTo,
    RequestedBy,
)
from careplan.subject_access.presenters import STATUS_WORDS, present_request
from careplan.subject_access.schemas import (
    extend_schema,
    identity_schema,
    list_query,
    refuse_schema,
    release_schema,
    request_create,
)
from careplan.web.pages import form_values, load, loader, refused, render
from careplan.web.words import value_label

bp = Blueprint("subject_access", __name__)
JOB = Permission.JOB_SUBJECT_ACCESS
FIELDS = (
    "chi",
    "person_id",
    "received_on",
    "channel",
    "requested_by",
    "representative_name",
    "authority",
    "identity_checked",
    "identity_method",
    "note",
)
FILTERS = [("open", "open"), ("completed", "answered"), ("all", "all")]
CHOICES = {
    "channels": [(c.value, value_label(c.value)) for c in Channel],
    "requested_by": [
        (RequestedBy.PERSON.value, "The person themselves"),
        (RequestedBy.REPRESENTATIVE.value, "Someone acting for them"),
    ],
    "authorities": [("", "Not a representative")]
    + [(a.value, value_label(a.value)) for a in Authority],
    "identity": [("true", "Yes, it is confirmed"), ("false", "No, we are waiting for proof")],
    "methods": [("", "Not yet")] + [(m.value, value_label(m.value)) for m in IdentityMethod],
    "identity_methods": [(m.value, value_label(m.value)) for m in IdentityMethod],
    "refusals": [(r.value, value_label(r.value)) for r in RefusalReason],
    "release_to": [
        (ReleasedTo.PERSON.value, "The person's own account: they read and download it"),
        (ReleasedTo.KEY_WORKER.value, "Their key worker, who gives it to them"),
    ],
}
DONE = {
    "recorded": "The request is recorded.",
    "identity": "Identity is confirmed. The month to answer starts today or on the day you gave.",
    "start": "The request is in progress.",
    "extend": "The request has two more months. Tell the person why.",
    "release": "The copy is ready. They have been told. You do not see what it holds.",
    "refuse": "The refusal is recorded. The person has been told there is an answer.",
}


# --- The IG officer's queue and request pages (no content) --------------------------


@bp.get("/ig/subject-access")
@signed_in_required
@requires(JOB, AuditAction.SUBJECT_ACCESS_LIST)
def queue() -> Any:
    args, errors = load(list_query, {"status": request.args.get("status", "open")})
    status = args.get("status", "open") if not errors else "open"
    rows = services.listed(lambda: {"status": status})
    return render(
        "subject_access/queue.html",
        page_title="Subject access requests",
        rows=rows,
        status_filter=status,
        filters=FILTERS,
        status_words=STATUS_WORDS,
        done=DONE.get(request.args.get("done", "")),
    )


@bp.route("/ig/subject-access/new", methods=["GET", "POST"])
@signed_in_required
@requires(JOB, AuditAction.SUBJECT_ACCESS_CREATE)
def new_request() -> Any:
    if request.method == "GET":
        return _new_page({}, {})
    form = form_values(FIELDS)
    try:
        created = services.create(loader(request_create, form))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _new_page(form, errors, status)
    return redirect(
        url_for("subject_access.request_page", request_id=created["id"], done="recorded")
    )


def _new_page(form: dict, errors: dict, status: int = 200) -> Any:
    return render(
        "subject_access/new.html",
        status,
        page_title="Record a subject access request",
        form=form,
        errors=errors,
        choices=CHOICES,
    )


@bp.get("/ig/subject-access/<uuid:request_id>")
@signed_in_required
@requires(JOB, AuditAction.SUBJECT_ACCESS_VIEW)
def request_page(request_id: uuid.UUID) -> Any:
    return _request_page(services.view(request_id), {}, {}, None)


def _request_page(row: dict, form: dict, errors: dict, step: str | None, status: int = 200) -> Any:
    return render(
        "subject_access/request.html",
        status,
        page_title="Subject access request",
        row=row,
        form=form,
        errors=errors,
        step=step,
        choices=CHOICES,
        status_words=STATUS_WORDS,
        done=DONE.get(request.args.get("done", "")),
    )


STEPS = {
    "identity": (AuditAction.SUBJECT_ACCESS_IDENTITY, identity_schema, ("method", "checked_on")),
    "start": (AuditAction.SUBJECT_ACCESS_START, None, ()),
    "extend": (AuditAction.SUBJECT_ACCESS_EXTEND, extend_schema, ("reason",)),
    "release": (AuditAction.SUBJECT_ACCESS_RELEASE, release_schema, ("to",)),
    "refuse": (AuditAction.SUBJECT_ACCESS_REFUSE, refuse_schema, ("reason", "text")),
}


def step_action(values: Any) -> AuditAction:
    """The audit action of a step's form, by the step in its URL."""
    return STEPS[values["step"]][0]


@bp.post("/ig/subject-access/<uuid:request_id>/<any(identity,start,extend,release,refuse):step>")
@signed_in_required
@requires(JOB, step_action)
def take_step(request_id: uuid.UUID, step: str) -> Any:
    _, schema, names = STEPS[step]
    form = form_values(names)
    try:
        if step == "start":
            services.start(request_id)
        else:
            getattr(services, _SERVICE[step])(request_id, loader(schema, form))
    except (ApiError, ValidationError) as exc:
        errors, status = refused(exc)
        return _request_page(_quiet_view(request_id), form, errors, step, status)
    return redirect(url_for("subject_access.request_page", request_id=request_id, done=step))


_SERVICE = {
    "identity": "confirm_identity",
    "extend": "extend",
    "release": "release",
    "refuse": "refuse",
}


def _quiet_view(request_id: uuid.UUID) -> dict:
    """The request again, to show the form with its errors (the failed step is recorded)."""
    return present_request(db.session, operations.get(db.session, request_id))


# --- The copy: the person's own, and the key worker's to hand over -------------------


def _known(fmt: str) -> None:
    """A download in a format there is none of answers 404 (after the decision, so a
    caller with no basis learns nothing, and the attempt is recorded as invalid)."""
    if fmt not in documents.FORMATS:
        raise NotFound("There is no copy in that format: choose PDF, HTML or JSON.")


def _copy_page(person_id: uuid.UUID, *, own: bool) -> Any:
    person, data = services.copy_for(person_id, "page", own=own)
    return render(
        "subject_access/copy_page.html",
        page_title="A copy of my information" if own else "A copy to hand over",
        person=person,
        own=own,
        parts=readable.parts(data, current_app.extensions["careplan.catalogue"]),
        requests=data["subject_access_requests"],
        status_words=STATUS_WORDS,
        made=readable.moment(data["generated_at"]),
        downloads={
            fmt: url_for("subject_access.my_copy_file", fmt=fmt)
            if own and g.user.is_individual
            else url_for("subject_access.copy_file", person_id=person.id, fmt=fmt)
            for fmt in documents.FORMATS
        },
    )


@bp.get("/my-plan/copy")
@signed_in_required
@requires(Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT, person=OWN_PERSON)
def my_copy() -> Any:
    return _copy_page(services.own_person_id(), own=True)


@bp.get("/my-plan/copy.<fmt>")
@signed_in_required
@requires(Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT, person=OWN_PERSON)
def my_copy_file(fmt: str) -> Any:
    _known(fmt)
    person, data = services.copy_for(services.own_person_id(), fmt, own=True)
    return documents.response(person, data, fmt, own=True)


@bp.get("/people/<uuid:person_id>/copy")
@signed_in_required
@requires(Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT)
def copy_to_hand_over(person_id: uuid.UUID) -> Any:
    return _copy_page(person_id, own=g.user.is_individual)


@bp.get("/people/<uuid:person_id>/copy.<fmt>")
@signed_in_required
@requires(Permission.PERSON_EXPORT, AuditAction.SUBJECT_ACCESS_EXPORT)
def copy_file(person_id: uuid.UUID, fmt: str) -> Any:
    _known(fmt)
    own = g.user.is_individual
    person, data = services.copy_for(person_id, fmt, own=own)
    return documents.response(person, data, fmt, own=own)
