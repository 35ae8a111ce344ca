"""A review that needs follow-up can be finished (issue 16, fault 11): for break-glass
and for claimed relationships alike, through the API and the IG officer's page, each
step audited, the first review kept as written, and a finished review never changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.scene import build_scene
from tests.identity.pages import signed_in_browser

GLASS = {
    "reason": "risk_to_life",
    "justification": "Found unresponsive at the hostel; need the crisis plan now.",
}
CLAIM = {"reason": "Allocated as her housing officer by the homelessness team today."}


def _make(api: Any, scene: Any, kind: str) -> str:
    """One item of `kind` waiting for review; its id."""
    api.look_up(scene.outsider, scene.person)  # claims and break-glass follow a lookup
    if kind == "break-glass":
        api.post(scene.outsider, f"/people/{scene.person.id}/break-glass", GLASS)
    else:
        api.post(scene.outsider, f"/people/{scene.person.id}/care-team/claim", CLAIM)
    [item] = api.get(scene.ig, f"/audit/{kind}?status=pending").get_json()
    return item["id"]


def _ids(api: Any, scene: Any, kind: str, status: str) -> list[str]:
    return [i["id"] for i in api.get(scene.ig, f"/audit/{kind}?status={status}").get_json()]


@pytest.mark.parametrize("kind", ["break-glass", "claims"])
@pytest.mark.parametrize("found", ["appropriate", "inappropriate"])
def test_a_review_needing_follow_up_is_finished_by_its_follow_up(api, world, kind, found):
    scene = build_scene(world)
    item_id = _make(api, scene, kind)
    url = f"/audit/{kind}/{item_id}/review"
    first = api.post(scene.ig, url, {"outcome": "needs_follow_up", "note": "Ask the team."})
    assert first.status_code == 200
    assert first.get_json()["review_status"] == "follow_up"
    assert _ids(api, scene, kind, "follow_up") == [item_id]
    assert _ids(api, scene, kind, "open") == [item_id]
    assert _ids(api, scene, kind, "pending") == []
    assert _ids(api, scene, kind, "reviewed") == []

    # A follow-up must say what it found.
    again = api.post(scene.ig, url, {"outcome": "needs_follow_up", "note": "Still unsure."})
    assert again.status_code == 400
    assert "outcome" in again.get_json()["fields"]

    done = api.post(scene.ig, url, {"outcome": found, "note": "  Team confirmed the visit.  "})
    assert done.status_code == 200
    body = done.get_json()
    assert body["review_status"] == "reviewed"
    assert body["review_outcome"] == "needs_follow_up"  # the first review, kept
    assert body["review_note"] == "Ask the team."
    assert body["follow_up_outcome"] == found
    assert body["follow_up_note"] == "Team confirmed the visit."
    assert body["followed_up_at"]
    assert _ids(api, scene, kind, "reviewed") == [item_id]
    assert _ids(api, scene, kind, "open") == []

    finished = api.post(scene.ig, url, {"outcome": "appropriate", "note": "Changed my mind."})
    assert finished.status_code == 409

    action = "breakglass.review" if kind == "break-glass" else "careteam.review"
    records = [e for e in world.audit() if e.action == action]
    steps = [
        (e.outcome, (e.details or {}).get("step"), (e.details or {}).get("outcome"))
        for e in records
    ]
    assert steps[0] == ("permit", "review", "needs_follow_up")
    assert ("permit", "follow_up", found) in steps
    # The 400 and the 409, recorded as what they were: never as refusals.
    assert sorted(s[0] for s in steps if s[0] != "permit") == ["conflict", "invalid"]
    assert all(e.person_id == scene.person.id for e in records if e.outcome == "permit")


@pytest.mark.parametrize("kind", ["break-glass", "claims"])
@pytest.mark.parametrize("outcome", ["appropriate", "inappropriate"])
def test_a_review_with_a_final_outcome_is_finished_at_once(api, world, kind, outcome):
    scene = build_scene(world)
    item_id = _make(api, scene, kind)
    url = f"/audit/{kind}/{item_id}/review"
    done = api.post(scene.ig, url, {"outcome": outcome, "note": "Checked."})
    assert done.get_json()["review_status"] == "reviewed"
    assert done.get_json()["follow_up_outcome"] is None
    assert api.post(scene.ig, url, {"outcome": outcome, "note": "Again."}).status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "appropriate", "note": "   "}, "note"),
        ({"outcome": "appropriate"}, "note"),
        ({"note": "x"}, "outcome"),
        ({"outcome": "fine", "note": "x"}, "outcome"),
    ],
)
def test_review_input_is_refused_in_plain_words(api, world, body, field):
    scene = build_scene(world)
    item_id = _make(api, scene, "break-glass")
    answer = api.post(scene.ig, f"/audit/break-glass/{item_id}/review", body)
    assert answer.status_code == 400
    [message] = answer.get_json()["fields"][field]
    assert message.startswith(("Write", "Choose", "Enter"))  # says what to do


def test_only_ig_officers_review_or_follow_up(api, world):
    scene = build_scene(world)
    item_id = _make(api, scene, "break-glass")
    url = f"/audit/break-glass/{item_id}/review"
    api.post(scene.ig, url, {"outcome": "needs_follow_up", "note": "Ask."})
    for who in (scene.key_worker, scene.outsider, scene.admin, scene.individual):
        answer = api.post(who, url, {"outcome": "appropriate", "note": "Fine."})
        assert answer.status_code == 403
    assert _ids(api, scene, "break-glass", "follow_up") == [item_id]


@pytest.mark.parametrize("kind", ["break-glass", "claims"])
def test_the_review_page_finishes_a_follow_up(app, api, world, kind):
    scene = build_scene(world)
    item_id = _make(api, scene, kind)
    api.post(
        scene.ig,
        f"/audit/{kind}/{item_id}/review",
        {"outcome": "needs_follow_up", "note": "Ask the team."},
    )
    browser = signed_in_browser(app, scene.ig)
    page = browser.get("/ig/reviews")  # the default shows what is still to do
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Record the follow-up" in text
    assert "Needs follow-up: Ask the team." in text
    token = _csrf(text)
    blank = browser.post(
        f"/ig/reviews/{kind}/{item_id}", data={"csrf_token": token, "outcome": "appropriate"}
    )
    assert blank.status_code == 400
    assert "Write a note" in blank.get_data(as_text=True)
    sent = browser.post(
        f"/ig/reviews/{kind}/{item_id}",
        data={"csrf_token": token, "outcome": "inappropriate", "note": "No visit was booked."},
    )
    assert sent.status_code == 302
    assert "done=followed_up" in sent.location
    assert "The follow-up is recorded" in browser.get(sent.location).get_data(as_text=True)
    finished = browser.get("/ig/reviews?status=reviewed").get_data(as_text=True)
    assert "Follow-up" in finished
    assert "Not appropriate: No visit was booked." in finished
    assert "Record the follow-up" not in finished


def _csrf(text: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
