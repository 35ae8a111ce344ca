"""The summary of who touched whom (audit.summary): kept by the writer in the records'
transaction, rebuilt from the log to the same rows, and the "many people" report read
through it giving exactly the log's answer. SQLite, and PostgreSQL in its pass."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, func, select

from audit import queries, summary
from audit.actions import AuditAction, Outcome
from audit.log import build
from audit.models import AuditAccessActorDay, AuditAccessDay, AuditCheckpoint, AuditEvent
from audit.verify import verify_chain
from audit.writer import CheckpointPolicy, append
from careplan.core import clock
from careplan.extensions import db
from tests.api.scene import build_scene
from tests.audit.test_partitions import pg, two_years  # noqa: F401 - fixtures

DAY = datetime(2026, 5, 1)
PEOPLE = [uuid.UUID(int=1000 + n) for n in range(40)]


def _staff(name: str, agency: str = "Lead NHS team", ident: uuid.UUID | None = None):
    return SimpleNamespace(
        id=ident or uuid.uuid4(),
        name=name,
        primary_role="practitioner",
        agency=SimpleNamespace(id=uuid.UUID(int=7), name=agency),
    )


def _write(app, monkeypatch, when: datetime, specs, commit: bool = True) -> None:
    """Append records (action, outcome, user, person, purpose) at `when`."""
    monkeypatch.setattr(clock, "now", lambda: when)
    signer = app.extensions["careplan.checkpoints"].signer
    records = [
        build(action, outcome, user=user, person_id=person, purpose=purpose)
        for action, outcome, user, person, purpose in specs
    ]
    append(db.session, records, CheckpointPolicy(signer, 1000, 10**6))
    if commit:
        db.session.commit()


def _summary_rows() -> tuple[list[tuple], list[tuple]]:
    people = db.session.execute(
        select(
            AuditAccessDay.day,
            AuditAccessDay.actor_id,
            AuditAccessDay.person_id,
            AuditAccessDay.events,
        ).order_by(AuditAccessDay.day, AuditAccessDay.actor_id, AuditAccessDay.person_id)
    ).all()
    actors = db.session.execute(
        select(
            AuditAccessActorDay.actor_id,
            AuditAccessActorDay.day,
            AuditAccessActorDay.people,
            AuditAccessActorDay.events,
        ).order_by(AuditAccessActorDay.actor_id, AuditAccessActorDay.day)
    ).all()
    return [tuple(r) for r in people], [tuple(r) for r in actors]


def _scan(filters, threshold):
    """The report as it was: its query on the whole log, no summary."""
    rows = db.session.execute(queries.report_query("many_people", filters, threshold)).all()
    return sorted((str(r[0]), r[1], r[2], r[3]) for r in rows)


def _through_summary(filters, threshold):
    rows = queries.report(db.session, "many_people", filters, threshold)
    return sorted((str(r["actor_id"]), r["actor_name"], r["agency"], r["count"]) for r in rows)


@pytest.fixture
def varied(app, monkeypatch):
    """Five days of records: a busy actor (30 people, renamed on day 5), a middling one,
    quiet ones, records with no actor and with no person, actions that are not access,
    refusals and invalid requests, two purposes, times at 00:00:00 and 23:59:59.999999."""
    rng = random.Random(18)  # noqa: S311 - a repeatable world, not security
    ann_id = uuid.uuid4()
    ann, ann_renamed = _staff("Ann Busy", ident=ann_id), _staff("Ann Busy-Smith", ident=ann_id)
    bob, cat, dan = _staff("Bob Middle"), _staff("Cat Quiet", "Council"), _staff("Dan Quiet")
    actions = [
        AuditAction.PLAN_VIEW,
        AuditAction.SECTION_VIEW,
        AuditAction.PERSON_VIEW,
        AuditAction.PERSON_LOOKUP,
        AuditAction.AUDIT_SEARCH,
        AuditAction.EXPORT,
    ]
    outcomes = [Outcome.PERMIT] * 6 + [Outcome.DENY, Outcome.INVALID]
    for d in range(5):
        day = DAY + timedelta(days=d)
        times = [day, day + timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)]
        times += [day + timedelta(minutes=rng.randrange(1, 1439)) for _ in range(10)]
        for when in sorted(times):
            specs = []
            # One record a transaction too: PostgreSQL appends those in one statement.
            for _ in range(rng.randrange(1, 8)):
                user = rng.choice(
                    [ann if d < 4 else ann_renamed] * 5 + [bob] * 3 + [cat, dan, None]
                )
                pool = PEOPLE[:30] if user is not None and user.id == ann_id else PEOPLE[:14]
                person = None if rng.random() < 0.1 else rng.choice(pool)
                purpose = rng.choice(["direct_care", "direct_care", "safeguarding"])
                specs.append((rng.choice(actions), rng.choice(outcomes), user, person, purpose))
            _write(app, monkeypatch, when, specs)
    return app


def test_the_writer_keeps_the_summary_in_the_records_transaction(app, monkeypatch):
    kay, person = _staff("Kay Worker"), PEOPLE[0]
    at = datetime(2026, 5, 1, 23, 59, 59)
    _write(
        app,
        monkeypatch,
        at,
        [
            (AuditAction.PLAN_VIEW, Outcome.PERMIT, kay, person, None),
            (AuditAction.SECTION_VIEW, Outcome.DENY, kay, person, None),
            (AuditAction.PLAN_VIEW, Outcome.PERMIT, kay, PEOPLE[1], None),
            (AuditAction.PLAN_VIEW, Outcome.PERMIT, None, person, None),  # no actor
            (AuditAction.PERSON_LOOKUP, Outcome.PERMIT, kay, PEOPLE[2], None),  # not access
            (AuditAction.AUTH_LOGIN, Outcome.PERMIT, kay, None, None),  # no person
        ],
    )
    _write(
        app,
        monkeypatch,
        at + timedelta(seconds=1),
        [  # the next UTC day
            (AuditAction.PLAN_VIEW, Outcome.PERMIT, kay, person, None),
        ],
    )
    _write(
        app,
        monkeypatch,
        at + timedelta(seconds=2),
        [
            (AuditAction.ENTRY_VIEW, Outcome.PERMIT, kay, person, None),
        ],
    )
    k = str(kay.id)
    people, actors = _summary_rows()
    assert people == sorted(
        [
            ("2026-05-01", "", str(person), 1),
            ("2026-05-01", k, str(person), 2),
            ("2026-05-01", k, str(PEOPLE[1]), 1),
            ("2026-05-02", k, str(person), 2),
        ]
    )
    assert actors == [
        ("", "2026-05-01", 1, 1),
        (k, "2026-05-01", 2, 3),
        (k, "2026-05-02", 1, 2),
    ]
    # A transaction that rolls back leaves neither the records nor their summary.
    records = db.session.scalar(select(func.count()).select_from(AuditEvent))
    _write(
        app,
        monkeypatch,
        at + timedelta(seconds=3),
        [
            (AuditAction.PLAN_VIEW, Outcome.PERMIT, kay, PEOPLE[5], None),
            (AuditAction.PLAN_VIEW, Outcome.PERMIT, kay, person, None),
        ],
        commit=False,
    )
    assert len(_summary_rows()[0]) == 5  # seen inside the transaction
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == records
    assert _summary_rows() == (people, actors)
    # Nothing of it is in the chain: the log verifies as before.
    public = app.extensions["careplan.checkpoints"].signer.public
    assert verify_chain(db.session, public).ok


def test_one_record_at_a_time_keeps_what_rebuilding_makes(app, monkeypatch):
    """Transactions of one record each (on PostgreSQL the record, its summary key and the
    head go in one statement), a checkpoint due every third (the separate statements):
    the summary equals the log's, the chain verifies and its checkpoints are signed."""
    rng = random.Random(7)  # noqa: S311 - a repeatable world, not security
    signer = app.extensions["careplan.checkpoints"].signer
    ann, bob = _staff("Ann One"), _staff("Bob One")
    actions = [AuditAction.PLAN_VIEW, AuditAction.SECTION_VIEW, AuditAction.AUTH_LOGIN]
    for n in range(60):
        when = DAY + timedelta(hours=n * 2)
        monkeypatch.setattr(clock, "now", lambda when=when: when)
        user = rng.choice([ann, bob, None])
        person = rng.choice([None, *PEOPLE[:4]])
        record = build(rng.choice(actions), Outcome.PERMIT, user=user, person_id=person)
        append(db.session, [record], CheckpointPolicy(signer, 3, 10**6))
        db.session.commit()
    kept = _summary_rows()
    assert kept[0], "some records named a person"
    result = _cli(app, "rebuild-summary", "--from", "2026-05-01", "--to", "2026-05-06")
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _summary_rows() == kept
    verified = verify_chain(db.session, signer.public)
    assert verified.ok
    assert verified.checked >= 60
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) >= 20


