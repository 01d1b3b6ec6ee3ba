"""`portal backup` and `portal restore`: ciphertext only, and restored only with the right secrets.

The adversary here holds a backup (a charity's backups can be demanded) but
not instance/secrets: it must open nothing. The operator holds both, and
the restore must bring back every report, or refuse plainly.
"""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
import sqlcipher3
from flask.testing import FlaskClient

import config
from portal.core.instance import create_instance
from portal.core.principal import unlock_principal
from portal.store import Store, make_engine
from portal.store.models import LimitCount
from tests.operations.reading import read_as_advocate
from tests.support.command import portal
from tests.support.database import count_rows
from tests.support.forensics import pieces_on_disk
from tests.support.instance import CHEAP_ARGON2, LOOPBACK_URL, Instance
from tests.support.pages import submit
from tests.support.people import PASSPHRASE, Person

WORDS = "The inspector pushed me down the stairs of the Harrow Lane station on a Sunday."


@pytest.fixture
def backup(cli_instance: Instance, client: FlaskClient, advocate: Person, tmp_path: Path) -> Path:
    """A backup of an instance holding one report, taken by `portal backup`."""
    submit(client, what_happened=WORDS)
    made = portal("backup", str(tmp_path / "portal.tar"))
    assert made.exit_code == 0, made.output
    assert f"Backup written to {tmp_path / 'portal.tar'}" in made.output
    return tmp_path / "portal.tar"


def test_a_backup_holds_the_database_and_settings_and_no_secret(
    backup: Path, cli_instance: Instance
) -> None:
    assert backup.stat().st_mode & 0o777 == 0o600
    with tarfile.open(backup) as archive:
        assert archive.getnames() == ["manifest.json", "portal.toml", "portal.db"]
        manifest_file = archive.extractfile("manifest.json")
        assert manifest_file is not None
        manifest = json.loads(manifest_file.read())
    assert manifest["database"] == "sqlcipher" and manifest["format"] == 2
    assert len(manifest["made_on"]) == len("2026-01-31")  # the day, no time
    content = backup.read_bytes()
    for secret in (cli_instance.path / "secrets").iterdir():
        assert secret.read_text().strip().encode() not in content, secret.name
        assert bytes.fromhex(secret.read_text()) not in content, secret.name
    left = [*backup.parent.glob(".portal-partial-*"), *backup.parent.glob(".portal-backup-*")]
    assert not left, "a temporary file was left behind"


def test_a_backup_is_ciphertext_only_and_opens_with_no_other_key(
    backup: Path, cli_instance: Instance, tmp_path: Path
) -> None:
    content = backup.read_bytes()
    for piece in (WORDS[i : i + 16] for i in range(0, len(WORDS) - 16, 8)):
        assert piece.encode() not in content
    with tarfile.open(backup) as archive:
        archive.extract("portal.db", tmp_path / "seized", filter="data")
    copy = tmp_path / "seized" / "portal.db"
    for key in (None, bytes(range(32))):
        connection = sqlcipher3.connect(str(copy))
        if key is not None:
            connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        with pytest.raises(sqlcipher3.DatabaseError):
            connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
        connection.close()
    # Even with the database key, the report itself is ciphertext in every page.
    database_key = bytes.fromhex((cli_instance.path / "secrets" / "database.key").read_text())
    assert pieces_on_disk(copy, database_key, WORDS.encode(), size=16) == 0


def test_a_backup_leaves_out_the_shared_limits_counts(
    cli_instance: Instance, store: Store, tmp_path: Path
) -> None:
    with store.session() as session:
        session.add(LimitCount(kind="codename", client=4242, window_number=7, count=3, sweep_at=9))
        session.commit()
    assert portal("backup", str(tmp_path / "portal.tar")).exit_code == 0
    with tarfile.open(tmp_path / "portal.tar") as archive:
        archive.extract("portal.db", tmp_path / "copy", filter="data")
    copy = sqlcipher3.connect(str(tmp_path / "copy" / "portal.db"))
    database_key = bytes.fromhex((cli_instance.path / "secrets" / "database.key").read_text())
    copy.execute(f"PRAGMA key = \"x'{database_key.hex()}'\"")
    assert copy.execute("SELECT count(*) FROM limit_counts").fetchone() == (0,)
    assert copy.execute("SELECT count(*) FROM group_keys").fetchone() != (0,)
    copy.close()
    assert count_rows(store, LimitCount) == 1  # the live count is untouched


