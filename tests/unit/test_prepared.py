"""Prepared hot-path statements and attached rows behave as SQLAlchemy's own would.

`careplan.core.prepared` runs statements on the driver cursor with SQLAlchemy's type
processors; `careplan.core.attached` makes ORM objects from what they read. Values, the
transaction they run in, their errors and the ORM state they leave must not differ.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import bindparam, event, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from audit import writer
from audit.actions import AuditAction, Outcome
from audit.log import build
from audit.models import AuditEvent, AuditHead
from audit.verify import verify_chain
from careplan.accounts.models import User
from careplan.agencies.models import Agency
from careplan.core import attached, prepared
from careplan.core.prepared import Prepared, rows_together
from careplan.extensions import db
from consent.models import Consent
from tests.api.scene import build_scene


def _consent(scene, **fields):
    values = {
        "person_id": scene.person.id,
        "grantee_agency_id": scene.other_agency.id,
        "sections": ["housing", "money"],
        "effect": "permit",
        "starts_on": date(2026, 1, 1),
        "expires_on": None,
        "method": "written",
        "recorded_by_id": scene.key_worker.id,
        **fields,
    }
    consent = Consent(**values)
    db.session.add(consent)
    db.session.flush()
    return consent


def _consent_columns():
    c = Consent.__table__.c
    return select(
        c.id, c.person_id, c.grantee_agency_id, c.grantee_sector, c.sections, c.effect,
        c.starts_on, c.expires_on, c.withdrawn_at, c.recorded_at,
    ).where(c.person_id == bindparam("person_id")).order_by(c.id)  # fmt: skip


def test_values_convert_exactly_as_through_sqlalchemy(app, world) -> None:
    scene = build_scene(world)
    _consent(scene)
    _consent(scene, grantee_agency_id=None, grantee_sector="third_sector", sections=None,
             effect="deny", expires_on=date(2027, 3, 1))  # fmt: skip
    statement = _consent_columns()
    params = {"person_id": scene.person.id}
    expected = [tuple(row) for row in db.session.execute(statement, params)]
    got = Prepared(statement).rows(db.session, params)
    assert len(expected) >= 2
    assert [tuple(row) for row in got] == expected
    # Typed as the ORM types them: ids, enums, dates, JSON lists, and None kept None.
    row = got[0]
    assert isinstance(row.id, uuid.UUID)
    assert isinstance(row.starts_on, date)
    assert {r.effect.value for r in got} == {"permit", "deny"}
    assert {None, "third_sector"} == {r.grantee_sector and r.grantee_sector.value for r in got}
    assert Prepared(statement).first(db.session, {"person_id": uuid.uuid4()}) is None


def test_fetched_rows_convert_later_to_the_same_values(app, world) -> None:
    # Read under a lock, converted after it: the values are the same as `rows` gives.
    scene = build_scene(world)
    _consent(scene)
    _consent(scene, grantee_agency_id=None, grantee_sector="third_sector", effect="deny")
    statement = Prepared(_consent_columns())
    params = {"person_id": scene.person.id}
    fetched = statement.fetch(db.session, params)
    rows = statement.rows(db.session, params)
    assert [fetched.convert(raw) for raw in fetched.raw] == rows
    assert [fetched.value(raw, "effect") for raw in fetched.raw] == [r.effect for r in rows]
    expiry = [fetched.value(raw, "expires_on") for raw in fetched.raw]
    assert expiry == [r.expires_on for r in rows]
    assert None in expiry
    assert len(rows) >= 2
    assert all(isinstance(fetched.value(raw, "id"), uuid.UUID) for raw in fetched.raw)


def test_a_statement_carries_its_own_limit(app, world) -> None:
    scene = build_scene(world)
    for _ in range(3):
        _consent(scene)
    limited = _consent_columns().limit(2)
    assert len(Prepared(limited).rows(db.session, {"person_id": scene.person.id})) == 2


def test_statements_join_the_sessions_transaction(app, world) -> None:
    scene = build_scene(world)
    statement = _consent_columns()
    params = {"person_id": scene.person.id}
    db.session.commit()
    before = {r.id for r in Prepared(statement).rows(db.session, params)}
    consent = _consent(scene)  # flushed, not committed
    seen = {r.id for r in Prepared(statement).rows(db.session, params)}
    assert seen - before == {consent.id}
    db.session.rollback()
    assert {r.id for r in Prepared(statement).rows(db.session, params)} == before


def test_a_prepared_write_is_rolled_back_with_the_session(app, world) -> None:
    scene = build_scene(world)
    db.session.commit()
    c = Consent.__table__.c
    new_id = uuid.uuid4()
    write = Prepared(
        insert(Consent.__table__).values(
            id=bindparam("id"), person_id=bindparam("person_id"),
            grantee_agency_id=bindparam("agency_id"), sections=bindparam("sections"),
            effect=bindparam("effect"), starts_on=bindparam("starts_on"),
            method=bindparam("method"), purpose=bindparam("purpose"),
            recorded_by_id=bindparam("by"), recorded_at=bindparam("at"),
        )
    )  # fmt: skip
    write.execute(db.session, {
        "id": new_id, "person_id": scene.person.id, "agency_id": scene.other_agency.id,
        "sections": ["goals"], "effect": "permit", "starts_on": date(2026, 2, 1),
        "method": "verbal", "purpose": "direct_care", "by": scene.key_worker.id,
        "at": datetime(2026, 2, 1, 9, 30),
    })  # fmt: skip
    stored = db.session.scalars(select(Consent).where(c.id == new_id)).one()
    assert (stored.sections, stored.effect.value) == (["goals"], "permit")
    db.session.rollback()
    assert db.session.get(Consent, new_id) is None


def test_driver_errors_are_sqlalchemy_errors(app, world) -> None:
    build_scene(world)
    db.session.commit()
    duplicate = Prepared(
        insert(AuditHead.__table__).values(id=bindparam("id"), seq=0, hash="0" * 64)
    )
    with pytest.raises(IntegrityError):
        duplicate.execute(db.session, {"id": 1})
    db.session.rollback()


def test_statements_run_together_give_each_ones_rows_in_order(app, world) -> None:
    # On PostgreSQL one pipeline; the rows, their types and the transaction are the same.
    scene = build_scene(world)
    first = _consent(scene)
    db.session.commit()
    second = _consent(scene, effect="deny")  # flushed only: seen in this transaction
    consents = Prepared(_consent_columns())
    agencies = Prepared(
        select(Agency.__table__.c.name).where(Agency.__table__.c.id == bindparam("id"))
    )
    batch = [
        (consents, {"person_id": scene.person.id}),
        (agencies, {"id": scene.other_agency.id}),
        (consents, {"person_id": uuid.uuid4()}),  # no rows
    ]
    together = rows_together(db.session, batch)
    assert together == [statement.rows(db.session, params) for statement, params in batch]
    seen = {r.id for r in together[0]}
    assert {first.id, second.id} <= seen
    assert together[1][0].name == scene.other_agency.name
    assert together[2] == []
    assert isinstance(together[0][0].id, uuid.UUID)
    db.session.rollback()
    assert {r.id for r in rows_together(db.session, batch)[0]} == seen - {second.id}


def test_an_error_among_statements_run_together_is_sqlalchemys(app, world) -> None:
    build_scene(world)
    db.session.commit()
    duplicate = Prepared(
        insert(AuditHead.__table__).values(id=bindparam("id"), seq=0, hash="0" * 64)
    )
    heads = Prepared(select(AuditHead.__table__.c.seq))
    with pytest.raises(IntegrityError):
        rows_together(db.session, [(heads, {}), (duplicate, {"id": 1}), (heads, {})])
    db.session.rollback()
    assert len(heads.rows(db.session, {})) == 1  # the session goes on


def _agency_insert() -> Prepared:
    return Prepared(
        insert(Agency.__table__).values(
            id=bindparam("id"), name=bindparam("name"), sector=bindparam("sector"),
            kind=bindparam("kind"), created_at=bindparam("at"),
        )
    )  # fmt: skip


def _agency(name: str) -> dict:
    return {"id": uuid.uuid4(), "name": name, "sector": "third_sector",
            "kind": "charity", "at": datetime(2026, 2, 1, 9, 30)}  # fmt: skip


def _names(session) -> set[str]:
    return set(session.scalars(select(Agency.name)))


def test_a_statement_sent_with_the_commit_is_committed_with_the_transaction(
    app, world, monkeypatch
) -> None:
    # On PostgreSQL it waits and goes with the COMMIT in one pipeline; elsewhere at once.
    build_scene(world)
    db.session.commit()
    sent: list[str] = []
    original = prepared.run_statement

    def counted(cursor, sql, values, *, many=False):
        sent.append("COMMIT" if sql == "COMMIT" else "statement")
        original(cursor, sql, values, many=many)

    monkeypatch.setattr(prepared, "run_statement", counted)
    _agency_insert().execute_with_commit(db.session, _agency("Sent with the commit"))
    postgresql = db.engine.dialect.name == "postgresql"
    assert sent == ([] if postgresql else ["statement"])
    db.session.commit()
    assert sent == ["statement", "COMMIT"] if postgresql else ["statement"]
    with db.engine.connect() as other:  # another connection sees it: committed
        assert "Sent with the commit" in {r.name for r in other.execute(select(Agency.name))}


def test_a_statement_run_after_one_waiting_for_the_commit_sees_it(app, world) -> None:
    build_scene(world)
    db.session.commit()
    _agency_insert().execute_with_commit(db.session, _agency("Waiting"))
    names = Prepared(select(Agency.__table__.c.name))
    assert "Waiting" in {r.name for r in names.rows(db.session, {})}  # prepared
    _agency_insert().execute_with_commit(db.session, _agency("Waiting too"))
    assert "Waiting too" in _names(db.session)  # through SQLAlchemy
    db.session.commit()
    assert {"Waiting", "Waiting too"} <= _names(db.session)


def test_a_rollback_drops_a_statement_waiting_for_the_commit(app, world) -> None:
    build_scene(world)
    db.session.commit()
    _agency_insert().execute_with_commit(db.session, _agency("Never committed"))
    db.session.rollback()
    # The pooled connection's next transaction does not send it either.
    _agency_insert().execute(db.session, _agency("The next one"))
    db.session.commit()
    names = _names(db.session)
    assert "The next one" in names
    assert "Never committed" not in names


def test_a_failing_statement_sent_with_the_commit_fails_the_commit(app, world) -> None:
    build_scene(world)
    db.session.commit()
    duplicate = Prepared(
        insert(AuditHead.__table__).values(id=bindparam("id"), seq=0, hash="0" * 64)
    )
    _agency_insert().execute(db.session, _agency("Before the failure"))
    if db.engine.dialect.name == "postgresql":
        duplicate.execute_with_commit(db.session, {"id": 1})  # sent with the COMMIT
        with pytest.raises(IntegrityError):
            db.session.commit()
    else:
        with pytest.raises(IntegrityError):  # run at once
            duplicate.execute_with_commit(db.session, {"id": 1})
    db.session.rollback()
    assert "Before the failure" not in _names(db.session)  # nothing of it committed
    assert len(Prepared(select(AuditHead.__table__.c.seq)).rows(db.session, {})) == 1


def test_expanding_lists_are_refused(app) -> None:
    c = Consent.__table__.c
    statement = select(c.id).where(c.person_id.in_(bindparam("ids", expanding=True)))
    with app.app_context(), pytest.raises(ValueError, match="expanding"):
        Prepared(statement).rows(db.session, {"ids": [uuid.uuid4()]})


def _user_columns(user_id):
    row = db.session.execute(select(User.__table__).where(User.__table__.c.id == user_id)).one()
    return dict(row._mapping)


def _agency_columns(agency_id):
    table = Agency.__table__
    return dict(db.session.execute(select(table).where(table.c.id == agency_id)).one()._mapping)


def test_an_attached_row_is_the_loaded_row_without_a_read(app, world) -> None:
    scene = build_scene(world)
    user_id, agency_id = scene.outsider.id, scene.outsider.agency_id
    name, roles = scene.outsider.name, list(scene.outsider.roles)
    columns, agency_columns = _user_columns(user_id), _agency_columns(agency_id)
    db.session.commit()
    db.session.expunge_all()
    statements = []

    def seen(*args, **_kwargs):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        agency = attached.attach(db.session, Agency, agency_columns)
        user = attached.attach(db.session, User, columns, {"agency": agency})
        assert (user.id, user.name, user.roles, user.agency.name) == (
            user_id,
            name,
            roles,
            agency_columns["name"],
        )
        assert statements == []
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    # Clean, persistent, and the session's only copy: a later get returns it.
    assert user in db.session
    assert not db.session.dirty
    state = inspect(user)
    assert not state.modified
    assert state.attrs.name.history.unchanged == [name]
    assert state.attrs.agency.history.unchanged == [agency]
    assert not db.session.new
    assert db.session.get(User, user_id) is user
    assert attached.attach(db.session, User, columns) is user
    # A change to it is written like a change to any loaded row.
    user.name = "Renamed Worker"
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(User, user_id).name == "Renamed Worker"


def test_several_records_appended_at_once_chain_in_order(app, world) -> None:
    """The audit append writes several records with one prepared executemany."""
    build_scene(world)
    db.session.commit()
    records = [build(AuditAction.PLAN_VIEW, Outcome.DENY, reason=f"r{i}") for i in range(3)]
    with app.test_request_context("/"):
        rows = writer.append(db.session, records)
        db.session.commit()
    stored = db.session.scalars(
        select(AuditEvent).where(AuditEvent.seq.in_([r["seq"] for r in rows]))
    ).all()
    assert [e.reason for e in sorted(stored, key=lambda e: e.seq)] == ["r0", "r1", "r2"]
    assert [r["seq"] for r in rows] == list(range(rows[0]["seq"], rows[0]["seq"] + 3))
    assert verify_chain(db.session, app.extensions["careplan.checkpoints"].signer.public).ok
