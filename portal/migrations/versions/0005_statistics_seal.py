"""statistics seal: what consent to statistics alone lets staff read

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statistics_seal", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("statistics_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_reports_statistics_key_id", "group_keys", ["statistics_key_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint("fk_reports_statistics_key_id", type_="foreignkey")
        batch_op.drop_column("statistics_key_id")
        batch_op.drop_column("statistics_seal")
