"""plan_closed_at: when a plan's closing was recorded, for the chronology

Revision ID: c5e7a9b1d3f4
Revises: b3d5f7a9c1e2
Create Date: 2026-12-01 12:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e7a9b1d3f4'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    # Closings recorded before stay without a time: the chronology puts them at the start
    # of the day they closed.
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('plan_closure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('plan_closure', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
