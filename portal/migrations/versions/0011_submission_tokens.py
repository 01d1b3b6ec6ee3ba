"""submission_tokens: forms already sent, so a repeated request sends nothing twice

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submission_tokens",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("sweep_at_hour", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("digest"),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_submission_tokens_sweep_at_hour"), "submission_tokens", ["sweep_at_hour"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_submission_tokens_sweep_at_hour"), table_name="submission_tokens")
    op.drop_table("submission_tokens")
