"""an update says which goal or shared action it is about

Revision ID: 7c9e1a3b5d24
Revises: 6b8d4f0a2c53
Create Date: 2026-12-01 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c9e1a3b5d24'
down_revision = '6b8d4f0a2c53'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('goal_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('task_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_entry_task_id'), ['task_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_entry_task_id_task'), 'task', ['task_id'], ['id'])


def downgrade():
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_entry_task_id_task'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_entry_task_id'))
        batch_op.drop_column('task_id')
        batch_op.drop_column('goal_id')
