"""The database is SQLCipher, and what survivors write is ciphertext even inside it."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import (
    URL,
    Integer,
    LargeBinary,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateTable

import config
from crypto.envelope import decrypt_field, unwrap_key
from crypto.errors import TamperedCiphertext
from crypto.format import Binding
from crypto.keys import PrivateKey, open_sealed
from crypto.words import CODENAME_WORDS, new_codename
from portal.core import bindings
from portal.core.instance import bootstrap_secret_path
from portal.core.reports import Consent
from portal.store import MIGRATIONS, Store, downgrade, upgrade
from portal.store.models import Base, Group, GroupKeyGrant, Holder, Report, Role
from portal.survivor.service import UnknownCodename, sign_in, submit_report, view_report
from tests.support import pages
from tests.support.instance import Instance
from tests.support.people import create_person, signed_in_as

MARKER = "MARKER-7f3a9c-strangled-by-officer-4471"
SQLITE_HEADER = b"SQLite format 3\x00"


def _pepper(instance: Instance) -> bytes:
    return config.load(instance.path, environ={}).lookup_pepper


def _submit(store: Store, instance: Instance, account: dict[str, str]) -> str:
    with store.session() as session:
        settings = config.load(instance.path, environ={})
        receipt = submit_report(
            session,
            settings.lookup_pepper,
            account,
            Consent(),
            (),
            pages.new_submission(instance.path),
            settings.escrow_key,
        )
    assert len(receipt.codename.split()) == CODENAME_WORDS
    return receipt.codename


@pytest.mark.sqlcipher_only
def test_the_database_file_is_not_plain_sqlite(instance: Instance, store: Store) -> None:
    _submit(store, instance, {"account": "x"})
    assert not (instance.path / "portal.db").read_bytes().startswith(SQLITE_HEADER)


@pytest.mark.sqlcipher_only
def test_no_file_under_instance_contains_what_a_survivor_wrote(
    instance: Instance, store: Store
) -> None:
    _submit(store, instance, {"account": MARKER, "where": MARKER * 3})
    files = [p for p in instance.path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("portal.db") for p in files)
    for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
        needle = MARKER.encode(encoding)
        for path in files:
            assert needle not in path.read_bytes(), f"{path.name} holds the marker ({encoding})"


def test_even_with_the_database_key_every_stored_value_is_ciphertext(
    instance: Instance, store: Store
) -> None:
    _submit(store, instance, {"account": MARKER})
    with store.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                for value in row:
                    raw = value if isinstance(value, bytes) else str(value).encode()
                    assert MARKER.encode() not in raw, table


@pytest.mark.sqlcipher_only
def test_the_database_runs_in_wal_mode_with_full_sync(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA cipher_version").scalar().startswith("4.")


def test_a_survivor_reads_their_report_back_with_the_codename(
    instance: Instance, store: Store
) -> None:
    codename = _submit(store, instance, {"account": "what happened"})
    with store.session() as session:
        access = sign_in(session, _pepper(instance), codename.upper())
        assert view_report(session, access).account == {"account": "what happened"}


@pytest.mark.parametrize("typed", ["", "not a codename", "word " * 7])
def test_a_wrong_codename_finds_nothing(instance: Instance, store: Store, typed: str) -> None:
    _submit(store, instance, {"account": "x"})
    with store.session() as session, pytest.raises(UnknownCodename):
        sign_in(session, _pepper(instance), typed or new_codename())


def test_the_advocates_group_key_opens_the_report(instance: Instance, store: Store) -> None:
    _submit(store, instance, {"account": MARKER})
    secret = bytes.fromhex(
        bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES).read_text()
    )
    with store.session() as session:
        grant = session.scalars(
            select(GroupKeyGrant).where(GroupKeyGrant.holder == Holder.BOOTSTRAP)
        ).all()
        advocates = next(g for g in grant if g.group_key.group is Group.ADVOCATES)
        group_private = PrivateKey.from_bytes(
            unwrap_key(
                secret,
                advocates.sealed_key,
                bindings.group_key_grant(Group.ADVOCATES, 1, "bootstrap"),
            )
        )
        report = session.scalars(select(Report)).one()
        seal = next(s for s in report.seals if s.group_key.group is Group.ADVOCATES)
        assert {s.group_key.group for s in report.seals} == {Group.ADVOCATES, Group.RECOVERY}
        data_key = open_sealed(
            group_private, seal.sealed_key, bindings.report_key_seal(report.id, seal.group_key)
        )
        content = decrypt_field(data_key, report.content, Binding("reports", report.id, "content"))
    assert json.loads(content) == {"account": MARKER}


def test_content_moved_between_reports_fails_loudly(instance: Instance, store: Store) -> None:
    first = _submit(store, instance, {"account": "first"})
    _submit(store, instance, {"account": "second"})
    with store.session() as session:
        one, two = session.scalars(select(Report)).all()
        one.content, two.content = two.content, one.content
        session.commit()
    with store.session() as session, pytest.raises(TamperedCiphertext):
        view_report(session, sign_in(session, _pepper(instance), first))


def test_the_schema_is_at_the_newest_migration(store: Store) -> None:
    with store.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == ScriptDirectory(str(MIGRATIONS)).get_current_head()


@pytest.mark.parametrize("table", Base.metadata.sorted_tables, ids=lambda t: t.name)
def test_every_table_compiles_for_postgresql(table: Table) -> None:
    ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))
    assert ddl.startswith(f"\nCREATE TABLE {table.name}")
    has_binary = any(isinstance(column.type, LargeBinary) for column in table.columns)
    assert ("BYTEA" in ddl) is has_binary


def test_migrations_upgrade_a_database_that_already_holds_reports(tmp_path: Path) -> None:
    from alembic import command

    from portal.store import _alembic_config

    engine = create_engine(
        URL.create(
            "sqlite+pysqlcipher",
            password=f"x'{os.urandom(32).hex()}'",
            database=str(tmp_path / "old.db"),
        )
    )
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0001")
        connection.execute(
            text(
                "INSERT INTO reports (id, lookup_id, status, received_on, updated_on, "
                "survivor_key, content) VALUES ('r1', x'00', 'NEW', '2026-01-01', '2026-01-01', "
                "x'00', x'00')"
            )
        )
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    with Store(engine).session() as session:
        report = session.get(Report, "r1")
        assert report is not None
        assert report.advocates_may_read and not report.export_legal
        assert report.priority.value == "normal" and report.indexed is False
    engine.dispose()


# Tables made after migrations 0004 and 0007, which the upgrade test goes back to.
LATER_TABLES = {
    "notices",
    "case_seen",
    "limit_counts",
    "escrow_entries",
    "escrow_matches",
    "escrow_match_reports",
    "security_keys",
    "spent_challenges",
}


def _rows(store: Store, skip: set[str] | None = None) -> dict[str, int]:
    # Sessions open during an upgrade end; tokens of forms already sent go with
    # their table when the schema goes back before it.
    skip = {"survivor_sessions", "submission_tokens", *(skip or ())}
    with store.engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
            if table.name not in skip
        }


def test_an_upgrade_through_every_migration_keeps_every_row_of_a_real_instance(
    app: Flask, client: FlaskClient, store: Store, instance: Instance
) -> None:
    """SQLite alters a table by copying it: with foreign keys on, dropping the old
    `reports` would delete every report's seals, messages, files and consent."""
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(picture, "PNG")
    codename = pages.submit(
        client,
        what_happened="kept through every upgrade",
        force="Kent Police",
        consent_legal="y",
        consent_statistics="y",
        files=[(io.BytesIO(picture.getvalue()), "photo.png")],
    )
    pages.sign_in(client, codename)
    token = pages.form_tokens(client, "/return/report")
    added = client.post(
        "/return/add",
        data={**token, "kind": "message", "text": "call after six"},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    advocate = signed_in_as(app, alice)
    assert advocate.get("/advocate/").status_code == 200  # indexes the report: tags
    before = _rows(store)
    assert all(before[t] for t in ("reports", "report_key_seals", "messages", "attachments"))
    assert all(before[t] for t in ("attachment_segments", "consent_records", "report_tags"))

    assert before["notices"] == 2  # one row per kind of notification e-mail
    # Migration 0007 rebuilds SQLite's tables; on PostgreSQL it goes one way only.
    downgrade(store.engine, "0004" if store.engine.dialect.name == "sqlite" else "0007")
    assert _rows(store, skip=LATER_TABLES) == {
        table: rows for table, rows in before.items() if table not in LATER_TABLES
    }
    upgrade(store.engine)
    assert _rows(store) == before

    returning = app.test_client()
    assert pages.sign_in(returning, codename).status_code == 303
    page = returning.get("/return/report").get_data(as_text=True)
    assert "kept through every upgrade" in page and "call after six" in page
    case = advocate.get("/advocate/").get_data(as_text=True)
    assert "1 report." in case


SURVIVORS_ROWS = (
    "reports",
    "case_seen",
    "report_key_seals",
    "messages",
    "attachments",
    "attachment_segments",
    "consent_records",
    "report_tags",
    "survivor_sessions",
    "escrow_entries",
    "escrow_match_reports",
)


@pytest.mark.sqlcipher_only  # PostgreSQL's heap and xmin keep arrival order: SECURITY.md
@pytest.mark.parametrize("table", SURVIVORS_ROWS)
def test_no_row_of_a_survivors_carries_the_order_it_arrived_in(
    instance: Instance, store: Store, table: str
) -> None:
    """A rowid, or an id counting up across reports, would sort reports, seals and
    consent changes by arrival: someone holding the database reads who came when."""
    for number in range(3):
        _submit(store, instance, {"account": f"report {number}"})
    with store.engine.connect() as connection:
        with pytest.raises(OperationalError, match="no such column"):
            connection.execute(text(f'SELECT rowid FROM "{table}"'))  # noqa: S608 - a constant
        definition = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = :table"), {"table": table}
        ).scalar_one()
    assert definition.rstrip().endswith("WITHOUT ROWID")
    counters = [
        column.name
        for column in Base.metadata.tables[table].columns
        if isinstance(column.type, Integer) and column.name not in ("sequence", "index")
    ]
    # Integers left are references to keys and accounts, counts within one report
    # (its messages, its changes) and hours; none counts across reports.
    assert set(counters) <= {
        "group_key_id",
        "statistics_key_id",
        "assignee_id",
        "next_sequence",
        "version",
        "sweep_at_hour",
        "account_id",
        "survivor_changes",
    }
