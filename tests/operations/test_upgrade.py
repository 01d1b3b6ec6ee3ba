"""Upgrades that cannot lose data: a backup first, every old report after, and no mismatched start.

The instance upgraded here was made by the previous release's own code
(fixtures/test-instance-release-0009, see make_old_instance.py): reports
sent through its form, one with a picture, one with a follow-up message.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select, text

import config
from portal import create_app
from portal.core.principal import unlock_principal
from portal.core.reports import open_report_key, read_attachment
from portal.store import Store, downgrade, make_engine
from portal.store.models import Group, GroupKey, Holder, Report
from portal.store.revisions import head
from portal.survivor.service import sign_in, view_report
from tests.operations.reading import open_every_case
from tests.support.command import portal
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.people import PASSPHRASE
from tests.support.serving import BIN, free_port, portal_environment

OLD_RELEASE = Path(__file__).parent / "fixtures" / "test-instance-release-0009"


@pytest.fixture
def old_instance(tmp_path: Path) -> Path:
    """A copy of the previous release's test instance, its secrets private as they were."""
    # Kept as one archive: no folder of secrets lies in the repository as if it were real.
    with tarfile.open(OLD_RELEASE / "instance.tar") as archive:
        archive.extractall(tmp_path, filter="data")
    path = tmp_path / "instance"
    for secret in (path / "secrets").iterdir():
        secret.chmod(0o600)  # the "data" filter keeps no group or other bits, but be plain
    return path


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "portal", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _schema(instance: Path) -> str:
    # Only the database key is needed to read the revision: secrets the release
    # predates (which `portal upgrade` makes) are stood in for.
    missing = {
        secret.variable: os.urandom(32).hex()
        for secret in config.SECRETS
        if not (instance / "secrets" / secret.filename).exists()
    }
    engine = make_engine(config.load(instance, environ=missing))
    try:
        with engine.connect() as connection:
            revision: str = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar_one()
    finally:
        engine.dispose()
    return revision


