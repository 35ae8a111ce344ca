"""Bad input gets a clear 4xx with field messages, never a 500, and changes nothing."""

from __future__ import annotations

import pytest

from tests.api.scene import build_scene


def _counts(world):
    from sqlalchemy import func, select

    from careplan.people.models import Person
    from careplan.plans.models import SectionVersion

    world.session.expire_all()
    return (
        world.session.scalar(select(func.count()).select_from(Person)),
        world.session.scalar(select(func.count()).select_from(SectionVersion)),
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"given_name": "A", "family_name": "B"}, "date_of_birth"),
        ({"given_name": "A", "family_name": "B", "date_of_birth": "1990-02-30"}, "date_of_birth"),
        ({"given_name": "A", "family_name": "B", "date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"given_name": 7, "family_name": "B", "date_of_birth": "1990-01-01"}, "given_name"),
        ({"given_name": "", "family_name": "B", "date_of_birth": "1990-01-01"}, "given_name"),
        (
            {
                "given_name": "A",
                "family_name": "B",
                "date_of_birth": "1990-01-01",
                "chi": "1204881236",
            },
            "chi",
        ),
        (
            {
                "given_name": "A",
                "family_name": "B",
                "date_of_birth": "1990-01-01",
                "chi": "abcdefghij",
            },
            "chi",
        ),
        (
            {"given_name": "A", "family_name": "B", "date_of_birth": "1990-01-01", "admin": True},
            "admin",
        ),
    ],
)
def test_register_person_field_errors(api, world, body, field):
    scene = build_scene(world)
    before = _counts(world)
    refused = api.post(scene.key_worker, "/people", body)
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "invalid"
    assert field in refused.get_json()["fields"]
    assert _counts(world) == before


def test_malformed_json_and_wrong_content_type(api, world, client):
    scene = build_scene(world)
    headers = api.headers(scene.key_worker)
    broken = client.post(
        "/api/v1/people", data="{not json", headers=headers, content_type="application/json"
    )
    assert broken.status_code == 400
    assert "_body" in broken.get_json()["fields"]
    form = client.post(
        "/api/v1/people",
        data="given_name=A",
        headers=headers,
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 415
    not_object = client.post(
        "/api/v1/people", data="[1, 2]", headers=headers, content_type="application/json"
    )
    assert not_object.status_code == 400


def test_oversized_body_is_refused(api, world, client):
    scene = build_scene(world)
    huge = '{"given_name": "' + "A" * 400_000 + '"}'
    refused = client.post(
        "/api/v1/people",
        data=huge,
        headers=api.headers(scene.key_worker),
        content_type="application/json",
    )
    assert refused.status_code == 413
    assert refused.get_json()["error"] == "too_large"


def test_bad_section_write_changes_nothing(api, world):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/sections/housing"
    before = _counts(world)
    for body in (
        {"content": "text"},
        {"content": {"offers": [{"outcome": "maybe"}]}},
        {"content": {}, "extra": 1},
        {},
    ):
        refused = api.put(scene.key_worker, url, body, headers={"If-Match": '"1"'})
        assert refused.status_code == 400, body
    assert (
        api.put(
            scene.key_worker,
            f"/people/{scene.person.id}/plan/sections/nope",
            {"content": {}},
            headers={"If-Match": '"1"'},
        ).status_code
        == 404
    )
    assert _counts(world) == before


def test_not_a_uuid_is_404(api, world):
    scene = build_scene(world)
    assert api.get(scene.key_worker, "/people/123/plan").status_code == 404
    assert api.get(scene.key_worker, "/people/123/plan").get_json()["error"] == "not_found"


def test_search_query_too_long(api, world):
    scene = build_scene(world)
    assert api.get(scene.key_worker, "/people?q=" + "a" * 101).status_code == 400
    assert api.get(scene.key_worker, "/people?x=1").status_code == 400


def test_every_response_has_a_request_id(api, world, client):
    scene = build_scene(world)
    for response in (
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/me"),
        api.get(scene.key_worker, "/me"),
        api.get(scene.key_worker, "/people/123"),
    ):
        assert len(response.headers["X-Request-Id"]) >= 8
    plan = api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    assert plan.headers["Cache-Control"] == "no-store"
    assert plan.headers["X-Content-Type-Options"] == "nosniff"
    given = api.get(scene.key_worker, "/me", headers={"X-Request-Id": "lb-abc12345"})
    assert given.headers["X-Request-Id"] == "lb-abc12345"
    unsafe = api.get(scene.key_worker, "/me", headers={"X-Request-Id": "<script>"})
    assert unsafe.headers["X-Request-Id"] != "<script>"


def test_unexpected_error_is_a_plain_500_without_details(app, api, world):
    scene = build_scene(world)

    def explode():
        raise RuntimeError("secret detail Sarah Mackenzie 1204881235")

    # Declared like the route it replaces, so that it runs (an undeclared route is refused).
    explode.__access__ = app.view_functions["api.me"].__access__
    app.view_functions["api.me"] = explode
    response = api.get(scene.key_worker, "/me")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Sarah" not in text
    assert "Traceback" not in text
    assert response.get_json()["error"] == "internal"
