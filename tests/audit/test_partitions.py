"""The audit log at national scale (issue 18): `audit_event` partitioned by month on
PostgreSQL, queries that read only the months they ask about, closed years archived to a
file with verification of the rest starting from the signed anchor; on SQLite nothing
changes and archiving is refused."""

from __future__ import annotations

import dataclasses
import gzip
import json
import uuid
from datetime import datetime

import pytest
from sqlalchemy import select, text

from audit import partitions, queries
from audit.actions import AuditAction, Outcome
from audit.log import build
from audit.models import AuditArchive, AuditEvent
from audit.verify import verify_chain
from audit.writer import CheckpointPolicy, append
from careplan.core import clock
from careplan.extensions import db
from tests.audit.test_chain import _as_attacker

NOW = datetime(2026, 12, 1, 11, 0)
PERSON = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
OTHER = uuid.UUID("00000000-0000-4000-8000-0000000000b2")


def on_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def pg(app):
    if not on_postgres():
        pytest.skip("partitioning is PostgreSQL's (run with TEST_DATABASE_URL)")
    return app


def write(
    app, monkeypatch, when: datetime, n: int = 1, person=PERSON, every: int = 1000, seconds=3600
) -> None:
    """`n` plan views of `person` at `when`, committed; a checkpoint every `every` records
    and when the last one is older than `seconds`."""
    monkeypatch.setattr(clock, "now", lambda: when)
    signer = app.extensions["careplan.checkpoints"].signer
    records = [
        build(AuditAction.PLAN_VIEW, Outcome.PERMIT, person_id=person, details={"i": i})
        for i in range(n)
    ]
    append(db.session, records, CheckpointPolicy(signer, every, seconds))
    db.session.commit()


def months(app, monkeypatch, specs) -> None:
    for when, n in specs:
        write(app, monkeypatch, when, n)


def verify(app):
    db.session.rollback()
    public = app.extensions["careplan.checkpoints"].signer.public
    return verify_chain(db.session, public)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


# --- partitions -----------------------------------------------------------------------


def test_the_table_is_partitioned_by_month_with_a_default(pg, monkeypatch):
    connection = db.session.connection()
    assert partitions.is_partitioned(connection)
    key = connection.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'audit_event'::regclass AND contype = 'p'"
        )
    ).scalar()
    assert key == "PRIMARY KEY (seq, occurred_at)"
    # The append-only rule holds on every partition, the DEFAULT one too.
    write(pg, monkeypatch, datetime(2019, 3, 4, 10, 0))
    assert partitions.default_rows(db.session.connection()) == 1
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event"))
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_event_default SET outcome = 'deny'"))
    db.session.rollback()


def test_partitions_command_makes_months_ahead_and_empties_the_default(pg, monkeypatch):
    write(pg, monkeypatch, datetime(2019, 3, 4, 10, 0), 2)
    write(pg, monkeypatch, datetime(2019, 5, 4, 10, 0), 1)
    monkeypatch.setattr(clock, "now", lambda: datetime(2031, 11, 15))
    result = cli(pg, "partitions")
    assert result.exit_code == 0, result.output
    assert "held 3 records" in result.output
    names = {p.name: p.rows for p in partitions.listing(db.session.connection(), counted=True)}
    assert names["audit_event_y2019m03"] == 2
    assert names["audit_event_y2019m05"] == 1
    for made in ("y2031m11", "y2031m12", "y2032m01", "y2032m02"):
        assert f"audit_event_{made}" in names
    assert partitions.default_rows(db.session.connection()) == 0
    # Nothing was lost or changed by the move: the chain is intact.
    assert verify(pg).ok
    # Run again: nothing to do.
    again = cli(pg, "partitions")
    assert again.exit_code == 0
    assert "Made 0 partitions" in again.output


def test_an_insert_for_a_month_without_partition_lands_in_the_default(pg, monkeypatch):
    write(pg, monkeypatch, datetime(2040, 1, 1, 0, 0))
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 1
    assert partitions.default_rows(db.session.connection()) == 1


