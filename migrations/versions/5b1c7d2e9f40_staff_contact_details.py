"""staff contact details: work phone, work email, working pattern

Revision ID: 5b1c7d2e9f40
Revises: de49109978fb
Create Date: 2026-11-30 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1c7d2e9f40'
down_revision = 'de49109978fb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_phone', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('work_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('working_pattern', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('working_pattern')
        batch_op.drop_column('work_email')
        batch_op.drop_column('work_phone')
