"""The subject access export holds what the person wrote themselves (no author agency)."""

from __future__ import annotations

import pytest

from tests.api.scene import build_scene


@pytest.fixture
def app(shared_app):
    return shared_app


def test_the_export_holds_the_persons_own_words(api, world):
    scene = build_scene(world)
    added = api.post(scene.individual, "/me/plan/sections/goals/entries", {"text": "My words."})
    assert added.status_code == 201
    for user in (scene.key_worker, scene.individual):
        exported = api.get(user, f"/people/{scene.person.id}/export")
        assert exported.status_code == 200, exported.get_data(as_text=True)[:300]
        assert "My words." in exported.get_data(as_text=True)