def test_upgrade_from_the_previous_release_backs_up_first_and_keeps_every_report(
    old_instance: Path, tmp_path: Path
) -> None:
    expected = json.loads((OLD_RELEASE / "expected.json").read_text())
    assert _schema(old_instance) == expected["schema"] != head()
    env = portal_environment(old_instance, free_port())

    upgraded = _run(env, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and backups[0].suffix == ".tar"
    assert f"to {backups[0]}" in upgraded.stderr  # it says where
    with tarfile.open(backups[0]) as archive:
        manifest = archive.extractfile("manifest.json")
        assert manifest is not None
        assert json.loads(manifest.read())["schema"] == expected["schema"]
    assert _schema(old_instance) == head()
    assert _run(env, "check").returncode == 0
    assert _run(env, "audit", "verify").returncode == 0
    # Reports may now wait for a match: the secret is made, and the escrow's first key
    # is sealed to the recovery key only, for `portal recover --matching` to pass on.
    assert (old_instance / "secrets" / config.ESCROW_KEY.filename).exists()
    assert "portal recover --user NAME --matching" in upgraded.stderr
    assert _escrow_holders(old_instance) == {Holder.RECOVERY}

    # Every survivor comes back with her codename and reads what she wrote.
    settings = config.load(old_instance, environ={})
    engine = make_engine(settings)
    try:
        with Store(engine).session() as session:
            for sent in expected["reports"]:
                access = sign_in(session, settings.lookup_pepper, sent["codename"])
                assert (
                    view_report(session, access).account["what_happened"] == sent["what_happened"]
                )
    finally:
        engine.dispose()
    # The advocate of that release reads every case, its message and its file.
    advocate = expected["advocate"]
    cases = open_every_case(old_instance, advocate["name"], advocate["passphrase"])
    assert sorted(c.account["what_happened"] for c in cases) == sorted(
        sent["what_happened"] for sent in expected["reports"]
    )
    with_file = next(c for c in cases if c.files)
    assert [details.name for _, details in with_file.files] == [expected["file_name"]]
    assert _picture_of(old_instance, with_file.id).startswith(b"\x89PNG\r\n\x1a\n")
    assert expected["follow_up"] in [entry.text for entry in with_file.thread]


def _escrow_holders(instance: Path) -> set[Holder]:
    engine = make_engine(config.load(instance, environ={}))
    try:
        with Store(engine).session() as session:
            group_key = session.scalars(
                select(GroupKey).where(GroupKey.group == Group.ESCROW)
            ).one()
            return {grant.holder for grant in group_key.grants}
    finally:
        engine.dispose()


def _picture_of(instance: Path, report_id: str) -> bytes:
    """The evidence file of a report, decrypted with the advocate's key."""
    settings = config.load(instance, environ={})
    engine = make_engine(settings)
    try:
        with Store(engine).session() as session:
            principal = unlock_principal(session, "alice", PASSPHRASE, CHEAP_ARGON2)
            report = session.get(Report, report_id)
            assert report is not None
            data_key = open_report_key(report, principal, Group.ADVOCATES)
            assert data_key is not None
            return b"".join(read_attachment(session, report.attachments[0], data_key))
    finally:
        engine.dispose()


def test_the_backup_taken_before_an_upgrade_restores_the_old_release(
    old_instance: Path, tmp_path: Path
) -> None:
    env = portal_environment(old_instance, free_port())
    assert _run(env, "upgrade").returncode == 0
    (backup,) = (tmp_path / "backups").iterdir()
    restored = tmp_path / "restored"
    done = _run(
        env, "restore", str(backup), str(restored), "--secrets", str(old_instance / "secrets")
    )
    assert done.returncode == 0, done.stderr
    assert "run `portal upgrade` before serving" in done.stdout
    assert _schema(restored) == json.loads((OLD_RELEASE / "expected.json").read_text())["schema"]


def test_upgrade_migrates_nothing_when_no_backup_can_be_taken(
    old_instance: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings = old_instance / "portal.toml"
    settings.write_text(f'backup_dir = "{blocked}/backups"\n' + settings.read_text())
    upgraded = _run(portal_environment(old_instance, free_port()), "upgrade")
    assert upgraded.returncode == 1
    assert "nothing was upgraded, as no backup could be taken" in upgraded.stderr
    assert "Traceback" not in upgraded.stderr
    assert (
        _schema(old_instance) == json.loads((OLD_RELEASE / "expected.json").read_text())["schema"]
    )


def test_a_server_refuses_a_database_behind_the_code(cli_instance: Instance) -> None:
    engine = make_engine(config.load(cli_instance.path, environ={}))
    downgrade(engine, "0011")
    engine.dispose()
    with pytest.raises(config.ConfigError, match=r"older than this code .*run `portal upgrade`"):
        create_app({"instance_path": cli_instance.path, "argon2": CHEAP_ARGON2})
    checked = portal("check")
    assert checked.exit_code != 0 and "run `portal upgrade`" in checked.output


def test_a_server_refuses_a_database_ahead_of_the_code(cli_instance: Instance) -> None:
    """The code was rolled back after an upgrade: nothing starts, nothing is migrated."""
    engine = make_engine(config.load(cli_instance.path, environ={}))
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    older = "the code is older than the database"
    with pytest.raises(config.ConfigError, match=older):
        create_app({"instance_path": cli_instance.path, "argon2": CHEAP_ARGON2})
    env = portal_environment(cli_instance.path, free_port())
    for command in ("check", "upgrade", "serve"):
        refused = _run(env, command)
        assert refused.returncode != 0, command
        assert older in " ".join(refused.stderr.split()), refused.stderr
        assert "Traceback" not in refused.stderr
    assert _schema(cli_instance.path) == "9999_from_the_future"
    assert not (cli_instance.path.parent / "backups").exists()


@pytest.mark.parametrize(
    ("value", "refusal"),
    [
        ('"backups"', "must be an absolute path"),
        ("7", "must be an absolute path"),
        ('"{instance}/backups"', "is inside the instance folder"),
    ],
)
def test_a_backup_dir_that_is_relative_or_inside_the_instance_is_refused(
    instance: Instance, value: str, refusal: str
) -> None:
    settings = instance.path / "portal.toml"
    line = f"backup_dir = {value.format(instance=instance.path)}\n"
    settings.write_text(line + settings.read_text())
    with pytest.raises(config.ConfigError, match=refusal):
        config.load(instance.path, environ={})


def test_backups_go_where_backup_dir_says(instance: Instance, tmp_path: Path) -> None:
    assert config.load(instance.path, environ={}).backups_path == tmp_path / "backups"
    settings = instance.path / "portal.toml"
    settings.write_text(f'backup_dir = "{tmp_path}/kept"\n' + settings.read_text())
    assert config.load(instance.path, environ={}).backups_path == tmp_path / "kept"
