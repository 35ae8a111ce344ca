"""audit_verification: how far the log is known intact, for the incremental check

Revision ID: 7c1e5a9d3f20
Revises: 7c9e1a3b5d24
Create Date: 2026-12-01 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a9d3f20'
down_revision = '7c9e1a3b5d24'
branch_labels = None
depends_on = None


def upgrade():
    # No row to start with: the first check after the upgrade is a full one.
    op.create_table('audit_verification',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('checkpoint_seq', sa.BigInteger(), nullable=False),
    sa.Column('checkpoint_hash', sa.String(length=64), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.Column('full_at', sa.DateTime(), nullable=True),
    sa.Column('full_seq', sa.BigInteger(), nullable=True),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_verification'))
    )


def downgrade():
    op.drop_table('audit_verification')
