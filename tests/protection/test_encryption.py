"""Data at rest: sealed in the database, bound to its row, rotated without loss."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from careplan import create_app
from careplan.config import ConfigError
from careplan.extensions import db
from careplan.plans.models import Section
from careplan.protection.keys import new_ring_text
from tests.api.scene import build_scene

SECRET_AREA = "Zyxwvut Gardens"
SECRET_NOTE = "Quokka evidence note"
SECRET_WHY = "Found unresponsive at the Pelican hostel; need the crisis plan now."


SECRET_CLAIM = "Allocated as her Wombat Street housing officer from today."


def _fill(api, scene):
    api.look_up(scene.outsider, scene.person)
    claim = api.post(
        scene.outsider, f"/people/{scene.person.id}/care-team/claim", {"reason": SECRET_CLAIM}
    )
    assert claim.status_code == 201
    url = f"/people/{scene.person.id}/plan/sections/housing"
    assert (
        api.put(
            scene.key_worker,
            url,
            {"content": {"preferred_areas": [SECRET_AREA]}},
            headers={"If-Match": '"1"'},
        ).status_code
        == 200
    )
    assert (
        api.post(
            scene.key_worker, url + "/entries", {"text": "Viewed a flat in " + SECRET_AREA}
        ).status_code
        == 201
    )
    assert (
        api.post(
            scene.key_worker,
            f"/people/{scene.person.id}/consents",
            {
                "grantee": {"sector": "statutory"},
                "sections": ["housing"],
                "effect": "permit",
                "expires_on": "2028-01-01",
                "method": "written",
                "evidence_note": SECRET_NOTE,
            },
        ).status_code
        == 201
    )
    assert (
        api.post(
            scene.outsider,
            f"/people/{scene.person.id}/break-glass",
            {"reason": "risk_to_life", "justification": SECRET_WHY},
        ).status_code
        == 201
    )


RAW = {
    "plan_section": "content",
    "plan_section_version": "content",
    "plan_entry": "text",
    "consent": "evidence_note",
    "break_glass": "justification",
    "care_team_member": "reason",
}


def test_no_plaintext_of_sealed_fields_in_the_database(app, api, world):
    scene = build_scene(world)
    _fill(api, scene)
    for table, column in RAW.items():
        values = [
            v
            for (v,) in db.session.execute(
                text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")
            )
        ]
        assert values, table
        assert all(v.startswith("v1:") for v in values), table
    assert api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing").get_json()[
        "content"
    ] == {"preferred_areas": [SECRET_AREA]}
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        db.engine.dispose()  # checkpoints the WAL into the file
        path = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for secret in (SECRET_AREA, SECRET_NOTE, "Pelican hostel", "Wombat Street"):
            assert secret.encode() not in raw, secret


def test_ciphertext_moved_to_another_row_fails_as_tampering(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    rows = db.session.execute(text("SELECT id, key, content FROM plan_section")).all()
    housing = next(r for r in rows if r.key == "housing")
    goals = next(r for r in rows if r.key == "goals" and r.id != housing.id)
    db.session.execute(
        text("UPDATE plan_section SET content = :c WHERE id = :i"),
        {"c": housing.content, "i": goals.id},
    )
    db.session.commit()
    response = api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/goals")
    assert response.status_code == 500
    assert response.get_json()["error"] == "data_integrity"
    assert SECRET_AREA not in response.get_data(as_text=True)
    assert (
        api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing").status_code
        == 200
    )


def test_flipped_byte_fails_as_tampering(api, world):
    scene = build_scene(world)
    _fill(api, scene)
    row = db.session.execute(
        text(
            "SELECT id, content FROM plan_section WHERE key = 'housing' "
            "AND content LIKE 'v1:%' ORDER BY version DESC"
        )
    ).first()
    body = bytearray(base64.b64decode(row.content[3:]))
    body[-1] ^= 1
    db.session.execute(
        text("UPDATE plan_section SET content = :c WHERE id = :i"),
        {"c": "v1:" + base64.b64encode(bytes(body)).decode(), "i": row.id},
    )
    db.session.commit()
    response = api.get(scene.key_worker, f"/people/{scene.person.id}/plan/sections/housing")
    assert response.status_code == 500
    assert response.get_json()["error"] == "data_integrity"


def test_tampered_section_in_a_plan_view_shows_nothing_and_is_logged_twice(api, world):
    """The plan view records its access and commits before it opens the sections. A
    section that then fails its integrity check returns nothing, and a second record
    (same request) says the view failed, so the log does not claim it was shown."""
    scene = build_scene(world)
    _fill(api, scene)
    sections = Section.__table__.c
    row = db.session.execute(
        select(sections.id, sections.content).where(
            sections.key == "housing", sections.plan_id == scene.plan.id
        )
    ).one()
    body = bytearray(base64.b64decode(row.content[3:]))
    body[-1] ^= 1
    db.session.execute(
        update(Section.__table__)
        .where(sections.id == row.id)
        .values(content="v1:" + base64.b64encode(bytes(body)).decode())
    )
    db.session.commit()
    response = api.get(scene.key_worker, f"/people/{scene.person.id}/plan")
    assert response.status_code == 500
    assert response.get_json()["error"] == "data_integrity"
    assert SECRET_AREA not in response.get_data(as_text=True)
    request_id = response.headers["X-Request-Id"]
    records = [e for e in world.audit() if e.request_id == request_id]
    assert [(e.action, e.outcome, e.reason) for e in records] == [
        ("plan.view", "permit", None),
        ("plan.view", "failed", "data_integrity"),
    ]
    assert "housing" in records[0].sections


@pytest.mark.parametrize(
    "ring",
    [
        '{"current": "a"}',
        "not json",
        '{"current": "a", "keys": {"a": "c2hvcnQ="}}',
        '{"current": "b", "keys": {"a": "' + "A" * 44 + '"}}',
    ],
)
def test_bad_key_ring_stops_the_start_with_a_clear_error(tmp_path, ring):
    with pytest.raises(ConfigError):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "DATA_KEYS": ring,
                "AUDIT_KEY_FILE": str(tmp_path / "a.pem"),
            }
        )


def test_production_refuses_to_start_without_keys(tmp_path):
    with pytest.raises(ConfigError):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "CAREPLAN_ENV": "production",
                "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "AUDIT_KEY_FILE": str(tmp_path / "missing.pem"),
                "DATA_KEYS_FILE": str(tmp_path / "missing.json"),
            }
        )


def _ring(app):
    return json.loads(Path(app.config["DATA_KEYS_FILE"]).read_text())


def test_rotation_under_concurrent_reads_loses_nothing(app, api, world):
    scene = build_scene(world)
    _fill(api, scene)
    url = f"/api/v1/people/{scene.person.id}/plan/sections/housing"
    headers = api.headers(scene.key_worker)
    # Add a new current key; the old one stays readable until rotation is done.
    ring = _ring(app)
    new = json.loads(new_ring_text("k2"))["keys"]["k2"]
    ring["keys"]["k2"], ring["current"] = new, "k2"
    Path(app.config["DATA_KEYS_FILE"]).write_text(json.dumps(ring))
    config = {
        k: app.config[k]
        for k in ("SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "AUDIT_KEY_FILE", "DATA_KEYS_FILE")
    }
    rotated = create_app({**config, "TESTING": True})
    reader = create_app({**config, "TESTING": True})
    seen, stop = [], threading.Event()

    def read_while_rotating():
        with reader.app_context():
            client = reader.test_client()
            while not stop.is_set():
                response = client.get(url, headers=headers)
                seen.append((response.status_code, response.get_json().get("content")))
            db.session.remove()
            db.engine.dispose()

    thread = threading.Thread(target=read_while_rotating)
    db.session.remove()
    thread.start()
    try:
        with rotated.app_context():
            out = rotated.test_cli_runner().invoke(
                args=["keys", "rotate", "--reencrypt", "--batch", "2"]
            )
            db.session.remove()
            db.engine.dispose()
    finally:
        stop.set()
        thread.join(timeout=60)
    assert out.exit_code == 0, out.output
    assert "plan_section" in out.output
    assert seen
    assert all(s == (200, {"preferred_areas": [SECRET_AREA]}) for s in seen), seen[:3]
    # The old key retired: everything is still readable with k2 alone.
    del ring["keys"]["k1"]
    Path(app.config["DATA_KEYS_FILE"]).write_text(json.dumps(ring))
    after = create_app({**config, "TESTING": True})
    with after.app_context():
        client = after.test_client()
        assert client.get(url, headers=headers).get_json()["content"] == {
            "preferred_areas": [SECRET_AREA]
        }
        consents = client.get(
            f"/api/v1/people/{scene.person.id}/consents", headers=headers
        ).get_json()
        assert SECRET_NOTE in {c["evidence_note"] for c in consents}
        db.session.remove()
        db.engine.dispose()


def test_missing_key_for_stored_data_answers_503(app, api, world):
    scene = build_scene(world)
    _fill(api, scene)
    config = {
        k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "AUDIT_KEY_FILE")
    }
    url = f"/api/v1/people/{scene.person.id}/plan/sections/housing"
    headers = api.headers(scene.key_worker)
    db.session.remove()
    stranger = create_app({**config, "TESTING": True, "DATA_KEYS": new_ring_text("other")})
    with stranger.app_context():
        response = stranger.test_client().get(url, headers=headers)
        assert response.status_code == 503
        assert response.get_json()["error"] == "keys_unavailable"
        db.session.remove()
        db.engine.dispose()


def test_values_sealed_with_one_key_name_that_key_whatever_their_nonce(app):
    # The plan view finds each section's key from the sealed value's first bytes; the
    # nonce that follows the key id must not make every value look like a new key.
    from careplan.protection.sealed import vault
    from careplan.protection.vault import PREFIX, Tampered

    sealer = vault()
    with db.engine.begin() as conn:
        values = [sealer.seal(conn, "section", "aad", b"x") for _ in range(50)]
        keys = {id(sealer.key_for(conn, v)) for v in values}
    assert len(keys) == 1
    assert len({sealer.key_id_of(v) for v in values}) == 1
    assert len(sealer._open) == 1  # a bounded cache: one entry per data key
    for bad in ("plain text", PREFIX + "!!!!", PREFIX + "QUJD"):
        with pytest.raises(Tampered):
            sealer.key_for(None, bad)


def test_key_rotation_reaches_every_sealed_value(app):
    """`records.rotation.SEALED` lists every sealed attribute of every model (referrals and
    ask and act were once missing: re-encryption left their values under the old keys)."""
    from careplan.extensions import db
    from careplan.records.rotation import SEALED

    sealed = set()
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        for name, value in vars(cls).items():
            if isinstance(value, property) and "sealed with the" in (value.__doc__ or ""):
                family = value.__doc__.split("sealed with the ", 1)[1].split(" data key")[0]
                sealed.add((cls, name, family))
    assert sealed == set(SEALED)
