"""The incremental check (issue 18, faster verification): "Check the log" and
GET /audit/verify start from the last verified checkpoint, kept signed in
audit_verification; tampering after it is found there, tampering before it by the full
check (`flask audit verify`), and a state row moved or forged by someone with database
access is not trusted."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from audit.models import AuditCheckpoint, AuditEvent, AuditVerification
from careplan.extensions import db
from tests.api.scene import build_scene
from tests.audit.test_chain import _as_attacker
from tests.web.support import Browser


@pytest.fixture
def every_three(app):
    """A checkpoint every 3 records, and the parallel path used even on a small log."""
    policy = app.extensions["careplan.checkpoints"]
    app.extensions["careplan.checkpoints"] = dataclasses.replace(policy, every=3, seconds=3600)
    app.config["AUDIT_VERIFY_MIN_SEGMENT"] = 1
    app.config["AUDIT_VERIFY_PROCESSES"] = 1
    yield app
    app.extensions["careplan.witnesses"].stop(2)


def views(api, scene, n):
    for _ in range(n):
        assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 200


def check(api, scene):
    response = api.get(scene.ig, "/audit/verify")
    assert response.status_code == 200
    return response.get_json()


def state():
    db.session.rollback()
    return db.session.get(AuditVerification, 1)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def newest_checkpoint() -> int:
    db.session.rollback()
    return db.session.scalars(select(db.func.max(AuditCheckpoint.seq))).one()


def test_first_check_is_full_then_incremental_from_the_last_checkpoint(every_three, api, world):
    scene = build_scene(world)
    views(api, scene, 4)
    first = check(api, scene)
    assert first["ok"]
    assert first["mode"] == "full"
    assert first["from_seq"] == 1
    assert first["note"] == "no earlier check is on record"
    assert first["last_full"]["seq"] == first["checked"]
    reached = state().checkpoint_seq
    assert reached == newest_checkpoint() > 1
    views(api, scene, 4)
    second = check(api, scene)
    assert second["ok"]
    assert second["mode"] == "incremental"
    assert second["from_seq"] == reached
    assert second["checked"] > reached
    assert second["note"] is None
    # The last full check is still the first one, as the answer says.
    assert second["last_full"] == first["last_full"]
    # What the check read is in its own audit record.
    recorded = [e for e in world.audit() if e.action == "audit.verify"][-1]
    assert recorded.details["mode"] == "incremental"
    assert recorded.details["from_seq"] == reached


def test_tampering_after_the_verified_checkpoint_is_found_incrementally(every_three, api, world):
    scene = build_scene(world)
    views(api, scene, 4)
    assert check(api, scene)["ok"]
    reached = state().checkpoint_seq
    views(api, scene, 4)
    _as_attacker(f"UPDATE audit_event SET outcome = 'deny' WHERE seq = {reached + 2}")
    result = check(api, scene)
    assert result["mode"] == "incremental"
    assert not result["ok"]
    assert result["first_bad_seq"] == reached + 2
    assert result["problem"] == "record altered"
    # Found once, never forgotten: the state is gone, the next check reads the whole log.
    assert state() is None
    again = check(api, scene)
    assert again["mode"] == "full"
    assert not again["ok"]
    assert again["first_bad_seq"] == reached + 2


def test_tampering_before_it_is_left_to_the_full_check(every_three, api, world):
    scene = build_scene(world)
    views(api, scene, 6)
    assert check(api, scene)["ok"]
    reached = state().checkpoint_seq
    assert reached > 3
    _as_attacker("UPDATE audit_event SET outcome = 'deny' WHERE seq = 2")
    # The incremental check reads from the verified checkpoint on: it cannot see it ...
    later = check(api, scene)
    assert later["ok"]
    assert later["mode"] == "incremental"
    assert later["from_seq"] == reached
    # ... the full check does, with the incremental and parallel options too.
    full = cli(every_three, "--processes", "2")
    assert full.exit_code == 1
    assert "first bad record is 2 (record altered)" in full.output
    assert state() is None


def test_cli_options_say_what_they_checked(every_three, api, world):
    scene = build_scene(world)
    views(api, scene, 6)
    full = cli(every_three, "--processes", "2")
    assert full.exit_code == 0, full.output
    assert "records checked in full, 1 to" in full.output
    assert "(2 processes)" in full.output
    assert "The whole log was last checked in full at" in full.output
    reached = state().checkpoint_seq
    views(api, scene, 2)
    incremental = cli(every_three, "--incremental")
    assert incremental.exit_code == 0, incremental.output
    assert f"records {reached} to " in incremental.output
    assert "checked from the last verified checkpoint (one process)" in incremental.output


@pytest.mark.parametrize("forgery", ["moved_forward", "resigned_by_stranger"])
def test_a_state_row_moved_by_an_attacker_is_not_trusted(every_three, api, world, forgery):
    """Someone who changed record 2 points the state past it, so an incremental check would
    start after their change: without the key the row's signature fails, and the check
    reads the whole log."""
    scene = build_scene(world)
    views(api, scene, 3)
    assert check(api, scene)["ok"]
    views(api, scene, 6)
    later = newest_checkpoint()
    assert later > state().checkpoint_seq
    if forgery == "moved_forward":
        change = (
            f"UPDATE audit_verification SET checkpoint_seq = {later}, checkpoint_hash = "
            f"(SELECT hash FROM audit_checkpoint WHERE seq = {later})"
        )
    else:
        change = "UPDATE audit_verification SET key_id = 'ffffffffffffffff'"
    _as_attacker("UPDATE audit_event SET outcome = 'deny' WHERE seq = 2", change)
    result = check(api, scene)
    assert result["mode"] == "full"
    assert "not signed with this key" in result["note"]
    assert not result["ok"]
    assert result["first_bad_seq"] == 2


@pytest.mark.parametrize("how", ["record_changed", "checkpoint_removed"])
def test_the_verified_checkpoint_is_checked_again(every_three, api, world, how):
    """The checkpoint the state names: its record must still hash to what it signed, and
    it must still be in audit_checkpoint (which is append-only)."""
    scene = build_scene(world)
    views(api, scene, 4)
    assert check(api, scene)["ok"]
    reached = state().checkpoint_seq
    if how == "record_changed":
        _as_attacker(f"UPDATE audit_event SET reason = 'x' WHERE seq = {reached}")
        problem = "record altered"
    else:
        _as_attacker(f"DELETE FROM audit_checkpoint WHERE seq = {reached}")
        problem = f"the signed checkpoint at record {reached}, verified on "
    result = check(api, scene)
    assert result["mode"] == "incremental"
    assert not result["ok"]
    assert result["first_bad_seq"] == reached
    assert result["problem"].startswith(problem)


def test_the_page_says_what_was_checked(every_three, world):
    scene = build_scene(world)
    # The user loaded and detached first: the test's own session then holds no
    # transaction (SQLite's write lock) while the pages run.
    world.session.refresh(scene.ig)
    world.session.expunge(scene.ig)
    world.session.commit()
    browser = Browser(every_three, scene.ig)

    def page(path):
        response = browser.get(path)
        assert response.status_code == 200
        return " ".join(response.get_data(as_text=True).split())

    assert "Not on record. The next check will read the whole log" in page("/ig/verify")
    first = page("/ig/verify?run=1")
    assert "The whole log was checked: records 1 to" in first
    assert "no earlier check is on record" in first
    reached = state().checkpoint_seq
    second = page("/ig/verify?run=1")
    assert f"Records {reached} to " in second
    assert "from the last verified checkpoint to the newest record" in second
    assert "Whole log last checked in full" in second


@pytest.fixture
def app_config(tmp_path):
    """A file witness outside the database, as a default installation has."""
    return {"AUDIT_WITNESSES": f"file:{tmp_path / 'elsewhere' / 'witness.log'}"}


@pytest.mark.parametrize("cut", ["newest_record", "witness"])
def test_a_cut_tail_or_a_cut_witness_is_found_incrementally(every_three, api, world, cut):
    """The incremental check reads the newest part of each witness: a record witnessed
    past the verified checkpoint and then deleted, or the witness cut back to less than
    it was given, is found without reading the whole log."""
    deliverer = every_three.extensions["careplan.witnesses"]
    witness = next(w.readable_path() for w in deliverer.witnesses if w.kind == "file")
    scene = build_scene(world)
    views(api, scene, 4)
    assert check(api, scene)["ok"]
    reached = state().checkpoint_seq
    views(api, scene, 2)
    assert deliverer.flush(10)
    db.session.rollback()
    newest = db.session.scalars(select(db.func.max(AuditEvent.seq))).one()
    if cut == "newest_record":
        _as_attacker(
            f"DELETE FROM audit_event WHERE seq = {newest}",
            f"UPDATE audit_head SET seq = {newest - 1}, "
            f"hash = (SELECT hash FROM audit_event WHERE seq = {newest - 1})",
        )
    else:
        witness.write_text(witness.read_text().splitlines()[0] + "\n")
    result = check(api, scene)
    assert result["mode"] == "incremental"
    assert result["from_seq"] == reached
    assert not result["ok"]
    if cut == "newest_record":
        # Named by the witness, or by a checkpoint if the newest record was one.
        assert "missing from the end" in result["problem"]
        assert result["first_bad_seq"] == newest
    else:
        assert "holds less than it was given" in result["problem"]


def test_two_checks_finishing_at_once_both_record_their_state(app):
    """Two checks (two IG officers, a scheduled one) saving the verified state at the same
    moment on a log never checked before: neither fails on the first row, and the state
    left is one of theirs, signed, and trusted."""
    import threading
    from datetime import datetime

    from audit import verified

    signer = app.extensions["careplan.checkpoints"].signer
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def save(n: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                verified._save(db.session, signer, 0, datetime(2026, 12, 1, 9, n), None, None)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    with app.app_context():
        db.session.execute(AuditVerification.__table__.delete())
        db.session.commit()
        db.session.remove()
    threads = [threading.Thread(target=save, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with app.app_context():
        state = verified.state(db.session, signer.public)
        assert state is not None
        assert state["checked_at"].minute in (1, 2)
        assert db.session.query(AuditVerification).count() == 1
