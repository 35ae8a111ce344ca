"""The SQLite migration that makes `audit_event.seq` the table's rowid and the summary
tables WITHOUT ROWID (fewer B-trees for every append): the log, its chain, its
append-only triggers and the summary come through it unchanged, and back down again.

On SQLite only, in a database of its own made by the migrations (PostgreSQL has nothing
to change: tests/test_ops.py checks the head there).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from audit.chain import link_hash
from audit.models import GENESIS_HASH
from careplan.extensions import db
from tests.conftest import _app

BEFORE = "68eaee30af5c"  # the summary tables, before this change
AFTER = "b7c1d9e2f4a6"


@pytest.fixture
def migrated(tmp_path: Path):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("SQLite's B-trees: the SQLite pass")
    app = _app(f"sqlite:///{tmp_path / 'migrated.sqlite'}", tmp_path)
    with app.app_context():
        upgrade(revision=BEFORE)
    return app


def _records(count: int) -> list[dict]:
    records, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        row = {
            "seq": seq, "occurred_at": f"2026-11-{10 + seq % 3:02d}T09:30:00.000000",
            "actor_id": "a" * 32, "actor_name": "Ailsa Brown", "actor_role": "practitioner",
            "actor_agency_id": "b" * 32, "actor_agency_name": "Gorgie Housing",
            "action": "plan.view", "outcome": "permit", "person_id": f"{seq % 4:032d}",
            "sections": '["housing"]', "withheld": "[]", "basis": '{"housing":"key_worker"}',
            "reason": None, "purpose": "direct_care", "justification": None,
            "request_id": f"r{seq}", "client_addr": "127.0.0.1", "user_agent": "test",
            "details": "{}", "prev_hash": prev,
        }  # fmt: skip
        row["hash"] = prev = link_hash(prev, row)
        records.append(row)
    return records


def _write(records: list[dict]) -> None:
    columns = list(records[0])
    names = ", ".join(columns)
    marks = ", ".join(f":{c}" for c in columns)
    db.session.execute(text(f"INSERT INTO audit_event ({names}) VALUES ({marks})"), records)
    db.session.execute(
        text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"), records[-1]
    )
    db.session.execute(
        text(
            "INSERT INTO audit_access_day VALUES ('2026-11-10', 'a', 'p1', 3), "
            "('2026-11-11', 'a', 'p2', 1); "
        )
    )
    db.session.execute(text("INSERT INTO audit_access_actor_day VALUES ('a', '2026-11-10', 1, 3)"))
    db.session.commit()


def _state() -> tuple:
    read = db.session.execute
    return (
        [tuple(r) for r in read(text("SELECT * FROM audit_event ORDER BY seq"))],
        [tuple(r) for r in read(text("SELECT * FROM audit_access_day ORDER BY 1, 2, 3"))],
        [tuple(r) for r in read(text("SELECT * FROM audit_access_actor_day ORDER BY 1, 2"))],
    )


def _btrees() -> dict[str, str]:
    rows = db.session.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name IN "
            "('audit_event', 'audit_access_day', 'audit_access_actor_day')"
        )
    )
    # A renamed table's definition names it in quotes: the same table.
    return {name: (sql or "").replace('"', "") for name, sql in rows}


def test_the_log_comes_through_unchanged_with_fewer_btrees_and_back(migrated):
    with migrated.app_context():
        _write(_records(40))
        before, shapes = _state(), _btrees()
        assert "sqlite_autoindex_audit_event_1" in shapes
        db.session.remove()  # the migration takes the write lock
        upgrade(revision=AFTER)
        assert _state() == before
        after = _btrees()
        # seq is the rowid: no key index beside the table; the summaries keyed only.
        assert not [name for name in after if name.startswith("sqlite_autoindex")]
        assert after["audit_access_day"].endswith("WITHOUT ROWID")
        assert after["audit_access_actor_day"].endswith("WITHOUT ROWID")
        assert (
            db.session.execute(
                text("SELECT count(*) FROM audit_event WHERE rowid = seq")
            ).scalar_one()
            == 40
        )
        # The same indexes and triggers as before.
        assert {n for n in after if n.startswith(("ix_", "audit_event_no"))} == {
            n for n in shapes if n.startswith(("ix_", "audit_event_no"))
        }
        # The chain still links: each record's hash from the one before, as stored.
        rows = db.session.execute(text("SELECT * FROM audit_event ORDER BY seq")).mappings()
        prev = GENESIS_HASH
        for row in rows:
            assert row["prev_hash"] == prev
            assert link_hash(prev, dict(row)) == row["hash"]
            prev = row["hash"]
        # Still append-only; a seq, or a summary key, cannot be used twice.
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("UPDATE audit_event SET actor_name = 'x' WHERE seq = 3"))
        db.session.rollback()
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text("DELETE FROM audit_event WHERE seq = 3"))
        db.session.rollback()
        again = _records(3)[2]
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("INSERT INTO audit_event (seq, occurred_at, action, outcome, sections, "
                     "withheld, basis, details, prev_hash, hash) VALUES (:seq, :occurred_at, "
                     ":action, :outcome, :sections, :withheld, :basis, :details, :prev_hash, "
                     ":hash)"), again,
            )  # fmt: skip
        db.session.rollback()
        with pytest.raises(IntegrityError):
            db.session.execute(
                text("INSERT INTO audit_access_actor_day VALUES ('a', '2026-11-10', 1, 1)")
            )
        db.session.remove()
        downgrade(revision=BEFORE)
        assert _state() == before
        assert _btrees() == shapes
