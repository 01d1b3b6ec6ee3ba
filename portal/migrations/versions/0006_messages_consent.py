"""messages consent: a survivor chooses whether her messages go with each export

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("messages_legal", "messages_iopc")


def upgrade() -> None:
    for table in ("reports", "consent_records"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.add_column(
                    sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
                )


def downgrade() -> None:
    for table in ("reports", "consent_records"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in COLUMNS:
                batch_op.drop_column(column)
