"""notification_count: one notice per recipient per unit of work, saying how many

Revision ID: b3d5f7a9c1e2
Revises: a4e2c8d61f37
Create Date: 2026-12-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d5f7a9c1e2'
down_revision = 'a4e2c8d61f37'
branch_labels = None
depends_on = None


def upgrade():
    # Every notice queued before told of one thing.
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('count', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('count')
