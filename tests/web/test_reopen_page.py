"""Step-down and return on the pages (issue 20): Craig's plan closed when he stepped down
to the recovery cafe; his former key worker reopens it with him, keeping its history."""

from __future__ import annotations

from sqlalchemy import select

from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Plan, PlanClosure
from tests.web.support import Browser, hidden, staff, text


def _craig(app):
    with app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Craig")).one()


def test_a_closed_plan_is_reopened_from_its_page(demo_app):
    craig = _craig(demo_app)
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{craig}"))
    assert "The plan can be read but not changed." in page
    assert f'href="/people/{craig}/plan/reopen"' in page
    form = morag.get(f"/people/{craig}/plan/reopen")
    assert form.status_code == 200
    assert "Everything in the plan is kept" in text(form)
    empty = morag.post(f"/people/{craig}/plan/reopen", {"version": hidden(form, "version")})
    assert empty.status_code == 400
    assert "There is a problem" in text(empty)
    with demo_app.app_context():
        ali = staff(demo_app, "ali.hassan@nhs.demo")
    done = morag.post(
        f"/people/{craig}/plan/reopen",
        {
            "version": hidden(form, "version"),
            "key_worker_id": str(ali.id),
            "agreed_on-day": "2",
            "agreed_on-month": "11",
            "agreed_on-year": "2026",
            "agreed_how": "in_person",
        },
    )
    assert done.status_code == 302, text(done)[:500]
    assert done.headers["Location"].endswith(f"/people/{craig}?done=reopened")
    after = text(morag.get(f"/people/{craig}?done=reopened"))
    assert "The plan is open again" in after
    assert "Two years sober" in after  # his story, kept
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan).where(Plan.person_id == craig)).one()
        assert plan.closed_on is None
        assert plan.key_worker_id == ali.id
        assert db.session.scalars(select(PlanClosure.plan_id)).all() == [plan.id]
    # Open now: there is nothing to reopen.
    assert morag.get(f"/people/{craig}/plan/reopen").status_code == 409


def test_someone_without_a_basis_cannot_reopen(demo_app):
    craig = _craig(demo_app)
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    assert gordon.get(f"/people/{craig}/plan/reopen").status_code == 404


def test_the_hand_over_page_asks_about_a_warm_hand_over(demo_app):
    with demo_app.app_context():
        sarah = db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    page = text(morag.get(f"/people/{sarah}/key-worker"))
    assert "can Morag Campbell keep reading the plan for 28 days" in page
    assert 'name="warm_hand_over"' in page
