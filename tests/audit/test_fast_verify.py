"""Verification the fast way (audit.segments.fast_batches: SQLite writes each record's
canonical bytes) finds what the record by record walk finds, at the same record, in this
process and in worker processes; an intact log is hashed byte for byte as the service
hashed it. On PostgreSQL, which walks record by record, the same tests hold the worker
processes to the one walk's answers."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from audit import segments, writer
from audit.chain import CHAINED_FIELDS
from audit.verify import verify_chain
from careplan.extensions import db
from tests.audit.test_chain import _as_attacker

# Every ASCII character a text column can hold (PostgreSQL refuses NUL), quotes,
# backslashes, and characters the JSON encoders could treat differently.
STRANGE = "".join(chr(i) for i in range(1, 128)) + '"\\/ é€😀\u2028\u2029\ufeff\x80\x9f'


def _record(i: int, odd: str = "") -> dict:
    """A record as the service stores it (text columns), `odd` in its free-text fields."""
    return {
        "occurred_at": f"2026-11-30T09:{i // 60 % 60:02d}:{i % 60:02d}.000000",
        "actor_id": str(uuid.UUID(int=i)),
        "actor_name": f"Staff member {i}{odd}",
        "actor_role": "practitioner",
        "actor_agency_id": None,
        "actor_agency_name": f"Agency {odd}",
        "action": "plan.view",
        "outcome": "permit",
        "person_id": str(uuid.UUID(int=i + 7)),
        "sections": '["housing","goals"]',
        "withheld": "[]",
        "basis": '{"goals":"care_team","housing":"care_team"}',
        "reason": odd[:100] or None,  # a column of 100 characters
        "purpose": "direct_care",
        "justification": None,
        "request_id": f"{i:032x}",
        "client_addr": "10.0.0.1",
        "user_agent": f"careplan-client/1.4 {odd}",
        "details": '{"note":"a \\"quoted\\" word"}',
    }


def _log(app, count: int, every: int, odd=lambda i: "") -> None:
    """`count` records, a checkpoint signed every `every`."""
    policy = dataclasses.replace(app.extensions["careplan.checkpoints"], every=every, seconds=3600)
    for start in range(0, count, every):
        records = [_record(i, odd(i)) for i in range(start + 1, min(start + every, count) + 1)]
        writer.append(db.session, records, policy)
    db.session.commit()


def _verify(app, how: str, hashes_at=frozenset()):
    """Verification `how`: "fast", one walk the fast way (on SQLite); "workers", the same
    in two worker processes, a segment a checkpoint; "reference", one walk record by
    record."""
    public = app.extensions["careplan.checkpoints"].signer.public
    if how == "workers":
        result = verify_chain(db.session, public, hashes_at, processes=2, min_segment=1)
        assert result.processes == 2  # the segments were walked in the pool
        return result
    if how == "reference":
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(segments, "FAST_SQL", {})
            return verify_chain(db.session, public, hashes_at)
    return verify_chain(db.session, public, hashes_at)


def found(result):
    return (result.ok, result.checked, result.first_bad_seq, result.problem, result.hashes)


@pytest.fixture
def record_by_record(monkeypatch):
    """How many times a batch had to be checked again record by record."""
    calls = []
    original = segments._Walk.check_rows

    def counted(self, records):
        calls.append(1)
        return original(self, records)

    monkeypatch.setattr(segments._Walk, "check_rows", counted)
    return calls


def test_the_database_hashes_every_character_as_the_service_did(app, record_by_record):
    fast = db.engine.dialect.name in segments.FAST_SQL  # SQLite; PostgreSQL: by record
    _log(app, 40, 10, odd=lambda i: STRANGE[i % 7 :: 3] if i % 2 else STRANGE)
    result = _verify(app, "fast")
    assert result.ok
    assert result.checked == 40
    if fast:
        # No record needed the record-by-record check: the bytes the database made
        # hashed to every stored hash.
        assert record_by_record == []
    # And a change is still found, by the record-by-record check of its batch.
    _as_attacker("UPDATE audit_event SET reason = 'changed' WHERE seq = 17")
    result = _verify(app, "fast")
    assert (result.first_bad_seq, result.problem) == (17, segments.ALTERED)
    if fast:
        assert record_by_record == [1]


# Changes in the middle of a segment of 500 records (1,001 to 1,500), which a worker
# process checks; (statements, first bad record, problem).
MID_SEGMENT = {
    "edited": (
        ["UPDATE audit_event SET actor_name = 'Someone else' WHERE seq = 1234"],
        1234,
        segments.ALTERED,
    ),
    "deleted": (["DELETE FROM audit_event WHERE seq = 1234"], 1234, segments.MISSING),
    "relinked": (
        [
            "UPDATE audit_event SET prev_hash = "
            "(SELECT e.hash FROM audit_event e WHERE e.seq = 1232) WHERE seq = 1234"
        ],
        1234,
        segments.BROKEN,
    ),
    "hash_replaced": (
        ["UPDATE audit_event SET hash = '" + "0" * 64 + "' WHERE seq = 1234"],
        1234,
        segments.ALTERED,
    ),
    "checkpointed_record_edited": (
        ["UPDATE audit_event SET outcome = 'deny' WHERE seq = 1500"],
        1500,
        segments.ALTERED,
    ),
}


@pytest.mark.parametrize("kind", sorted(MID_SEGMENT))
def test_a_change_mid_segment_is_found_by_the_worker_as_by_one_walk(app, kind):
    _log(app, 2500, 500)
    assert _verify(app, "workers").ok
    statements, first_bad, problem = MID_SEGMENT[kind]
    _as_attacker(*statements)
    reference = _verify(app, "reference")
    assert (reference.ok, reference.first_bad_seq, reference.problem) == (
        False,
        first_bad,
        problem,
    )
    assert found(_verify(app, "fast")) == found(reference)
    assert found(_verify(app, "workers")) == found(reference)


@pytest.mark.parametrize("seq", [14, 15, 21, 60])
def test_batch_edges_change_nothing(app, monkeypatch, seq):
    """Batches of 7 records: a change at a batch's last or first record, or at the end of
    the log, is found where the record-by-record walk finds it; and the stored hashes
    asked for (the witnesses' heads) come back the same across batches."""
    _log(app, 60, 20)
    monkeypatch.setattr(segments, "FAST_BATCH", 7)
    wanted = frozenset({3, 7, 8, 14, 50, 60})
    assert found(_verify(app, "fast", wanted)) == found(_verify(app, "reference", wanted))
    assert set(_verify(app, "fast", wanted).hashes) == wanted
    _as_attacker(f"UPDATE audit_event SET purpose = 'research' WHERE seq = {seq}")
    result = _verify(app, "fast", wanted)
    assert (result.first_bad_seq, result.problem) == (seq, segments.ALTERED)
    assert found(result) == found(_verify(app, "reference", wanted))


@pytest.mark.parametrize(
    "stored",
    [
        "X'00FF'",  # bytes: neither the database's JSON nor the encoders take them
        "CAST(X'C328FF' AS TEXT)",  # text that is not UTF-8: the driver cannot decode it
    ],
)
def test_what_sqlite_stores_beyond_text_is_a_change_not_a_crash(app, stored):
    """SQLite keeps whatever it is given in a text column. An attacker writing bytes, or
    text that is not UTF-8, into a record: every way the log is checked reports the
    record altered, never a crash. (PostgreSQL's text columns take neither.)"""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL text columns hold UTF-8 text only")
    _log(app, 2500, 500)
    _as_attacker(f"UPDATE audit_event SET actor_name = {stored} WHERE seq = 1234")
    for how in ("reference", "fast", "workers"):
        result = _verify(app, how)
        assert (result.first_bad_seq, result.problem) == (1234, segments.ALTERED), how


# A record changed the ways that could fool bytes made by the database: every chained
# column, the links, NULL and the text "null" or "" for each other, the characters CSV
# and JSON escape or quote, a line break, a comma and quotes that spell the next field,
# a control character. (column, new value as SQL)
ANY_COLUMN = [
    *[(name, f"'x' || substr(coalesce({name}, ''), 2)") for name in CHAINED_FIELDS[1:]],
    ("seq", "seq + 1000"),
    ("prev_hash", "substr(prev_hash, 1, 63)"),
    ("prev_hash", "upper(prev_hash)"),
    ("hash", "',' || substr(hash, 2)"),
    ("hash", "upper(hash)"),
    ("reason", "'null'"),  # NULL (these records have no reason) to the word null
    ("reason", "''"),
    ("actor_agency_id", "'null'"),
    ("actor_name", "NULL"),
    ("sections", "'null'"),
    ("actor_name", "actor_name || '\\'"),
    ("actor_name", "actor_name || '\"'"),
    ("actor_name", "actor_name || '\",\"practitioner'"),
    ("actor_name", "actor_name || ',' || actor_role"),
    ("user_agent", "user_agent || '\nx'"),  # a line break, as typed
    ("user_agent", "user_agent || '\x01'"),
    ("details", "replace(details, '\\\"', '\"')"),
]


@pytest.mark.parametrize(("column", "value"), ANY_COLUMN)
def test_a_change_to_any_column_is_found_as_the_record_by_record_walk_finds_it(
    app, monkeypatch, record_by_record, column, value
):
    """Found at that record on every database. Where the database makes the bytes (SQLite,
    in batches of 7), with the same verdict, first bad record and message as the
    record-by-record walk, and only that batch read again."""
    fast = db.engine.dialect.name in segments.FAST_SQL
    _log(app, 30, 10)
    monkeypatch.setattr(segments, "FAST_BATCH", 7)
    assert _verify(app, "fast").ok
    assert record_by_record == ([] if fast else [1])
    _as_attacker(f"UPDATE audit_event SET {column} = {value} WHERE seq = 17")
    reference = _verify(app, "reference")
    assert not reference.ok
    assert reference.first_bad_seq == 17
    record_by_record.clear()
    assert found(_verify(app, "fast")) == found(reference)
    assert len(record_by_record) == 1
