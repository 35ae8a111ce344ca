"""`/healthz` (the process answers) and `/readyz` (it can do its work), for a load
balancer. Neither needs a sign-in, neither touches anyone's record, and neither writes:
they read on a connection of their own (careplan.core.database.reading), so on SQLite they
never queue for the write lock and never leave an audit record (there is no access to
record)."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import inspect, text

from audit import witnesses
from careplan.access.pipeline import public
from careplan.core import clock
from careplan.core.database import reading

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@bp.get("/healthz")
@public
def healthz() -> Response:
    """Liveness: the process is up and serving (no dependency is asked)."""
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
@public
def readyz() -> Response:
    """Readiness: the database answers, its schema is at the migrations' head, the audit
    signing key and the data keys are loaded and open what the database holds, and the
    audit witnesses are within their limit of lag. 503 with
    the failing checks named (no details that could help an attacker) otherwise."""
    checks: dict[str, str] = {}
    try:
        with reading() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            checks["migrations"] = "ok" if _at_head(connection) else "behind"
            vault = current_app.extensions.get("careplan.vault")
            checks["data_keys"] = (
                "ok" if vault is not None and vault.unopenable(connection) == 0 else "failing"
            )
            checks["audit_witness"] = _witnesses_within_limit(connection)
    except Exception:  # any database failure means not ready; the log has its type
        log.warning("readiness: database check failed")
        checks.setdefault("database", "unreachable")
    checkpoints = current_app.extensions.get("careplan.checkpoints")
    checks["signing_key"] = "ok" if checkpoints is not None and checkpoints.signer else "missing"
    ready = all(v == "ok" for v in checks.values())
    return _answer(
        {"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503
    )


def _witnesses_within_limit(connection: Any) -> str:
    """ "ok" while every audit witness holds all but records younger than
    CAREPLAN_AUDIT_WITNESS_MAX_LAG_SECONDS (0: not checked); "behind" otherwise. Every
    process shares the witnesses, so a long outage of one takes them all out of rotation:
    set the limit to what the service may run unwitnessed."""
    limit = current_app.config["AUDIT_WITNESS_MAX_LAG_SECONDS"]
    deliverer = current_app.extensions.get("careplan.witnesses")
    if not limit or deliverer is None or not deliverer.witnesses:
        return "ok"
    lags = witnesses.lag(connection, deliverer.witnesses, clock.now())
    return "ok" if all(w["behind_seconds"] <= limit for w in lags) else "behind"


def _at_head(connection: Any) -> bool:
    if not inspect(connection).has_table("alembic_version"):
        return False  # never migrated (a schema made some other way)
    current = {r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))}
    return current == set(_heads())


@functools.cache
def _heads() -> tuple[str, ...]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return tuple(ScriptDirectory.from_config(config).get_heads())


def _answer(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
