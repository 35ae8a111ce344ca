"""When the database cannot be reached (restarting, failing over, SQLite's lock held too
long) the service answers 503 `unavailable` with Retry-After, never a 500, and changes
nothing; a unit of work whose connection has gone answers 503 `not_recorded` and the next
request starts on a new connection. The same faults on a real PostgreSQL server behind a
load balancer: tests/faults."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from careplan.core import unit_of_work
from tests.api.scene import build_scene


class _Lost(Exception):
    """What the driver raises when the server has closed the connection."""


def _replace_me(app: Any, view: Any) -> None:
    # Declared like the route it replaces, so that it runs (an undeclared route is refused).
    view.__access__ = app.view_functions["api.me"].__access__
    app.view_functions["api.me"] = view


def _lost() -> OperationalError:
    return OperationalError("SELECT 1 -- Sarah Mackenzie", {"chi": "1204881235"}, _Lost())


def test_a_lost_database_connection_answers_503_unavailable_with_retry_after(app, api, world):
    scene = build_scene(world)

    def down() -> None:
        raise _lost()

    _replace_me(app, down)
    response = api.get(scene.key_worker, "/me")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["error"] == "unavailable"
    assert body["message"] == (
        "The service cannot reach its database just now, so nothing was done. "
        "Try again in a minute."
    )
    assert "Sarah" not in response.get_data(as_text=True)
    assert "1204881235" not in response.get_data(as_text=True)


def test_a_disconnect_sqlalchemy_marks_invalidated_is_unavailable_too(app, api, world):
    scene = build_scene(world)

    def invalidated() -> None:
        raise IntegrityError("SELECT 1", {}, _Lost(), connection_invalidated=True)

    _replace_me(app, invalidated)
    assert api.get(scene.key_worker, "/me").get_json()["error"] == "unavailable"


def test_a_constraint_violation_is_still_a_plain_500(app, api, world):
    scene = build_scene(world)

    def broken() -> None:
        raise IntegrityError("INSERT", {}, _Lost())

    _replace_me(app, broken)
    response = api.get(scene.key_worker, "/me")
    assert response.status_code == 500
    assert response.get_json()["error"] == "internal"


def test_a_page_says_the_service_is_unavailable(app, client, world):
    def down() -> None:
        raise _lost()

    endpoint = next(e for e, f in app.view_functions.items() if f.__name__ == "start")
    down.__access__ = app.view_functions[endpoint].__access__
    app.view_functions[endpoint] = down
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    text = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in text
    assert "cannot reach its database just now" in text


def test_a_unit_of_work_whose_connection_is_gone_answers_not_recorded_then_recovers(
    app, api, world, monkeypatch: pytest.MonkeyPatch
):
    scene = build_scene(world)
    failures = {"hook": 1, "rollback": 1}

    def connection_gone(session: Any, error_code: str | None) -> None:
        if failures["hook"]:
            failures["hook"] -= 1
            raise _lost()

    original = Session.rollback

    def rollback(self: Session) -> None:
        if failures["rollback"]:
            failures["rollback"] -= 1
            raise _lost()  # the driver cannot roll back on a closed connection
        original(self)

    monkeypatch.setattr(Session, "rollback", rollback)
    app.extensions[unit_of_work.COMMIT_HOOKS].insert(0, connection_gone)
    before = len(world.audit())
    response = api.get(scene.key_worker, "/me")
    assert response.status_code == 503
    assert response.get_json()["error"] == "not_recorded"
    assert len(world.audit()) == before  # nothing of it was kept
    again = api.get(scene.key_worker, "/me")
    assert again.status_code == 200
    assert len(world.audit()) == before + 1
