"""seals by group: an index of which reports are sealed to which group key

Listing the reports advocates may read looked up each report's seals in the
seals table itself, whose rows carry the sealed keys (about 1.2 KB each): with
10,000 reports that read and decrypted most of its pages on every list page.
The index holds only (group key, report) pairs.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_report_key_seals_group_key_id_report_id",
        "report_key_seals",
        ["group_key_id", "report_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_report_key_seals_group_key_id_report_id", "report_key_seals")
