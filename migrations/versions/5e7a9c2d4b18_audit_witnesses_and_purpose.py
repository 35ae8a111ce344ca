"""audit witnesses' progress; an index for reports on purposes of access

The outcome column (String(10), no CHECK constraint) takes the new values `invalid`,
`conflict` and `failed` as it is; earlier records keep what they say (a form mistake
recorded before this revision stays `deny`: the chain hash covers it, so it is never
rewritten).

Revision ID: 5e7a9c2d4b18
Revises: d391f1d13218
Create Date: 2026-11-30 16:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e7a9c2d4b18'
down_revision = 'd391f1d13218'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_witness',
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('delivered_seq', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.Column('checkpoint_seq', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('failing_since', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_audit_witness')),
    )
    # Not in batch mode: SQLite's batch would copy the table and lose its append-only
    # triggers; an index needs no copy.
    op.create_index('ix_audit_event_purpose_time', 'audit_event', ['purpose', 'occurred_at'])


def downgrade():
    op.drop_index('ix_audit_event_purpose_time', table_name='audit_event')
    op.drop_table('audit_witness')
