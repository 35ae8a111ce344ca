"""Health, readiness and metrics for operators: no sign-in, nothing about people, no
audit records of their own (issue #21)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade

from careplan.extensions import db
from tests.api.scene import build_scene
from tests.conftest import _app

TOKEN = "metrics-token-for-tests"


def test_healthz_answers_without_signing_in_or_recording(client, world):
    before = len(world.audit())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert len(world.audit()) == before


def test_readyz_says_a_schema_not_made_by_the_migrations_is_not_ready(client, world):
    # The test databases are made from the models, not the migrations.
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert body["checks"]["migrations"] == "behind"
    assert body["checks"]["database"] == "ok"


@pytest.fixture
def migrated(tmp_path: Path):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("a database of its own, made by the migrations: the SQLite pass")
    app = _app(f"sqlite:///{tmp_path / 'migrated.sqlite'}", tmp_path)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return app


def test_readyz_is_ready_at_the_migrations_head(migrated):
    response = migrated.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {
            "database": "ok",
            "migrations": "ok",
            "data_keys": "ok",
            "audit_witness": "ok",
            "signing_key": "ok",
        },
    }


def test_readyz_fails_when_the_data_keys_cannot_open_the_database(app, api, world, client):
    scene = build_scene(world)  # writes sealed content: data keys in the database
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 200
    vault = app.extensions["careplan.vault"]
    vault._open.clear()  # forget the unwrapped keys, as a new process would
    real = dict(vault.ring.keys)
    vault.ring.keys.update({name: os.urandom(32) for name in real})
    try:
        body = client.get("/readyz").get_json()
    finally:
        vault.ring.keys.update(real)
    assert body["checks"]["data_keys"] == "failing"


def test_metrics_need_the_configured_token(app, client):
    assert client.get("/metrics").status_code == 404  # no token configured: off
    app.config["METRICS_TOKEN"] = TOKEN
    assert client.get("/metrics").status_code == 404
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert right.mimetype == "text/plain"


def test_metrics_count_routes_refusals_and_records_without_ids_or_names(app, api, world, client):
    app.config["METRICS_TOKEN"] = TOKEN
    scene = build_scene(world)
    api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")  # refused: 404
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(
        as_text=True
    )
    route = 'route="/api/v1/people/<uuid:person_id>/plan"'
    assert f'careplan_requests_total{{method="GET",{route},status="200"}}' in text
    assert f'careplan_requests_total{{method="GET",{route},status="404"}}' in text
    assert 'careplan_access_refusals_total{reason="no_relationship"}' in text
    assert 'careplan_audit_records_total{outcome="permit"}' in text
    assert "careplan_request_seconds_bucket" in text
    for secret in (str(scene.person.id), "Mackenzie", "Sarah", scene.person.chi):
        assert secret not in text


def test_json_logs_carry_the_request_id(app):
    import io
    import json
    import logging

    from flask import g

    from careplan.core import logs

    stream = io.StringIO()
    handler = logs.json_handler()
    handler.setStream(stream)
    logger = logging.getLogger("careplan.test_ops")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/"):
            g.request_id = "req-123"
            logger.warning("a refusal was recorded for %s", "a route")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["level"] == "WARNING"
    assert line["message"] == "a refusal was recorded for a route"
    assert line["request_id"] == "req-123"
    assert "time" in line


def test_metrics_give_the_notification_outbox_depth_without_ids(app, api, world, client):
    app.config["METRICS_TOKEN"] = TOKEN
    scene = build_scene(world)

    def scraped() -> str:
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        return answer.get_data(as_text=True)

    assert "careplan_notification_outbox 0.0" in scraped()
    assert "careplan_notification_oldest_waiting_seconds 0.0" in scraped()
    # Emergency access tells the key worker and IG: queued in the same unit of work.
    api.post(scene.outsider, "/people/lookup", {"chi": scene.person.chi})
    glass = api.post(
        scene.outsider,
        f"/people/{scene.person.id}/break-glass",
        {
            "reason": "risk_to_life",
            "justification": "Found unresponsive at the hostel; paramedics need her plan now.",
        },
    )
    assert glass.status_code == 201, glass.get_json()
    text = scraped()
    queued = next(
        line for line in text.splitlines() if line.startswith("careplan_notification_outbox ")
    )
    assert float(queued.split()[1]) >= 1
    assert 'careplan_notification_deliveries{status="queued"} 0.0' in text
    for secret in (str(scene.person.id), str(scene.key_worker.id), "Mackenzie"):
        assert secret not in text
