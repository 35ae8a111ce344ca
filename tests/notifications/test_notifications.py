"""Notifications from each event, through the real GOV.UK Notify client to the Notify-like
server on loopback: queued with the change, fanned out and sent by the sender job, retried
and recorded, content-free; the in-app list and the choice of channel over the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from careplan.access.subject import Role
from careplan.core import clock, unit_of_work
from careplan.extensions import db
from careplan.notifications import kinds, sender
from careplan.notifications.kinds import RULES, NotificationKind
from careplan.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationDelivery,
)
from careplan.notifications.outbox import queue
from tests.api.scene import build_scene
from tests.notifications.conftest import PUBLIC_URL

JUSTIFICATION = "Found unresponsive at the hostel; need the crisis plan now."
CLAIM_REASON = "Allocated as her justice social worker from today by the sheriff."


def send(app, **settings):
    """One round of the sender job (fan out, claim, send, record, check)."""
    for key, value in settings.items():
        app.config[key] = value
    counts = sender.Sender(app).run(once=True)
    db.session.expire_all()
    return counts


def mine(api, user, **query):
    response = api.get(user, "/me/notifications", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response


def kinds_of(api, user):
    return [n["kind"] for n in mine(api, user).get_json()]


def deliveries():
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationDelivery)))


def test_every_kind_has_a_title_and_sentence_that_name_no_one():
    for kind in NotificationKind:
        rule = RULES[kind]
        assert rule.title
        assert rule.sentence.endswith(".")
        assert "Sign in" in rule.sentence


def test_break_glass_tells_the_key_worker_and_the_ig_officers(app, api, world, stub):
    scene = build_scene(world)
    api.look_up(scene.outsider, scene.person)
    glass = api.post(
        scene.outsider,
        f"/people/{scene.person.id}/break-glass",
        {"reason": "risk_to_life", "justification": JUSTIFICATION},
    )
    assert glass.status_code == 201, glass.get_json()
    # In the key worker's list at once, in the same commit as the emergency access.
    listed = mine(api, scene.key_worker).get_json()
    assert [n["kind"] for n in listed] == ["break_glass.key_worker"]
    assert listed[0]["link"] == f"/people/{scene.person.id}/access-log"
    assert listed[0]["read_at"] is None
    # The IG officers' come when the sender fans the agency's notice out.
    assert kinds_of(api, scene.ig) == []
    counts = send(app)
    assert counts.fanned_out >= 2
    assert counts.accepted == 2
    assert kinds_of(api, scene.ig) == ["break_glass.review"]
    assert mine(api, scene.ig).get_json()[0]["link"] == "/ig/reviews"
    # Nobody else: not the user who broke glass, not colleagues without the IG role.
    for user in (scene.outsider, scene.colleague, scene.spare, scene.admin):
        assert kinds_of(api, user) == []
    bodies = stub.bodies()
    assert sorted(b["email_address"] for b in bodies) == sorted(
        [scene.key_worker.email, scene.ig.email]
    )
    for body in bodies:
        assert set(body["personalisation"]) == {"message", "link"}
        assert body["personalisation"]["link"] == f"{PUBLIC_URL}/me/notifications"
        assert str(scene.person.id) not in str(body)
        assert "Sarah" not in str(body)
        assert "Mackenzie" not in str(body)
    messages = {b["personalisation"]["message"] for b in bodies}
    assert messages == {
        kinds.sentence(NotificationKind.BREAK_GLASS_ON_MY_PERSON),
        kinds.sentence(NotificationKind.BREAK_GLASS_FOR_REVIEW),
    }


def test_a_claimed_relationship_tells_the_key_worker_and_ig(app, api, world, stub):
    scene = build_scene(world)
    api.look_up(scene.outsider, scene.person)
    claimed = api.post(
        scene.outsider, f"/people/{scene.person.id}/care-team/claim", {"reason": CLAIM_REASON}
    )
    assert claimed.status_code == 201, claimed.get_json()
    assert kinds_of(api, scene.key_worker) == ["claim.key_worker"]
    send(app)
    assert kinds_of(api, scene.ig) == ["claim.review"]
    assert kinds_of(api, scene.outsider) == []


def test_withdrawn_consent_tells_the_key_worker_not_whoever_withdrew_it(app, api, world, stub):
    scene = build_scene(world)
    path = f"/people/{scene.person.id}/consents/{scene.consent.id}/withdraw"
    withdrawn = api.post(scene.individual, path, {"reason": "I changed my mind."})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert kinds_of(api, scene.key_worker) == ["consent.withdrawn"]
    # The key worker withdrawing one themselves is not told of their own action.
    other = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/consents",
        {
            "grantee": {"sector": "statutory"},
            "sections": ["housing"],
            "effect": "permit",
            "expires_on": "2027-01-01",
            "method": "verbal",
        },
    ).get_json()
    path = f"/people/{scene.person.id}/consents/{other['id']}/withdraw"
    assert api.post(scene.key_worker, path, {"reason": None}).status_code == 200
    assert kinds_of(api, scene.key_worker) == ["consent.withdrawn"]


def test_being_added_to_a_care_team_tells_the_member(app, api, world, stub):
    scene = build_scene(world)
    added = api.post(
        scene.key_worker,
        f"/people/{scene.person.id}/care-team",
        {"staff_id": str(scene.colleague.id), "role": "Community psychiatric nurse"},
    )
    assert added.status_code == 201, added.get_json()
    listed = mine(api, scene.colleague).get_json()
    assert [n["kind"] for n in listed] == ["care_team.added"]
    assert listed[0]["link"] == f"/people/{scene.person.id}"
    send(app)
    assert [b["email_address"] for b in stub.bodies()] == [scene.colleague.email]


def test_a_refused_change_queues_nothing(app, api, world, stub):
    """The notice commits with the change or not at all."""
    scene = build_scene(world)
    api.look_up(scene.outsider, scene.person)
    short = api.post(
        scene.outsider,
        f"/people/{scene.person.id}/break-glass",
        {"reason": "risk_to_life", "justification": "need it"},
    )
    assert short.status_code == 400

    def change_that_fails():
        with unit_of_work.job("test-rolled-back"):
            queue(
                db.session,
                NotificationKind.CARE_TEAM_ADDED,
                to_user_id=scene.colleague.id,
                link="/",
            )
            raise RuntimeError("the change failed after queueing")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert list(db.session.scalars(select(Notification))) == []


def test_consent_ending_notices_are_daily_and_once(app, api, world, stub):
    scene = build_scene(world)
    today = clock.today()
    scene.consent.expires_on = today + timedelta(days=12)
    world.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notifications", "due"])
    assert first.exit_code == 0, first.output
    assert "2 notices queued" in first.output
    again = runner.invoke(args=["notifications", "due"])
    assert "0 notices queued" in again.output
    assert kinds_of(api, scene.key_worker) == ["consent.ending"]
    person = mine(api, scene.individual).get_json()
    assert [n["kind"] for n in person] == ["consent.ending.person"]
    assert person[0]["link"] == "/my-plan/sharing"
    # Ending in 40 days, or withdrawn: nothing (yet).
    scene.consent.expires_on = today + timedelta(days=40)
    world.session.commit()
    assert "0 notices queued" in runner.invoke(args=["notifications", "due"]).output


def test_the_in_app_list_is_newest_first_paged_and_marked_read(app, api, world, stub):
    scene = build_scene(world)
    made = []
    for minutes in (3, 2, 1):
        with unit_of_work.job("test-queue"):
            row = queue(
                db.session,
                NotificationKind.CARE_TEAM_ADDED,
                to_user_id=scene.spare.id,
                link=f"/people/{scene.person.id}",
            )
            row.created_at = clock.now() - timedelta(minutes=minutes)
            made.append(row.id)
    first = mine(api, scene.spare, limit=2)
    assert [n["id"] for n in first.get_json()] == [str(made[2]), str(made[1])]
    assert first.headers["X-Total-Count"] == "3"
    assert first.headers["X-Unread-Count"] == "3"
    assert "offset=2" in first.headers["Link"]
    rest = mine(api, scene.spare, limit=2, offset=2).get_json()
    assert [n["id"] for n in rest] == [str(made[0])]
    assert set(rest[0]) == {
        "id",
        "kind",
        "title",
        "message",
        "count",
        "created_at",
        "read_at",
        "link",
    }

    read = api.post(scene.spare, f"/me/notifications/{made[0]}/read")
    assert read.status_code == 200
    read_at = read.get_json()["read_at"]
    assert read_at is not None
    # Reading again keeps the first reading's time.
    assert api.post(scene.spare, f"/me/notifications/{made[0]}/read").get_json()["read_at"] == (
        read_at
    )
    # Someone else's, or none at all: not found, and nothing changes.
    for user, notification_id in ((scene.key_worker, made[1]), (scene.spare, uuid.uuid4())):
        refused = api.post(user, f"/me/notifications/{notification_id}/read")
        assert refused.status_code == 404
        assert refused.get_json()["message"] == "No notification with that id for you."
    assert mine(api, scene.spare).headers["X-Unread-Count"] == "2"
    assert mine(api, scene.spare, unread="true").headers["X-Total-Count"] == "2"
    assert api.post(scene.spare, "/me/notifications/read").get_json() == {"marked": 2}
    assert mine(api, scene.spare).headers["X-Unread-Count"] == "0"
    for bad in ({"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"unread": "maybe"}):
        assert api.get(scene.spare, "/me/notifications", query_string=bad).status_code == 400
    # Every request left its audit record, naming no person.
    actions = [e for e in world.audit() if e.action.startswith("notification.")]
    assert actions
    assert all(e.person_id is None for e in actions)


def test_choices_of_channel(app, api, world, stub):
    scene = build_scene(world)
    staff = api.get(scene.key_worker, "/me/notification-preferences").get_json()
    assert staff == {
        "choice": "email",
        "phone": None,
        "email": scene.key_worker.email,
        "default": True,
    }
    person = api.get(scene.individual, "/me/notification-preferences").get_json()
    assert (person["choice"], person["default"]) == ("in_app", True)
    path = "/me/notification-preferences"
    refused = {
        "phone": {"choice": "sms"},
        "choice": {"choice": "carrier pigeon"},
    }
    for field, body in refused.items():
        answer = api.put(scene.individual, path, body)
        assert answer.status_code == 400, answer.get_json()
        assert field in answer.get_json()["fields"]
    for phone in ("12345", "01312345678", "+44 20 7946 0000", "07700 900 98x"):
        answer = api.put(scene.individual, path, {"choice": "sms", "phone": phone})
        assert answer.status_code == 400, phone
        assert "phone" in answer.get_json()["fields"]
    assert api.get(scene.individual, path).get_json()["default"] is True  # nothing changed
    chosen = api.put(scene.individual, path, {"choice": "sms", "phone": "07700 900 982"})
    assert chosen.status_code == 200, chosen.get_json()
    assert chosen.get_json()["phone"] == "+447700900982"
    assert chosen.get_json()["default"] is False
    assert api.put(scene.key_worker, path, {"choice": "in_app"}).status_code == 200
    # A consent ending: the person gets a text, the key worker nothing but the list.
    scene.consent.expires_on = clock.today() + timedelta(days=3)
    world.session.commit()
    app.test_cli_runner().invoke(args=["notifications", "due"])
    send(app)
    bodies = stub.bodies()
    assert [b.get("phone_number") for b in bodies] == ["+447700900982"]
    assert bodies[0]["personalisation"]["message"] == kinds.sentence(
        NotificationKind.CONSENT_ENDING_MINE
    )
    assert kinds_of(api, scene.key_worker) == ["consent.ending"]


def _one_for(world, scene):
    with unit_of_work.job("test-queue"):
        queue(
            db.session,
            NotificationKind.CARE_TEAM_ADDED,
            to_user_id=scene.colleague.id,
            link="/",
        )


def test_a_failed_send_is_tried_again_with_backoff(app, world, stub):
    scene = build_scene(world)
    _one_for(world, scene)
    stub.script.extend([500, 201])
    first = send(app)
    assert (first.accepted, first.retrying) == (0, 1)
    [row] = deliveries()
    assert row.status is DeliveryStatus.FAILED
    assert (row.attempts, row.last_error_code) == (1, "http_500:Exception")
    second = send(app)
    assert second.accepted == 1
    [row] = deliveries()
    assert row.status is DeliveryStatus.SENDING
    assert row.attempts == 2
    assert row.provider_reference
    assert row.last_error_code is None
    assert [r["status"] for r in stub.received] == [500, 201]
    # Notify then says it was delivered (asked once a minute).
    row.updated_at = clock.now() - timedelta(minutes=2)
    db.session.commit()
    assert send(app).delivered == 1
    [row] = deliveries()
    assert row.status is DeliveryStatus.DELIVERED
    assert row.delivered_at is not None


def test_backoff_doubles_up_to_an_hour():
    waits = [sender.backoff(n, 30).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_retry_waits_its_turn(app, world, stub):
    scene = build_scene(world)
    _one_for(world, scene)
    stub.script.extend([503])
    send(app, NOTIFY_RETRY_SECONDS=30)
    assert send(app, NOTIFY_RETRY_SECONDS=30).accepted == 0  # not due for 30 seconds
    [row] = deliveries()
    assert row.next_attempt_at > clock.now() + timedelta(seconds=20)
    assert len(stub.received) == 1


def test_refused_by_notify_is_a_permanent_failure(app, world, stub):
    scene = build_scene(world)
    _one_for(world, scene)
    stub.script.extend([400])
    assert send(app).failed == 1
    [row] = deliveries()
    assert row.status is DeliveryStatus.PERMANENT_FAILURE
    assert row.last_error_code == "http_400:BadRequestError"
    send(app)
    assert len(stub.received) == 1  # never tried again


def test_the_tries_run_out(app, world, stub):
    scene = build_scene(world)
    _one_for(world, scene)
    stub.script.extend([500, 429, 500])
    for _ in range(3):
        send(app, NOTIFY_MAX_ATTEMPTS=2)
    [row] = deliveries()
    assert row.status is DeliveryStatus.PERMANENT_FAILURE
    assert (row.attempts, row.last_error_code) == (2, "http_429:RateLimitError")
    assert len(stub.received) == 2


def test_notify_checks_the_key_the_client_signs_with(app, world, stub, notify):
    scene = build_scene(world)
    _one_for(world, scene)
    wrong = f"careplan-test-{notify.stub.service_id}-{uuid.uuid4()}"
    counts = send(app, NOTIFY_API_KEY=wrong)
    assert counts.retrying == 1
    assert stub.refused_tokens == 1
    assert stub.received == []
    [row] = deliveries()
    assert row.last_error_code == "http_403:AuthError"
    assert send(app, NOTIFY_API_KEY=notify.stub.key).accepted == 1


def test_agency_notices_go_to_who_holds_the_role_when_sent(app, world, stub):
    scene = build_scene(world)
    second_ig = world.staff(scene.lead, roles=("ig_officer",), name="Second IG")
    with unit_of_work.job("test-queue"):
        queue(
            db.session,
            NotificationKind.CLAIM_FOR_REVIEW,
            to_agency_id=scene.lead.id,
            link="/ig/reviews",
            actor_id=second_ig.id,
        )
    # Before it is sent: one IG officer leaves, another joins; the actor is never told.
    scene.ig.active = False
    newcomer = world.staff(scene.lead, roles=("ig_officer", "practitioner"), name="New IG")
    world.session.commit()
    send(app)
    told = {
        n.recipient_user_id
        for n in db.session.scalars(
            select(Notification).where(Notification.recipient_user_id.is_not(None))
        )
    }
    assert told == {newcomer.id}
    assert [b["email_address"] for b in stub.bodies()] == [newcomer.email]
    assert Role.IG_OFFICER is RULES[NotificationKind.CLAIM_FOR_REVIEW].agency_role


def test_a_claim_is_taken_once_and_a_stalled_one_taken_again(app, world, stub):
    scene = build_scene(world)
    _one_for(world, scene)
    table = sender.templates(app.config)
    with unit_of_work.job("test-fan-out"):
        sender.fan_out(db.session, clock.now(), 10)
    with unit_of_work.job("test-claim"):
        first = sender.claim(db.session, clock.now(), 10, table, PUBLIC_URL)
    with unit_of_work.job("test-claim"):
        second = sender.claim(db.session, clock.now(), 10, table, PUBLIC_URL)
    assert len(first) == 1
    assert second == []
    # A sender that stopped mid-send: its claim lapses, and another takes the row.
    later = clock.now() + sender.CLAIM + timedelta(seconds=1)
    with unit_of_work.job("test-claim"):
        again = sender.claim(db.session, later, 10, table, PUBLIC_URL)
    assert [o.delivery_id for o in again] == [first[0].delivery_id]


def test_queue_takes_only_paths_inside_the_service(app, world):
    scene = build_scene(world)
    for link in ("https://evil.example", "//evil.example", "/people?name=Sarah", "people", ""):
        with pytest.raises(ValueError, match="path"):
            queue(
                db.session, NotificationKind.CARE_TEAM_ADDED, to_user_id=scene.spare.id, link=link
            )
    with pytest.raises(ValueError, match="one recipient"):
        queue(db.session, NotificationKind.CARE_TEAM_ADDED, link="/")
    with pytest.raises(ValueError, match="not an agency"):
        queue(db.session, NotificationKind.CARE_TEAM_ADDED, to_agency_id=scene.lead.id, link="/")


def test_the_sender_will_not_start_unconfigured(app):
    app.config["NOTIFY_API_KEY"] = ""
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--once"])
    assert result.exit_code != 0
    assert "CAREPLAN_NOTIFY_API_KEY" in result.output
    app.config["NOTIFY_TEMPLATES_FILE"] = ""
    result = app.test_cli_runner().invoke(args=["notifications", "send", "--once"])
    assert "CAREPLAN_NOTIFY_TEMPLATES_FILE" in result.output


def test_each_unit_of_work_of_a_job_queues_its_own_notices(app, world):
    """One notice per recipient per unit of work, never across them: a job's session lives
    on between its units of work, and a notice queued in the second must not be counted
    into the first's, already committed (and perhaps sent). The benchmark found 3,000
    queued as 200."""
    spare = build_scene(world).spare.id
    db.session.commit()  # the test's own transaction ended: the job begins its own
    for _ in range(3):
        with unit_of_work.job("test-notices"):
            for _twice in range(2):
                queue(db.session, NotificationKind.CARE_TEAM_ADDED, to_user_id=spare, link="/")
    rows = db.session.scalars(
        select(Notification).where(Notification.recipient_user_id == spare)
    ).all()
    assert sorted(r.count for r in rows) == [2, 2, 2]
