"""Walk the URL map: every page about a person asks the access decision, and a signed-in
caller with no basis for the person gets "not found", with an audit record of the refusal."""

from __future__ import annotations

from sqlalchemy import select

from audit.models import AuditEvent
from careplan.extensions import db
from tests.web.support import Browser, staff

# Reached by the id from an exact lookup: the practitioner has no basis yet, by design.
EXACT_ID_PAGES = {"sharing.found", "sharing.claim", "sharing.emergency"}


def page_routes(app):
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if "person_id" in rule.arguments and not rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_person_page_asks_the_decision(demo_app, decisions):

    from careplan.people.models import Person

    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
    outsider = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    values = {
        "person_id": sarah,
        "key": "housing",
        "member_id": sarah,
        "consent_id": sarah,
    }
    routes = page_routes(demo_app)
    assert len(routes) >= 15
    for endpoint, rule, method in routes:
        url = rule
        for name, value in values.items():
            url = url.replace(f"<uuid:{name}>", str(value)).replace(f"<{name}>", str(value))
        decisions.clear()
        call = outsider.get if method == "GET" else outsider.post
        response = call(url)
        assert decisions, f"{method} {rule} answered without asking the decision"
        assert response.status_code != 500, (method, rule)
        if endpoint not in EXACT_ID_PAGES:
            assert response.status_code == 404, (method, rule, response.status_code)
            with demo_app.app_context():
                last = db.session.scalars(
                    select(AuditEvent).order_by(AuditEvent.seq.desc())
                ).first()
            assert last.outcome == "deny"
            assert last.actor_name == "Gordon Bell"
