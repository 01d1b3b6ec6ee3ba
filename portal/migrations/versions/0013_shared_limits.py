"""shared limits: throttles' counts per client bucket and window, shared by every host

A 16-bit bucket of a daily-keyed hash stands for a client, never its address;
rows are deleted once the window after theirs has ended.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "limit_counts",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client", sa.Integer(), nullable=False),
        sa.Column("window_number", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sweep_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "client", "window_number"),
        # Stored by key, not by arrival: a rowid would order the clients' first failures.
        sqlite_with_rowid=False,
    )
    op.create_index("ix_limit_counts_sweep_at", "limit_counts", ["sweep_at"])


def downgrade() -> None:
    op.drop_index("ix_limit_counts_sweep_at", table_name="limit_counts")
    op.drop_table("limit_counts")
