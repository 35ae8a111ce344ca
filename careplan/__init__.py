"""The shared coordinated care plan service."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from careplan.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config` (tests and tools)."""
    settings = load_config(config)
    app = Flask(
        __name__, instance_path=settings["INSTANCE_PATH"], template_folder=str(ROOT / "templates")
    )
    app.config.update(settings)
    from careplan.core.json_output import OrjsonProvider

    app.json = OrjsonProvider(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep catalogue order
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)

    from careplan.extensions import db, migrate
    from careplan.plans.catalogue import load_catalogue
    from consent.facts import sensitivities

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    sections_file = app.config["SECTIONS_FILE"] or ROOT / "config" / "sections.toml"
    catalogue = load_catalogue(Path(sections_file))
    app.extensions["careplan.catalogue"] = catalogue
    app.extensions["careplan.sensitivity"] = sensitivities(catalogue)
    from careplan.ask_and_act import rules as ask_and_act_rules

    duty_file = app.config["ASK_AND_ACT_FILE"] or ask_and_act_rules.DEFAULT_PATH
    app.extensions["careplan.ask_and_act"] = ask_and_act_rules.load(Path(duty_file))
    from careplan.access import sources
    from consent.facts import PlanContextLoader

    sensitivity = app.extensions["careplan.sensitivity"]
    sources.install(app, PlanContextLoader(db.session, sensitivity, catalogue.person_writes()))

    _register_ops(app)  # first: its timing wraps everything, its commit hook runs first
    _register_audit_signing(app)
    _register_vault(app)
    from careplan.identity import providers

    app.extensions["careplan.providers"] = providers.load(app.config["IDENTITY_PROVIDERS_FILE"])
    _register_models()
    _register_request_handling(app)
    _register_cli(app)
    return app


def _register_ops(app: Flask) -> None:
    """Logs, health, readiness and metrics for operators (careplan.ops)."""
    from careplan.core import logs
    from careplan.ops import health, metrics

    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)


def _register_audit_signing(app: Flask) -> None:
    from audit.signing import load_signer
    from audit.writer import CheckpointPolicy

    signer = load_signer(
        app.config["AUDIT_PRIVATE_KEY"],
        app.config["AUDIT_KEY_FILE"],
        app.config["CAREPLAN_ENV"] == "production",
    )
    app.extensions["careplan.checkpoints"] = CheckpointPolicy(
        signer, app.config["AUDIT_CHECKPOINT_EVERY"], app.config["AUDIT_CHECKPOINT_SECONDS"]
    )
    # Every unit of work (request or job) appends its audit records as it commits.
    from audit import log as audit_log
    from careplan.core import unit_of_work

    unit_of_work.add_begin_hook(app, audit_log.begin)
    unit_of_work.add_commit_hook(app, audit_log.append_pending)
    _register_witnesses(app, signer)


def _register_witnesses(app: Flask, signer: Any) -> None:
    """Each committed head goes to the configured witnesses (audit.witnesses)."""
    import atexit

    from audit import log as audit_log
    from audit.witnesses import Deliverer, WitnessConfigError, parse
    from careplan.config import ConfigError
    from careplan.core import unit_of_work

    try:
        witnesses = parse(
            app.config["AUDIT_WITNESSES"], float(app.config["AUDIT_WITNESS_TIMEOUT_SECONDS"])
        )
    except WitnessConfigError as exc:
        raise ConfigError(str(exc)) from None
    deliverer = Deliverer(app, witnesses, signer, app.config["AUDIT_WITNESS_RETRY_SECONDS"])
    app.extensions["careplan.witnesses"] = deliverer
    unit_of_work.add_after_commit_hook(app, audit_log.witness_committed)
    if witnesses:
        # A command line tool's last head is delivered before it exits (if it can be soon).
        atexit.register(deliverer.flush, 2.0)
        _stop_delivery_with_the_engine(app, deliverer)


def _stop_delivery_with_the_engine(app: Flask, deliverer: Any) -> None:
    """When the app's engine is disposed (an app torn down, a restore), the delivery
    thread delivers what is pending and ends, and the connections its last round opened
    are closed; a later commit starts it again. Without this the thread, waking after its
    retry interval, opened a connection in the new pool that nobody disposed, or returned
    one it held during the disposal to the old pool, left for the garbage collector
    (psycopg's ResourceWarning, at random in later tests)."""
    from sqlalchemy import event

    from careplan.extensions import db

    # The event comes after the old pool was emptied: a connection the thread held then
    # goes back to that pool once its round ends, so the old pool is emptied again.
    pools: dict[str, Any] = {}

    def disposed(engine: Any) -> None:
        # Long enough for a round under load (the thread must have ended before the
        # pools are emptied); a down witness does not hold it (flush skips failing ones).
        deliverer.stop(10.0)
        old = pools.pop("current", None)
        if old is not None:
            old.dispose()
        engine.pool.dispose()
        pools["current"] = engine.pool

    with app.app_context():
        pools["current"] = db.engine.pool
        event.listen(db.engine, "engine_disposed", disposed)


