"""The pages take no writes to a closed plan either (issue #16, fault 2): every page
form about a person is refused on a closed plan, with a plain reason, except those that
narrow access (withdrawing consent, ending a care-team place, recording a refusal)."""

from __future__ import annotations

import re

from sqlalchemy import select

from careplan.core import clock
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import CareTeamMember, Entry, Plan
from tests.web.support import Browser, staff, text
from tests.web.test_page_guard import page_routes

# page endpoint -> (who posts, form) that would succeed on an open plan
REFUSED_WHEN_CLOSED = {
    "plans.start_plan": ("morag", {}),  # the person has a plan already
    "plans.hand_over_page": ("morag", {}),
    "plans.agreement_page": ("morag", {}),
    "plans.care_team": ("morag", {"staff_id": "", "role": "Nurse"}),
    "sections.edit": ("morag", {"version": "1"}),
    "sections.add_update": ("morag", {"text": "Met at the cafe."}),
    # Marking an update "entered in error" changes the record: refused on a closed plan.
    "sections.mark_error": ("morag", {"reason": "Written on the wrong plan."}),
    "sharing.new_consent": (
        "morag",
        {
            "effect": "permit",
            "grantee": "sector:statutory",
            "sections": "housing",
            "expires_on": "2027-06-01",
            "method": "verbal",
        },
    ),
    "meetings.record": ("morag", {"held_on": "2026-11-01", "kind": "review"}),
    "sharing.claim": (
        "gordon",
        {"reason": "Allocated as her justice social worker from today by the sheriff."},
    ),
    "referrals.new": ("morag", {}),  # decided before the form is read
    "ask_and_act.record": ("morag", {"answer": "settled", "council_code": "S12000049"}),
    "people.account": ("morag", {"email": "someone@example.org"}),
    "supporters.person": ("morag", {}),  # sharing from the plan: decided before the form
}
OPEN_WHEN_CLOSED = {
    "sharing.withdraw_consent",
    "plans.end_member",
    "sharing.emergency",  # reads only
    "plans.reopen_page",  # what a closed plan is for: tests/web/test_reopen_page.py
    "corrections.answer",  # the person is owed an answer; it adds nothing to the plan
    "supporters.end",  # stopping sharing with a supporter narrows access
}


def _close(app):
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.given_name == "Sarah")).one()
        plan = db.session.scalars(select(Plan).where(Plan.person_id == person.id)).one()
        plan.closed_on = clock.today()
        plan.closed_reason = "support_complete"
        member = db.session.scalars(
            select(CareTeamMember.id).where(CareTeamMember.plan_id == plan.id)
        ).first()
        db.session.commit()
        return person.id, member


def _housing_update(app, person_id):
    """One of the care team's updates on Sarah's housing plan (careplan/demo.py)."""
    with app.app_context():
        plan = db.session.scalars(select(Plan.id).where(Plan.person_id == person_id)).one()
        return db.session.scalars(
            select(Entry.id).where(Entry.plan_id == plan, Entry.section_key == "housing")
        ).first()


# The person's own page forms (/my-plan/...): refused on a closed plan but for those that
# narrow access (withdrawing a consent, recording a refusal).
OWN_REFUSED_WHEN_CLOSED = {
    "sections.edit_mine": {"version": "1"},
    "sections.add_my_update": {"text": "A good week."},
    "supporters.mine": {},  # sharing from the plan with someone new: decided before the form
    # As in the API (rules.CHANGES): a closed plan takes no new correction request.
    "corrections.mine": {"section": "about_me", "text": "My son's name is spelt wrong."},
}
OWN_OPEN_WHEN_CLOSED = {"me.new_consent", "me.withdraw_consent", "supporters.end_mine"}


def own_page_forms(app):
    from careplan.access.pipeline import OWN_PERSON, declared

    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.startswith("api.")
        and "POST" in rule.methods
        and getattr(declared(app.view_functions[rule.endpoint]), "person", None) == OWN_PERSON
    )


def test_every_own_page_form_is_placed(demo_app):
    posts = {endpoint for endpoint, _ in own_page_forms(demo_app)}
    assert posts == set(OWN_REFUSED_WHEN_CLOSED) | OWN_OPEN_WHEN_CLOSED


def test_the_person_writes_nothing_to_their_closed_plan_from_a_page(demo_app):
    _close(demo_app)
    sarah = Browser(demo_app, staff(demo_app, "sarah.mackenzie@example.demo"))
    for endpoint, rule in own_page_forms(demo_app):
        if endpoint not in OWN_REFUSED_WHEN_CLOSED:
            continue
        response = sarah.post(rule.replace("<key>", "about_me"), OWN_REFUSED_WHEN_CLOSED[endpoint])
        assert response.status_code == 403, (endpoint, response.status_code)
        assert "This plan is closed" in text(response), endpoint


def test_every_page_form_is_placed(demo_app):
    posts = {e for e, _, m in page_routes(demo_app) if m == "POST"}
    assert posts == set(REFUSED_WHEN_CLOSED) | OPEN_WHEN_CLOSED


def test_no_page_form_writes_to_a_closed_plan(demo_app):
    sarah, member = _close(demo_app)
    people = {
        "morag": Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo")),
        "gordon": Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo")),
    }
    people["gordon"].look_up(sarah)
    values = {
        "person_id": sarah,
        "key": "housing",
        "member_id": member,
        "entry_id": _housing_update(demo_app, sarah),
    }
    for endpoint, rule, method in page_routes(demo_app):
        if method != "POST" or endpoint not in REFUSED_WHEN_CLOSED:
            continue
        who, form = REFUSED_WHEN_CLOSED[endpoint]
        url = rule
        for name, value in values.items():
            url = url.replace(f"<uuid:{name}>", str(value)).replace(f"<{name}>", str(value))
        response = people[who].post(url, form)
        assert response.status_code == 403, (endpoint, response.status_code)
        body = text(response)
        if endpoint != "plans.start_plan":
            assert "This plan is closed" in body, endpoint
    # What narrows access still works: a refusal, then ending a care-team place.
    morag = people["morag"]
    refusal = morag.post(
        f"/people/{sarah}/sharing",
        {
            "effect": "deny",
            "grantee": "sector:third_sector",
            "sections": "about_me",
            "method": "verbal",
        },
    )
    assert refusal.status_code == 302
    team = text(morag.get(f"/people/{sarah}/care-team"))
    ends = re.findall(r"/care-team/([0-9a-f-]{36})/end", team)
    assert ends
    assert morag.post(f"/people/{sarah}/care-team/{ends[0]}/end").status_code == 302
