"""matching escrow: entries sealed to the escrow key, the matches found, reports waiting

A report may wait, sealed to the recovery key only, until enough reports
name the same officer. Its entry (tags, shares, wrapped key) is sealed to the
escrow group's key; a match row links the reports a match released.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wait_for_match", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("released_on", sa.Date(), nullable=True))
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("wait_for_match", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "escrow_entries",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("group_key_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_key_id"], ["group_keys.id"]),
        sa.PrimaryKeyConstraint("report_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_escrow_entries_group_key_id", "escrow_entries", ["group_key_id"])
    op.create_table(
        "escrow_matches",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("disputed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "escrow_match_reports",
        sa.Column("match_id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["match_id"], ["escrow_matches.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("match_id", "report_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_escrow_match_reports_report_id", "escrow_match_reports", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_escrow_match_reports_report_id", table_name="escrow_match_reports")
    op.drop_table("escrow_match_reports")
    op.drop_table("escrow_matches")
    op.drop_index("ix_escrow_entries_group_key_id", table_name="escrow_entries")
    op.drop_table("escrow_entries")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_column("wait_for_match")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("released_on")
        batch_op.drop_column("wait_for_match")
