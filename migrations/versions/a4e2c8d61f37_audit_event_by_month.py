"""audit_event partitioned by month on PostgreSQL; audit_archive for archived years

Revision ID: a4e2c8d61f37
Revises: 8d2f6b4a1c35
Create Date: 2026-12-01 11:50:00.000000

On PostgreSQL the existing table becomes a partitioned one (audit.partitions.convert):
a partition for every month that holds records and the next three, a DEFAULT partition,
every row moved into its month, indexes (by their definitions), grants and the
append-only triggers made again; the primary key becomes (seq, occurred_at). It holds an
ACCESS EXCLUSIVE lock on audit_event while the rows are copied (about a minute a few
million rows): run it in a maintenance window. On SQLite nothing changes but the new
audit_archive table (archiving is refused there: audit.archive).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from audit import partitions

# revision identifiers, used by Alembic.
revision = 'a4e2c8d61f37'
down_revision = '8d2f6b4a1c35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_archive',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('records', sa.BigInteger(), nullable=False),
    sa.Column('origin_seq', sa.BigInteger(), nullable=False),
    sa.Column('origin_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('through_seq', sa.BigInteger(), nullable=False),
    sa.Column('checkpoint_seq', sa.BigInteger(), nullable=False),
    sa.Column('checkpoint_hash', sa.String(length=64), nullable=False),
    sa.Column('file', sa.String(length=500), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_audit_archive'))
    )
    partitions.convert(op.get_bind(), datetime.now(UTC).replace(tzinfo=None))


def downgrade():
    # Archived years stay in their files; the rest goes back into one table.
    partitions.unconvert(op.get_bind())
    op.drop_table('audit_archive')