def test_metrics_report_the_default_partition_and_months_ahead(pg, monkeypatch):
    pg.config["METRICS_TOKEN"] = "metrics-token-for-tests"
    client = pg.test_client()

    def metric(name: str) -> float:
        body = client.get(
            "/metrics", headers={"Authorization": "Bearer metrics-token-for-tests"}
        ).get_data(as_text=True)
        return float(next(line.split()[-1] for line in body.splitlines() if line.startswith(name)))

    write(pg, monkeypatch, datetime(2040, 1, 1, 0, 0), 2)
    monkeypatch.setattr(clock, "now", lambda: datetime(2039, 11, 20))
    assert metric("careplan_audit_default_partition_records") == 2
    assert metric("careplan_audit_partition_months_ahead") == 0
    assert cli(pg, "partitions").exit_code == 0
    assert metric("careplan_audit_default_partition_records") == 0
    assert metric("careplan_audit_partition_months_ahead") == 3


# --- pruning ----------------------------------------------------------------------------


def _pruned_setup(app, monkeypatch):
    for month in range(1, 7):
        write(app, monkeypatch, datetime(2026, month, 10, 12, 0), 3, person=PERSON)
        write(app, monkeypatch, datetime(2026, month, 11, 12, 0), 2, person=OTHER)
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 20))
    cli(app, "partitions")
    db.session.execute(text("ANALYZE audit_event"))
    db.session.commit()


def test_searches_read_only_the_months_asked_about(pg, monkeypatch):
    _pruned_setup(pg, monkeypatch)
    connection = db.session.connection()
    march = {"from_": datetime(2026, 3, 1), "to": datetime(2026, 3, 31, 23, 59)}
    for filters in (
        {"person": PERSON, **march},
        {"person": [PERSON, OTHER], **march},
        {"actor": uuid.uuid4(), **march},
        {"action": "plan.view", **march},
    ):
        plan = partitions.explain(connection, queries.search_query(filters, 50, None))
        assert partitions.scanned(plan) == ["audit_event_y2026m03"], plan
    rows, _ = queries.search(db.session, {"person": PERSON, **march}, 50, None)
    assert [r["occurred_at"].month for r in rows] == [3, 3, 3]
    # Two months asked about: two months read.
    spring = {"from_": datetime(2026, 3, 15), "to": datetime(2026, 4, 15)}
    plan = partitions.explain(
        connection, queries.search_query({"person": PERSON, **spring}, 50, None)
    )
    assert partitions.scanned(plan) == ["audit_event_y2026m03", "audit_event_y2026m04"]


def test_a_seven_day_report_reads_only_its_months(pg, monkeypatch):
    _pruned_setup(pg, monkeypatch)
    connection = db.session.connection()
    week = {"from_": datetime(2026, 5, 7), "to": datetime(2026, 5, 14)}
    for kind in queries.REPORTS:
        plan = partitions.explain(connection, queries.report_query(kind, week, None, 2026))
        assert partitions.scanned(plan) == ["audit_event_y2026m05"], (kind, plan)
    # Across the turn of a month: both months, no others.
    turn = {"from_": datetime(2026, 4, 28), "to": datetime(2026, 5, 5)}
    plan = partitions.explain(connection, queries.report_query("many_people", turn, None, 2026))
    assert partitions.scanned(plan) == ["audit_event_y2026m04", "audit_event_y2026m05"]
    rows = queries.report(db.session, "many_people", {**week, "from_": datetime(2026, 5, 1)}, 1)
    assert rows
    assert rows[0]["count"] == 2


# --- archiving ----------------------------------------------------------------------------


@pytest.fixture
def two_years(pg, monkeypatch):
    """Records over 2024 and 2025 (checkpoint every 4 records) and into 2026, each month
    partitioned: 2024 is records 1 to 9."""
    policy = pg.extensions["careplan.checkpoints"]
    pg.extensions["careplan.checkpoints"] = dataclasses.replace(policy, every=4)
    # Parallel verification used even on a log this small.
    pg.config["AUDIT_VERIFY_MIN_SEGMENT"] = 1
    for year in (2024, 2025):
        for month in (2, 7, 12):
            for _ in range(3):
                write(pg, monkeypatch, datetime(year, month, 5, 9, 0), 1, every=4)
    write(pg, monkeypatch, datetime(2026, 1, 5, 9, 0), 3, every=4)
    monkeypatch.setattr(clock, "now", lambda: NOW)
    assert cli(pg, "partitions").exit_code == 0
    assert verify(pg).ok
    return pg


