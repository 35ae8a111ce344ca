"""Possible duplicate records, as pages for IG officers and administrators: the list, and
one pair at a time to merge or to mark as two people (GOV.UK's "question page" pattern:
one decision per page, with its reason)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.core.errors import ApiError, NotFound
from careplan.extensions import db
from careplan.identity.web import recent_auth_required, signed_in_required
from careplan.records import duplicates, merge
from careplan.records.schemas import decision_schema
from careplan.web.pages import form_values, load, refused, render

bp = Blueprint("records", __name__, url_prefix="/records")

DECISIONS = [
    ("keep_existing", "The same person: keep the record registered first"),
    ("keep_registered", "The same person: keep the record registered second"),
    ("distinct", "Two different people: keep both records"),
]


@bp.get("/duplicates")
@signed_in_required
@requires(Permission.JOB_PERSON_MERGE, AuditAction.PERSON_VIEW)
def waiting() -> Any:
    return render(
        "records/duplicates.html",
        page_title="Possible duplicate records",
        pairs=duplicates.waiting(),
    )


@bp.route("/duplicates/<uuid:candidate_id>", methods=["GET", "POST"])
@recent_auth_required
@requires(
    Permission.JOB_PERSON_MERGE,
    AuditAction.PERSON_VIEW,
    methods={"POST": (Permission.JOB_PERSON_MERGE, AuditAction.PERSON_MERGE)},
)
def decide(candidate_id: uuid.UUID) -> Any:
    if request.method == "GET":
        return _decide_page(candidate_id, {}, {})
    form = form_values(("decision", "reason"))
    data, errors = load(decision_schema, form)
    if errors:
        return _decide_page(candidate_id, form, errors, 400)
    try:
        _carry_out(candidate_id, data)
    except (ApiError, ValidationError) as exc:
        return _decide_page(candidate_id, form, *refused(exc))
    done = "merged" if data["decision"] != "distinct" else "distinct"
    return redirect(url_for("records.waiting", done=done))


def _carry_out(candidate_id: uuid.UUID, data: dict[str, Any]) -> None:
    if data["decision"] == "distinct":
        duplicates.mark_distinct(candidate_id, lambda: {"reason": data["reason"]})
        return
    # The pair's ids only: the page that showed it already recorded the two views.
    found = merge.waiting(db.session, candidate_id)
    if not found:
        raise NotFound("No such possible duplicate waiting for a decision.")
    row = found[0][0]
    keep, other = (
        (row.candidate_id, row.person_id)
        if data["decision"] == "keep_existing"
        else (row.person_id, row.candidate_id)
    )
    duplicates.merge_records(
        lambda: {"survivor_id": keep, "duplicate_id": other, "reason": data["reason"]}
    )


def _decide_page(candidate_id: uuid.UUID, form: dict, errors: dict, status: int = 200) -> Any:
    [pair] = duplicates.waiting(candidate_id)
    return render(
        "records/decide.html",
        status,
        page_title="Are these records the same person?",
        pair=pair,
        decisions=DECISIONS,
        form=form,
        errors=errors,
    )
