"""an update entered in error: when, by whom, why (the update itself is kept)

Revision ID: 6b8d4f0a2c53
Revises: 5a7c3e9d1b42
Create Date: 2026-11-30 23:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b8d4f0a2c53'
down_revision = '5a7c3e9d1b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('error_by_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('error_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_plan_entry_error_by_id_user_account'), 'user_account', ['error_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_entry_error_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('error_reason')
        batch_op.drop_column('error_by_id')
        batch_op.drop_column('error_at')
