"""step-down and return: the closures a reopened plan came back from

Revision ID: b3e8d4a6c1f0
Revises: a7f3c9e1d2b4
Create Date: 2026-11-30 19:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3e8d4a6c1f0'
down_revision = 'a7f3c9e1d2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plan_closure',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('plan_id', sa.Uuid(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('closed_reason', sa.String(length=50), nullable=True),
    sa.Column('closed_by_id', sa.Uuid(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(), nullable=False),
    sa.Column('reopened_by_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_plan_closure_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_closure_plan_id_plan')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'], name=op.f('fk_plan_closure_reopened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_closure'))
    )
    with op.batch_alter_table('plan_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_closure_plan_id'), ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('plan_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_closure_plan_id'))
    op.drop_table('plan_closure')
