"""goal_ids: every goal saved before goals had ids gets one (a data migration)

A goal is named by its `id` (careplan.plans.goals): an update can be about it. Goals
written before ids were given had none until their section was next saved, so no update
could be about them. Each current "My goals and actions" section, and its current
version in the history (the same content), gets an id on every goal without one, kept
from then on; earlier versions stay as they were written. Section content is sealed: it
is opened and sealed again with the installation's data keys, as when it was first
sealed (8e00754a504d). Nothing else changes, and a goal that has an id keeps it.

Revision ID: d7f9b1c3e5a6
Revises: c5e7a9b1d3f4
Create Date: 2026-12-01 12:30:00.000000

"""
import json
import uuid

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = 'd7f9b1c3e5a6'
down_revision = 'c5e7a9b1d3f4'
branch_labels = None
depends_on = None

GOALS = "goals"  # the catalogue key of "My goals and actions"


def with_ids(content):
    """`content` with an id on each goal without one, and whether any was given."""
    goals = content.get("goals") if isinstance(content, dict) else None
    if not isinstance(goals, list):
        return content, False
    given = False
    rows = []
    for goal in goals:
        if isinstance(goal, dict) and not str(goal.get("id") or "").strip():
            goal = {**goal, "id": uuid.uuid4().hex}
            given = True
        rows.append(goal)
    return {**content, "goals": rows}, given


def _reseal(connection, vault, table, row_id, sealed, content):
    aad = f"{table}.content:{uuid.UUID(str(row_id))}"
    plain = json.dumps(content).encode()
    connection.execute(
        sa.text(f"UPDATE {table} SET content = :v WHERE id = :i"),
        {"v": vault.seal(connection, "section", aad, plain), "i": row_id},
    )


def upgrade():
    connection = op.get_bind()
    vault = current_app.extensions["careplan.vault"]
    sections = connection.execute(
        sa.text("SELECT id, content, version FROM plan_section WHERE key = :k"), {"k": GOALS}
    ).all()
    for section_id, sealed, version in sections:
        aad = f"plan_section.content:{uuid.UUID(str(section_id))}"
        content, given = with_ids(json.loads(vault.open(connection, aad, sealed)))
        if not given:
            continue
        _reseal(connection, vault, "plan_section", section_id, sealed, content)
        current = connection.execute(
            sa.text(
                "SELECT id, content FROM plan_section_version "
                "WHERE section_id = :s AND version = :v"
            ),
            {"s": section_id, "v": version},
        ).all()
        for version_id, version_sealed in current:
            _reseal(connection, vault, "plan_section_version", version_id, version_sealed, content)


def downgrade():
    # The ids stay: an update may already be about one of these goals.
    pass
