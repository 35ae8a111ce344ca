"""Unknown query parameters are refused (issue 20's walk: the chronology ignored
`?sinse=2026-01-01` and answered everything, as if no filter had been asked for).

Every GET route of the access matrix (tests/api/test_access_matrix.py), asked by a role it
answers, refuses a parameter it does not document with 400 naming it, and still takes the
ones it documents (paging and filters, API.md) and `purpose` (careplan.access.purposes).
"""

from __future__ import annotations

import pytest

from tests.api.scene import build_scene, paths
from tests.api.test_access_matrix import ROLES, ROUTES, _fill

GETS = sorted(
    name
    for name, (method, _, _, _, expected) in ROUTES.items()
    if method == "GET" and any(status == 200 for status in expected)
)


@pytest.fixture
def app(shared_app):
    return shared_app


def _caller(scene, name):
    expected = ROUTES[name][4]
    return scene.role(ROLES[expected.index(200)])


@pytest.mark.parametrize("name", GETS)
def test_every_get_route_refuses_a_parameter_it_does_not_take(api, world, name):
    scene = build_scene(world)
    path = _fill(ROUTES[name][1], paths(scene))
    joiner = "&" if "?" in path else "?"
    refused = api.get(_caller(scene, name), f"{path}{joiner}sinse=2026-01-01")
    assert refused.status_code == 400, refused.get_json()
    body = refused.get_json()
    assert list(body["fields"]) == ["sinse"]
    assert "sinse" in body["message"]
    asked = api.get(_caller(scene, name), f"{path}{joiner}purpose=direct_care")
    assert asked.status_code == 200, asked.get_json()


def test_the_chronology_takes_its_filters_and_refuses_a_misspelt_one(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/chronology"
    assert api.get(scene.key_worker, f"{url}?include=entered_in_error").status_code == 200
    refused = api.get(scene.key_worker, f"{url}?sinse=2026-01-01&includ=entered_in_error")
    assert refused.status_code == 400
    assert sorted(refused.get_json()["fields"]) == ["includ", "sinse"]


def test_paging_and_filters_are_still_taken(api, world):
    scene = build_scene(world)
    for path in (
        "/people?q=sarah&scope=all&limit=5",
        "/me/notifications?limit=5&offset=0&unread=true",
        "/referrals?direction=outgoing&limit=5&offset=0",
    ):
        assert api.get(scene.key_worker, path).status_code == 200, path
    assert api.get(scene.ig, "/audit/events?limit=5&action=plan.view").status_code == 200