def test_a_request_commits_its_records_and_their_summary_together(api, world):
    scene = build_scene(world)
    before = _summary_rows()
    api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")  # refused: still access
    db.session.rollback()
    people, _ = _summary_rows()
    today = clock.now().astimezone(UTC).date().isoformat()
    added = set(people) - set(before[0])
    keys = {(d, a, p) for d, a, p, _ in added}
    assert (today, str(scene.key_worker.id), str(scene.person.id)) in keys
    assert (today, str(scene.outsider.id), str(scene.person.id)) in keys


WINDOWS = [
    {},
    {"from_": DAY, "to": DAY + timedelta(days=5)},
    {"from_": DAY + timedelta(days=1), "to": DAY + timedelta(days=2, microseconds=-1)},
    {"from_": DAY + timedelta(days=1, hours=12), "to": DAY + timedelta(days=3, hours=6)},
    {"from_": DAY + timedelta(days=2)},
    {"to": DAY + timedelta(days=2, hours=23, minutes=59, seconds=59, microseconds=999999)},
    {"from_": DAY + timedelta(days=4, hours=23, minutes=59, seconds=59, microseconds=999999)},
    # An offset: 01:00 at +01:00 is midnight UTC.
    {
        "from_": datetime(2026, 5, 2, 1, 0, tzinfo=timezone(timedelta(hours=1))),
        "to": datetime(2026, 5, 4, 13, 30, tzinfo=timezone(timedelta(hours=1))),
    },
    {"from_": DAY + timedelta(days=10), "to": DAY + timedelta(days=12)},
]


