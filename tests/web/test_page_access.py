"""Who can open which page: every role against every page, through the test client.

The pages ask the same access decision as the API, so the answers here follow it: a person
the caller has no basis for is "not found", a page for another job is "forbidden", and
IG officers and administrators never see plan content on any page.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from careplan.extensions import db
from careplan.people.models import Person
from careplan.plans.models import Entry, Plan
from careplan.tasks.models import Task
from tests.web.support import Browser, staff, text

ROLES = {
    "key_worker": "morag.campbell@nhs.demo",
    "housing": "fiona.reid@housing.demo",
    "cafe": "jamie.robertson@cafe.demo",
    "justice": "gordon.bell@justice.demo",
    "ig": "priya.shah@nhs.demo",
    "admin": "alex.murray@careplan.demo",
    "person": "sarah.mackenzie@example.demo",
    # Sarah's independent advocate (issue 20): About me and My goals, nothing else.
    "supporter": "ruth.ogilvie@advocacy.demo",
}
# Words from Sarah's plan (careplan/demo_content.py) that must never reach IG or admin.
CONTENT = ("heroin", "Seeing my son", "methadone", "Leith Walk", "Ex-partner")

S = "/people/{sarah}"
# page -> expected status for each role, in the order of ROLES.
MATRIX = {
    "/": (200, 200, 200, 200, 200, 200, 200, 200),
    "/people?q=mackenzie": (200, 200, 200, 200, 403, 403, 403, 403),
    "/people/new": (200, 200, 200, 200, 403, 403, 403, 403),
    "/people/lookup": (200, 200, 200, 200, 403, 403, 403, 403),
    S: (200, 200, 200, 404, 404, 404, 302, 200),
    S + "/sections/housing": (200, 200, 200, 404, 404, 404, 200, 403),
    S + "/sections/substance_use": (200, 403, 403, 404, 404, 404, 200, 403),
    S + "/sections/housing/edit": (200, 403, 403, 404, 404, 404, 403, 403),
    S + "/sections/housing/history": (200, 200, 200, 404, 404, 404, 200, 403),
    S + "/sections/housing/updates/new": (200, 200, 200, 404, 404, 404, 403, 403),
    # Marking an update "entered in error": the key worker and lead agency (rules.CHRONOLOGY).
    S + "/sections/housing/updates/{entry}/error": (200, 403, 403, 404, 404, 404, 403, 403),
    S + "/sharing": (200, 403, 403, 404, 404, 404, 200, 403),
    S + "/access-log": (200, 403, 403, 404, 404, 404, 200, 403),
    S + "/key-worker": (200, 403, 403, 404, 404, 404, 403, 403),
    S + "/care-team": (200, 200, 200, 404, 404, 404, 200, 403),
    # Giving the person access to their plan, and whether they signed in (issue 17).
    S + "/account": (200, 403, 403, 404, 404, 404, 403, 403),
    # The plan on paper, as the caller may see it (the person is sent to their own).
    S + "/plan.pdf": (200, 200, 200, 404, 404, 404, 200, 200),
    "/my-plan/plan.pdf": (404, 404, 404, 404, 404, 404, 200, 404),
    S + "/plan/new": (403, 403, 403, 404, 404, 404, 403, 403),
    # Sarah's plan is open: those who could reopen a closed one are told there is nothing to.
    S + "/plan/reopen": (409, 409, 409, 404, 404, 404, 403, 403),
    # Only after the caller's own exact lookup (tests/web/test_forms.py goes through it).
    S + "/found": (404, 404, 404, 404, 403, 403, 403, 403),
    "/my-plan": (404, 404, 404, 404, 404, 404, 200, 404),
    "/my-plan/sharing": (404, 404, 404, 404, 404, 404, 200, 404),
    "/my-plan/access-log": (404, 404, 404, 404, 404, 404, 200, 404),
    # The person's own voice: only the sections the catalogue marks `person_writes`.
    "/my-plan/sections/about_me/edit": (404, 404, 404, 404, 404, 404, 200, 404),
    "/my-plan/sections/goals/updates/new": (404, 404, 404, 404, 404, 404, 200, 404),
    "/my-plan/sections/housing/edit": (404, 404, 404, 404, 404, 404, 403, 404),
    "/my-plan/sections/housing/updates/new": (404, 404, 404, 404, 404, 404, 403, 404),
    "/ig/audit": (403, 403, 403, 403, 200, 403, 403, 403),
    "/ig/reviews": (403, 403, 403, 403, 200, 403, 403, 403),
    "/ig/reports": (403, 403, 403, 403, 200, 403, 403, 403),
    "/ig/verify?run=1": (403, 403, 403, 403, 200, 403, 403, 403),
    "/admin/agencies": (403, 403, 403, 403, 403, 200, 403, 403),
    "/admin/staff": (403, 403, 403, 403, 403, 200, 403, 403),
    "/admin/staff?q=mor&role=practitioner&status=invited": (403, 403, 403, 403, 403, 200, 403, 403),
    "/admin/staff/{morag}": (403, 403, 403, 403, 403, 200, 403, 403),
    "/admin/staff/{morag}/deactivate": (403, 403, 403, 403, 403, 200, 403, 403),
    "/admin/agencies/{nhs}": (403, 403, 403, 403, 403, 200, 403, 403),
    S + "/access-log?show=other_agencies": (200, 403, 403, 404, 404, 404, 200, 403),
    "/my-plan/access-log?show=all": (404, 404, 404, 404, 404, 404, 200, 404),
    # How colleagues reach staff (issue 17): an administrator's page, and everyone's own.
    "/admin/staff/{morag}/contact": (403, 403, 403, 403, 403, 200, 403, 403),
    "/account/contact": (200, 200, 200, 200, 200, 200, 404, 404),
    # The living plan (issue 20): meetings, actions, corrections (careplan.access.rules).
    S + "/chronology": (200, 200, 200, 404, 404, 404, 200, 403),
    S + "/meetings": (200, 200, 200, 404, 404, 404, 200, 403),
    S + "/meetings/new": (200, 403, 403, 404, 404, 404, 403, 403),
    S + "/tasks": (200, 200, 200, 404, 404, 404, 200, 403),
    # One action (its page), each decided on itself: a meeting's action follows what was
    # said there (its owner sees it too); a correction's, the request to correct.
    S + "/actions/{housing_task}": (200, 200, 403, 404, 404, 404, 200, 403),
    S + "/actions/{cafe_task}": (200, 403, 200, 404, 404, 404, 200, 403),
    S + "/actions/{correction_task}": (200, 403, 403, 404, 404, 404, 200, 403),
    S + "/corrections": (200, 403, 403, 404, 404, 404, 200, 403),
    # Ask and act (issue 19): as the housing plan is; the duty's counts name nobody.
    S + "/housing-asks": (200, 200, 200, 404, 404, 404, 200, 403),
    S + "/housing-asks/new": (200, 200, 200, 404, 404, 404, 403, 403),
    "/reports/housing-duty": (403, 403, 403, 403, 200, 200, 403, 403),
    "/my-tasks": (200, 200, 200, 200, 403, 403, 403, 403),
    "/my-plan/corrections": (404, 404, 404, 404, 404, 404, 200, 404),
    # The living plan (issue 20): meetings, actions, corrections (careplan.access.rules).
    # Everyone's own notifications and choice of channel.
    "/me/notifications": (200, 200, 200, 200, 200, 200, 200, 200),
    "/me/notification-preferences": (200, 200, 200, 200, 200, 200, 200, 200),
    # Referrals (issue 19): practitioners' inbox and outbox; a person's referrals for anyone
    # with a basis on them (and the person); referring needs a basis with their consent.
    "/referrals": (200, 200, 200, 200, 403, 403, 403, 403),
    S + "/referrals": (200, 200, 200, 404, 404, 404, 200, 403),
    S + "/referrals/new": (200, 200, 200, 404, 404, 404, 403, 403),
    "/me/referrals": (404, 404, 404, 404, 404, 404, 200, 404),
    # Subject access (issue 18): the person's copy is theirs, at any time, and their key
    # worker's to hand over; IG officers manage the requests and never see the copy.
    "/my-plan/copy": (404, 404, 404, 404, 404, 404, 200, 404),
    "/my-plan/copy.pdf": (404, 404, 404, 404, 404, 404, 200, 404),
    "/my-plan/copy.json": (404, 404, 404, 404, 404, 404, 200, 404),
    S + "/copy": (200, 403, 403, 404, 404, 404, 200, 403),
    S + "/copy.html": (200, 403, 403, 404, 404, 404, 200, 403),
    "/ig/subject-access": (403, 403, 403, 403, 200, 403, 403, 403),
    "/ig/subject-access?status=all": (403, 403, 403, 403, 200, 403, 403, 403),
    "/ig/subject-access/new": (403, 403, 403, 403, 200, 403, 403, 403),
    "/ig/subject-access/9f0c5a52-1f7e-4d8e-9a44-6f1f0c3f9a01": (
        403,
        403,
        403,
        403,
        404,
        403,
        403,
        403,
    ),
    # Supporters (issue 20): "People supporting you" for the person; the same list for
    # their key worker and lead agency; a supporter sees the sections the person chose.
    S + "/sections/goals": (200, 200, 200, 404, 404, 404, 200, 200),
    S + "/sections/about_me": (200, 403, 200, 404, 404, 404, 200, 200),
    S + "/supporters": (200, 403, 403, 404, 404, 404, 200, 403),
    "/my-plan/supporters": (404, 404, 404, 404, 404, 404, 200, 404),
}
CASES = [
    (page, role, statuses[i]) for page, statuses in MATRIX.items() for i, role in enumerate(ROLES)
]


@pytest.fixture(scope="module")
def browsers(demo_app):
    return {role: Browser(demo_app, staff(demo_app, email)) for role, email in ROLES.items()}


@pytest.fixture(scope="module")
def sarah(demo_app):
    with demo_app.app_context():
        return db.session.scalars(select(Person.id).where(Person.given_name == "Sarah")).one()


@pytest.fixture(scope="module")
def ids(demo_app, sarah):
    """What the pages name: Sarah, Morag's staff account, Morag's organisation."""
    morag = staff(demo_app, ROLES["key_worker"])
    with demo_app.app_context():
        plan = db.session.scalars(select(Plan.id).where(Plan.person_id == sarah)).one()
        entry = db.session.scalars(
            select(Entry.id).where(Entry.plan_id == plan, Entry.section_key == "housing")
        ).first()
        tasks = {t.source.value + t.title[:4]: t.id for t in db.session.scalars(select(Task))}
    return {
        "sarah": sarah,
        "morag": morag.id,
        "nhs": morag.agency_id,
        "entry": entry,
        "housing_task": tasks["meetingChas"],
        "cafe_task": tasks["meetingBook"],
        "correction_task": tasks["correctionAnsw"],
    }


@pytest.mark.parametrize(("page", "role", "status"), CASES)
def test_page_access(browsers, ids, page, role, status):
    response = browsers[role].get(page.format(**ids))
    if response.mimetype == "application/pdf":
        # The plan on paper (its content: tests/living/test_plan_pdf.py).
        assert status == 200
        assert response.get_data().startswith(b"%PDF-")
        return
    assert response.status_code == status, text(response)[:300]
    body = text(response)
    if role in ("ig", "admin"):
        assert not any(word in body for word in CONTENT)
    if status >= 400:
        assert "Traceback" not in body
        assert 'class="ds_page-header__title"' in body  # the designed error page


def test_signed_out_pages_send_you_to_sign_in(demo_app, ids):
    anonymous = Browser(demo_app, None)
    for page in [p.format(**ids) for p in MATRIX if p != "/"]:
        response = anonymous.get(page)
        assert response.status_code == 302, page
        assert "/sign-in?next=" in response.headers["Location"]


def test_a_refused_page_is_audited(demo_app, browsers, sarah):
    browsers["cafe"].get(f"/people/{sarah}/sections/mental_health")
    with demo_app.app_context():
        last = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "section.view", AuditEvent.outcome == "deny")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert last is not None
    assert last.actor_name == "Jamie Robertson"
    assert last.sections == ["mental_health"]


def test_ig_audit_search_and_admin_pages_hold_no_plan_content(browsers, sarah):
    pages = {
        "ig": [
            f"/ig/audit?person={sarah}",
            "/ig/reviews?status=all",
            "/ig/reports?kind=many_people",
        ],
        "admin": ["/admin/agencies", "/admin/staff"],
    }
    for role, paths in pages.items():
        for path in paths:
            body = text(browsers[role].get(path))
            assert not any(word in body for word in CONTENT), path


def test_a_practitioner_sees_why_and_a_calm_notice_without_names_of_hidden_parts(browsers, sarah):
    body = text(browsers["cafe"].get(f"/people/{sarah}"))
    assert "Some parts of this plan are not shared with you" in body
    # The basis, the same for every part shown, is said once in the summary (issue 17).
    assert re.search(r"Why you can see this plan</dt>\s*<dd[^>]*>They agreed to share this", body)
    for hidden_title in ("Alcohol and drugs", "Mental health", "Safety and risk", "Justice"):
        assert hidden_title not in body


def test_unknown_pages_have_a_designed_page(browsers):
    response = browsers["key_worker"].get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in text(response)
