"""a review that needs follow-up can be completed

Break-glass uses and claimed relationships reviewed as "needs_follow_up" were marked
reviewed and could never be completed. They now stay open (review_status "follow_up")
until the follow-up's outcome is recorded in columns of its own, so the first review is
kept as it was. Rows already stuck that way are reopened for their follow-up.

Revision ID: 9c4d2e7f1a36
Revises: 5b1e0c9d2a47
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4d2e7f1a36'
down_revision = '5b1e0c9d2a47'
branch_labels = None
depends_on = None

TABLES = ('break_glass', 'care_team_member')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('follow_up_outcome', sa.String(length=30), nullable=True))
            batch_op.add_column(sa.Column('follow_up_note', sa.Text(), nullable=True))
            batch_op.add_column(sa.Column('followed_up_by_id', sa.Uuid(), nullable=True))
            batch_op.add_column(sa.Column('followed_up_at', sa.DateTime(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_followed_up_by_id_user_account'), 'user_account', ['followed_up_by_id'], ['id'])
        op.execute(
            f"UPDATE {table} SET review_status = 'follow_up' "
            "WHERE review_status = 'reviewed' AND review_outcome = 'needs_follow_up'"
        )


def downgrade():
    for table in TABLES:
        op.execute(
            f"UPDATE {table} SET review_status = 'reviewed' WHERE review_status = 'follow_up'"
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_followed_up_by_id_user_account'), type_='foreignkey')
            batch_op.drop_column('followed_up_at')
            batch_op.drop_column('followed_up_by_id')
            batch_op.drop_column('follow_up_note')
            batch_op.drop_column('follow_up_outcome')
