"""survivor side

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=512), nullable=True),
        sa.Column("previous_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("entry_hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_hash"),
        sa.UniqueConstraint("previous_hash"),
    )
    op.create_table(
        "survivor_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=True),
        sa.Column("uploaded_on", sa.Date(), nullable=False),
        sa.Column("stream_header", sa.LargeBinary(), nullable=False),
        sa.Column("file_key", sa.LargeBinary(), nullable=True),
        sa.Column("details", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachments_report_id"), ["report_id"], unique=False)

    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("advocates_may_read", sa.Boolean(), nullable=False),
        sa.Column("export_legal", sa.Boolean(), nullable=False),
        sa.Column("export_iopc", sa.Boolean(), nullable=False),
        sa.Column("export_statistics", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_records_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column(
            "author",
            sa.Enum("SURVIVOR", "ADVOCATE", name="author", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "kind",
            sa.Enum("MESSAGE", "ADDITION", name="messagekind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_report_id"), ["report_id"], unique=False)

    op.create_table(
        "attachment_segments",
        sa.Column("attachment_id", sa.String(length=32), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("attachment_id", "index"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("advocates_may_read", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("export_legal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("export_iopc", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("export_statistics", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("next_sequence", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("next_sequence")
        batch_op.drop_column("export_statistics")
        batch_op.drop_column("export_iopc")
        batch_op.drop_column("export_legal")
        batch_op.drop_column("advocates_may_read")

    op.drop_table("attachment_segments")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_report_id"))

    op.drop_table("messages")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_report_id"))

    op.drop_table("consent_records")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_report_id"))

    op.drop_table("attachments")
    op.drop_table("survivor_sessions")
    op.drop_table("audit_events")
