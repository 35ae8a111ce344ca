"""One schema per test session, a clean database per test, factories and an API client.

SQLite (the default): the schema is built once into a template file that each test copies.
PostgreSQL (TEST_DATABASE_URL set): the schema is built once and every table is emptied
between tests (with triggers off, as the append-only audit table refuses DELETE).
Every test's instance folder gets a copy of the same key files, made with the schema, so
a world built once and copied (tests/snapshot.py) opens in any test.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from careplan import create_app
from careplan.access.decision import Decision
from careplan.accounts import passwords
from careplan.extensions import db
from tests import snapshot
from tests.support import Api, World


def _worker_database(url: str) -> str:
    """Under pytest-xdist (scripts/test.sh runs two workers), each worker's own database
    on the same PostgreSQL server: `careplan_test_gw0`, `careplan_test_gw1`, made here if
    absent. Tests empty every table between tests, so workers must never share one.
    SQLite needs nothing: each worker's files live under its own temporary folder."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url.startswith("postgresql") or not worker.isalnum():
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    server = make_url(url)
    name = f"{server.database}_{worker}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not found:
            # The name is ours (the database's name and xdist's gwN), never a request's.
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    own = server.set(database=name).render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = own  # for tests that read it themselves
    return own


PG_URL = _worker_database(os.environ.get("TEST_DATABASE_URL", ""))
KEY_FILES = ("audit-key.pem", "data-keys.json")
# The folder of the session's schema and key files (set by `schema_source`).
_schema_folder: list[Path] = []


class PageCheckingClient(FlaskClient):
    """Every test's client: each HTML page it receives uses each element id once (issue
    17: two review forms sharing ids let an answer in one tick the other), so every page
    any test renders is checked."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html":
            from tests.web.forms_walk import duplicate_ids

            repeated = duplicate_ids(response.get_data(as_text=True))
            assert not repeated, f"ids used more than once on {response.request.path}: {repeated}"
        return response


def _app(url: str, instance: Path, **extra: Any) -> Flask:
    application = _created(url, instance, **extra)
    application.test_client_class = PageCheckingClient
    return application


def _created(url: str, instance: Path, **extra: Any) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "TESTING": True,
            "AUDIT_KEY_FILE": str(instance / "audit-key.pem"),
            "DATA_KEYS_FILE": str(instance / "data-keys.json"),
            # No witness thread per test app; tests/audit/test_witnesses.py sets its own.
            "AUDIT_WITNESSES": "none",
            **extra,
        }
    )


# Argon2id at its cheapest for the tests: the production cost (argon2-cffi's RFC 9106
# defaults, 64 MiB and three passes) made half a second of CPU per hash or check, most
# of the sign-in tests' time. The hashes are Argon2id all the same, checked the same
# way; tests/unit/test_passwords.py checks the production hasher itself.
PRODUCTION_HASHER = passwords._hasher
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    absent = passwords._ABSENT
    passwords._hasher = TEST_HASHER
    passwords._ABSENT = TEST_HASHER.hash("no account has this password")
    yield
    passwords._hasher, passwords._ABSENT = PRODUCTION_HASHER, absent


@pytest.fixture(scope="session")
def schema_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A URL holding a freshly created schema (SQLite: a template file to copy)."""
    folder = tmp_path_factory.mktemp("schema")
    _schema_folder[:] = [folder]
    snapshot.use_folder(folder)
    url = PG_URL or f"sqlite:///{folder / 'template.sqlite'}"
    app = _app(url, folder)  # makes the key files too
    with app.app_context():
        db.drop_all()
        if PG_URL:
            db.session.execute(text("DROP FUNCTION IF EXISTS audit_event_append_only CASCADE"))
            db.session.commit()
        db.create_all()
        db.engine.dispose()
    return url


def _empty_postgres(app: Flask) -> None:
    # DELETE, not TRUNCATE: on tables this small TRUNCATE costs the server some 30 times
    # more (new files for every table and index).
    with app.app_context():
        db.session.execute(text("SET session_replication_role = replica"))
        for table in db.metadata.sorted_tables:
            db.session.execute(text(f"DELETE FROM {table.name}"))
        db.session.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()


def _shared_keys(folder: Path) -> None:
    """The session's key files, copied into `folder` (each test may change its own)."""
    for name in KEY_FILES:
        if _schema_folder and not (folder / name).exists():
            shutil.copy2(_schema_folder[0] / name, folder / name)


