"""The migration that partitions `audit_event` by month converts an existing PostgreSQL
database: every record kept, in its month, with the same indexes, grants and append-only
triggers, and the chain still intact; downgrade puts one table back. (SQLite: the
migrations' own pass in tests/test_ops.py runs it; nothing is partitioned there.)"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from audit import partitions
from audit.actions import AuditAction, Outcome
from audit.log import build
from audit.verify import verify_chain
from audit.writer import CheckpointPolicy, append
from careplan.core import clock
from careplan.extensions import db
from tests.conftest import _app
from tests.support import scratch_database

BEFORE = "8d2f6b4a1c35"  # the revision before partitioning


@pytest.fixture
def database(tmp_path: Path):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("partitioning is PostgreSQL's")
    with scratch_database(url, "migrated") as migrated:
        yield migrated


def _indexes(connection) -> set[str]:
    return set(
        connection.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_event'")
        ).scalars()
    )


def test_an_existing_log_is_moved_into_month_partitions(database, tmp_path, monkeypatch):
    app = _app(database, tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE)
        signer = app.extensions["careplan.checkpoints"].signer
        for when in (datetime(2025, 11, 3), datetime(2025, 12, 30), datetime(2026, 2, 1)):
            monkeypatch.setattr(clock, "now", lambda when=when: when)
            records = [build(AuditAction.PLAN_VIEW, Outcome.PERMIT) for _ in range(4)]
            append(db.session, records, CheckpointPolicy(signer, 5, 3600))
        db.session.execute(text("GRANT SELECT, INSERT ON audit_event TO careplan"))
        db.session.commit()
        connection = db.session.connection()
        indexes_before = _indexes(connection)
        assert not partitions.is_partitioned(connection)
        db.session.commit()

        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 2, 10))
        upgrade()
        connection = db.session.connection()
        assert partitions.is_partitioned(connection)
        months = {p.name: p.rows for p in partitions.listing(connection, counted=True)}
        assert months["audit_event_y2025m11"] == 4
        assert months["audit_event_y2025m12"] == 4
        assert months["audit_event_y2026m02"] == 4
        assert partitions.default_rows(connection) == 0
        assert _indexes(connection) == indexes_before  # same names, now on the parent
        grants = set(
            connection.execute(
                text(
                    "SELECT privilege_type FROM information_schema.role_table_grants "
                    "WHERE table_name = 'audit_event' AND grantee = 'careplan'"
                )
            ).scalars()
        )
        assert grants == {"SELECT", "INSERT"}
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM audit_event WHERE seq = 1"))
        db.session.rollback()
        result = verify_chain(db.session, signer.public)
        assert result.ok
        assert result.checked == 12
        # The writer goes on appending to the converted table.
        append(db.session, [build(AuditAction.PLAN_VIEW, Outcome.PERMIT)], None)
        db.session.commit()
        assert verify_chain(db.session, signer.public).checked == 13
        db.session.commit()  # no read of ours holds the table while the migration runs

        downgrade(revision=BEFORE)
        connection = db.session.connection()
        assert not partitions.is_partitioned(connection)
        assert _indexes(connection) == indexes_before
        # Every record back in one table (the code of this version needs audit_archive
        # to verify; the records' hashes are as they were).
        assert connection.execute(text("SELECT count(*), max(seq) FROM audit_event")).one() == (
            13,
            13,
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
