"""no arrival order: a survivor's rows lose their rowids and counters

A SQLite rowid counts up as rows arrive, as did the integer ids of seals and
consent records, so the database showed in which order reports came and
survivors changed their consent. The survivor's tables are rebuilt WITHOUT
ROWID, seals are keyed by (report, group key), consent records by (report,
number within it). Survivor sessions keep only the hour they are deleted at;
sessions open during the upgrade end (their survivors sign in again).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_REPORTS = """
    id VARCHAR(32) NOT NULL,
    lookup_id BLOB NOT NULL,
    status VARCHAR(24) NOT NULL,
    received_on DATE NOT NULL,
    updated_on DATE NOT NULL,
    survivor_key BLOB NOT NULL,
    content BLOB NOT NULL,
    advocates_may_read BOOLEAN DEFAULT 1 NOT NULL,
    export_legal BOOLEAN DEFAULT 0 NOT NULL,
    export_iopc BOOLEAN DEFAULT 0 NOT NULL,
    export_statistics BOOLEAN DEFAULT 0 NOT NULL,
    next_sequence INTEGER DEFAULT '0' NOT NULL,
    priority VARCHAR(16) DEFAULT 'NORMAL' NOT NULL,
    assignee_id INTEGER,
    review_on DATE,
    tags BLOB,
    "indexed" BOOLEAN DEFAULT 0 NOT NULL,
    keep_until DATE,
    statistics_seal BLOB,
    statistics_key_id INTEGER,
    messages_legal BOOLEAN DEFAULT 0 NOT NULL,
    messages_iopc BOOLEAN DEFAULT 0 NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_reports_assignee_id FOREIGN KEY(assignee_id)
        REFERENCES accounts (id) ON DELETE SET NULL,
    CONSTRAINT fk_reports_statistics_key_id FOREIGN KEY(statistics_key_id)
        REFERENCES group_keys (id),
    UNIQUE (lookup_id)
"""
_MESSAGES = """
    id VARCHAR(32) NOT NULL,
    report_id VARCHAR(32) NOT NULL,
    author VARCHAR(16) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    sent_on DATE NOT NULL,
    sequence INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE
"""
_ATTACHMENTS = """
    id VARCHAR(32) NOT NULL,
    report_id VARCHAR(32),
    uploaded_on DATE NOT NULL,
    stream_header BLOB NOT NULL,
    file_key BLOB,
    details BLOB,
    PRIMARY KEY (id),
    FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE
"""
_SEGMENTS = """
    attachment_id VARCHAR(32) NOT NULL,
    "index" INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (attachment_id, "index"),
    FOREIGN KEY(attachment_id) REFERENCES attachments (id) ON DELETE CASCADE
"""
_TAGS = """
    report_id VARCHAR(32) NOT NULL,
    tag BLOB NOT NULL,
    kind VARCHAR(16) NOT NULL,
    PRIMARY KEY (report_id, tag),
    FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE
"""
_SEALS_BY_REPORT = """
    report_id VARCHAR(32) NOT NULL,
    group_key_id INTEGER NOT NULL,
    sealed_key BLOB NOT NULL,
    PRIMARY KEY (report_id, group_key_id),
    FOREIGN KEY(group_key_id) REFERENCES group_keys (id),
    FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE
"""
_SEALS_BY_ID = """
    id INTEGER NOT NULL,
    report_id VARCHAR(32) NOT NULL,
    group_key_id INTEGER NOT NULL,
    sealed_key BLOB NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(group_key_id) REFERENCES group_keys (id),
    FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE,
    UNIQUE (report_id, group_key_id)
"""
_CONSENT_COLUMNS = """
    recorded_on DATE NOT NULL,
    advocates_may_read BOOLEAN NOT NULL,
    export_legal BOOLEAN NOT NULL,
    export_iopc BOOLEAN NOT NULL,
    export_statistics BOOLEAN NOT NULL,
    messages_legal BOOLEAN DEFAULT 0 NOT NULL,
    messages_iopc BOOLEAN DEFAULT 0 NOT NULL,
    FOREIGN KEY(report_id) REFERENCES reports (id) ON DELETE CASCADE,
"""
_CONSENT_BY_REPORT = f"""
    report_id VARCHAR(32) NOT NULL,
    sequence INTEGER NOT NULL,{_CONSENT_COLUMNS}
    PRIMARY KEY (report_id, sequence)
"""
_CONSENT_BY_ID = f"""
    id INTEGER NOT NULL,
    report_id VARCHAR(32) NOT NULL,{_CONSENT_COLUMNS}
    PRIMARY KEY (id)
"""
_CONSENT_CHOICES = (
    "recorded_on, advocates_may_read, export_legal, export_iopc, "
    "export_statistics, messages_legal, messages_iopc"
)
_SESSIONS_BY_HOUR = """
    id VARCHAR(32) NOT NULL,
    sweep_at_hour INTEGER NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (id)
"""
_SESSIONS_BY_DAY = """
    id VARCHAR(32) NOT NULL,
    created_on DATE NOT NULL,
    state BLOB NOT NULL,
    PRIMARY KEY (id)