def test_a_restored_instance_opens_every_report_for_its_advocate(
    backup: Path, cli_instance: Instance, tmp_path: Path
) -> None:
    restored = tmp_path / "restored"
    done = portal(
        "restore", str(backup), str(restored), "--secrets", str(cli_instance.path / "secrets")
    )
    assert done.exit_code == 0, done.output
    assert f"Restored into {restored}" in done.output
    assert read_as_advocate(restored) == [WORDS]
    assert (restored / "secrets").stat().st_mode & 0o777 == 0o700
    for path in [restored / "portal.db", *(restored / "secrets").iterdir()]:
        assert path.stat().st_mode & 0o777 == 0o600, path


def _other_instance_secrets(tmp_path: Path) -> Path:
    other = tmp_path / "other"
    create_instance(other, LOOPBACK_URL)
    return other / "secrets"


def _without_the_pepper(tmp_path: Path, secrets: Path) -> Path:
    partial = tmp_path / "partial-secrets"
    shutil.copytree(secrets, partial)
    (partial / "lookup-pepper.key").unlink()
    return partial


def _cut_in_half(backup: Path) -> None:
    content = backup.read_bytes()
    backup.write_bytes(content[: len(content) // 2])


def _flip_a_byte_of_the_database(backup: Path) -> None:
    content = bytearray(backup.read_bytes())
    with tarfile.open(backup) as archive:
        offset = archive.getmember("portal.db").offset_data
    content[offset + 5000] ^= 0x01
    backup.write_bytes(bytes(content))


@pytest.mark.parametrize(
    ("damage", "refusal"),
    [
        ("existing instance", "already exists and is not empty"),
        ("missing secret", "the codename lookup pepper is missing"),
        ("wrong secrets", "is not the SQLCipher database key of the instance this backup"),
        ("truncated backup", "is damaged or incomplete"),
        ("altered backup", "portal.db is not what was backed up"),
    ],
)
def test_restore_refuses_plainly_and_leaves_nothing(
    backup: Path, cli_instance: Instance, tmp_path: Path, damage: str, refusal: str
) -> None:
    secrets = cli_instance.path / "secrets"
    target = tmp_path / "restored"
    if damage == "existing instance":
        target = cli_instance.path
    elif damage == "missing secret":
        secrets = _without_the_pepper(tmp_path, secrets)
    elif damage == "wrong secrets":
        secrets = _other_instance_secrets(tmp_path)
    elif damage == "truncated backup":
        _cut_in_half(backup)
    else:
        _flip_a_byte_of_the_database(backup)
    before = sorted(tmp_path.iterdir())
    refused = portal("restore", str(backup), str(target), "--secrets", str(secrets))
    assert refused.exit_code == 1, refused.output
    assert isinstance(refused.exception, SystemExit)  # a message, not a stack trace
    assert refusal in " ".join(refused.output.split())
    assert sorted(tmp_path.iterdir()) == before, "the refused restore left something behind"
    settings = config.load(cli_instance.path, environ={})
    engine = make_engine(settings)
    try:
        with Store(engine).session() as session:
            assert unlock_principal(session, "alice", PASSPHRASE, CHEAP_ARGON2)
    finally:
        engine.dispose()


def test_backup_refuses_to_write_inside_the_instance_or_over_a_file(
    cli_instance: Instance, tmp_path: Path
) -> None:
    inside = portal("backup", str(cli_instance.path / "backup.tar"))
    assert inside.exit_code == 1 and "inside the instance folder" in inside.output
    assert not (cli_instance.path / "backup.tar").exists()
    existing = tmp_path / "kept.tar"
    existing.write_bytes(b"an older backup")
    over = portal("backup", str(existing))
    assert over.exit_code == 1 and "never replaces a file" in over.output
    assert existing.read_bytes() == b"an older backup"


def test_backup_into_a_folder_names_each_file_by_its_day(
    cli_instance: Instance, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for _ in range(2):
        assert portal("backup", str(folder)).exit_code == 0
    first, second = sorted(folder.iterdir(), key=lambda path: len(path.name))
    assert first.name.startswith("portal-") and first.name.endswith(".tar")
    assert second.name == first.name.replace(".tar", "-2.tar")
