"""The demo world behind the web page tests: one app and database per test module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from careplan.demo import load_demo
from careplan.extensions import db
from tests.conftest import PG_URL, _app, _empty_postgres


@pytest.fixture(scope="module")
def demo_app(schema_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with the demo world loaded. Requests push their own app context, so `g`
    never carries one request's user into the next."""
    folder = tmp_path_factory.mktemp("web")
    if PG_URL:
        app = _app(PG_URL, folder)
        _empty_postgres(app)
    else:
        copy = folder / "web.sqlite"
        shutil.copyfile(Path(schema_source.removeprefix("sqlite:///")), copy)
        app = _app(f"sqlite:///{copy}", folder)
    with app.app_context():
        load_demo(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