def _register_vault(app: Flask) -> None:
    from careplan.protection import keys
    from careplan.protection.vault import Vault

    ring = keys.load(
        app.config["DATA_KEYS"],
        app.config["DATA_KEYS_FILE"],
        app.config["CAREPLAN_ENV"] == "production",
    )
    app.extensions["careplan.vault"] = Vault(ring)
    from careplan.protection import errors

    errors.register_error_handlers(app)


def _register_models() -> None:
    # Every model module, so metadata (migrations, tests) sees every table.
    import audit.models  # noqa: F401
    import careplan.accounts.models
    import careplan.agencies.models
    import careplan.ask_and_act.models
    import careplan.corrections.models
    import careplan.crisis.models
    import careplan.directory.models
    import careplan.identity.models
    import careplan.meetings.models
    import careplan.notifications.models
    import careplan.people.models
    import careplan.plans.models
    import careplan.protection.models
    import careplan.referrals.models
    import careplan.subject_access.models
    import careplan.supporters.models
    import careplan.tasks.models
    import careplan.teams.models  # noqa: F401
    import consent.models  # noqa: F401


def _register_request_handling(app: Flask) -> None:
    from careplan.api import routes  # noqa: F401  (adds the routes to the blueprint)
    from careplan.core import database, errors, request_id, transaction
    from careplan.core.api_blueprint import bp
    from careplan.core.untrusted import CheckedRemoteAddr
    from careplan.identity import headers
    from careplan.identity import web as identity_web

    # Only an IP address is believed as the client's (a forwarded one may be anything):
    # checked after ProxyFix has taken X-Forwarded-For, so it wraps the app inside it.
    app.wsgi_app = CheckedRemoteAddr(app.wsgi_app)  # type: ignore[method-assign]
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    database.init_app(app)
    errors.register_error_handlers(app)
    from careplan.access import pipeline
    from careplan.core import unit_of_work

    pipeline.init_app(app)
    unit_of_work.add_begin_hook(app, pipeline.begin)
    headers.init_app(app)
    # after_request runs in reverse order: commit first, then stamp the request id.
    request_id.init_app(app)
    transaction.init_app(app)
    # Registered after the commit: its before_request loads the session, and its
    # after_request (run before the commit's) sets the cookies.
    identity_web.init_app(app)
    app.register_blueprint(bp)
    _register_pages(app)
    from careplan.identity.account_views import bp as account
    from careplan.identity.oidc_views import bp as oidc
    from careplan.identity.views import bp as identity

    app.register_blueprint(identity)
    app.register_blueprint(account)
    app.register_blueprint(oidc)


def _register_pages(app: Flask) -> None:
    """The server-rendered pages, each blueprint beside its domain (Indico's shape)."""
    from careplan.admin import views as admin
    from careplan.ask_and_act import views as ask_and_act
    from careplan.chronology import views as chronology
    from careplan.continuity import views as continuity
    from careplan.corrections import views as corrections
    from careplan.directory import views as directory
    from careplan.ig import access_log_views
    from careplan.ig import views as ig
    from careplan.me import about, home
    from careplan.me import views as me
    from careplan.meetings import views as meetings
    from careplan.notifications import views as notifications
    from careplan.people import views as people
    from careplan.plans import section_views
    from careplan.plans import views as plans
    from careplan.records import views as records
    from careplan.referrals import views as referrals
    from careplan.subject_access import views as subject_access
    from careplan.supporters import views as supporters
    from careplan.tasks import views as tasks
    from careplan.web import pages
    from consent import views as sharing

    pages.init_app(app)
    for module in (
        about,
        home,
        people,
        plans,
        section_views,
        sharing,
        access_log_views,
        me,
        ig,
        admin,
        records,
        directory,
        notifications,
        meetings,
        tasks,
        corrections,
        chronology,
        referrals,
        continuity,
        ask_and_act,
        subject_access,
        supporters,
    ):
        app.register_blueprint(module.bp)


def _register_cli(app: Flask) -> None:
    from careplan.cli import commands

    commands.register(app)
