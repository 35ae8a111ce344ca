"""The demo world behind the web page tests: one app and database per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from careplan.demo import load_demo
from careplan.extensions import db
from tests import snapshot
from tests.conftest import fresh_app


def _load_demo() -> None:
    load_demo(db.session)
    db.session.commit()


@pytest.fixture(scope="module")
def demo_app(schema_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with the demo world loaded. Requests push their own app context, so `g`
    never carries one request's user into the next."""
    folder = tmp_path_factory.mktemp("web")
    app = fresh_app(schema_source, folder)
    with app.app_context():
        snapshot.built_once("demo", _load_demo)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
