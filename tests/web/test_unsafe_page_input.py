"""The web pages and sign-in take the same care with input as the API (issue 16, faults 6
and 7): unstorable text in a form post, query string or path is a 400 page that changes
nothing; a padded reason is refused; times at the ends of the calendar and cursors beyond
64 bits are refused; a hostile User-Agent or forwarded address never stops a failed sign-in
being recorded and counted. The audit chain verifies afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from audit.verify import verify_chain
from careplan.extensions import db
from careplan.identity.models import SignInThrottle
from careplan.identity.throttle import identifier_key
from careplan.people.models import Person
from careplan.plans.models import SectionVersion
from consent.models import BreakGlass
from tests.conftest import fresh_app
from tests.identity.pages import csrf, post_form, with_password
from tests.web.support import Browser, hidden, staff, text


@pytest.fixture(scope="module")
def ids(demo_app):
    with demo_app.app_context():
        return {p.given_name: p.id for p in db.session.scalars(select(Person))}


@pytest.fixture(scope="module")
def morag(demo_app):
    return Browser(demo_app, staff(demo_app, "morag.campbell@nhs.demo"))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _intact(app) -> None:
    """The audit chain verifies (in a context of its own: the demo app's tests push none)."""
    with app.app_context():
        public = app.extensions["careplan.checkpoints"].signer.public
        assert verify_chain(db.session, public).ok


def _intact_here(app) -> None:
    """The same, in the app context the test already holds (the root conftest's app)."""
    db.session.remove()
    assert verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public).ok


@pytest.mark.parametrize("bad", ["Ew\x00an", "\x1b[2J", "x\x7f", "\uffff"])
def test_unstorable_text_in_a_form_is_a_400_page_that_changes_nothing(demo_app, morag, ids, bad):
    people, versions = _count(demo_app, Person), _count(demo_app, SectionVersion)
    register = morag.post(
        "/people/new", {"given_name": bad, "family_name": "Bell", "date_of_birth": "1990-01-01"}
    )
    assert register.status_code == 400
    path = f"/people/{ids['Sarah']}/sections/about_me/edit"
    version = hidden(morag.get(path), "version")
    edit = morag.post(path, {"version": version, "save": "1", "c.my_story": f"Story {bad}"})
    assert edit.status_code == 400
    update = morag.post(
        f"/people/{ids['Sarah']}/sections/housing/updates/new", {"text": f"Seen {bad}"}
    )
    assert update.status_code == 400
    as_name = morag.post("/people/new", {f"given{bad}": "x", "family_name": "Bell"})
    assert as_name.status_code == 400
    assert _count(demo_app, Person) == people
    assert _count(demo_app, SectionVersion) == versions
    for page in (register, edit, update):
        assert "There is a problem" in text(page) or "ds_error-summary" in text(page)
        assert bad not in text(page)
    _intact(demo_app)


@pytest.mark.parametrize(
    "path",
    [
        "/people?q=Sar%00ah",
        "/people?q=%1B",
        "/ig/audit?from=0001-01-01T00:00:00%2B14:00",
        "/ig/audit?to=9999-12-31T23:59:59-14:00",
        f"/ig/audit?cursor={2**64}",
        "/ig/audit?action=%00",
        f"/people/{{sarah}}/access-log?cursor={2**63}",
        "/people/{sarah}/sections/hou%00sing",
        "/sign-in?next=/%00",
    ],
)
def test_bad_query_strings_and_paths_on_pages_are_4xx(demo_app, morag, ids, path):
    priya = Browser(demo_app, staff(demo_app, "priya.shah@nhs.demo"))
    url = path.replace("{sarah}", str(ids["Sarah"]))
    browser = priya if url.startswith("/ig/") else morag
    answer = browser.get(url)
    assert 400 <= answer.status_code < 500, answer.status_code
    assert "Traceback" not in text(answer)
    _intact(demo_app)


