"""Walk the URL map: every page about a person asks the access decision, and a signed-in
caller with no basis for the person gets "not found", with an audit record of the refusal."""

from __future__ import annotations

from sqlalchemy import select

from audit.models import AuditEvent
from careplan.extensions import db
from tests.web.support import Browser, staff

# Reached by the id from the caller's own exact lookup: without one they answer "not
# found" like every other page (issue #16, fault 8), which the walk below checks too.
EXACT_ID_PAGES = {"sharing.found", "sharing.claim", "sharing.emergency"}


def test_the_exact_id_pages_are_in_the_walk(demo_app):
    assert {endpoint for endpoint, _, _ in page_routes(demo_app)} >= EXACT_ID_PAGES


def page_routes(app):
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if "person_id" in rule.arguments and not rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_person_page_asks_the_decision(demo_app, decisions):

    from careplan.people.models import Person
    from careplan.tasks.models import Task

    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
        # An action's own page names a real action of hers: decided on it, then refused.
        action = db.session.scalars(select(Task.id).where(Task.person_id == sarah)).first()
    outsider = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    values = {
        "person_id": sarah,
        "key": "housing",
        "member_id": sarah,
        "consent_id": sarah,
        "correction_id": sarah,
        "supporter_id": sarah,
        "entry_id": sarah,
        "task_id": action,
    }
    routes = page_routes(demo_app)
    assert len(routes) >= 15
    for _endpoint, rule, method in routes:
        url = rule
        for name, value in values.items():
            url = url.replace(f"<uuid:{name}>", str(value)).replace(f"<{name}>", str(value))
        decisions.clear()
        call = outsider.get if method == "GET" else outsider.post
        response = call(url)
        assert decisions, f"{method} {rule} answered without asking the decision"
        assert response.status_code != 500, (method, rule)
        # Every page, the exact-id ones included: Gordon made no lookup.
        assert response.status_code == 404, (method, rule, response.status_code)
        with demo_app.app_context():
            last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last.outcome == "deny"
        assert last.actor_name == "Gordon Bell"
