"""case seen: how much of each case an advocate had seen when they last opened it

A count of what the survivor had sent by then, never a day or a time.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_seen",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("survivor_changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "report_id"),
        # Stored by key, not by arrival: a rowid would order the first openings.
        sqlite_with_rowid=False,
    )
    op.create_index("ix_case_seen_report_id", "case_seen", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_case_seen_report_id", table_name="case_seen")
    op.drop_table("case_seen")