@pytest.mark.parametrize(
    "padding",
    ["\u200b", "\u00a0", "\u3000", "\u2800", "\u3164", "\ufeff", "\u2060", "\u200d\u0301"],
)
def test_an_emergency_justification_of_invisible_characters_is_refused(demo_app, ids, padding):
    gordon = Browser(demo_app, staff(demo_app, "gordon.bell@justice.demo"))
    gordon.post("/people/lookup", {"chi": "1204881235"})  # how the emergency page is reached
    glass = _count(demo_app, BreakGlass)
    for justification in (padding * 60, "Help " + padding * 60, "a" * 39 + padding * 20):
        page = gordon.post(
            f"/people/{ids['Sarah']}/emergency",
            {"reason": "risk_to_life", "justification": justification, "step": "confirm"},
        )
        assert page.status_code == 400
        assert 'href="#justification"' in text(page)  # named in the error summary
        if justification.strip():
            assert "Write at least 40 characters" in text(page)
    assert _count(demo_app, BreakGlass) == glass


# Sign-in: a fresh app per test (the root conftest's), with a local account.


@pytest.fixture
def practitioner(world) -> Any:
    return with_password(world.staff(world.agency()))


def _auth_failed(app) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.failed").order_by(AuditEvent.seq)
        )
    )


@pytest.mark.parametrize("agent", ["\x00", "curl\x00/8", "\x1b[31mred\x7f", "\x85" * 400])
def test_a_failed_sign_in_with_a_hostile_user_agent_is_recorded_and_counted(
    app, client, practitioner, agent
):
    client.environ_base["HTTP_USER_AGENT"] = agent
    for email in (practitioner.email, "nobody@example.test"):
        wrong = post_form(client, "/sign-in", {"email": email, "password": "not it"})
        assert wrong.status_code == 200
        assert "not right" in wrong.get_data(as_text=True)
        throttle = db.session.get(SignInThrottle, identifier_key(email))
        db.session.refresh(throttle)
        assert throttle.failures == 1
    failures = _auth_failed(app)
    assert [f.reason for f in failures] == ["bad_credentials", "bad_credentials"]
    for failure in failures:
        assert failure.user_agent is None or not any(ord(c) < 32 for c in failure.user_agent)
    _intact_here(app)


@pytest.mark.parametrize("field", ["email", "password"])
def test_unstorable_text_in_the_sign_in_form_is_refused_cleanly(app, client, practitioner, field):
    form = {"email": practitioner.email, "password": "not it", field: "a\x00b@example.test"}
    refused = post_form(client, "/sign-in", form)
    assert refused.status_code == 400
    assert "\x00" not in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SignInThrottle)) == 0
    _intact_here(app)


@pytest.mark.parametrize(
    "forwarded", ["not-an-address", "1.2.3.4\x00", "x" * 200, "999.1.1.1", "<script>"]
)
def test_a_forwarded_address_that_is_not_one_is_not_stored(schema_source, tmp_path, forwarded):
    behind_proxy = fresh_app(schema_source, tmp_path, PROXY_HOPS=1)
    with behind_proxy.app_context():
        from tests.support import World

        user = with_password(World(db.session).staff(World(db.session).agency()))
        email = user.email
    client = behind_proxy.test_client()
    page = client.get("/sign-in", headers={"X-Forwarded-For": forwarded})
    answer = client.post(
        "/sign-in",
        data={"csrf_token": csrf(page), "email": email, "password": "not it"},
        headers={"X-Forwarded-For": forwarded},
    )
    assert answer.status_code == 200
    with behind_proxy.app_context():
        failures = _auth_failed(behind_proxy)
        assert [f.client_addr for f in failures] == [None]
        keys = set(db.session.scalars(select(SignInThrottle.key)))
        assert "address:unknown" in keys
        assert verify_chain(
            db.session, behind_proxy.extensions["careplan.checkpoints"].signer.public
        ).ok
    good = client.post(
        "/sign-in",
        data={"csrf_token": csrf(page), "email": email, "password": "not it"},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert good.status_code == 200
    with behind_proxy.app_context():
        assert _auth_failed(behind_proxy)[-1].client_addr == "203.0.113.9"
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("label", ["\u200b", "\u00a0\u00a0", "\u3164", "\u2800\u2060"])
def test_a_token_label_of_invisible_characters_is_refused(app, client, practitioner, label):
    from tests.identity.pages import sign_in

    sign_in(client, practitioner.email)
    refused = post_form(
        client,
        "/account/tokens",
        {"label": label, "scope": "read", "expires": "7d"},
        page="/account",
    )
    assert refused.status_code == 400
    assert "Say what the token is for." in refused.get_data(as_text=True)
    assert "cpat_" not in refused.get_data(as_text=True)