def test_archiving_a_closed_year(two_years, monkeypatch, tmp_path):
    app = two_years
    target = tmp_path / "audit-2024.jsonl.gz"
    result = cli(app, "archive", "2024", "--to", str(target))
    assert result.exit_code == 0, result.output
    assert "Archived 9 records of 2024 (records 1 to 9)" in result.output
    # The file checks on its own...
    checked = cli(app, "verify", "--archive", str(target))
    assert checked.exit_code == 0, checked.output
    assert "Archive of 2024 intact" in checked.output
    # ...its partitions are gone, and the rest of the log verifies from the anchor.
    names = [p.name for p in partitions.listing(db.session.connection())]
    assert not [n for n in names if "y2024" in n]
    assert "audit_event_y2025m02" in names
    db.session.rollback()
    assert db.session.scalar(select(db.func.min(AuditEvent.seq))) == 10
    full = cli(app, "verify")
    assert full.exit_code == 0, full.output
    assert "from the signed anchor of the archived records 1 to 9" in full.output
    assert "(records 10 to " in full.output  # the last full check, after the archive
    parallel = cli(app, "verify", "--processes", "2")
    assert parallel.exit_code == 0, parallel.output
    incremental = cli(app, "verify", "--incremental")
    assert incremental.exit_code == 0, incremental.output
    assert "checked from the last verified checkpoint" in incremental.output
    row = db.session.get(AuditArchive, 2024)
    assert (row.first_seq, row.last_seq, row.records) == (1, 9, 9)
    assert row.checkpoint_seq >= 9
    # The archive is itself recorded.
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.archive"))
        .one()
        .details["year"]
        == 2024
    )
    # A second year after it: the anchor moves on.
    second = cli(app, "archive", "2025", "--to", str(tmp_path / "audit-2025.jsonl.gz"))
    assert second.exit_code == 0, second.output
    assert cli(app, "verify", "--archive", str(tmp_path / "audit-2025.jsonl.gz")).exit_code == 0
    assert cli(app, "verify").exit_code == 0


def test_archiving_is_refused_when_it_should_be(two_years, monkeypatch, tmp_path):
    app = two_years
    for year, why in (
        (2026, "not a closed year"),
        (2027, "not a closed year"),
        (2025, "archive the earlier years first"),
        (2023, "holds no records of 2023"),
    ):
        result = cli(app, "archive", str(year), "--to", str(tmp_path / f"{year}.gz"))
        assert result.exit_code != 0
        assert why in result.output, result.output
        assert not (tmp_path / f"{year}.gz").exists()
    # A file that exists, or a folder that does not: refused, nothing changed.
    (tmp_path / "taken.gz").write_text("mine")
    taken = cli(app, "archive", "2024", "--to", str(tmp_path / "taken.gz"))
    assert "exists: give a new file" in taken.output
    assert (tmp_path / "taken.gz").read_text() == "mine"
    nowhere = cli(app, "archive", "2024", "--to", str(tmp_path / "no" / "such.gz"))
    assert "does not exist" in nowhere.output
    assert "audit_event_y2024m02" in [p.name for p in partitions.listing(db.session.connection())]
    # A year whose last record no checkpoint covers yet.
    monkeypatch.setattr(clock, "now", lambda: datetime(2028, 2, 1))
    cli(app, "partitions")
    write(app, monkeypatch, datetime(2027, 3, 1), 1, every=10_000, seconds=10**9)
    monkeypatch.setattr(clock, "now", lambda: datetime(2028, 2, 1))
    uncovered = cli(app, "archive", "2027", "--to", str(tmp_path / "d.gz"))
    assert uncovered.exit_code != 0
    assert "No signed checkpoint covers the last record of 2027" in uncovered.output
    assert not (tmp_path / "d.gz").exists()
    assert cli(app, "verify").exit_code == 0


