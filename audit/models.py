"""The audit log: an append-only, hash-chained table and the head of the chain.

The database itself refuses UPDATE and DELETE on `audit_event` (triggers below, created
with the table and by the migration), so even a bug in the service cannot rewrite history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from audit.stored import JSONText, TimeText, UUIDText
from careplan.extensions import db

GENESIS_HASH = "0" * 64

# On SQLite, `seq` is the table's rowid ("INTEGER PRIMARY KEY": SQLite's "ROWIDs and the
# INTEGER PRIMARY KEY"), so a record is one entry in one B-tree, not also one in a key
# index beside it; and the writer's summary tables keep their rows in their key's B-tree
# ("WITHOUT ROWID"). Every request appends to all three: each B-tree fewer is a page
# fewer to write at its commit. PostgreSQL keeps BIGINT and its heap tables.
SEQ = BigInteger().with_variant(Integer(), "sqlite")
KEYED_ONLY = {"sqlite_with_rowid": False}


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_person", "person_id", "seq"),
        Index("ix_audit_event_actor", "actor_id", "seq"),
        # IG searches and reports over a time range (measured at 10 million records in
        # bench/results/national.md): an actor's records in a period, denials and
        # break-glass in a period, and the columns the reports group by, so a report
        # reads its window from the index alone.
        Index("ix_audit_event_actor_time", "actor_id", "occurred_at"),
        Index("ix_audit_event_outcome_time", "outcome", "occurred_at"),
        Index("ix_audit_event_action_time", "action", "occurred_at"),
        # The report on purposes of access (audit.queries.purposes).
        Index("ix_audit_event_purpose_time", "purpose", "occurred_at"),
        Index(
            "ix_audit_event_time_actor",
            "occurred_at",
            "actor_id",
            "action",
            "outcome",
            "person_id",
            "actor_name",
            "actor_agency_name",
        ),
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(TimeText)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUIDText)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(30))
    actor_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUIDText)
    actor_agency_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUIDText)
    sections: Mapped[list[str]] = mapped_column(JSONText)
    withheld: Mapped[list[str]] = mapped_column(JSONText)
    basis: Mapped[dict[str, str]] = mapped_column(JSONText)
    reason: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(String(50))
    justification: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSONText)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """One row: the last sequence number and hash. Locked by each appending transaction."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    checkpoint_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditCheckpoint(db.Model):
    """A signed statement: "the chain reached `seq` with `hash` at `signed_at`".

    Signed with the Ed25519 key held outside the database, so anyone with the public key
    can tell that nothing up to `seq` was edited, removed, inserted, reordered or cut off.
    """

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


class AuditVerification(db.Model):
    """One row: how far the log is known to be intact, for the incremental check.

    `checkpoint_seq`/`checkpoint_hash`: the newest signed checkpoint up to which a check
    found every record intact, at `checked_at`; `full_at`/`full_seq`: when the whole log
    was last checked in full and found intact, and to which record. Signed with the audit
    key (`signature` over audit.verified.state_message), so someone who can write to the
    database cannot point it past records they changed; the incremental check also checks
    the checkpoint's own signature and record again (audit.verified). A check that finds
    a problem removes the row: the next check is a full one.
    """

    __tablename__ = "audit_verification"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger)
    checkpoint_hash: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(DateTime)
    full_at: Mapped[datetime | None] = mapped_column(DateTime)
    full_seq: Mapped[int | None] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


class AuditArchive(db.Model):
    """A closed year taken out of the log into a file (audit.archive), one row a year.

    The file holds records `first_seq` to `through_seq` (the year's records, and any
    after them up to the signed checkpoint `checkpoint_seq` that covers the year's last
    record, `last_seq`), the chain point it starts from (`origin_seq`/`origin_hash`: the
    genesis, or the year archived before) and the checkpoints in it. The log left in the
    database starts after `last_seq`, from `last_hash`: the anchor, fixed by the signed
    checkpoint. The row is signed with the audit key (audit.archive.anchor_message) so
    someone who can write to the database cannot move the anchor.
    """

    __tablename__ = "audit_archive"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    records: Mapped[int] = mapped_column(BigInteger)
    origin_seq: Mapped[int] = mapped_column(BigInteger)
    origin_hash: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    through_seq: Mapped[int] = mapped_column(BigInteger)
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger)
    checkpoint_hash: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    archived_at: Mapped[datetime] = mapped_column(DateTime)
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(128))


class AuditAccessDay(db.Model):
    """Derived index (audit.summary), not evidence: one row a UTC day, actor and person
    for the records of access (audit.actions.ACCESS_ACTIONS) that name a person, with the
    number of such records. Kept by the writer in the transaction that appends them;
    never hashed, never verified; rebuilt from the log by `flask audit rebuild-summary`.
    `actor_id` is "" for records with no actor (a key column cannot be NULL)."""

    __tablename__ = "audit_access_day"
    __table_args__ = (KEYED_ONLY,)

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, UTC
    actor_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    events: Mapped[int] = mapped_column(BigInteger)


class AuditAccessActorDay(db.Model):
    """Derived index (audit.summary): per actor and UTC day, how many people
    (`audit_access_day` rows) and records of access. What the "many people" report reads
    first to find the few actors who could reach its threshold."""

    __tablename__ = "audit_access_actor_day"
    __table_args__ = (
        Index("ix_audit_access_actor_day_people", "day", "people", "actor_id"),
        KEYED_ONLY,
    )

    actor_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    people: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)


class WitnessState(db.Model):
    """How far each configured witness has been given the chain (one row a witness)."""

    __tablename__ = "audit_witness"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    delivered_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    failing_since: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(100))


# DDL shared by the metadata (tests) and the migrations (real databases).
def _sqlite_triggers(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    )


def _postgres_triggers(table: str) -> tuple[str, ...]:
    return (
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
    )


# A constant, not input: the genesis hash is 64 zeros.
SEED_HEAD = f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')"  # noqa: S608


def append_only_statements(dialect: str, table: str = "audit_event") -> tuple[str, ...]:
    return _postgres_triggers(table) if dialect == "postgresql" else _sqlite_triggers(table)


@event.listens_for(AuditEvent.__table__, "after_create")
def _protect(target: Any, connection: Any, **_: Any) -> None:
    for statement in append_only_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


@event.listens_for(AuditEvent.__table__, "after_create")
def _partition(target: Any, connection: Any, **_: Any) -> None:
    """On PostgreSQL, the table as the migrations leave it: partitioned by month."""
    from audit import partitions
    from careplan.core import clock

    partitions.convert(connection, clock.now())


@event.listens_for(AuditCheckpoint.__table__, "after_create")
def _protect_checkpoints(target: Any, connection: Any, **_: Any) -> None:
    for statement in append_only_statements(connection.dialect.name, "audit_checkpoint"):
        connection.exec_driver_sql(statement)


@event.listens_for(AuditHead.__table__, "after_create")
def _seed(target: Any, connection: Any, **_: Any) -> None:
    connection.exec_driver_sql(SEED_HEAD)
