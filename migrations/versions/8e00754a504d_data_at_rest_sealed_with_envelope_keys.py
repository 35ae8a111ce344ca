"""data at rest sealed with envelope keys

Section content (current and every version), entries, consent evidence notes,
break-glass justifications and the reasons given for claimed relationships are sealed with AES-256-GCM under per-family data keys; rows
already present are sealed here, with the installation's configured keys.

Revision ID: 8e00754a504d
Revises: 786fa15e2a6f
Create Date: 2026-11-23 06:16:10.342009

"""
import json
import uuid

from alembic import op
import sqlalchemy as sa
from flask import current_app

# revision identifiers, used by Alembic.
revision = '8e00754a504d'
down_revision = '786fa15e2a6f'
branch_labels = None
depends_on = None

# table, column, data key family, stored as JSON
SEALED = (
    ("plan_section", "content", "section", True),
    ("plan_section_version", "content", "section", True),
    ("plan_entry", "text", "entry", False),
    ("consent", "evidence_note", "consent", False),
    ("break_glass", "justification", "break_glass", False),
    ("care_team_member", "reason", "care_team", False),
)


def _json_to_text(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.JSON(), type_=sa.Text(),
                              existing_nullable=False, postgresql_using='content::text')


def _seal_existing(connection):
    vault = current_app.extensions["careplan.vault"]
    for table, column, family, as_json in SEALED:
        rows = connection.execute(sa.text(
            f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")).all()
        for row_id, value in rows:
            key = uuid.UUID(str(row_id))
            plain = json.dumps(json.loads(value)) if as_json else value
            sealed = vault.seal(connection, family, f"{table}.{column}:{key}", plain.encode())
            connection.execute(sa.text(f"UPDATE {table} SET {column} = :v WHERE id = :i"),
                               {"v": sealed, "i": row_id})


def upgrade():
    op.create_table('data_key',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('family', sa.String(length=50), nullable=False),
    sa.Column('kek_name', sa.String(length=50), nullable=False),
    sa.Column('wrapped', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_key'))
    )
    with op.batch_alter_table('data_key', schema=None) as batch_op:
        batch_op.create_index('ix_data_key_family', ['family', 'active'], unique=False)
    _json_to_text('plan_section')
    _json_to_text('plan_section_version')
    _seal_existing(op.get_bind())


def downgrade():
    raise RuntimeError("Sealed data is not unsealed by a downgrade: restore a backup instead.")