def test_tampering_before_and_after_the_anchor_is_found(two_years, monkeypatch, tmp_path):
    app = two_years
    target = tmp_path / "2024.gz"
    assert cli(app, "archive", "2024", "--to", str(target)).exit_code == 0
    # Before the anchor: a record edited in the archive file.
    with gzip.open(target, "rt") as stored:
        lines = stored.read().splitlines()
    record = json.loads(lines[3])
    record[8] = "deny"  # outcome
    lines[3] = json.dumps(record)
    edited = tmp_path / "edited.gz"
    with gzip.open(edited, "wt") as out:
        out.write("\n".join(lines) + "\n")
    bad = cli(app, "verify", "--archive", str(edited))
    assert bad.exit_code == 1
    assert "record 3: record altered" in bad.output
    # A record cut from the end of the file.
    cut = tmp_path / "cut.gz"
    with gzip.open(cut, "wt") as out:
        out.write("\n".join(lines[:-1]) + "\n")
    assert "NOT intact" in cli(app, "verify", "--archive", str(cut)).output
    # The anchor moved by someone with database access (to hide the records after it).
    _as_attacker("UPDATE audit_archive SET last_seq = last_seq + 2")
    moved = cli(app, "verify")
    assert moved.exit_code == 1
    assert "archive is not validly signed" in moved.output
    _as_attacker("UPDATE audit_archive SET last_seq = last_seq - 2")
    assert cli(app, "verify").exit_code == 0
    # The anchor removed: the log no longer starts where it should.
    _as_attacker("DELETE FROM audit_archive")
    gone = cli(app, "verify")
    assert gone.exit_code == 1
    assert "first bad record is 1 (missing record)" in gone.output


def test_tampering_after_the_anchor_is_found(two_years, monkeypatch, tmp_path):
    app = two_years
    assert cli(app, "archive", "2024", "--to", str(tmp_path / "2024.gz")).exit_code == 0
    assert cli(app, "verify").exit_code == 0
    newest = db.session.scalar(select(db.func.max(AuditEvent.seq)))
    _as_attacker(f"UPDATE audit_event SET outcome = 'deny' WHERE seq = {newest}")
    incremental = cli(app, "verify", "--incremental")
    assert incremental.exit_code == 1
    assert f"first bad record is {newest} (record altered)" in incremental.output
    _as_attacker("UPDATE audit_event SET outcome = 'deny' WHERE seq = 11")
    for args in ((), ("--processes", "2")):
        result = cli(app, "verify", *args)
        assert result.exit_code == 1, args
        assert "first bad record is 11 (record altered)" in result.output


def test_the_ig_page_says_what_was_archived_and_where(two_years, monkeypatch, tmp_path, world):
    from tests.api.scene import build_scene
    from tests.web.support import Browser

    app = two_years
    target = tmp_path / "audit-2024.jsonl.gz"
    assert cli(app, "archive", "2024", "--to", str(target)).exit_code == 0
    scene = build_scene(world)
    world.session.refresh(scene.ig)
    world.session.expunge(scene.ig)
    world.session.commit()
    response = Browser(app, scene.ig).get("/ig/verify?run=1")
    assert response.status_code == 200
    page = " ".join(response.get_data(as_text=True).split())
    assert "The log is intact" in page
    assert "from the signed checkpoint the archived years end at" in page
    assert "(records 10 to " in page  # the last full check read from the anchor
    table = page[page.index('id="archived-years"') :]
    assert '<th scope="row" data-title="Year">2024</th>' in table
    assert "9 (numbers 1 to 9)" in table
    assert str(target) in table


# --- SQLite: nothing changes -----------------------------------------------------------


def test_on_sqlite_nothing_is_partitioned_and_archiving_is_refused(app, monkeypatch, tmp_path):
    if on_postgres():
        pytest.skip("the SQLite behaviour")
    write(app, monkeypatch, datetime(2024, 3, 1), 3, every=1)
    monkeypatch.setattr(clock, "now", lambda: NOW)
    assert not partitions.is_partitioned(db.session.connection())
    listed = cli(app, "partitions")
    assert listed.exit_code == 0
    assert "not partitioned" in listed.output
    refused = cli(app, "archive", "2024", "--to", str(tmp_path / "2024.gz"))
    assert refused.exit_code != 0
    assert "needs PostgreSQL" in refused.output
    assert not (tmp_path / "2024.gz").exists()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 3
    assert verify(app).ok


def test_queries_and_verification_are_unchanged_without_partitions(app, monkeypatch):
    if on_postgres():
        pytest.skip("the SQLite behaviour")
    write(app, monkeypatch, datetime(2026, 3, 1), 2, every=1)
    write(app, monkeypatch, datetime(2026, 4, 1), 1, every=1)
    rows, _ = queries.search(
        db.session,
        {"person": PERSON, "from_": datetime(2026, 3, 1), "to": datetime(2026, 3, 2)},
        50,
        None,
    )
    assert len(rows) == 2
    result = verify(app)
    assert result.ok
    assert (result.from_seq, result.anchor_seq) == (1, 0)
