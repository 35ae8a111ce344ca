"""sqlite_audit_btrees: on SQLite, `audit_event.seq` becomes the table's rowid, and the
summary tables keep their rows in their key's B-tree (WITHOUT ROWID)

Every request appends one record to `audit_event` and adds to both summary tables. On
SQLite a table whose primary key is not "INTEGER PRIMARY KEY" is two B-trees (the rows
by rowid, and an index on the key): `audit_event` (seq BIGINT) and both summary tables
were. With `seq INTEGER PRIMARY KEY` (SQLite's rowid alias) and the summary tables
WITHOUT ROWID, each append writes three B-trees fewer, and its commit three pages fewer.
Nothing stored changes: the same rows, the same values, the same indexes, the same
append-only triggers; `audit verify` hashes the same text.

SQLite cannot change a table's key in place, so each table is made again under a new
name from its own definition (with only the key changed), its rows copied in `seq` or
key order, the old table dropped, the new one renamed, and its indexes and triggers made
again; one transaction (the log is copied once: about a minute a million records).
PostgreSQL: nothing to do (BIGINT and heap tables, partitioned by month).

Revision ID: b7c1d9e2f4a6
Revises: 68eaee30af5c
Create Date: 2026-12-01 21:30:00.000000

"""
import re

from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7c1d9e2f4a6'
down_revision = '68eaee30af5c'
branch_labels = None
depends_on = None

# The append-only triggers as audit.models made them at this revision.
TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
)
SUMMARIES = ("audit_access_day", "audit_access_actor_day")


def _definition(bind, table):
    return bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()


def _indexes(bind, table):
    return [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        )
    ]


def _remake(bind, table, definition, order, triggers=()):
    """`table` made again as `definition` (its CREATE TABLE for the new name `_new`)."""
    indexes = _indexes(bind, table)
    bind.exec_driver_sql(definition)
    # Names of this module's own tables, not input.
    bind.exec_driver_sql(f"INSERT INTO {table}_new SELECT * FROM {table} ORDER BY {order}")  # noqa: S608
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {table}_new RENAME TO {table}")
    for statement in (*indexes, *triggers):
        bind.exec_driver_sql(statement)


def _renamed(definition, table):
    made = re.sub(
        rf'^CREATE TABLE "?{table}"? \(', f"CREATE TABLE {table}_new (", definition, count=1
    )
    if made == definition:
        raise RuntimeError(f"unexpected definition of {table}")
    return made


def _seq(definition, old, new):
    changed = definition.replace(f"seq {old} NOT NULL", f"seq {new} NOT NULL", 1)
    if changed == definition:
        raise RuntimeError(f"audit_event.seq is not {old} NOT NULL")
    return changed


def _rowid(definition, keyed_only):
    body = definition.rstrip()
    if keyed_only:
        return body + " WITHOUT ROWID"
    if not body.endswith("WITHOUT ROWID"):
        raise RuntimeError("not a WITHOUT ROWID table")
    return body[: -len("WITHOUT ROWID")].rstrip()


def _change(keyed_only):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    old, new = ("BIGINT", "INTEGER") if keyed_only else ("INTEGER", "BIGINT")
    event = _seq(_renamed(_definition(bind, "audit_event"), "audit_event"), old, new)
    _remake(bind, "audit_event", event, "seq", TRIGGERS)
    for table in SUMMARIES:
        summary = _rowid(_renamed(_definition(bind, table), table), keyed_only)
        _remake(bind, table, summary, "1")


def upgrade():
    _change(keyed_only=True)


def downgrade():
    _change(keyed_only=False)
