"""One page view is one visit in the person's access log: one audit record, one load of
what the caller may see, as the API's plan view has."""

from __future__ import annotations

from sqlalchemy import select

from audit.models import AuditEvent
from careplan.extensions import db
from careplan.people.models import Person
from tests.web.support import Browser, staff


def _records_of(app, response):
    with app.app_context():
        request_id = response.headers["X-Request-Id"]
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.seq)
        )
        return [(r.action, r.outcome) for r in rows]


def _sarah(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


def test_the_plan_page_is_one_record(demo_app):
    sarah = _sarah(demo_app)
    for email in ("morag.campbell@nhs.demo", "gordon.bell@justice.demo"):
        browser = Browser(demo_app, staff(demo_app, email))
        response = browser.get(f"/people/{sarah}")
        records = _records_of(demo_app, response)
        assert len(records) == 1, (email, records)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    response = morag.get(f"/people/{sarah}")
    assert response.status_code == 200
    assert _records_of(demo_app, response) == [("plan.view", "permit")]


def test_the_section_page_is_one_record(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    response = morag.get(f"/people/{sarah}/sections/housing")
    assert response.status_code == 200
    assert _records_of(demo_app, response) == [("section.view", "permit")]


def test_the_plan_page_loads_the_access_context_once(demo_app, monkeypatch):
    """The page asks the policy many questions (what each section shows, which links to
    offer) of one context, loaded once."""
    from careplan.access import sources

    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    loads = []
    loader = demo_app.extensions[sources.EXTENSION]
    original = type(loader).person

    def counted(self, user, person_id, *, rows):
        loads.append(person_id)
        return original(self, user, person_id, rows=rows)

    monkeypatch.setattr(type(loader), "person", counted)
    response = morag.get(f"/people/{sarah}")
    assert response.status_code == 200
    assert loads == [sarah]


def test_pages_that_show_a_person_leave_one_record_each(demo_app):
    """The hand-over form, the start-a-plan form and the "found" page each show who the
    person is: each view is on record, once (they used to leave none)."""
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    form = morag.get(f"/people/{sarah}/key-worker")
    assert form.status_code == 200
    assert _records_of(demo_app, form) == [("careteam.view", "permit")]

    made = morag.post(
        "/people/new", {"given_name": "Iona", "family_name": "Reid", "date_of_birth": "1991-03-04"}
    )
    start = morag.get(made.location)
    assert start.status_code == 200
    assert _records_of(demo_app, start) == [("person.view", "permit")]

    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    gordon.look_up(sarah)
    found = gordon.get(f"/people/{sarah}/found")
    assert found.status_code == 200
    assert _records_of(demo_app, found) == [("person.lookup", "permit")]


def test_a_refused_care_team_change_is_not_also_a_refused_view(demo_app):
    sarah = _sarah(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    sent = morag.post(f"/people/{sarah}/care-team", {})
    assert sent.status_code == 400
    assert sorted(_records_of(demo_app, sent)) == [
        ("careteam.add", "invalid"),
        ("careteam.view", "permit"),
    ]


def test_a_job_inherits_no_attempt_from_the_one_before(demo_app):
    from audit.actions import AuditAction
    from audit.log import attempt
    from careplan.core import unit_of_work

    sarah = _sarah(demo_app)
    with demo_app.app_context():
        with unit_of_work.job("first"):
            attempt(AuditAction.PLAN_VIEW, person_id=sarah)
            db.session.rollback()  # nothing else done: its attempt is left over
        try:
            with unit_of_work.job("second") as second:
                raise RuntimeError("the job fails")
        except RuntimeError:
            pass
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == second))
        assert [(r.action, r.person_id) for r in rows] == []
