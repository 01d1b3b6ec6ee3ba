"""notices: one row per kind of notification e-mail, claimed by one worker per slot

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KINDS = ("activity", "audit-head")


def upgrade() -> None:
    notices = op.create_table(
        "notices",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("last_slot", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    op.bulk_insert(notices, [{"kind": kind, "last_slot": 0} for kind in KINDS])


def downgrade() -> None:
    op.drop_table("notices")
