"""The audit record is written with the action, or the action does not happen; and any
change to the log made behind the service's back is found by verification."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from audit import writer
from audit.models import AuditCheckpoint
from audit.verify import verify_chain
from careplan.extensions import db
from tests.api.scene import build_scene


def verify(app, key=None, walk="one walk"):
    """Verification one of two ways: "one walk" from record 1 in this process, or
    "parallel": the segments between checkpoints in two worker processes (every
    checkpoint a segment here, as the test logs are small)."""
    public = key or app.extensions["careplan.checkpoints"].signer.public
    if walk == "parallel":
        result = verify_chain(db.session, public, processes=2, min_segment=1)
        assert result.processes == 2  # it did use the pool
        return result
    return verify_chain(db.session, public)


def found(result):
    return (result.ok, result.checked, result.first_bad_seq, result.problem, result.checkpoint)


@pytest.fixture
def every_three(app):
    """Sign a checkpoint every 3 records (the default is 1000)."""
    policy = app.extensions["careplan.checkpoints"]
    app.extensions["careplan.checkpoints"] = dataclasses.replace(policy, every=3, seconds=3600)
    return app


def _views(api, scene, n):
    for _ in range(n):
        assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan").status_code == 200


def test_chain_verifies_after_requests(app, api, world):
    scene = build_scene(world)
    _views(api, scene, 3)
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")
    result = verify(app)
    assert result.ok
    assert result.checked == len(world.audit()) >= 4


def test_checkpoints_are_signed_every_n_records(every_three, api, world):
    scene = build_scene(world)
    _views(api, scene, 7)
    checkpoints = list(db.session.query(AuditCheckpoint).order_by(AuditCheckpoint.seq))
    assert [c.seq for c in checkpoints][:3] == [1, 4, 7]  # the first is due at once (time)
    result = verify(every_three)
    assert result.ok
    assert result.checkpoint["seq"] == 7


def test_plan_view_record_names_sections_and_basis(api, world):
    scene = build_scene(world)
    response = api.get(scene.colleague, f"/people/{scene.person.id}/plan")
    event = [e for e in world.audit() if e.request_id == response.headers["X-Request-Id"]][-1]
    assert event.action == "plan.view"
    assert event.outcome == "permit"
    assert event.person_id == scene.person.id
    assert event.sections == world.catalogue_keys()
    assert event.basis["housing"] == "lead_agency"
    assert event.actor_name == "Colleague"
    assert event.actor_agency_name == "Lead NHS team"
    assert event.actor_role == "practitioner"
    assert event.client_addr == "127.0.0.1"


def test_database_refuses_update_and_delete(app, api, world, every_three):
    scene = build_scene(world)
    _views(api, scene, 4)
    for statement in (
        "UPDATE audit_event SET outcome = 'deny'",
        "DELETE FROM audit_event",
        "UPDATE audit_checkpoint SET seq = 99",
        "DELETE FROM audit_checkpoint",
    ):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert verify(app).ok


def _as_attacker(*statements: str) -> None:
    """Someone with database access: triggers off, then the edit."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
        for statement in statements:
            db.session.execute(text(statement))
        db.session.execute(text("SET session_replication_role = DEFAULT"))
    else:
        for table in ("audit_event", "audit_checkpoint"):
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
            db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        for statement in statements:
            db.session.execute(text(statement))
    db.session.commit()


