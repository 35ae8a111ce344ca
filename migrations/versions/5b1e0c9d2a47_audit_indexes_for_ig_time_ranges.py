"""Audit indexes for IG searches and reports over a time range (issue #8)

Revision ID: 5b1e0c9d2a47
Revises: ceeb43adbaf4
Create Date: 2026-11-23 09:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b1e0c9d2a47'
down_revision = 'ceeb43adbaf4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_actor_time', 'audit_event', ['actor_id', 'occurred_at'])
    op.create_index('ix_audit_event_outcome_time', 'audit_event', ['outcome', 'occurred_at'])
    op.create_index('ix_audit_event_action_time', 'audit_event', ['action', 'occurred_at'])
    # Led by occurred_at, so it serves every range the old time index served.
    op.create_index(
        'ix_audit_event_time_actor',
        'audit_event',
        ['occurred_at', 'actor_id', 'action', 'outcome', 'person_id', 'actor_name',
         'actor_agency_name'],
    )
    op.drop_index('ix_audit_event_time', table_name='audit_event')


def downgrade():
    op.create_index('ix_audit_event_time', 'audit_event', ['occurred_at'])
    op.drop_index('ix_audit_event_time_actor', table_name='audit_event')
    op.drop_index('ix_audit_event_action_time', table_name='audit_event')
    op.drop_index('ix_audit_event_outcome_time', table_name='audit_event')
    op.drop_index('ix_audit_event_actor_time', table_name='audit_event')
