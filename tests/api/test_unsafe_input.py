"""Input no database can store, or no parser should follow, is a 400 everywhere; never a 500.

The kind (issue 16, fault 6), on every way in: every JSON write (each string of a valid body,
in turn, and a key), nesting, numbers, every query string and path, the headers recorded as
evidence (User-Agent, a forwarded address), date-times at the ends of the calendar and
numbers beyond 64 bits. Each refusal names the field, changes nothing, is recorded like any
failed attempt, and the audit chain still verifies at the end. NUL only fails on
PostgreSQL: run these there too (TEST_DATABASE_URL).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from audit.verify import verify_chain
from careplan.ask_and_act.models import HousingAsk
from careplan.core import clock
from careplan.corrections.models import Correction, CorrectionStatus
from careplan.directory.models import LOCAL, Organization, Service
from careplan.extensions import db
from careplan.referrals.models import Referral, ReferralStatus, Urgency
from careplan.subject_access.models import Channel, RequestedBy, SubjectAccessRequest
from careplan.tasks.models import Task, TaskSource
from careplan.teams.models import Team, TeamMember
from tests.api.scene import build_scene, paths
from tests.api.test_access_matrix import EXACT_ID, ROLES, ROUTES, _fill

# Text that no field may hold: what PostgreSQL refuses (NUL), what UTF-8 cannot encode (an
# unpaired surrogate, sent as a JSON escape), and the other invisible control characters.
UNSTORABLE = {
    "nul": "Sar\x00ah",
    "lone_high_surrogate": "\ud800",
    "lone_low_surrogate": "a\udfffb",
    "escape_sequence": "\x1b[2J",
    "noncharacter": "x\uffff",
}
EVERYONE_ELSE = (403, 403, 404, 403, 404, 404, 404)
# Every JSON write of the API (test_every_json_write_is_here checks against the document):
# the access matrix's, and the ones it leaves out. {new} is a person with no plan yet.
IG_ONLY = (403, 403, 403, 403, 403, 200, 403)
REFUSAL_ONLY = {"my_section_staff_only", "my_entry_staff_only"}
JSON_WRITES = {
    # (Rows that only show a refusal, such as the person writing a section staff keep, have
    # no caller whose body is read: the same route is here through its permitted row.)
    **{
        name: route
        for name, route in ROUTES.items()
        if route[2] is not None and name not in REFUSAL_ONLY
    },
    "create_plan": (
        "POST",
        "/people/{new}/plan",
        {
            "lead_agency_id": "{lead}",
            "key_worker_id": "{spare}",
            "agreed_on": "2026-10-01",
            "agreed_how": "phone",
        },
        False,
        (201, *EVERYONE_ELSE[1:]),
    ),
    "close": ("POST", "/people/{p}/plan/close", {"reason": "moved_away"}, True, (200,)),
    "chi": ("PUT", "/people/{p}/chi", {"chi": "1204881235"}, False, (409,)),
    "merge": (
        "POST",
        "/people/merge",
        {"survivor_id": "{p}", "duplicate_id": "{new}", "reason": "Same CHI on both letters."},
        False,
        (403, 403, 403, 403, 403, 200, 403),
    ),
    "distinct": (
        "POST",
        "/people/duplicates/{cand}/distinct",
        {"reason": "Different next of kin and address."},
        False,
        (403, 403, 403, 403, 403, 200, 403),
    ),
    # Anyone's own choice of how notifications reach them (issue 19).
    "notification_preferences": (
        "PUT",
        "/me/notification-preferences",
        {"choice": "sms", "phone": "07700 900123"},
        False,
        (200,) * 7,
    ),
    # Referrals (issue 19): the scene's local service takes them by letter; {ref} is a
    # referral to the other agency's service, whose practitioner coordinates referrals here.
    "refer": (
        "POST",
        "/people/{p}/referrals",
        {
            "service_id": "{svc}",
            "reason": "She asked for help with food while her benefits are sorted.",
            "sections": ["housing"],
            "contact_note": "Ring the hostel first.",
            "consent": {"method": "verbal", "agreed_on": "2026-10-01"},
        },
        False,
        (201, 201, 404, 403, 404, 404, 404),
    ),
    "referral_status": (
        "POST",
        "/referrals/{ref}/status",
        {"status": "cancelled", "reason_code": "no_longer_needed", "reason_text": "Housed."},
        True,
        (200, 200, 403, 403, 404, 404, 404),
    ),
    "referral_forward": (
        "POST",
        "/referrals/{ref}/forward",
        {"service_id": "{svc}", "reason": "The food bank can help her this week."},
        False,
        (403, 403, 201, 403, 404, 404, 404),
    ),
    # Teams (issue 22): {team} is the lead agency's team, led by the key worker, the
    # colleague a member (so the lead agency's access holds as it was).
    "team_update": (
        "PUT",
        "/teams/{team}",
        {"members": ["{colleague}"], "leaders": ["{key_worker}"]},
        True,
        (403, 403, 403, 403, 403, 403, 200),
    ),
    "team_hand_over": (
        "POST",
        "/teams/{team}/hand-over",
        {"moves": [{"person_id": "{p}", "key_worker_id": "{colleague}"}]},
        False,
        (200, 404, 404, 403, 403, 403, 403),
    ),
    "deactivate_with_hand_over": (
        "POST",
        "/staff/{colleague}/deactivate",
        {"hand_over_to": "{spare}"},
        False,
        (403, 403, 403, 403, 403, 403, 200),
    ),
    # Corrections (issue 20): {corr} is the person's request waiting for the key worker.
    "correction_answer": (
        "POST",
        "/people/{p}/corrections/{corr}/answer",
        {"answer": "Corrected: your son's name is now spelt as you told us."},
        True,
        (200, 200, 404, 403, 404, 404, 404),
    ),
    # Ask and act (issue 19): {ask} is a record of asking Sarah about her housing.
    "housing_ask_update": (
        "POST",
        "/housing-asks/{ask}",
        {"outcome": "home_kept", "outcome_on": "2026-11-20"},
        True,
        (200, 200, 404, 403, 404, 404, 404),
    ),
    # Subject access requests (issue 18): {sar} is a request just received. Each body is
    # read before the request's state is looked at, so one request serves every step.
    "sar_identity": (
        "POST",
        "/audit/subject-access-requests/{sar}/identity",
        {"method": "photo_id", "checked_on": "2026-11-02"},
        False,
        IG_ONLY,
    ),
    "sar_extend": (
        "POST",
        "/audit/subject-access-requests/{sar}/extend",
        {"reason": "Records from four agencies to gather."},
        False,
        IG_ONLY,
    ),
    "sar_release": (
        "POST",
        "/audit/subject-access-requests/{sar}/release",
        {"to": "person"},
        False,
        IG_ONLY,
    ),
    "sar_refuse": (
        "POST",
        "/audit/subject-access-requests/{sar}/refuse",
        {"reason": "withdrawn", "text": "You told us you no longer want a copy."},
        False,
        IG_ONLY,
    ),
    # An update entered in error (issue 20): the reason is read before the update is
    # looked for, so any id shows the refusal of bad input.
    "entry_error": (
        "POST",
        "/people/{p}/plan/sections/housing/entries/{entry}/error",
        {"reason": "Written on the wrong person's plan."},
        False,
        (200, 200, 404, 403, 404, 404, 404),
    ),
    # Supporters (issue 20): the person invites someone to see chosen sections.
    "supporter_invite": (
        "POST",
        "/people/{p}/supporters",
        {
            "name": "Lorna Mackenzie",
            "relationship": "family",
            "described_as": "my sister",
            "email": "lorna@example.test",
            "phone": "07700 900 982",
            "sections": ["goals"],
            "expires_on": "2027-06-01",
        },
        False,
        (201, 403, 404, 201, 404, 404, 404),
    ),
    "review": (
        "POST",
        "/audit/claims/{m}/review",
        {"outcome": "appropriate", "note": "Checked with the team leader."},
        False,
        (403, 403, 403, 403, 403, 200, 403),
    ),
}
QUERIES = {
    "search": ("key_worker", "/people", "q", "sarah"),
    "audit_events": ("ig_officer", "/audit/events", "action", "plan.view"),
    "audit_export": ("ig_officer", "/audit/events.csv", "outcome", "deny"),
    "audit_report": ("ig_officer", "/audit/reports/denied", "threshold", "2"),
    "reviews": ("ig_officer", "/audit/claims", "status", "pending"),
    "access_log": ("key_worker", "/people/{p}/access-log", "limit", "5"),
    "my_access_log": ("self", "/me/access-log", "limit", "5"),
    "export": ("key_worker", "/people/{p}/export", "format", "json"),
}


@pytest.fixture
def app(shared_app):
    """One app for the module, its database emptied for each test (tests/conftest.py)."""
    return shared_app


def _state(world) -> dict[str, Any]:
    """Everything a refused request must leave as it was (the audit log aside)."""
    world.session.expire_all()
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name.startswith("audit_") or table.name in ("sign_in_throttle", "access_token"):
            continue
        counts[table.name] = world.session.scalar(select(func.count()).select_from(table))
    return counts


def _chain_intact(app) -> None:
    db.session.remove()
    assert verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public).ok


def _raw(client, api, user, method, path, text, headers=None):
    """A body sent as the JSON text given (Python's json escapes a surrogate as \\ud800)."""
    return client.open(
        "/api/v1" + path,
        method=method,
        data=text,
        content_type="application/json",
        headers=api.headers(user, headers),
    )


def _caller(name: str) -> str:
    """The first role the access matrix lets through to this route's body."""
    statuses = JSON_WRITES[name][4]
    return next(role for role, s in zip(ROLES, statuses, strict=False) if s < 300 or s == 409)


def caller_for(api, scene, name: str) -> Any:
    """The route's caller, having made the exact lookup a claim or break-glass needs."""
    user = scene.role(_caller(name))
    if name in EXACT_ID:
        api.post(user, "/people/lookup", {"chi": scene.person.chi})
    return user


def _ids(world, scene) -> dict[str, Any]:
    return {
        **paths(scene),
        "new": world.person(scene.key_worker).id,
        "cand": uuid.uuid4(),
        "ref": _referral(world, scene),
        "team": _team(world, scene),
        "corr": _correction(world, scene),
        "ask": _housing_ask(world, scene),
        "entry": uuid.uuid4(),
        "key_worker": scene.key_worker.id,
        "sar": _subject_access_request(world, scene),
    }


def _housing_ask(world, scene) -> uuid.UUID:
    """Sarah asked about her housing: she may lose her home; advice offered and taken."""
    ask = HousingAsk(
        person_id=scene.person.id,
        plan_id=scene.plan.id,
        asked_on=date(2026, 11, 2),
        asked_by_id=scene.key_worker.id,
        agency_id=scene.lead.id,
        agency_kind="nhs",
        council_code="S12000036",
        under_duty=False,
        answer="at_risk",
        actions_offered=["housing_options"],
        actions_accepted=["housing_options"],
    )
    world.session.add(ask)
    world.session.commit()
    return ask.id


def _subject_access_request(world, scene) -> uuid.UUID:
    """A subject access request just received, its requester's identity not yet confirmed."""
    row = SubjectAccessRequest(
        person_id=scene.person.id,
        received_on=clock.today(),
        channel=Channel.LETTER,
        requested_by=RequestedBy.PERSON,
        created_by_id=scene.ig.id,
    )
    world.session.add(row)
    world.session.flush()
    return row.id


def _correction(world, scene) -> uuid.UUID:
    """The person's request for a correction, with its task for the key worker."""
    task = Task(
        person_id=scene.person.id,
        owner_staff_id=scene.key_worker.id,
        source=TaskSource.CORRECTION,
        created_by_id=scene.individual.id,
    )
    task.title = "Answer a request for a correction"
    world.session.add(task)
    world.session.flush()
    correction = Correction(
        person_id=scene.person.id,
        section_key="about_me",
        status=CorrectionStatus.WAITING,
        task_id=task.id,
        requested_by_id=scene.individual.id,
        version=1,
    )
    correction.text = "My son's name is spelt wrong."
    world.session.add(correction)
    world.session.commit()
    return correction.id


def _team(world, scene) -> uuid.UUID:
    team = Team(agency_id=scene.lead.id, name="Leith", version=1)
    world.session.add(team)
    world.session.flush()
    world.session.add_all(
        [
            TeamMember(team_id=team.id, staff_id=scene.key_worker.id, leader=True),
            TeamMember(team_id=team.id, staff_id=scene.colleague.id, leader=False),
        ]
    )
    world.session.commit()
    return team.id


def _referral(world, scene) -> uuid.UUID:
    """A referral from the key worker to a service of the other agency, whose practitioner
    (the matrix's "other_agency") is made its referral coordinator. No consent travels
    with it, so nothing else the matrix expects of them changes."""
    outsider = scene.outsider
    outsider.roles = ["practitioner", "referral_coordinator"]
    service = Service(
        organization=Organization(name="Council housing", source=LOCAL, source_ref="org-h"),
        name="Housing options",
        source=LOCAL,
        source_ref="svc-h",
        version=1,
        accepts_referrals=True,
        agency_id=scene.other_agency.id,
    )
    world.session.add(service)
    world.session.flush()
    referral = Referral(
        person_id=scene.person.id,
        plan_id=scene.plan.id,
        service_id=service.id,
        receiving_agency_id=scene.other_agency.id,
        referrer_id=scene.key_worker.id,
        referring_agency_id=scene.lead.id,
        urgency=Urgency.ROUTINE,
        sections=[],
        status=ReferralStatus.REQUESTED,
        respond_by=clock.now() + timedelta(days=14),
        version=1,
    )
    referral.reason = "Needs a tenancy before winter."
    world.session.add(referral)
    world.session.commit()
    return referral.id


def _strings(value: Any, path: str = "") -> list[str]:
    """Dotted paths of every string in a body ("grantee.sector", "sections.0")."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _strings(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [
            p for i, v in enumerate(value) for p in _strings(v, f"{path}.{i}" if path else str(i))
        ]
    return []


def _replace(value: Any, path: str, new: Any) -> Any:
    head, _, rest = path.partition(".")
    if isinstance(value, list):
        copy = list(value)
        index = int(head)
        copy[index] = _replace(copy[index], rest, new) if rest else new
        return copy
    copy = dict(value)
    copy[head] = _replace(copy[head], rest, new) if rest else new
    return copy


def _request_records(world, response) -> list[AuditEvent]:
    rid = response.headers["X-Request-Id"]
    world.session.expire_all()
    return list(
        world.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == rid).order_by(AuditEvent.seq)
        )
    )


def test_every_json_write_is_here(client):
    """The kind's list is the API's: every operation the OpenAPI document gives a body."""
    document = client.get("/api/v1/openapi.json").get_json()
    published = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }
    here = {
        (
            method,
            _fill(path, PLACEHOLDERS)
            .replace("/sections/housing", "/sections/{key}")
            .replace("/about_me", "/{key}")
            .replace("/goals/", "/{key}/")
            .replace("/claims/", "/{kind}/"),
        )
        for method, path, *_ in JSON_WRITES.values()
    }
    assert published == here


PLACEHOLDERS = {
    "p": "{person_id}",
    "new": "{person_id}",
    "m": "{item_id}",
    "cand": "{candidate_id}",
    "c": "{consent_id}",
    "lead": "{agency_id}",
    "colleague": "{staff_id}",
    "svc": "{service_id}",
    "ref": "{referral_id}",
    "t": "{task_id}",
    "team": "{team_id}",
    "key_worker": "{staff_id}",
    "corr": "{correction_id}",
    "ask": "{ask_id}",
    "sar": "{request_id}",
    "entry": "{entry_id}",
}


@pytest.mark.parametrize("bad", sorted(UNSTORABLE))
@pytest.mark.parametrize("name", sorted(JSON_WRITES))
def test_unstorable_text_anywhere_in_a_json_write_is_refused(api, world, client, app, name, bad):
    scene = build_scene(world)
    method, path, body, versioned, _ = JSON_WRITES[name]
    ids = _ids(world, scene)
    url, valid = _fill(path, ids), _fill(body, ids)
    user = caller_for(api, scene, name)
    headers = {"If-Match": '"1"'} if versioned else {}
    before = _state(world)
    places = _strings(valid)
    assert places, name
    for place in places:
        sent = _replace(valid, place, UNSTORABLE[bad])
        refused = _raw(client, api, user, method, url, json.dumps(sent), headers)
        assert refused.status_code == 400, (place, refused.get_json())
        answer = refused.get_json()
        assert answer["error"] == "invalid"
        assert place in answer["fields"], answer
        assert UNSTORABLE[bad] not in json.dumps(answer, ensure_ascii=False)  # never echoed
        if path.startswith(("/people/{p}", "/people/{new}")):
            records = _request_records(world, refused)
            assert records, place
            # A failed attempt, recorded as the invalid request it was (not a refusal).
            assert records[-1].outcome == "invalid", place
    as_key = {**valid, UNSTORABLE[bad]: "x"}
    refused = _raw(client, api, user, method, url, json.dumps(as_key), headers)
    assert refused.status_code == 400
    assert _state(world) == before
    _chain_intact(app)


@pytest.mark.parametrize("name", sorted(JSON_WRITES))
def test_deep_nesting_and_numbers_that_are_not_finite_are_refused(api, world, client, app, name):
    scene = build_scene(world)
    method, path, body, versioned, _ = JSON_WRITES[name]
    ids = _ids(world, scene)
    url, valid = _fill(path, ids), _fill(body, ids)
    user = caller_for(api, scene, name)
    headers = {"If-Match": '"1"'} if versioned else {}
    before = _state(world)
    place = _strings(valid)[0]
    bodies = [
        "[" * 100_000 + "]" * 100_000,  # beyond the parser's own recursion
        json.dumps(_replace(valid, place, _nested(40))),  # beyond the service's limit
        json.dumps(valid)[:-1] + ', "deep": ' + "[" * 5000 + "]" * 5000 + "}",
        json.dumps(valid).replace(json.dumps(_pick(valid, place)), "1e400", 1),
        json.dumps(valid).replace(json.dumps(_pick(valid, place)), "NaN", 1),
        json.dumps(valid).replace(json.dumps(_pick(valid, place)), "-Infinity", 1),
        b"\xff\xfe{}",  # not UTF-8
    ]
    for text in bodies:
        refused = _raw(client, api, user, method, url, text, headers)
        assert refused.status_code == 400, (text[:40], refused.get_json())
        assert refused.get_json()["error"] == "invalid"
    assert _state(world) == before
    _chain_intact(app)


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def _pick(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


@pytest.mark.parametrize("bad", ["%00", "a%00b", "%1B%5B2J", "%7F", "%EF%BF%BF"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_unstorable_text_in_a_query_string_is_refused(api, world, app, name, bad):
    scene = build_scene(world)
    role, path, param, good = QUERIES[name]
    user = scene.role(role)
    url = _fill(path, paths(scene))
    assert api.get(user, f"{url}?{param}={good}").status_code == 200
    for query in (f"{param}={bad}", f"{param}={good}&{bad}=1", f"{param}={good}{bad}"):
        refused = api.get(user, f"{url}?{query}")
        assert refused.status_code == 400, (query, refused.get_data(as_text=True)[:200])
        assert refused.get_json()["error"] == "invalid"
    _chain_intact(app)


def test_nul_in_names_search_and_lookup_is_refused(api, world, client, app):
    """The examples of the report: PostgreSQL cannot store or compare a NUL."""
    scene = build_scene(world)
    user = scene.key_worker
    before = _state(world)
    for body in (
        {"given_name": "Sar\x00ah", "family_name": "Mackenzie", "date_of_birth": "1988-04-12"},
        {"given_name": "Sarah", "family_name": "\x00", "date_of_birth": "1988-04-12"},
    ):
        assert _raw(client, api, user, "POST", "/people", json.dumps(body)).status_code == 400
        lookup = _raw(client, api, user, "POST", "/people/lookup", json.dumps(body))
        assert lookup.status_code == 400
    assert _raw(client, api, user, "POST", "/people/lookup", '{"chi": "12048\\u00001235"}')
    assert api.get(user, "/people?q=Sar%00ah").status_code == 400
    assert api.get(user, "/people?q=%00").status_code == 400
    assert _state(world) == before
    _chain_intact(app)


@pytest.mark.parametrize(
    "path",
    [
        "/people/{p}/plan/sections/hou%00sing",
        "/people/{p}/plan/sections/%00",
        "/people/%00/plan",
        "/audit/reports/den%00ied",
        "/audit/break-glass/%00/review",
        "/people/{p}/plan/sections/housing%1B",
    ],
)
def test_unstorable_text_in_a_path_is_a_4xx(api, world, app, path):
    scene = build_scene(world)
    for role in ("key_worker", "ig_officer"):
        answer = api.get(scene.role(role), _fill(path, paths(scene)))
        assert 400 <= answer.status_code < 500
        assert answer.get_json()["error"] in ("invalid", "not_found", "forbidden")
    _chain_intact(app)


CALENDAR_ENDS = [
    "0001-01-01T00:00:00%2B14:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-14:00",  # after year 9999 in UTC
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "0001-01-01",
]
HUGE_NUMBERS = [str(2**63), str(2**64), str(10**30), "9" * 400, "-" + str(2**63 + 1)]


@pytest.mark.parametrize("moment", CALENDAR_ENDS)
def test_audit_times_at_the_ends_of_the_calendar_are_refused(api, world, app, moment):
    scene = build_scene(world)
    for url in ("/audit/events", "/audit/events.csv", "/audit/reports/denied"):
        for param in ("from", "to"):
            refused = api.get(scene.ig, f"{url}?{param}={moment}")
            assert refused.status_code == 400, (url, param, refused.get_data(as_text=True)[:300])
            assert param in refused.get_json()["fields"]
    assert api.get(scene.ig, "/audit/events?from=2026-01-01T00:00:00%2B14:00").status_code == 200
    _chain_intact(app)


@pytest.mark.parametrize("number", HUGE_NUMBERS)
def test_cursors_and_counts_beyond_64_bits_are_refused(api, world, app, number):
    scene = build_scene(world)
    person = scene.person.id
    for user, url in (
        (scene.ig, f"/audit/events?cursor={number}"),
        (scene.ig, f"/audit/events?limit={number}"),
        (scene.ig, f"/audit/events.csv?cursor={number}"),
        (scene.ig, f"/audit/reports/denied?threshold={number}"),
        (scene.key_worker, f"/people/{person}/access-log?cursor={number}"),
        (scene.individual, f"/people/{person}/access-log?cursor={number}"),
        (scene.individual, f"/me/access-log?cursor={number}"),
    ):
        refused = api.get(user, url)
        assert refused.status_code == 400, (url, refused.get_data(as_text=True)[:300])
    largest = api.get(scene.ig, f"/audit/events?cursor={2**63 - 1}")
    assert largest.status_code == 200
    _chain_intact(app)


@pytest.mark.parametrize(
    "agent",
    [
        "curl/8\x00",
        "\x00",
        "Mozilla/5.0\x0b\x1b[31m red\t",
        "\x7f\x80\x9f",
        "A" * 5000,
        "é\x85ü",  # latin-1 bytes as a server decodes them
    ],
)
def test_a_hostile_user_agent_is_recorded_cleaned_never_a_failure(api, world, client, app, agent):
    scene = build_scene(world)
    read = api.get(scene.key_worker, "/me", headers={"User-Agent": agent})
    assert read.status_code == 200
    bad_token = client.get(
        "/api/v1/me", headers={"Authorization": "Bearer cpat_nope", "User-Agent": agent}
    )
    assert bad_token.status_code == 401
    for response, action in ((read, "me.view"), (bad_token, "auth.failed")):
        records = _request_records(world, response)
        assert [r.action for r in records] == [action]
        stored = records[0].user_agent or ""
        assert len(stored) <= 300
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in stored)
    _chain_intact(app)
