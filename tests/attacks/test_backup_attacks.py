"""Backups in hostile hands: rewritten, malformed, or cut short.

The adversary here can write to where backups are kept (ordinary storage,
an off-site copy, the disk they travel on) but holds no secret. What they
change must be refused by a restore, which the operator runs with the
secrets kept apart, before anything is made or connected to.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tomllib
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from portal.store.backup import run_postgresql_tool
from tests.support import postgres
from tests.support.command import portal
from tests.support.instance import Instance
from tests.support.pages import submit
from tests.support.people import Person


@pytest.fixture
def backup(cli_instance: Instance, client: FlaskClient, advocate: Person, tmp_path: Path) -> Path:
    """A genuine backup of an instance holding one report."""
    submit(client, what_happened="A report kept in the backup.")
    made = portal("backup", str(tmp_path / "portal.tar"))
    assert made.exit_code == 0, made.output
    return tmp_path / "portal.tar"


def _members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup) as archive:
        contents = {}
        for member in archive.getmembers():
            handle = archive.extractfile(member)
            assert handle is not None
            contents[member.name] = handle.read()
    return contents


def _rewrite(backup: Path, contents: dict[str, bytes]) -> None:
    """Write the archive anew from these members, in the order a backup holds them."""
    with tarfile.open(backup, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, content in contents.items():
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))


def _replace_settings(backup: Path, settings: bytes) -> None:
    """Put other settings in the backup and give the manifest their SHA-256, as an
    adversary would who knows the format (it is in the README)."""
    contents = _members(backup)
    manifest = json.loads(contents["manifest.json"])
    manifest["files"]["portal.toml"] = hashlib.sha256(settings).hexdigest()
    contents["manifest.json"] = json.dumps(manifest).encode()
    contents["portal.toml"] = settings
    _rewrite(backup, contents)


def _restore(backup: Path, instance: Instance, target: Path) -> tuple[int, str]:
    done = portal("restore", str(backup), str(target), "--secrets", str(instance.path / "secrets"))
    return done.exit_code, " ".join(done.output.split())


SETTINGS_AN_ADVERSARY_WANTS = {
    # Every report older than a day purged by the restored instance's sweeper.
    "retention_days": "retention_days = 1\nclosed_retention_days = 1\n",
    # The survivors' "Exit this page" button sends them to the adversary's site.
    "exit_url": 'exit_url = "https://watching.example/"\n',
    # Everyone's requests may claim any address: the per-client limits are gone.
    "trusted_proxies": "trusted_proxies = 5\n",
}


@pytest.mark.parametrize("setting", sorted(SETTINGS_AN_ADVERSARY_WANTS))
def test_restore_refuses_settings_rewritten_in_the_backup(
    backup: Path, cli_instance: Instance, tmp_path: Path, setting: str
) -> None:
    chosen = SETTINGS_AN_ADVERSARY_WANTS[setting]
    keys = {line.split("=")[0].strip() for line in chosen.splitlines()}
    settings = _members(backup)["portal.toml"].decode().splitlines(keepends=True)
    kept = [line for line in settings if line.split("=")[0].strip() not in keys]
    hostile = chosen + "".join(kept)
    _replace_settings(backup, hostile.encode())
    assert tomllib.loads(hostile)[next(iter(keys))]  # the settings load, with the change
    target = tmp_path / "restored"
    code, said = _restore(backup, cli_instance, target)
    assert code == 1, said
    assert "altered" in said
    assert not target.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("format", "1"),
        ("files", ["portal.toml", "portal.db"]),
        ("secrets", ["database.key"]),
        ("schema", 12),
        ("database", ["sqlcipher"]),
        ("nested", None),
    ],
)
def test_restore_refuses_a_malformed_manifest_with_a_message(
    backup: Path, cli_instance: Instance, tmp_path: Path, field: str, value: object
) -> None:
    contents = _members(backup)
    manifest = json.loads(contents["manifest.json"])
    manifest[field] = value
    # "nested": deeper than Python's JSON parser goes, in place of the whole manifest.
    contents["manifest.json"] = b"[" * 5000 if field == "nested" else json.dumps(manifest).encode()
    _rewrite(backup, contents)
    done = portal(
        "restore",
        str(backup),
        str(tmp_path / "new"),
        "--secrets",
        str(cli_instance.path / "secrets"),
    )
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit), done.exception  # not a stack trace
    assert "its manifest is not readable" in " ".join(done.output.split())


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://portal:hunter2-secret@db.internal/portal",
        "postgresql+psycopg://portal@db.internal/portal?password=hunter2-secret&sslmode=require",
    ],
)
def test_the_database_password_is_never_on_a_command_line(tmp_path: Path, url: str) -> None:
    """Every user of the machine reads /proc/PID/cmdline: pg_dump's must not hold it."""
    seen = tmp_path / "seen"
    tool = tmp_path / "pg_dump"
    tool.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {seen}\nenv >> {seen}.env\n')
    tool.chmod(0o700)
    run_postgresql_tool(str(tool), ["--format=custom"], url)
    assert "hunter2-secret" not in seen.read_text()
    assert "PGPASSWORD=hunter2-secret" in Path(f"{seen}.env").read_text().splitlines()
    assert "dbname=" in seen.read_text() or "--dbname=postgresql://" in seen.read_text()