@pytest.mark.parametrize("window", range(len(WINDOWS)))
def test_the_report_through_the_summary_equals_the_scan_of_the_log(varied, window):
    filters = WINDOWS[window]
    found_any = False
    for threshold in (None, 1, 2, 5, 8, 12, 25, 40):
        for extra in ({}, {"purpose": "safeguarding"}):
            wanted = _scan({**filters, **extra}, threshold)
            assert _through_summary({**filters, **extra}, threshold) == wanted, (
                filters,
                threshold,
                extra,
            )
            found_any = found_any or bool(wanted)
    if window < 7:
        assert found_any  # the comparisons are not all of empty reports


def test_the_default_threshold_finds_the_busy_actor_across_a_rename(varied):
    rows = _through_summary({"from_": DAY, "to": DAY + timedelta(days=5)}, None)
    names = {r[1] for r in rows}
    assert "Ann Busy" in names
    assert names <= {"Ann Busy", "Ann Busy-Smith"}
    assert rows == _scan({"from_": DAY, "to": DAY + timedelta(days=5)}, None)


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_rebuilding_gives_what_the_writer_kept_and_again_the_same(varied, monkeypatch):
    kept = _summary_rows()
    assert kept[0]
    result = _cli(varied, "rebuild-summary", "--from", "2026-04-30", "--to", "2026-05-06")
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _summary_rows() == kept
    again = _cli(varied, "rebuild-summary", "--from", "2026-04-30", "--to", "2026-05-06")
    assert again.exit_code == 0, again.output
    db.session.rollback()
    assert _summary_rows() == kept
    # Lost or damaged rows come back from the log; days outside the span stay as they are.
    db.session.execute(delete(AuditAccessDay).where(AuditAccessDay.day == "2026-05-03"))
    db.session.execute(
        AuditAccessActorDay.__table__.update()
        .values(people=99)
        .where(AuditAccessActorDay.day >= "2026-05-03")
    )
    db.session.commit()
    fixed = _cli(varied, "rebuild-summary", "--from", "2026-05-03", "--to", "2026-05-05")
    assert fixed.exit_code == 0, fixed.output
    db.session.rollback()
    assert _summary_rows() == kept
    # Without a span: from the log's first day to today.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 5, 8, tzinfo=UTC))
    whole = _cli(varied, "rebuild-summary")
    assert whole.exit_code == 0, whole.output
    assert "2026-05-01 to 2026-05-08" in whole.output
    db.session.rollback()
    assert _summary_rows() == kept
    backwards = _cli(varied, "rebuild-summary", "--from", "2026-05-03", "--to", "2026-05-01")
    assert backwards.exit_code != 0
    assert "must not be before --from" in backwards.output


