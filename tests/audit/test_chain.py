"""The audit record is written with the action, or the action does not happen."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from audit import writer
from audit.verify import verify_chain
from careplan.extensions import db
from tests.api.scene import build_scene


def test_chain_verifies_after_requests(api, world):
    scene = build_scene(world)
    for _ in range(3):
        api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    api.get(scene.outsider, f"/people/{scene.person.id}/plan")
    result = verify_chain(db.session)
    assert result.ok
    assert result.checked == len(world.audit()) >= 4


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


def test_database_refuses_update_and_delete(api, world):
    scene = build_scene(world)
    api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    for statement in ("UPDATE audit_event SET outcome = 'deny'", "DELETE FROM audit_event"):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert verify_chain(db.session).ok


def _without_triggers(statement: str) -> None:
    """An attacker with database access: triggers off, then the edit."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
        db.session.execute(text(statement))
        db.session.execute(text("SET session_replication_role = DEFAULT"))
    else:
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text("DROP TRIGGER audit_event_no_delete"))
        db.session.execute(text(statement))
    db.session.commit()


@pytest.mark.parametrize(
    ("statement", "first_bad"),
    [
        ("UPDATE audit_event SET outcome = 'deny' WHERE seq = 2", 2),
        ("DELETE FROM audit_event WHERE seq = 2", 2),
        ("DELETE FROM audit_event WHERE seq = 4", 4),
    ],
)
def test_tampering_is_detected_with_first_bad_sequence(api, world, statement, first_bad):
    scene = build_scene(world)
    for _ in range(4):
        api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    _without_triggers(statement)
    result = verify_chain(db.session)
    assert not result.ok
    assert result.first_bad_seq == first_bad


def test_failed_audit_write_aborts_the_action(api, world, monkeypatch):
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/sections/housing"

    def broken(session, records):
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
