"""PostgreSQL: a pooled connection is tested before it is lent again only after sitting idle
(careplan.core.database, HikariCP's bypass window): no round trip for a connection in
steady use, and a connection the server closed while it sat idle is replaced, not lent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from careplan.core import database
from careplan.extensions import db


@pytest.fixture
def engine(app: Any) -> Any:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a pool that tests its connections: PostgreSQL")
        yield db.engine


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    moved = _Clock()
    monkeypatch.setattr(database, "time", moved)
    return moved


@pytest.fixture
def pings(engine: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    original = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        seen.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def _backend(engine: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_in_steady_use_is_lent_again_without_a_test(engine, clock, pings):
    first = _backend(engine)
    for _ in range(5):
        clock.now += database.PING_AFTER_IDLE_SECONDS / 2
        assert _backend(engine) == first
    assert pings == []


def test_a_connection_idle_past_the_window_is_tested_and_kept_if_it_answers(engine, clock, pings):
    first = _backend(engine)
    clock.now += database.PING_AFTER_IDLE_SECONDS + 0.1
    assert _backend(engine) == first
    assert pings == [1]


def test_a_connection_the_server_closed_while_idle_is_replaced_not_lent(engine, clock, pings):
    first = _backend(engine)
    # From a connection of its own, outside the pool (the pool would lend the same one).
    with engine.pool._creator() as other:  # type: ignore[attr-defined]
        other.execute("SELECT pg_terminate_backend(%s)", (first,))
    clock.now += database.PING_AFTER_IDLE_SECONDS + 0.1
    # The request that follows gets a working connection: no error reaches it.
    second = _backend(engine)
    assert second != first
    assert pings