COPY = (
    "INSERT INTO audit_event SELECT 99, occurred_at, actor_id, actor_name, actor_role, "
    "actor_agency_id, actor_agency_name, action, outcome, person_id, sections, withheld, "
    "basis, reason, purpose, justification, request_id, client_addr, user_agent, details, "
    "prev_hash, hash FROM audit_event WHERE seq = 3"
)
TAMPERING = {
    "edit": (["UPDATE audit_event SET outcome = 'deny' WHERE seq = 2"], 2),
    "edit_and_rehash_tail": (
        ["UPDATE audit_event SET reason = 'x', hash = 'f' || substr(hash, 2) WHERE seq = 5"],
        5,
    ),
    "delete": (["DELETE FROM audit_event WHERE seq = 2"], 2),
    # A copy of record 3 slipped in as record 5, the rest renumbered after it.
    "insert": (
        [
            "UPDATE audit_event SET seq = seq + 100 WHERE seq >= 5",
            COPY.replace("SELECT 99", "SELECT 5"),
            "UPDATE audit_event SET seq = seq - 99 WHERE seq >= 105",
        ],
        5,
    ),
    "reorder": (
        [
            "UPDATE audit_event SET seq = 100 WHERE seq = 2",
            "UPDATE audit_event SET seq = 2 WHERE seq = 3",
            "UPDATE audit_event SET seq = 3 WHERE seq = 100",
        ],
        2,
    ),
    "truncate_tail": (
        ["DELETE FROM audit_event WHERE seq >= 6", "UPDATE audit_head SET seq = 5"],
        6,
    ),
    # A record at a checkpoint removed: the segment before it ends short.
    "delete_at_checkpoint": (["DELETE FROM audit_event WHERE seq = 4"], 4),
    # A checkpoint re-pointed at another hash without the key: its signature fails.
    "forge_checkpoint": (
        [
            "UPDATE audit_checkpoint SET hash = (SELECT hash FROM audit_event WHERE seq = 5) "
            "WHERE seq = 4"
        ],
        4,
    ),
}


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_tampering_is_detected_with_first_bad_sequence(every_three, api, world, kind):
    scene = build_scene(world)
    _views(api, scene, 7)
    assert verify(every_three).ok
    assert verify(every_three, walk="parallel").ok
    statements, first_bad = TAMPERING[kind]
    _as_attacker(*statements)
    result = verify(every_three)
    assert not result.ok
    assert result.first_bad_seq == first_bad, result
    # The segments checked in parallel give the one walk's answer, word for word.
    assert found(verify(every_three, walk="parallel")) == found(result)


def test_parallel_walk_reaches_the_same_end_and_hashes(every_three, api, world):
    scene = build_scene(world)
    _views(api, scene, 10)
    one = verify_chain(
        db.session, every_three.extensions["careplan.checkpoints"].signer.public, frozenset({2, 9})
    )
    parallel = verify_chain(
        db.session,
        every_three.extensions["careplan.checkpoints"].signer.public,
        frozenset({2, 9}),
        processes=2,
        min_segment=1,
    )
    assert one.ok
    assert parallel.ok
    assert parallel.processes == 2
    assert found(parallel) == found(one)
    assert parallel.hashes == one.hashes
    assert set(one.hashes) == {2, 9}


def test_checkpoint_signed_by_another_key_is_refused(every_three, api, world):
    scene = build_scene(world)
    _views(api, scene, 4)
    stranger = Ed25519PrivateKey.generate().public_key()
    result = verify(every_three, stranger)
    assert not result.ok
    assert "signature" in result.problem
    assert found(verify(every_three, stranger, walk="parallel")) == found(result)


def test_failed_audit_write_aborts_the_action(api, world, monkeypatch):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/sections/housing"

    def broken(session, records, checkpoints=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "append", broken)
    response = api.put(
        scene.key_worker,
        url,
        {"content": {"preferred_areas": ["Gorgie"]}},
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 503
    assert "content" not in response.get_json()
    monkeypatch.undo()
    shown = api.get(scene.key_worker, url).get_json()
    assert shown["version"] == 1
    assert shown["content"] == {}


def test_failed_audit_write_returns_no_plan(api, world, monkeypatch):
    """The plan view commits its reads and audit record before it writes the body: when
    the record cannot be written, nothing of the plan leaves."""
    scene = build_scene(world)
    api.put(
        scene.key_worker,
        f"/people/{scene.person.id}/plan/sections/housing",
        {"content": {"preferred_areas": ["Gorgie"]}},
        headers={"If-Match": '"1"'},
    )

    def broken(session, records, checkpoints=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "append", broken)
    response = api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    assert response.status_code == 503
    assert response.get_json()["error"] == "not_recorded"
    assert "Gorgie" not in response.get_data(as_text=True)
    assert "sections" not in response.get_json()


def test_the_standard_encoder_decides_when_the_fast_one_differs(
    every_three, api, world, monkeypatch
):
    """Records are hashed with orjson first; if its bytes ever differ from the canonical
    encoding (here: made to), the standard library's encoder is asked again, so the log is
    still found intact, and a real change is still found."""
    from audit import segments

    scene = build_scene(world)
    _views(api, scene, 4)
    monkeypatch.setattr(segments.orjson, "dumps", lambda values: b"[" + b"x" * 10 + b"]")
    assert verify(every_three).ok
    _as_attacker("UPDATE audit_event SET outcome = 'deny' WHERE seq = 3")
    result = verify(every_three)
    assert result.first_bad_seq == 3
    assert result.problem == "record altered"
