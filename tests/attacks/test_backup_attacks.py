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
import tarfile
import tomllib
from pathlib import Path

import pytest
from flask.testing import FlaskClient

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
    ],
)
def test_restore_refuses_a_malformed_manifest_with_a_message(
    backup: Path, cli_instance: Instance, tmp_path: Path, field: str, value: object
) -> None:
    contents = _members(backup)
    manifest = json.loads(contents["manifest.json"])
    manifest[field] = value
    contents["manifest.json"] = json.dumps(manifest).encode()
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
