"""The migration that makes the summary of who touched whom (68eaee30af5c) fills it from
a log written before it, month by month: the same rows as the writer keeps and as
`flask audit rebuild-summary` makes; downgrade removes it and the log is untouched.

On SQLite in a database of its own made by the migrations; in the PostgreSQL pass in a
PostgreSQL database of its own (the log partitioned by month, as the migrations leave it).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from audit import summary
from audit.actions import AuditAction, Outcome
from audit.log import build
from audit.models import AuditEvent
from audit.verify import verify_chain
from audit.writer import CheckpointPolicy, append
from careplan.core import clock
from careplan.extensions import db
from tests.audit.test_access_summary import PEOPLE, _staff, _summary_rows
from tests.conftest import _app
from tests.support import scratch_database

BEFORE = "d7f9b1c3e5a6"  # the revision before the summary


@pytest.fixture
def url(tmp_path: Path):
    server_url = os.environ.get("TEST_DATABASE_URL", "")
    if not server_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    with scratch_database(server_url, "summary_migrated") as migrated:
        yield migrated


def test_the_summary_is_filled_from_the_existing_log(url, tmp_path, monkeypatch):
    app = _app(url, tmp_path)
    kay, ann = _staff("Kay Worker"), _staff("Ann Other")
    with app.app_context():
        upgrade(revision=BEFORE)
        signer = app.extensions["careplan.checkpoints"].signer
        # The writer as it was before this revision: no summary.
        with monkeypatch.context() as before:
            before.setattr(summary, "keep", lambda connection, rows: None)
            start = datetime(2026, 1, 30, 23, 0)
            for n in range(40):  # every 19 hours: across days, months and a year's turn
                when = start + timedelta(hours=19 * n)
                before.setattr(clock, "now", lambda when=when: when)
                records = [
                    build(AuditAction.PLAN_VIEW, Outcome.PERMIT, user=kay, person_id=PEOPLE[n % 7]),
                    build(
                        AuditAction.SECTION_VIEW, Outcome.DENY, user=ann, person_id=PEOPLE[n % 3]
                    ),
                    build(AuditAction.PLAN_VIEW, Outcome.PERMIT, person_id=PEOPLE[0]),
                    build(AuditAction.PERSON_LOOKUP, Outcome.PERMIT, user=kay, person_id=PEOPLE[9]),
                    build(AuditAction.AUTH_LOGIN, Outcome.PERMIT, user=kay),
                ]
                append(db.session, records, CheckpointPolicy(signer, 20, 3600))
            db.session.commit()
        records = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.commit()
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 5))
        upgrade()
        migrated = _summary_rows()
        assert len(migrated[0]) > 40
        assert {d[:7] for d, *_ in migrated[0]} == {"2026-01", "2026-02", "2026-03"}
        # Exactly what the writer's own reckoning gives for these records...
        rows = db.session.execute(select(AuditEvent.__table__)).mappings().all()
        counted = summary.touched([dict(r) for r in rows])
        assert [(d, a, p, e) for d, a, p, e in migrated[0]] == sorted(
            (d, a, p, n) for (d, a, p), n in counted.items()
        )
        # ...and what a rebuild makes; the log is unchanged and verifies.
        assert app.test_cli_runner().invoke(args=["audit", "rebuild-summary"]).exit_code == 0
        db.session.rollback()
        assert _summary_rows() == migrated
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == records
        assert verify_chain(db.session, signer.public).ok
        db.session.commit()
        downgrade(revision=BEFORE)
        names = set(inspect(db.engine).get_table_names())
        assert "audit_access_day" not in names
        assert "audit_access_actor_day" not in names
        db.session.remove()
        db.engine.dispose()
