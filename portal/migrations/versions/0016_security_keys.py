"""security keys: WebAuthn authenticators that sign a member in and hold her key's wrap

Adds tables and a column only: no existing row changes.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webauthn_user_id", sa.LargeBinary(length=16), nullable=True))
    op.create_table(
        "security_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("prf_salt", sa.LargeBinary(length=32), nullable=True),
        sa.Column("wrapped_private_key", sa.LargeBinary(), nullable=True),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("backed_up", sa.Boolean(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("last_used_on", sa.Date(), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credential_id"),
    )
    op.create_index("ix_security_keys_account_id", "security_keys", ["account_id"])
    op.create_table(
        "spent_challenges",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_minute", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    op.create_index("ix_spent_challenges_expires_minute", "spent_challenges", ["expires_minute"])


def downgrade() -> None:
    op.drop_index("ix_spent_challenges_expires_minute", table_name="spent_challenges")
    op.drop_table("spent_challenges")
    op.drop_index("ix_security_keys_account_id", table_name="security_keys")
    op.drop_table("security_keys")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("webauthn_user_id")
