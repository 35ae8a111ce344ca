"""No page ever shows one of marshmallow's default messages (issue 17, "Everyone"): every
form on every page, as the people who use it, is sent empty, with nonsense in every box, and
with far too much in every box; the answer never holds a default message, and each
message in the error summary names its field. Every form that changes something is
walked (a new form without a row here fails `test_every_form_is_walked`)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from careplan.agencies.models import Agency
from careplan.ask_and_act.models import HousingAsk
from careplan.core.messages import default_messages
from careplan.directory.models import Service
from careplan.extensions import db
from careplan.people.models import DuplicateCandidate, Person
from careplan.plans.access import catalogue
from careplan.plans.models import Entry, Plan
from careplan.subject_access.models import RequestStatus, SubjectAccessRequest
from careplan.teams.models import Team
from tests.web.forms_walk import Form, default_messages_in, duplicate_ids, forms
from tests.web.support import Browser, staff, text

REASON = "Found unresponsive at the hostel; paramedics need her medication history now."

# Forms with nothing to type (a button alone) or that end the session: nothing to check.
NO_INPUT = {
    "/sign-out",
    "/sign-out/everywhere",
}


@pytest.fixture(scope="module")
def world(demo_app):
    """Ids the walk needs, and a pending emergency access and an unplanned person made the
    way staff make them."""
    morag_id = staff(demo_app, "morag.campbell@nhs.demo").id
    morag = Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))
    new = morag.post(
        "/people/new", {"given_name": "Ewan", "family_name": "Gray", "date_of_birth": "1990-02-03"}
    )
    assert new.status_code == 302
    near = morag.post(
        "/people/new",
        {
            "given_name": "Sara",
            "family_name": "Mackenzie",
            "date_of_birth": "1988-04-12",
            "duplicate_reason": "A different person: another address and next of kin.",
        },
    )
    assert near.status_code == 302
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    with demo_app.app_context():
        people = {p.given_name: p.id for p in db.session.scalars(select(Person))}
        agency = db.session.scalars(select(Agency).order_by(Agency.name)).first().id
        duplicate = db.session.scalars(select(DuplicateCandidate.id)).first()
        service = db.session.scalars(select(Service.id).order_by(Service.name)).first()
    gordon.look_up(people["Sarah"])
    opened = gordon.post(
        f"/people/{people['Sarah']}/emergency",
        {"reason": "risk_to_life", "justification": REASON, "step": "confirm"},
    )
    assert opened.status_code == 302
    # A second emergency access, so the reviews page holds two review forms.
    gordon.look_up(people["Kerry"])
    second = gordon.post(
        f"/people/{people['Kerry']}/emergency",
        {"reason": "serious_harm", "justification": REASON, "step": "confirm"},
    )
    assert second.status_code == 302
    with demo_app.app_context():
        sections = [kind.key for kind in catalogue()]
        housing = db.session.scalars(
            select(Service.id).where(Service.source_ref == "demo-housing-support")
        ).one()
        team = db.session.scalars(select(Team.id)).first()
        ask = db.session.scalars(select(HousingAsk.id)).first()
        # An update on Sarah's plan, for "Mark as entered in error" (issue 20).
        entry = db.session.execute(
            select(Entry.id, Entry.section_key)
            .join(Plan, Plan.id == Entry.plan_id)
            .where(Plan.person_id == people["Sarah"])
            .order_by(Entry.created_at)
        ).first()
    # A referral for the council's referral coordinator to answer or pass on.
    referred = morag.post(
        f"/people/{people['Sarah']}/referrals/new",
        {
            "service_id": str(housing),
            "reason": "Her tenancy ends in January and she wants help finding a flat.",
            "urgency": "routine",
            "sections": "housing",
            "do_not_contact": "no",
            "consent_method": "verbal",
            "agreed_on-day": "20",
            "agreed_on-month": "11",
            "agreed_on-year": "2026",
        },
    )
    assert referred.status_code == 302, text(referred)[:500]
    morag_id = staff(demo_app, "morag.campbell@nhs.demo").id
    # Issue 22: Ewan shares Kerry out to Morag, so her agreement waits to be recorded.
    ewan = Browser(demo_app, staff(demo_app, "ewan.fraser@nhs.demo"))
    shared = ewan.post(
        f"/teams/{team}/hand-over",
        {"person": str(people["Kerry"]), "key_worker_id": str(morag_id)},
    )
    assert shared.status_code == 302, text(shared)[:500]
    return {
        "referral": referred.headers["Location"].split("?")[0],
        "housing": housing,
        "people": people,
        "agency": agency,
        "plan_new": new.headers["Location"],
        "duplicate": duplicate,
        "sections": sections,
        "service": service,
        "team": team,
        "ask": ask,
        "entry": entry,
        "jamie": staff(demo_app, "jamie.robertson@cafe.demo").id,
        "morag": morag_id,
        "sar": _open_request(demo_app),
    }


def _open_request(demo_app):
    """The demo's subject access request in progress (Craig's, made by his advocate)."""
    with demo_app.app_context():
        return db.session.scalars(
            select(SubjectAccessRequest.id).where(
                SubjectAccessRequest.status == RequestStatus.IN_PROGRESS
            )
        ).first()


def _pages(world) -> list[tuple[str | None, str]]:
    sarah = world["people"]["Sarah"]
    pages = [
        (None, "/sign-in"),
        ("morag.campbell@nhs.demo", "/people/new"),
        ("morag.campbell@nhs.demo", world["plan_new"]),
        ("morag.campbell@nhs.demo", "/people"),
        ("morag.campbell@nhs.demo", "/people/lookup"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/key-worker"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/care-team?staff_q=ali"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/sharing"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/access-log"),
        ("morag.campbell@nhs.demo", "/account"),
        ("morag.campbell@nhs.demo", "/account/password"),
        ("morag.campbell@nhs.demo", "/account/recovery-codes"),
        ("gordon.bell@justice.demo", f"/people/{world['people']['Kerry']}/found"),
        ("gordon.bell@justice.demo", f"/people/{sarah}/emergency"),
        ("priya.shah@nhs.demo", "/ig/audit"),
        ("priya.shah@nhs.demo", "/ig/reviews"),
        ("priya.shah@nhs.demo", "/ig/reports"),
        ("alex.murray@careplan.demo", "/admin/agencies"),
        ("alex.murray@careplan.demo", f"/admin/agencies/{world['agency']}/agreement"),
        ("alex.murray@careplan.demo", "/admin/staff"),
        # Issue 17: change an agency, change a member of staff's roles or organisation.
        ("alex.murray@careplan.demo", f"/admin/agencies/{world['agency']}"),
        ("alex.murray@careplan.demo", f"/admin/staff/{world['jamie']}"),
        ("alex.murray@careplan.demo", "/directory/new"),
        ("alex.murray@careplan.demo", f"/directory/{world['service']}/edit"),
        ("morag.campbell@nhs.demo", "/me/notification-preferences"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/referrals/new?service={world['housing']}"),
        ("niamh.grant@housing.demo", world["referral"]),
        ("niamh.grant@housing.demo", world["referral"] + "/forward"),
        # Teams and continuity (issue 22).
        ("alex.murray@careplan.demo", "/admin/teams"),
        ("alex.murray@careplan.demo", f"/admin/teams/{world['team']}"),
        ("ewan.fraser@nhs.demo", f"/teams/{world['team']}"),
        ("morag.campbell@nhs.demo", "/cover"),
        ("morag.campbell@nhs.demo", f"/people/{world['people']['Kerry']}/key-worker/agreement"),
        ("sarah.mackenzie@example.demo", "/me/notification-preferences"),
        ("sarah.mackenzie@example.demo", "/my-plan/sharing"),
        ("sarah.mackenzie@example.demo", "/my-plan/access-log"),
        # The person's own voice, and reopening a closed plan (issue 20).
        ("sarah.mackenzie@example.demo", "/my-plan/sections/about_me/edit"),
        ("sarah.mackenzie@example.demo", "/my-plan/sections/goals/updates/new"),
        ("morag.campbell@nhs.demo", f"/people/{world['people']['Craig']}/plan/reopen"),
        ("sarah.mackenzie@example.demo", "/my-plan/corrections"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/meetings/new"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/corrections"),
        # Ask and act (issue 19).
        ("morag.campbell@nhs.demo", f"/people/{sarah}/housing-asks/new"),
        ("morag.campbell@nhs.demo", f"/housing-asks/{world['ask']}/outcome"),
        # How colleagues reach staff (issue 17).
        ("morag.campbell@nhs.demo", "/account/contact"),
        ("fiona.reid@housing.demo", f"/people/{world['people']['John']}/account"),
        ("alex.murray@careplan.demo", f"/admin/staff/{world['morag']}/contact"),
        # Subject access requests (issue 18): recording one, and the steps of one.
        ("priya.shah@nhs.demo", "/ig/subject-access/new"),
        ("priya.shah@nhs.demo", f"/ig/subject-access/{world['sar']}"),
        # Supporters (issue 20): inviting someone, from the person's page and the key
        # worker's; stopping sharing (a confirmation, nothing to type).
        ("sarah.mackenzie@example.demo", "/my-plan/supporters"),
        ("morag.campbell@nhs.demo", f"/people/{sarah}/supporters"),
    ]
    for key in world["sections"]:
        pages.append(("morag.campbell@nhs.demo", f"/people/{sarah}/sections/{key}/edit"))
        pages.append(("morag.campbell@nhs.demo", f"/people/{sarah}/sections/{key}/updates/new"))
    entry_id, entry_key = world["entry"]
    pages.append(
        (
            "morag.campbell@nhs.demo",
            f"/people/{sarah}/sections/{entry_key}/updates/{entry_id}/error",
        )
    )
    if world["duplicate"] is not None:
        pages.append(("priya.shah@nhs.demo", f"/records/duplicates/{world['duplicate']}"))
    return pages


def _variants(form: Form) -> list[dict[str, str]]:
    """Empty; nonsense everywhere a person types or picks; far too much everywhere; and
    nonsense in the hidden controls too (a tampered or stale form)."""
    button = dict(form.buttons[:1])
    kept = {**form.hidden, **button}
    csrf = {"csrf_token": form.hidden.get("csrf_token", "")}
    return [
        {**kept, **dict.fromkeys(form.visible, "")},
        {**kept, **dict.fromkeys(form.visible, "zz-not-this")},
        {**kept, **dict.fromkeys(form.visible, "x" * 6000)},
        {
            **dict.fromkeys([*form.hidden, *button], "zz-not-this"),
            **csrf,
            **dict.fromkeys(form.visible, "31/02/1990"),
        },
    ]


def _summary_links(html: str) -> list[str]:
    block = re.search(r'class="ds_error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r">([^<]+)</a>", block.group(1)) if block else []


WALKED: set[str] = set()


def _rule_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(path.split("?")[0], method=method, return_rule=True)
    except Exception:
        return None
    return rule.rule


def test_no_form_shows_a_marshmallow_default_message(demo_app, world):
    found: list[tuple[str, str, list[str]]] = []
    unnamed: list[tuple[str, str]] = []
    browsers: dict[str | None, Browser] = {}
    sent = 0
    for email, page_path in _pages(world):
        if email not in browsers:
            browsers[email] = Browser(demo_app, staff(demo_app, email) if email else None)
        browser = browsers[email]
        if page_path.endswith("/found"):  # reached by finding them by exact details
            browser.look_up(page_path.split("/")[2])
        page = browser.get(page_path)
        assert page.status_code == 200, (email, page_path, page.status_code)
        for form in forms(text(page)):
            action = form.action or page_path
            if action in NO_INPUT or not form.visible:
                continue
            for data in _variants(form):
                if form.method == "post":
                    answer = browser.post(action, data, csrf_token=False)
                    WALKED.add(_rule_of(demo_app, action, "POST") or action)
                else:
                    query = {k: v for k, v in data.items() if k != "csrf_token"}
                    answer = browser.get(f"{action}?{urlencode(query)}")
                sent += 1
                html = text(answer)
                shown = default_messages_in(html)
                if shown:
                    found.append((page_path, action, shown))
                unnamed += [(action, m) for m in _summary_links(html) if len(m.split()) < 3]
    assert sent > 150
    assert not found, found[:10]
    assert not unnamed, unnamed[:10]


def test_two_reviews_on_one_page_have_their_own_ids(demo_app, world):
    """An answer in the second review form goes to the second review (issue 17: they
    shared ids, and clicking the second ticked the first)."""
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    page = text(priya.get("/ig/reviews"))
    review_forms = [f for f in forms(page) if "/ig/reviews/" in f.action]
    assert len(review_forms) >= 2
    for form in review_forms:
        item = form.action.rsplit("/", 1)[1]
        # Each radio's label points at a radio inside this review's own form.
        assert f'for="r-{item}-outcome-1"' in page
        assert f'id="r-{item}-outcome-1"' in page
    assert duplicate_ids(page) == []


def test_every_form_is_walked(demo_app, world):
    """Each page route taking a POST with something typed is walked above (the walk runs
    first in this module); button-only forms and sign-in steps with their own tests aside."""
    if not WALKED:
        pytest.skip("runs after the walk")
    others = {
        # Buttons alone (nothing typed): ending, withdrawing, deactivating, revoking.
        "/people/<uuid:person_id>/care-team/<uuid:member_id>/end",
        "/people/<uuid:person_id>/sharing/<uuid:consent_id>/withdraw",
        "/my-plan/sharing/<uuid:consent_id>/withdraw",
        # Deactivating: a choice of colleague, or none, which is a valid answer (walking
        # it would deactivate the demo key worker); tests/web/test_team_pages.py.
        "/admin/staff/<uuid:staff_id>/deactivate",
        "/cover/<uuid:cover_id>/end",
        # "Stop sharing" with a supporter: a confirmation page, a button alone.
        "/my-plan/supporters/<uuid:supporter_id>/end",
        "/people/<uuid:person_id>/supporters/<uuid:supporter_id>/end",
        "/admin/staff/<uuid:staff_id>/reset-second-factor",
        # A new invitation code, reactivating: buttons alone (tests/web/test_admin_pages.py).
        "/admin/staff/<uuid:staff_id>/invitation",
        "/admin/staff/<uuid:staff_id>/reactivate",
        "/account/tokens/<uuid:token_id>/revoke",
        "/me/notifications/read",  # "Mark all as read"
        "/tasks/<uuid:task_id>/status",  # "Mark as done" / "Open again"
        "/sign-out",
        "/sign-out/everywhere",
        # The timeout warning's "Stay signed in" (no input; tests/web/test_idle_sign_out.py).
        "/session/still-here",
        # Steps of signing in reached only part-way through it: their forms' schemas
        # (careplan.identity.schemas) are checked by tests/unit/test_plain_messages.py.
        "/sign-in/code",
        "/sign-in/set-up-code",
        "/sign-in/invitation",
        "/confirm",
        "/sign-in/with/link",
        "/account/link",
    }
    posts = {
        rule.rule
        for rule in demo_app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith(("/api/", "/static/"))
    }
    missing = posts - WALKED - others
    assert not missing, sorted(missing)


def test_the_default_messages_are_known():
    # The list the walk looks for holds the messages people saw (issue 17).
    known = default_messages()
    for message in (
        "Missing data for required field.",
        "Not a valid UUID.",
        "Must be one of: {choices}.",
        "Length must be between {min} and {max}.",
        "Unknown field.",
        "Field may not be null.",
        "Not a valid date.",
    ):
        assert message in known
    assert default_messages_in("<p>Must be one of: written, verbal, self_service.</p>")
    assert default_messages_in("<li><a>Length must be between 1 and 3.</a></li>")
    assert not default_messages_in("<p>Enter their first name</p>")
