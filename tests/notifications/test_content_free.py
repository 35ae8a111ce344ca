"""Every kind of notification, sent through the real client to the Notify-like server,
carries no personal content: every message body it received is searched for the demo
world's names, CHI numbers, dates of birth and person ids (careplan/demo.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from careplan import demo
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import clock, unit_of_work
from careplan.demo import load_demo
from careplan.extensions import db
from careplan.notifications import kinds, sender
from careplan.notifications.kinds import RULES, NotificationKind
from careplan.notifications.outbox import queue
from careplan.people.models import Person
from consent.models import Consent
from tests.conftest import fresh_app
from tests.notifications.conftest import PUBLIC_URL, notify_config
from tests.support import Api, World

JUSTIFICATION = "Found unresponsive at the hostel; need the crisis plan now."
CLAIM_REASON = "Allocated as her recovery cafe peer worker from today by the sheriff."


@pytest.fixture
def demo_world(schema_source, tmp_path, notify) -> Iterator:
    app = fresh_app(schema_source, tmp_path, **notify_config(notify, tmp_path))
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def _user(email):
    return db.session.scalars(select(User).where(User.email == email)).one()


def _person(given):
    return db.session.scalars(select(Person).where(Person.given_name == given)).one()


def forbidden_words():
    """What no message may hold: the demo's people (names, CHI, birth dates, ids) and
    staff names."""
    words = set()
    for given, family, preferred, born, chi, _ in demo.PEOPLE:
        words |= {given, family, chi, born.isoformat(), born.strftime("%d/%m/%Y")}
        if preferred:
            words.add(preferred)
        words.add(str(_person(given).id))
    for _, name, *_ in demo.STAFF:
        words |= set(name.split())
    return words


def test_every_kind_reaches_notify_without_personal_content(demo_world, stub):
    app = demo_world
    api = Api(app.test_client(), World(db.session))
    morag, gordon = _user("morag.campbell@nhs.demo"), _user("gordon.bell@justice.demo")
    sarah_account = _user("sarah.mackenzie@example.demo")
    sarah = _person("Sarah")
    # Sarah chooses texts; everyone else keeps email.
    chosen = api.put(
        sarah_account, "/me/notification-preferences", {"choice": "sms", "phone": "07700900982"}
    )
    assert chosen.status_code == 200, chosen.get_json()
    # The events, through the API as they happen.
    api.look_up(gordon, sarah)
    assert (
        api.post(
            gordon,
            f"/people/{sarah.id}/break-glass",
            {"reason": "risk_to_life", "justification": JUSTIFICATION},
        ).status_code
        == 201
    )
    jamie, kerry = _user("jamie.robertson@cafe.demo"), _person("Kerry")
    api.look_up(jamie, kerry)
    claimed = api.post(jamie, f"/people/{kerry.id}/care-team/claim", {"reason": CLAIM_REASON})
    assert claimed.status_code == 201, claimed.get_json()
    consent = db.session.scalars(
        select(Consent).where(Consent.person_id == sarah.id, Consent.withdrawn_at.is_(None))
    ).first()
    consent.expires_on = clock.today() + timedelta(days=20)
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["notifications", "due"]).exit_code == 0
    other = db.session.scalars(
        select(Consent).where(
            Consent.person_id == sarah.id,
            Consent.withdrawn_at.is_(None),
            Consent.id != consent.id,
        )
    ).first()
    withdrawn = api.post(
        sarah_account, f"/people/{sarah.id}/consents/{other.id}/withdraw", {"reason": None}
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    added = api.post(
        morag,
        f"/people/{sarah.id}/care-team",
        {"staff_id": str(_user("ali.hassan@nhs.demo").id), "role": "Nurse"},
    )
    assert added.status_code == 201, added.get_json()
    # And every kind queued directly too, so a kind added later is covered at once.
    nhs = db.session.scalars(select(Agency).where(Agency.name == demo.NHS)).one()
    with unit_of_work.job("test-every-kind"):
        for kind in NotificationKind:
            if RULES[kind].agency_role is not None:
                queue(db.session, kind, to_agency_id=nhs.id, link="/ig/reviews")
            queue(db.session, kind, to_user_id=morag.id, link=f"/people/{sarah.id}")
            queue(db.session, kind, to_user_id=sarah_account.id, link="/my-plan")
    counts = sender.Sender(app).run(once=True)
    assert counts.failed == 0
    assert counts.retrying == 0

    received = stub.received
    assert {r["channel"] for r in received} == {"email", "sms"}
    sentences = {kinds.sentence(k) for k in NotificationKind}
    seen = set()
    words = forbidden_words()
    for item in received:
        body = json.loads(item["body"])
        text = item["body"]
        address = body.pop("email_address", None) or body.pop("phone_number")
        assert address in {u.email for u in db.session.scalars(select(User))} | {"+447700900982"}
        rest = json.dumps(body)
        for word in words:
            assert word not in text, (word, item["channel"])
            assert not re.search(rf"\b{re.escape(word)}\b", rest, re.IGNORECASE), word
        assert set(body["personalisation"]) == {"message", "link"}
        assert body["personalisation"]["message"] in sentences
        assert body["personalisation"]["link"] == f"{PUBLIC_URL}/me/notifications"
        seen.add(body["personalisation"]["message"])
    assert seen == sentences  # every kind was sent
