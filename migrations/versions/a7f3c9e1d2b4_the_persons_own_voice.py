"""the person's own voice: an update written by the person has no author agency

Revision ID: a7f3c9e1d2b4
Revises: 3de1e35bb6d4
Create Date: 2026-11-30 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7f3c9e1d2b4'
down_revision = '3de1e35bb6d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.alter_column('author_agency_id', existing_type=sa.Uuid(), nullable=True)


def downgrade():
    # Updates the person wrote have no agency to give back: they cannot survive a downgrade.
    op.execute("DELETE FROM plan_entry WHERE author_agency_id IS NULL")
    with op.batch_alter_table('plan_entry', schema=None) as batch_op:
        batch_op.alter_column('author_agency_id', existing_type=sa.Uuid(), nullable=False)
