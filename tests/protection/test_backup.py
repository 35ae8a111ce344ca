"""Backup and restore of the SQLite default: consistent, checked, and the chain verifies."""

from __future__ import annotations

import sqlite3

from careplan.extensions import db
from tests.api.scene import build_scene


def _housing(api, scene):
    return api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing")


def test_backup_then_restore_brings_back_that_moment(app, api, world, tmp_path):
    runner = app.test_cli_runner()
    if db.engine.dialect.name != "sqlite":
        out = runner.invoke(args=["backup", "--to", str(tmp_path / "b.sqlite")])
        assert out.exit_code != 0
        assert "pg_dump" in out.output
        return
    scene = build_scene(world)
    url = f"/people/{scene.person.id}/plan/sections/housing"
    api.put(
        scene.key_worker,
        url,
        {"content": {"preferred_areas": ["Before"]}},
        headers={"If-Match": '"1"'},
    )
    target = tmp_path / "backups" / "b.sqlite"
    made = runner.invoke(args=["backup", "--to", str(target)])
    assert made.exit_code == 0, made.output
    assert (target.stat().st_mode & 0o777) == 0o600
    # Life goes on after the backup...
    api.put(
        scene.key_worker,
        url,
        {"content": {"preferred_areas": ["After"]}},
        headers={"If-Match": '"2"'},
    )
    assert _housing(api, scene).get_json()["content"] == {"preferred_areas": ["After"]}
    headers = api.headers(scene.key_worker)
    person_path = f"/api/v1/people/{scene.person.id}/plan/sections/housing"
    db.session.remove()
    restored = runner.invoke(args=["restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "audit records verified" in restored.output
    client = app.test_client()
    assert client.get(person_path, headers=headers).get_json()["content"] == {
        "preferred_areas": ["Before"]
    }
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    actions = [e.action for e in world.audit()]
    assert "restore" in actions
    assert any(e.details.get("kind") == "backup" for e in world.audit())


def test_restore_refuses_damaged_or_foreign_files(app, tmp_path):
    runner = app.test_cli_runner()
    if db.engine.dialect.name != "sqlite":
        return
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    out = runner.invoke(args=["restore", str(junk), "--yes"])
    assert out.exit_code != 0
    assert "Not restored" in out.output
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    out = runner.invoke(args=["restore", str(foreign), "--yes"])
    assert "not a care plan service database" in out.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
