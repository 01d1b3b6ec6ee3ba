"""advocate side

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("ADVOCATE", "STAFF", "ADMIN", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("totp_secret", sa.LargeBinary(), nullable=False),
        sa.Column("last_totp_step", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "role",
            sa.Enum("ADVOCATE", "STAFF", "ADMIN", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "account_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_sessions_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "index_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key_id", sa.Integer(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_key_id"],
            ["group_keys.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_key_id"),
    )
    op.create_table(
        "report_tags",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.LargeBinary(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_id", "tag"),
    )
    with op.batch_alter_table("report_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_tags_tag"), ["tag"], unique=False)

    with op.batch_alter_table("group_key_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_key_grants_account_id"), ["account_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_group_key_grants_account_id", "accounts", ["account_id"], ["id"], ondelete="CASCADE"
        )

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority",
                sa.Enum(
                    "URGENT", "HIGH", "NORMAL", "LOW", name="priority", native_enum=False, length=16
                ),
                nullable=False,
                server_default="NORMAL",
            )
        )
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("review_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("indexed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_reports_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_indexed"), ["indexed"], unique=False)
        batch_op.create_foreign_key(
            "fk_reports_assignee_id", "accounts", ["assignee_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reports_assignee_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_reports_indexed"))
        batch_op.drop_index(batch_op.f("ix_reports_assignee_id"))
        batch_op.drop_column("indexed")
        batch_op.drop_column("tags")
        batch_op.drop_column("review_on")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("priority")

    with op.batch_alter_table("group_key_grants", schema=None) as batch_op:
        batch_op.drop_constraint("fk_group_key_grants_account_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_group_key_grants_account_id"))

    with op.batch_alter_table("report_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_tags_tag"))

    op.drop_table("report_tags")
    op.drop_table("index_keys")
    with op.batch_alter_table("account_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_sessions_account_id"))

    op.drop_table("account_sessions")
    op.drop_table("invitations")
    op.drop_table("accounts")