def fresh_app(schema_source: str, folder: Path, **extra: Any) -> Flask:
    """An app on an empty database (a copy of the SQLite template, or emptied PostgreSQL)."""
    _shared_keys(folder)
    if PG_URL:
        application = _app(PG_URL, folder, **extra)
        _empty_postgres(application)
        return application
    template = Path(schema_source.removeprefix("sqlite:///"))
    copy = folder / "test.sqlite"
    shutil.copyfile(template, copy)
    return _app(f"sqlite:///{copy}", folder, **extra)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings for the `app` fixture; a test module overrides it to change them."""
    return {}


@pytest.fixture
def app(schema_source: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    application = fresh_app(schema_source, tmp_path, **app_config)
    ctx = application.app_context()
    ctx.push()
    yield application
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture(scope="module")
def module_app(schema_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for all the tests of a module that take `shared_app` as their `app`."""
    application = fresh_app(schema_source, tmp_path_factory.mktemp("app"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_sqlite(application: Flask, schema_source: str) -> None:
    with application.app_context():
        db.session.remove()
        database = db.engine.url.database
        db.engine.dispose()
    for leftover in (f"{database}-wal", f"{database}-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    shutil.copyfile(Path(schema_source.removeprefix("sqlite:///")), database)


@pytest.fixture
def shared_app(module_app: Flask, schema_source: str) -> Iterator[Flask]:
    """The module's app on an empty database, for a module whose tests change only the
    database (not the app's settings or extensions): it skips making an app per test.
    The module opts in with an `app` fixture that returns this one."""
    if PG_URL:
        _empty_postgres(module_app)
    else:
        _empty_sqlite(module_app, schema_source)
    ctx = module_app.app_context()
    ctx.push()
    yield module_app
    db.session.remove()
    db.engine.dispose()
    ctx.pop()


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def world(app: Flask) -> World:
    return World(db.session)


@pytest.fixture
def api(client: Any, world: World) -> Api:
    return Api(client, world)


@pytest.fixture
def decisions(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every access decision made while the test runs (the route walks check one was)."""
    made = []
    allow, deny = Decision.allow.__func__, Decision.deny.__func__

    def counted(original):
        def wrapper(cls, value):
            made.append(value)
            return original(cls, value)

        return classmethod(wrapper)

    monkeypatch.setattr(Decision, "allow", counted(allow))
    monkeypatch.setattr(Decision, "deny", counted(deny))
    return made


# --- no personal data in the application's logs (issue #21) ---------------------------
# Every log line the whole run writes at INFO or above (what production keeps), checked at
# the end for the names and CHI numbers of the worlds the tests build. The werkzeug
# development server's own request lines are left out: it serves only the browser tests,
# and production's gunicorn logs paths without query strings (config/gunicorn.conf.py).


class _EveryLogLine(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "werkzeug":
            self.lines.append(f"{record.name}: {record.getMessage()}")
            if record.exc_info:
                self.lines.append(logging.Formatter().formatException(record.exc_info))


EVERY_LOG_LINE = _EveryLogLine()


def _personal_words() -> set[str]:
    from careplan.demo import PEOPLE

    words = {"Mackenzie", "Sarah Mackenzie", "1204881235"}
    for given, family, preferred, _born, chi, _worker in PEOPLE:
        words |= {f"{given} {family}", family, chi}
        if preferred:
            words.add(f"{preferred} {family}")
    return words


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist's `--dist loadgroup`: a module's tests run on one worker (its
    module-scoped app and built worlds are made once), and every browser test on one worker
    in order (one server, one browser, one screenshot folder, each user signed in once)."""
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(EVERY_LOG_LINE)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)


# Under pytest-xdist each worker checks its own lines and hands what it found to the
# controller (xdist's `workeroutput`), which fails the run: a worker's exit status alone
# does not fail it.
_LEAKS_FROM_WORKERS: list[str] = []


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    _LEAKS_FROM_WORKERS.extend(getattr(node, "workeroutput", {}).get("log_leaks", []))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    words = _personal_words()
    leaks = [line for line in EVERY_LOG_LINE.lines if any(w in line for w in words)]
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["log_leaks"] = leaks
        return
    leaks += _LEAKS_FROM_WORKERS
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"FAILED: {len(leaks)} application log lines hold a name or CHI number, "
                f"for example a line from {leaks[0].split(':', 1)[0]}",
                red=True,
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
