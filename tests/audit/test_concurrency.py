"""Several real processes appending to one audit chain: no forks, no gaps, nothing lost.

Each process builds its own app on the same database (as gunicorn workers would) and
makes hundreds of audited requests. Runs on SQLite and, in the PostgreSQL pass, there.
"""

from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select

from audit.models import AuditEvent
from audit.verify import verify_chain
from careplan.extensions import db
from tests.api.scene import build_scene

PROCESSES = 4
REQUESTS = 250


def _worker(config: dict, token: str, path: str, results: multiprocessing.Queue) -> None:
    from careplan import create_app

    app = create_app(config)
    client = app.test_client()
    statuses: dict[int, int] = {}
    for n in range(REQUESTS):
        # Mix reads with denied requests so both kinds of record race each other.
        url = path if n % 5 else path + "/sections/not-a-section"
        status = client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
        statuses[status] = statuses.get(status, 0) + 1
    results.put(statuses)


def test_four_processes_one_unbroken_chain(app, api, world):
    scene = build_scene(world)
    tokens = [
        world.token(u)
        for u in (scene.key_worker, scene.colleague, scene.key_worker, scene.colleague)
    ]
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    config = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "AUDIT_KEY_FILE", "DATA_KEYS_FILE")
    }
    config.update(TESTING=True, AUDIT_CHECKPOINT_EVERY=50)
    path = f"/api/v1/people/{scene.person.id}/plan"
    db.session.remove()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_worker, args=(config, t, path, results)) for t in tokens]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=240) for _ in workers]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    statuses: dict[int, int] = {}
    for outcome in outcomes:
        for status, count in outcome.items():
            statuses[status] = statuses.get(status, 0) + count
    assert statuses == {200: PROCESSES * REQUESTS * 4 // 5, 404: PROCESSES * REQUESTS // 5}
    seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seqs == list(range(1, before + PROCESSES * REQUESTS + 1))
    result = verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public)
    assert result.ok, result
    assert result.checkpoint is not None
