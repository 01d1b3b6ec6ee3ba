"""The same round trip on PostgreSQL: `pg_dump` out, `pg_restore` into a new, empty database."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

import config
from portal.store import Store, make_engine
from portal.store.models import LimitCount
from tests.operations.reading import read_as_advocate
from tests.support import postgres
from tests.support.command import portal
from tests.support.database import count_rows
from tests.support.instance import Instance
from tests.support.pages import submit
from tests.support.people import Person

WORDS = "The sergeant read my messages aloud in the canteen at Millbrook police station."

pytestmark = pytest.mark.skipif(
    postgres.bin_dir() is None or shutil.which("pg_dump") is None,
    reason="PostgreSQL is not installed (`make system-packages` installs it)",
)


@pytest.fixture(scope="module")
def backend() -> str:
    """Every instance of this file keeps its data in PostgreSQL."""
    return "postgresql"


@pytest.fixture
def empty_database(postgres_server: postgres.PostgresServer) -> Iterator[str]:
    """The URL of a new database with no table, to restore into."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


def test_a_postgresql_backup_restores_into_a_new_database(
    cli_instance: Instance,
    client: FlaskClient,
    advocate: Person,
    store: Store,
    empty_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    submit(client, what_happened=WORDS)
    with store.session() as session:
        session.add(LimitCount(kind="codename", client=4242, window_number=7, count=3, sweep_at=9))
        session.commit()
    made = portal("backup", str(tmp_path / "portal.tar"))
    assert made.exit_code == 0, made.output
    with tarfile.open(tmp_path / "portal.tar") as archive:
        assert archive.getnames() == ["manifest.json", "portal.toml", "portal.pgdump"]
        archive.extract("portal.pgdump", tmp_path, filter="data")
    # Everything the dump holds, as SQL: the report is ciphertext in it.
    dumped = subprocess.run(
        ["pg_restore", "--file=-", str(tmp_path / "portal.pgdump")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CREATE TABLE public.reports" in dumped
    assert not any(WORDS[i : i + 16] in dumped for i in range(0, len(WORDS) - 16, 8))

    monkeypatch.setenv("PORTAL_DATABASE_URL", empty_database)
    restored = tmp_path / "restored"
    secrets = str(cli_instance.path / "secrets")
    done = portal("restore", str(tmp_path / "portal.tar"), str(restored), "--secrets", secrets)
    assert done.exit_code == 0, done.output
    assert f'database_url = "{empty_database}"' in (restored / "portal.toml").read_text()
    assert read_as_advocate(restored) == [WORDS]
    engine = make_engine(config.load(restored, environ={}))
    try:
        assert count_rows(Store(engine), LimitCount) == 0  # left out of the backup
    finally:
        engine.dispose()

    again = portal(
        "restore", str(tmp_path / "portal.tar"), str(tmp_path / "again"), "--secrets", secrets
    )
    assert again.exit_code == 1
    assert "already holds tables" in again.output
    assert not (tmp_path / "again").exists()
