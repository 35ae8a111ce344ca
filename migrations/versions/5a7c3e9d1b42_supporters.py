"""supporters: family, carers and advocates shown chosen sections until a date

Revision ID: 5a7c3e9d1b42
Revises: e32eed66698f
Create Date: 2026-11-30 23:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5a7c3e9d1b42"
down_revision = "e32eed66698f"
branch_labels = None
depends_on = None


def upgrade():
    # A supporter's account (kind = 'supporter'): no roles, no agency.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_account_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_account_account_kind"), "kind IN ('staff', 'individual', 'supporter')"
        )

    op.create_table(
        "supporter",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "relationship",
            sa.Enum(
                "family",
                "carer",
                "advocate",
                "other",
                name="supporter_relationship",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("described_as", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["user_account.id"], name=op.f("fk_supporter_account_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_supporter_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["user_account.id"], name=op.f("fk_supporter_ended_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_supporter_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporter")),
    )
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supporter_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_supporter_person", ["person_id", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.drop_index("ix_supporter_person")
        batch_op.drop_index(batch_op.f("ix_supporter_account_id"))

    op.drop_table("supporter")
    # Supporters' accounts are kept for the audit records that name them, switched off
    # (an individual's account linked to no person can do nothing either).
    op.execute(
        "UPDATE user_account SET kind = 'individual', active = false, invite_hash = NULL "
        "WHERE kind = 'supporter'"
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_user_account_account_kind"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_user_account_account_kind"), "kind IN ('staff', 'individual')"
        )