def test_several_writers_upserting_the_same_keys_lose_nothing(app):
    """Threads, each with its own connection and transaction, add records of the same
    (day, actor, person) keys at once, straight through the upserts (no head lock)."""
    actor = str(uuid.uuid4())
    threads_n, rounds = 4, 15

    def record(person: uuid.UUID) -> dict:
        return {
            "occurred_at": "2026-05-01T10:00:00.000000",
            "actor_id": actor,
            "action": "plan.view",
            "person_id": str(person),
        }

    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)

    def work(n: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                for r in range(rounds):
                    with db.engine.begin() as connection:
                        # Two shared keys and one of this thread's own, in varying order.
                        batch = [record(PEOPLE[0]), record(PEOPLE[1]), record(PEOPLE[2 + n])]
                        summary.keep(connection, batch[r % 3 :] + batch[: r % 3])
        except BaseException as exc:  # reported below
            errors.append(exc)

    db.session.remove()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    people, actors = _summary_rows()
    mine = {p: e for d, a, p, e in people if a == actor}
    assert mine == {
        str(PEOPLE[0]): threads_n * rounds,
        str(PEOPLE[1]): threads_n * rounds,
        **{str(PEOPLE[2 + n]): rounds for n in range(threads_n)},
    }
    assert [(a, d, p, e) for a, d, p, e in actors if a == actor] == [
        (actor, "2026-05-01", 2 + threads_n, 3 * threads_n * rounds)
    ]


def test_the_span_a_report_touches(app, monkeypatch):
    assert summary.span(db.session, None, None) is None
    kay = _staff("Kay Worker")
    _write(
        app,
        monkeypatch,
        datetime(2026, 5, 3, 8),
        [(AuditAction.PLAN_VIEW, Outcome.PERMIT, kay, PEOPLE[0], None)],
    )
    assert summary.span(db.session, None, None) == ("2026-05-03", "2026-05-03")
    assert summary.span(db.session, datetime(2026, 5, 1, 12), None) == ("2026-05-01", "2026-05-03")
    assert summary.span(db.session, datetime(2026, 5, 4), None) is None
    assert summary.first_day(db.session) == date(2026, 5, 3)
    with pytest.raises(ValueError, match="must not be before"):
        summary.rebuild(db.session, date(2026, 5, 3), date(2026, 5, 2))


def test_archiving_a_year_drops_its_summary_and_keeps_the_rest(two_years, tmp_path):  # noqa: F811
    """PostgreSQL only (archiving is by month partitions): the year's summary rows go with
    its records, in the same transaction; the later years' stay, and a rebuild of the
    archived year (nothing left in the log) leaves it empty."""
    before = {d[:4] for d, *_ in _summary_rows()[0]}
    assert before == {"2024", "2025", "2026"}
    result = _cli(two_years, "archive", "2024", "--to", str(tmp_path / "a.jsonl.gz"))
    assert result.exit_code == 0, result.output
    db.session.rollback()
    people, actors = _summary_rows()
    assert {d[:4] for d, *_ in people} == {"2025", "2026"}
    assert {d[:4] for _, d, *_ in actors} == {"2025", "2026"}
    kept = (people, actors)
    again = _cli(two_years, "rebuild-summary", "--from", "2024-01-01", "--to", "2026-12-31")
    assert again.exit_code == 0, again.output
    db.session.rollback()
    assert _summary_rows() == kept


def test_with_more_actors_than_it_names_it_reads_the_window_for_everyone(varied, monkeypatch):
    window = {"from_": DAY + timedelta(hours=6), "to": DAY + timedelta(days=3, hours=18)}
    named = _through_summary(window, 2)
    monkeypatch.setattr(queries, "MOST_ACTORS", 1)
    assert _through_summary(window, 2) == named == _scan(window, 2)
    assert len(named) > 1