"""
_INDEXES = {
    "reports": [
        "CREATE INDEX ix_reports_assignee_id ON reports (assignee_id)",
        'CREATE INDEX ix_reports_indexed ON reports ("indexed")',
    ],
    "messages": ["CREATE INDEX ix_messages_report_id ON messages (report_id)"],
    "attachments": ["CREATE INDEX ix_attachments_report_id ON attachments (report_id)"],
    "report_tags": ["CREATE INDEX ix_report_tags_tag ON report_tags (tag)"],
}


# Every statement below is built from this file's own table and column names
# (hence the nosec and noqa marks): nothing from outside reaches them.


def _rebuild(table: str, columns: str, select: str, with_rowid: bool, indexes: list[str]) -> None:
    """Copy a table into a new one made from `columns`, then put the copy in its place.

    Foreign keys are off while migrations run (portal.store.upgrade), so
    dropping the old table deletes nothing that refers to it.
    """
    options = "" if with_rowid else " WITHOUT ROWID"
    op.execute(f'CREATE TABLE "_new_{table}" ({columns}){options}')
    op.execute(f'INSERT INTO "_new_{table}" {select}')
    op.execute(f'DROP TABLE "{table}"')
    op.execute(f'ALTER TABLE "_new_{table}" RENAME TO "{table}"')
    for index in indexes:
        op.execute(index)


def _copy(table: str) -> str:
    return f'SELECT * FROM "{table}"'  # noqa: S608  # nosec B608


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        _upgrade_portable()
        return
    for table, columns in (
        ("reports", _REPORTS),
        ("messages", _MESSAGES),
        ("attachments", _ATTACHMENTS),
        ("attachment_segments", _SEGMENTS),
        ("report_tags", _TAGS),
    ):
        _rebuild(table, columns, _copy(table), False, _INDEXES.get(table, []))
    _rebuild(
        "report_key_seals",
        _SEALS_BY_REPORT,
        "SELECT report_id, group_key_id, sealed_key FROM report_key_seals",
        False,
        [],
    )
    _rebuild(
        "consent_records",
        _CONSENT_BY_REPORT,
        f"(report_id, sequence, {_CONSENT_CHOICES}) SELECT report_id, "  # noqa: S608  # nosec B608
        "row_number() OVER (PARTITION BY report_id ORDER BY id) - 1, "
        f"{_CONSENT_CHOICES} FROM consent_records",
        False,
        [],
    )
    _rebuild(
        "survivor_sessions",
        _SESSIONS_BY_HOUR,
        "SELECT id, 0, state FROM survivor_sessions WHERE 0",
        False,
        ["CREATE INDEX ix_survivor_sessions_sweep_at_hour ON survivor_sessions (sweep_at_hour)"],
    )


def _upgrade_portable() -> None:
    """PostgreSQL has no rowid: only the keys change."""
    op.drop_constraint("report_key_seals_pkey", "report_key_seals", type_="primary")
    op.drop_column("report_key_seals", "id")
    op.drop_constraint(
        "report_key_seals_report_id_group_key_id_key", "report_key_seals", type_="unique"
    )
    op.create_primary_key(
        "report_key_seals_pkey", "report_key_seals", ["report_id", "group_key_id"]
    )
    op.add_column("consent_records", sa.Column("sequence", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE consent_records SET sequence = numbered.n FROM (SELECT id, row_number() OVER "
        "(PARTITION BY report_id ORDER BY id) - 1 AS n FROM consent_records) AS numbered "
        "WHERE consent_records.id = numbered.id"
    )
    op.alter_column("consent_records", "sequence", nullable=False)
    op.drop_constraint("consent_records_pkey", "consent_records", type_="primary")
    op.drop_index("ix_consent_records_report_id", "consent_records")
    op.drop_column("consent_records", "id")
    op.create_primary_key("consent_records_pkey", "consent_records", ["report_id", "sequence"])
    op.execute("DELETE FROM survivor_sessions")
    op.drop_column("survivor_sessions", "created_on")
    op.add_column("survivor_sessions", sa.Column("sweep_at_hour", sa.Integer(), nullable=False))
    op.create_index("ix_survivor_sessions_sweep_at_hour", "survivor_sessions", ["sweep_at_hour"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        raise NotImplementedError("downgrading 0007 is done on SQLite only")
    for table, columns in (
        ("reports", _REPORTS),
        ("messages", _MESSAGES),
        ("attachments", _ATTACHMENTS),
        ("attachment_segments", _SEGMENTS),
        ("report_tags", _TAGS),
    ):
        _rebuild(table, columns, _copy(table), True, _INDEXES.get(table, []))
    _rebuild(
        "report_key_seals",
        _SEALS_BY_ID,
        "(report_id, group_key_id, sealed_key) "
        "SELECT report_id, group_key_id, sealed_key FROM report_key_seals",
        True,
        [],
    )
    _rebuild(
        "consent_records",
        _CONSENT_BY_ID,
        f"(report_id, {_CONSENT_CHOICES}) SELECT report_id, {_CONSENT_CHOICES} "  # noqa: S608  # nosec B608
        "FROM consent_records ORDER BY report_id, sequence",
        True,
        ["CREATE INDEX ix_consent_records_report_id ON consent_records (report_id)"],
    )
    _rebuild(
        "survivor_sessions",
        _SESSIONS_BY_DAY,
        "SELECT id, '', state FROM survivor_sessions WHERE 0",
        True,
        [],
    )
