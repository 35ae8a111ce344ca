"""A minimum length counts what a person can read (issue 16, fault 7), through the API.

Every text the API requires, or requires to be of some length, refuses text padded with
zero-width, non-breaking, ideographic and other blank characters: the break-glass
justification and claim reason (CAREPLAN_JUSTIFICATION_MIN_CHARS readable characters),
names, updates, roles, review notes, agency and staff names, and the required text of each
section's rows. Refusals name the field and change nothing; real text in any script passes.
tests/unit/test_input_rules.py checks the same rule on every schema field there is.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from audit.verify import verify_chain
from careplan.core.schemas import hidden_characters
from careplan.extensions import db
from consent.models import BreakGlass
from tests.api.scene import build_scene, paths
from tests.api.test_access_matrix import _fill
from tests.api.test_unsafe_input import (
    JSON_WRITES,
    _ids,
    _replace,
    _state,
    caller_for,
)

PADDINGS = {
    "zero_width_space": "\u200b",
    "no_break_space": "\u00a0",
    "hangul_filler": "\u3164",
    "braille_blank": "\u2800",
    "mixed": "\u200b\u00a0\u2007\u200d",
}
# (route in JSON_WRITES, dotted field) for every required or minimum-length text.
REQUIRED_TEXT = [
    ("register", "given_name"),
    ("register", "family_name"),
    ("lookup_by_name", "given_name"),
    ("lookup_by_name", "family_name"),
    ("entry_create", "text"),
    ("care_team_add", "role"),
    ("claim", "reason"),
    ("break_glass", "justification"),
    ("review", "note"),
    ("agency_create", "name"),
    ("staff_create", "name"),
]
ROUTES = {
    **JSON_WRITES,
    "lookup_by_name": (
        "POST",
        "/people/lookup",
        {"given_name": "Sarah", "family_name": "Mackenzie", "date_of_birth": "1980-01-08"},
        False,
        (200,),
    ),
    "register_duplicate": (
        "POST",
        "/people",
        {
            "given_name": "Ann",
            "family_name": "Bell",
            "date_of_birth": "1990-05-05",
            "duplicate_reason": "A different address and next of kin.",
        },
        False,
        (201,),
    ),
    "register_preferred": (
        "POST",
        "/people",
        {
            "given_name": "Ann",
            "family_name": "Bell",
            "preferred_name": "Annie",
            "date_of_birth": "1990-05-05",
        },
        False,
        (201,),
    ),
}
REQUIRED_TEXT += [
    ("register_preferred", "preferred_name"),
    ("register_duplicate", "duplicate_reason"),
    ("merge", "reason"),
    ("distinct", "reason"),
]
# A section's rows: the text that says what the row is.
SECTION_ROWS = {
    "goals": {"goals": [{"goal": "A flat", "actions": [{"action": "Bid on flats"}]}]},
    "housing": {
        "areas_to_avoid": [{"area": "Leith Walk"}],
        "people_to_avoid": [{"description": "ex-partner"}],
        "support_nearby": [{"name": "Broomhill Cafe"}],
        "offers": [{"offered_on": "2026-10-01", "outcome": "refused", "refusal_reason": "Damp"}],
    },
    "money": {"debts": [{"type": "Rent arrears"}]},
    "substance_use": {"substances": [{"substance": "Heroin"}]},
    "mental_health": {
        "conditions": [{"condition": "Depression"}],
        "medication": [{"name": "Sertraline"}],
        "services": [{"name": "CMHT"}],
    },
    "family": {"carers": [{"relationship": "Sister"}]},
    "safety": {"safety_plan": {"people_to_contact": [{"name": "Jo"}]}},
    "contacts": {"care_team": [{"name": "Morag"}], "crisis_contacts": [{"name": "Jo"}]},
}


@pytest.fixture
def app(shared_app):
    return shared_app


def _send(client, api, user, method, url, body, versioned):
    headers = {"If-Match": '"1"'} if versioned else {}
    return client.open(
        "/api/v1" + url,
        method=method,
        data=json.dumps(body),
        content_type="application/json",
        headers=api.headers(user, headers),
    )


@pytest.mark.parametrize("padding", sorted(PADDINGS))
@pytest.mark.parametrize(
    ("name", "field"), REQUIRED_TEXT, ids=[f"{n}-{f}" for n, f in REQUIRED_TEXT]
)
def test_required_text_of_invisible_characters_is_refused(
    api, world, client, app, name, field, padding
):
    scene = build_scene(world)
    method, path, body, versioned, _ = ROUTES[name]
    ids = _ids(world, scene)
    url, valid = _fill(path, ids), _fill(body, ids)
    user = caller_for(api, scene, name) if name in JSON_WRITES else scene.key_worker
    pad = PADDINGS[padding]
    before = _state(world)
    texts = [pad * 60, " " + pad * 60 + " "]
    if name == "agency_create":  # at least two readable characters
        texts.append("A" + pad * 60)
    for text in texts:
        refused = _send(client, api, user, method, url, _replace(valid, field, text), versioned)
        assert refused.status_code == 400, (text, refused.get_json())
        assert field in refused.get_json()["fields"]
    assert _state(world) == before


@pytest.mark.parametrize("padding", sorted(PADDINGS))
@pytest.mark.parametrize("route", ["claim", "break_glass"])
def test_a_justification_counts_only_readable_characters(api, world, client, app, route, padding):
    scene = build_scene(world)
    method, path, body, _, _ = ROUTES[route]
    field = "reason" if route == "claim" else "justification"
    url = _fill(path, paths(scene))
    pad = PADDINGS[padding]
    api.post(scene.outsider, "/people/lookup", {"chi": scene.person.chi})
    for short in ("x" * 39 + pad * 30, pad.join("Overdose risk now"), "Urgent" + pad * 100):
        refused = _send(client, api, scene.outsider, method, url, {**body, field: short}, False)
        assert refused.status_code == 400
        messages = refused.get_json()["fields"][field]
        assert any("Write at least 40 characters" in m for m in messages), messages
    enough = "Found unresponsive at the hostel; need her crisis plan now." + pad * 5
    if hidden_characters(pad):
        # A format character (a zero-width space) is refused in any text (issue 20).
        refused = _send(client, api, scene.outsider, method, url, {**body, field: enough}, False)
        assert "hidden characters" in refused.get_json()["fields"][field][0]
        enough = enough.rstrip(pad)
    assert db.session.scalar(select(func.count()).select_from(BreakGlass)) == 0
    made = _send(client, api, scene.outsider, method, url, {**body, field: enough}, False)
    assert made.status_code == 201, made.get_json()


@pytest.mark.parametrize("padding", sorted(PADDINGS))
@pytest.mark.parametrize("key", sorted(SECTION_ROWS))
def test_required_text_in_section_rows_is_refused_when_invisible(
    api, world, client, app, key, padding
):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/sections/{key}"
    valid = SECTION_ROWS[key]
    saved = _send(client, api, scene.key_worker, "PUT", url, {"content": valid}, True)
    assert saved.status_code == 200, saved.get_json()
    for place in _text_places(valid):
        padded = _replace(valid, place, PADDINGS[padding] * 30)
        headers = {"If-Match": '"2"'}
        refused = client.put(
            "/api/v1" + url,
            data=json.dumps({"content": padded}),
            content_type="application/json",
            headers=api.headers(scene.key_worker, headers),
        )
        assert refused.status_code == 400, place
        assert f"content.{place}" in refused.get_json()["fields"], refused.get_json()
    shown = api.get(scene.key_worker, url).get_json()
    assert shown["version"] == 2


def _text_places(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the strings that are not dates or choices in a section's rows."""
    if isinstance(value, str):
        return [] if value[:2] == "20" or value == "refused" else [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _text_places(v, f"{path}.{k}" if path else k)]
    return [p for i, v in enumerate(value) for p in _text_places(v, f"{path}.{i}")]


@pytest.mark.parametrize(
    "name",
    [
        "Siobhán",
        "\uff2e\uff49\uff41\uff4d\uff48",
        "Łukasz",
        "محمد",
        "李",
        "Zoë",
        "O'Neil-Smith",
        "Ng",
    ],
)
def test_real_names_in_any_script_are_accepted(api, world, name):
    scene = build_scene(world)
    made = api.post(
        scene.key_worker,
        "/people",
        {"given_name": name, "family_name": name, "date_of_birth": "1990-05-05"},
    )
    assert made.status_code == 201, made.get_json()


def test_the_audit_chain_survives_all_of_it(api, world, client, app):
    scene = build_scene(world)
    api.post(scene.outsider, "/people/lookup", {"chi": scene.person.chi})
    for padding in PADDINGS.values():
        url = f"/people/{scene.person.id}/break-glass"
        body = {"reason": "risk_to_life", "justification": padding * 80}
        assert _send(client, api, scene.outsider, "POST", url, body, False).status_code == 400
    db.session.remove()
    assert verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public).ok