def test_init_refuses_a_password_in_the_query_of_the_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    url = "postgresql://portal@db.internal/portal?password=hunter2-secret"
    done = portal("init", "--public-url", "http://127.0.0.1:5000", "--database-url", url)
    assert done.exit_code == 1, done.output
    assert "holds a password" in done.output
    assert not (tmp_path / "instance").exists()


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="PostgreSQL is not installed")
@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_restore_writes_no_database_password_into_the_settings(
    cli_instance: Instance,
    postgres_server: postgres.PostgresServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
) -> None:
    assert portal("backup", str(tmp_path / "portal.tar")).exit_code == 0
    name = postgres_server.create_database()
    # The test server trusts local connections, so any password is accepted and ignored.
    url = postgres_server.url(name).replace("@", ":hunter2-secret@", 1)
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    restored = tmp_path / "restored"
    secrets = str(cli_instance.path / "secrets")
    done = portal("restore", str(tmp_path / "portal.tar"), str(restored), "--secrets", secrets)
    assert done.exit_code == 0, done.output
    assert "hunter2-secret" not in done.output
    settings = (restored / "portal.toml").read_text()
    assert "database_url = " in settings
    assert "hunter2-secret" not in settings
    postgres_server.drop_database(name)


# Runs `portal backup` in a process that kills itself (SIGKILL, as the OOM killer
# or a power cut would) once the database is copied and half the archive written.
_KILLED_MID_WAY = """
import os, signal, sys, tarfile
from portal.cli import main
written = tarfile.TarFile.addfile
def addfile(archive, member, content=None):
    if member.name == "portal.toml":
        os.kill(os.getpid(), signal.SIGKILL)
    return written(archive, member, content)
tarfile.TarFile.addfile = addfile
main(["backup", sys.argv[1]])
"""


def test_a_backup_killed_mid_way_leaves_no_copy_once_the_next_one_runs(
    cli_instance: Instance, client: FlaskClient, advocate: Person, tmp_path: Path
) -> None:
    """What a killed backup leaves must not outlive it: the timer's clean-up deletes
    only dated backups, so a stray copy of the database would outlast retention."""
    submit(client, what_happened="A report later deleted.")
    folder = tmp_path / "backups"
    folder.mkdir()
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_WAY, str(folder)],
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert [path for path in folder.iterdir() if not path.name.startswith("portal-")]
    assert portal("backup", str(folder)).exit_code == 0
    left = sorted(path.name for path in folder.iterdir())
    assert len(left) == 1 and left[0].startswith("portal-"), left
