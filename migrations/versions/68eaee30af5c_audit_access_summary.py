"""audit_access_summary: who touched whom, by UTC day (audit.summary), filled from the log

Two derived tables the audit writer keeps from now on in the transaction that appends
the records: `audit_access_day` (UTC day, actor, person: records of access) and
`audit_access_actor_day` (actor, UTC day: people and records). The "many people" report
reads them to find the few actors it must count on the log. They are filled here from
the existing log one calendar month at a time (two grouped INSERT ... SELECT a month,
which on PostgreSQL read that month's partition only), so a log of tens of millions of
records is done in steps of one month's records. Nothing in the log changes; the chain
hashes none of this. `flask audit rebuild-summary` does the same for any span of days.

Revision ID: 68eaee30af5c
Revises: d7f9b1c3e5a6
Create Date: 2026-12-01 15:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '68eaee30af5c'
down_revision = 'd7f9b1c3e5a6'
branch_labels = None
depends_on = None

# audit.actions.ACCESS_ACTIONS as of this revision (what "access" means in the reports).
ACCESS = (
    "plan.view", "section.view", "section.update", "section.history", "entry.create",
    "entry.view", "person.view", "careteam.view", "consent.view", "breakglass.invoke",
    "export",
)
_ACTIONS = ", ".join(f"'{a}'" for a in ACCESS)
PEOPLE_SQL = (
    "INSERT INTO audit_access_day (day, actor_id, person_id, events) "
    "SELECT substr(occurred_at, 1, 10), coalesce(actor_id, ''), person_id, count(*) "
    "FROM audit_event WHERE action IN (" + _ACTIONS + ") AND person_id IS NOT NULL "
    "AND occurred_at >= :low AND occurred_at < :high "
    "GROUP BY substr(occurred_at, 1, 10), coalesce(actor_id, ''), person_id"
)
ACTORS_SQL = (
    "INSERT INTO audit_access_actor_day (actor_id, day, people, events) "
    "SELECT actor_id, day, count(*), sum(events) FROM audit_access_day "
    "WHERE day >= :low AND day < :high GROUP BY actor_id, day"
)


def upgrade():
    op.create_table(
        "audit_access_day",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "actor_id", "person_id"),
    )
    op.create_table(
        "audit_access_actor_day",
        sa.Column("actor_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("actor_id", "day"),
    )
    op.create_index(
        "ix_audit_access_actor_day_people",
        "audit_access_actor_day",
        ["day", "people", "actor_id"],
    )
    bind = op.get_bind()
    first, last = bind.execute(
        sa.text("SELECT min(occurred_at), max(occurred_at) FROM audit_event")
    ).one()
    if first is None:
        return
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last[:7]:
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        low = f"{year:04d}-{month:02d}-01"
        high = f"{following[0]:04d}-{following[1]:02d}-01"
        bind.execute(sa.text(PEOPLE_SQL), {"low": low, "high": high})
        bind.execute(sa.text(ACTORS_SQL), {"low": low, "high": high})
        year, month = following


def downgrade():
    op.drop_index("ix_audit_access_actor_day_people", table_name="audit_access_actor_day")
    op.drop_table("audit_access_actor_day")
    op.drop_table("audit_access_day")
