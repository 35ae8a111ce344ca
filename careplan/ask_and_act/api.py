"""Ask and act in the JSON API (Housing (Scotland) Act 2025, Part 5)."""

from __future__ import annotations

import uuid

from flask import Response

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.access.pipeline import requires
from careplan.ask_and_act import reports, services
from careplan.ask_and_act.schemas import (
    housing_ask_create,
    housing_ask_out,
    housing_ask_update,
    housing_asks_out,
    report_out,
    report_query,
)
from careplan.core.api_blueprint import bp
from careplan.core.http import IF_MATCH_REQUIRED, documented, json_body, query_args, respond

ASKS = "/people/<uuid:person_id>/housing-asks"


@bp.get(ASKS)
@documented(
    "Each time the person was asked about their housing: the answer, the actions offered "
    "and taken up, the referral made and what came of it",
    response=housing_asks_out,
)
@requires(Permission.HOUSING_ASK_VIEW, AuditAction.HOUSING_ASK_LIST)
def list_housing_asks(person_id: uuid.UUID) -> Response:
    return respond(housing_asks_out.dump([services.present(r) for r in services.asks(person_id)]))


@bp.post(ASKS)
@documented(
    "Record asking the person about their housing (Housing (Scotland) Act 2025, Part 5: "
    "ask and act): their answer and the actions offered and taken up; codes from the "
    "configured rules",
    body=housing_ask_create,
    response=housing_ask_out,
    status=201,
    errors=(422,),
    versioned=True,
)
@requires(Permission.HOUSING_ASK_RECORD, AuditAction.HOUSING_ASK_CREATE)
def record_housing_ask(person_id: uuid.UUID) -> Response:
    row = services.record_ask(person_id, lambda: json_body(housing_ask_create))
    return respond(housing_ask_out.dump(services.present(row)), 201, version=row.version)


@bp.post("/housing-asks/<uuid:ask_id>")
@documented(
    "Record what came of asking, or the referral it led to (If-Match: the record's version)",
    body=housing_ask_update,
    response=housing_ask_out,
    if_match=IF_MATCH_REQUIRED,
    errors=(422,),
    versioned=True,
)
@requires(Permission.HOUSING_ASK_UPDATE, AuditAction.HOUSING_ASK_UPDATE, locate=services.locate)
def update_housing_ask(ask_id: uuid.UUID) -> Response:
    row = services.update(ask_id, lambda: json_body(housing_ask_update))
    return respond(housing_ask_out.dump(services.present(row)), version=row.version)


@bp.get("/reports/housing-duty")
@documented(
    "The ask and act duty's counts per agency or council area for a period, naming nobody "
    "(counts under the configured threshold are null)",
    query=report_query,
    response=report_out,
)
@requires(Permission.JOB_HOUSING_DUTY_REPORT, AuditAction.HOUSING_DUTY_REPORT)
def housing_duty_report() -> Response:
    query = report_query.load(query_args())
    return respond(report_out.dump(reports.report(query["start"], query["end"], query["by"])))
