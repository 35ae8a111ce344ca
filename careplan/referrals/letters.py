"""The referral letter (issue 19): for a service not on the platform, a PDF of the referral
and of what the person agreed to send with it, which the referrer posts or hands over.

Made from the same facts as the referral page: the sections the person agreed to send,
as the caller may read them now (one the caller may no longer read, or whose agreement
ended, is named as not included, never printed). One audit record, `referral.letter`,
names what was printed. The letter asks the service to answer the referrer, who records
the answer here (`POST /referrals/{rid}/status`).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, g, render_template

from audit.actions import AuditAction
from audit.log import record
from careplan.access.permissions import Permission
from careplan.core import clock
from careplan.core.errors import Conflict
from careplan.directory.models import Service
from careplan.extensions import db
from careplan.plans.access import catalogue
from careplan.referrals import operations, services
from careplan.referrals.presenters import Names
from careplan.web.display import lines
from careplan.web.pdf import MEDIA_TYPE, render_pdf

TEMPLATE = "referrals/letter_pdf.html"


def read_for_letter(referral_id: uuid.UUID) -> dict[str, Any]:
    """What the letter holds, decided (`referral:letter`: the referrer's side) and
    recorded. Raises Forbidden (403, recorded), Conflict (409) for a service that answers
    referrals here (nothing to print: the referral travels through the service)."""
    row = operations.get(db.session, referral_id)
    context, decision = services.referral_access(
        row, Permission.REFERRAL_LETTER, AuditAction.REFERRAL_LETTER
    )
    if row.receiving_agency_id is not None:
        raise Conflict(
            "This service answers referrals through this service: there is no letter to "
            "print. They read the referral and what was sent with it here.",
            reason="on_platform",
        )
    shared, shown = services.shared_sections(context, row)
    kinds = catalogue()
    for section in shared:
        kind = kinds.get(section["key"])
        content = section["content"]
        section["lines"] = lines(kind.schema, content) if kind and content else []
    names = Names.of(db.session, [row])
    service = db.session.get(Service, row.service_id)
    record(
        AuditAction.REFERRAL_LETTER,
        person_id=row.person_id,
        sections=shown,
        withheld=[s["key"] for s in shared if s["withheld"]],
        basis={"referral": decision.basis_text},
        details={"referral_id": row.id, "format": "pdf"},
    )
    person = context.person
    return {
        "referral": row,
        "person": person,
        "service": service,
        "referrer": names.user(row.referrer_id),
        "referring_agency": names.agency(row.referring_agency_id),
        "shared": shared,
    }


def response(letter: dict[str, Any]) -> Response:
    """The letter as a download named by date only, never cached."""
    html = render_template(TEMPLATE, **letter, printed_at=clock.now(), printed_by=g.user)
    made = Response(render_pdf(html), mimetype=MEDIA_TYPE)
    name = f"referral-letter-{clock.today().isoformat()}.pdf"
    made.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    made.headers["Cache-Control"] = "no-store"
    return made
