"""task.section_key: the section each shared action is about, for the access policy

Revision ID: 8d2f6b4a1c35
Revises: 7c1e5a9d3f20
Create Date: 2026-12-01 12:10:00.000000

Issue 20's walk: actions and crisis follow-ups were shown to any agency with a consent,
whatever sections the person agreed. A task is now decided as the section it is about.
Existing tasks get theirs from their source: a goal's action is the goals section's, a
correction's is the corrected section's, a crisis follow-up is the crisis's section
(careplan.crisis.models.ABOUT, copied here as it stood: a migration must not follow the
code's later changes); meeting and hand-over actions are about the plan as a whole (NULL).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2f6b4a1c35'
down_revision = '7c1e5a9d3f20'
branch_labels = None
depends_on = None

CRISIS_SECTIONS = {
    'near_fatal_overdose': 'substance_use',
    'eviction': 'housing',
    'prison_release': 'justice',
    'hospital_discharge': 'physical_health',
}


def upgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('section_key', sa.String(length=50), nullable=True))
    op.execute("UPDATE task SET section_key = 'goals' WHERE source = 'goal'")
    op.execute(
        "UPDATE task SET section_key = (SELECT correction.section_key FROM correction"
        " WHERE correction.task_id = task.id) WHERE source = 'correction'"
    )
    for kind, key in CRISIS_SECTIONS.items():
        op.execute(
            sa.text(
                "UPDATE task SET section_key = :key WHERE source = 'crisis' AND id IN"
                " (SELECT follow_up_task_id FROM crisis_event WHERE kind = :kind)"
            ).bindparams(key=key, kind=kind)
        )


def downgrade():
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('section_key')
