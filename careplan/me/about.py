"""The pages every public service has (issue 17, "public-service basics"): the privacy
notice (UK GDPR Articles 13 and 14: what is held, why, who sees it, how long, the
person's rights), the accessibility statement (the GOV.UK model statement for the Public
Sector Bodies Accessibility Regulations 2018) and how to get help or give feedback. Open
to everyone, signed in or not: they show no one's data and record nothing."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from careplan.access.pipeline import public
from careplan.plans.access import catalogue

bp = Blueprint("about", __name__)


def _service() -> dict[str, Any]:
    """Who runs this deployment and how to reach them (configuration), and how long a
    closed plan is kept (CAREPLAN_RETENTION_DAYS, in whole years when it is)."""
    days = int(current_app.config["RETENTION_DAYS"])
    years, rest = divmod(days, 365)
    kept = f"{years} years" if years and rest < 7 else f"{days} days"
    return {
        "operator": current_app.config["OPERATOR"],
        "contact": current_app.config["CONTACT_EMAIL"],
        "kept": kept,
    }


@bp.get("/privacy")
@public
def privacy() -> str:
    return render_template(
        "about/privacy.html",
        page_title="Privacy notice",
        sections=list(catalogue()),
        **_service(),
    )


@bp.get("/accessibility")
@public
def accessibility() -> str:
    return render_template(
        "about/accessibility.html", page_title="Accessibility statement", **_service()
    )


@bp.get("/contact")
@public
def contact() -> str:
    return render_template("about/contact.html", page_title="Help and feedback", **_service())
