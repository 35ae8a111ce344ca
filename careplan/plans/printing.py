"""The plan on paper (issue 20): a PDF of the plan as the caller may see it.

The same read model as the plan view (careplan.plans.queries.PlanView), so a printed plan
holds exactly the sections the access decision shows the caller on screen, no more; it is
dated and says how many parts are left out (not which: a practitioner is never told the
names of what the person keeps from them, as on the plan page). One audit record, as an
export (`export`, details `{"format": "pdf"}`), lists what was printed and on what basis.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, g, render_template

from audit.actions import AuditAction
from careplan.access.permissions import Permission
from careplan.core import clock
from careplan.plans import services
from careplan.plans.access import catalogue, plan_access
from careplan.plans.queries import PlanView
from careplan.web.display import lines
from careplan.web.pdf import MEDIA_TYPE, render_pdf

TEMPLATE = "plans/plan_pdf.html"


def read_for_print(person_id: uuid.UUID) -> tuple[Any, PlanView]:
    """The plan view to print, decided and recorded as an export (NotFound/Forbidden as
    for the plan view). Returns (the person row, the view), read in the request's
    transaction; the PDF is made from them after it commits (`plan_pdf`)."""
    access = plan_access(person_id, Permission.PLAN_VIEW, AuditAction.EXPORT, view=True)
    view = services.read_plan_view(access.facts, AuditAction.EXPORT, {"format": "pdf"})
    return access.facts.person, view


def plan_pdf(person: Any, view: PlanView, *, own: bool) -> bytes:
    """The PDF of `view` (a tagged PDF/UA document, careplan.web.pdf). `own`: printed by
    the person themselves (the words address them). Raises Tampered, recorded, if a
    section fails its integrity check (nothing is printed)."""
    body = services.plan_body(view, AuditAction.EXPORT)
    kinds = catalogue()
    sections = [
        {
            **section,
            "description": kinds.get(key).description,
            "lines": lines(kinds.get(key).schema, section["content"]),
        }
        for key, section in body["sections"].items()
    ]
    now = clock.now()
    html = render_template(
        TEMPLATE,
        person=person,
        plan=body,
        sections=sections,
        withheld=len(body["withheld"]),
        own=own,
        printed_at=now,
        printed_by=g.user,
    )
    return render_pdf(html)


def filename(person: Any) -> str:
    """`care-plan-2026-11-30.pdf`: the date, never the person's name (a download folder
    and a shared printer's queue show file names)."""
    del person
    return f"care-plan-{clock.today().isoformat()}.pdf"


def response(person: Any, view: PlanView, *, own: bool) -> Response:
    """The PDF as a download, never cached by a browser or a proxy (it holds the plan)."""
    made = Response(plan_pdf(person, view, own=own), mimetype=MEDIA_TYPE)
    made.headers["Content-Disposition"] = f'attachment; filename="{filename(person)}"'
    made.headers["Cache-Control"] = "no-store"
    return made
