"""warm hand-over: the previous key worker's read-only place in the care team

Revision ID: c9d2f5b7e3a1
Revises: b3e8d4a6c1f0
Create Date: 2026-11-30 19:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c9d2f5b7e3a1'
down_revision = 'b3e8d4a6c1f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('care_team_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warm_hand_over', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('care_team_member', schema=None) as batch_op:
        batch_op.drop_column('warm_hand_over')
