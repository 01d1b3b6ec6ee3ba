"""`portal init` creates a private, complete instance once and never overwrites one."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

import config
from crypto.envelope import unwrap_key
from crypto.errors import TamperedCiphertext
from crypto.keys import KeyKind, PrivateKey, PublicKey, open_private_key
from portal.cli import main
from portal.core import bindings
from portal.core.group_keys import recovery_key
from portal.core.instance import (
    InstanceExists,
    bootstrap_secret_path,
    create_instance,
    recovery_phrase_path,
)
from portal.store import Store
from portal.store.models import Group, GroupKey, Holder
from tests.support.instance import LOOPBACK_URL, Instance
from tests.support.postgres import PostgresServer
from tests.support.serving import free_port


def _snapshot(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_every_secret_file_is_private_to_its_owner(instance: Instance) -> None:
    secrets = instance.path / "secrets"
    assert stat.S_IMODE(instance.path.stat().st_mode) == 0o700
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    names = {p.name for p in secrets.iterdir()}
    assert names == {s.filename for s in config.SECRETS} | {
        "bootstrap-advocates.key",
        "bootstrap-exporters.key",
        "bootstrap-escrow.key",
    }
    for path in [*secrets.iterdir(), instance.path / "portal.db"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_init_refuses_to_run_twice_and_changes_nothing(instance: Instance) -> None:
    before = _snapshot(instance.path)
    with pytest.raises(InstanceExists, match="Refusing to overwrite"):
        create_instance(instance.path, LOOPBACK_URL)
    assert _snapshot(instance.path) == before


def test_the_init_command_prints_the_phrase_once_and_refuses_a_second_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_INSTANCE", str(tmp_path / "instance"))
    first = CliRunner().invoke(main, ["init"])
    assert first.exit_code == 0, first.output
    # No terminal here: the phrase went to its private file, not to the output.
    written = recovery_phrase_path(tmp_path / "instance").read_text()
    assert "RECOVERY PHRASE" in written and "21. " in written
    assert "21. " not in first.output
    second = CliRunner().invoke(main, ["init"])
    assert second.exit_code == 1
    assert "already holds an instance" in second.output
    assert "RECOVERY PHRASE" not in second.output


def test_a_failed_init_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError):
        create_instance(tmp_path / "instance", "http://public.example.org")
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_a_postgresql_database_that_holds_a_portal_and_changes_nothing(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Pointed at a running portal's database (to add a host, say), a new instance
    would add group keys only its own bootstrap secrets open."""
    url = postgres_server.url(postgres_server.create_database())
    create_instance(tmp_path / "first", LOOPBACK_URL, url)
    engine = create_engine(url)
    with engine.connect() as connection:
        keys_before = connection.execute(text("SELECT count(*) FROM group_keys")).scalar_one()
    result = CliRunner().invoke(
        main,
        ["init", "--database-url", url],
        env={"PORTAL_INSTANCE": str(tmp_path / "second")},
    )
    assert result.exit_code == 1
    assert "already holds tables" in result.output and "copy its instance folder" in result.output
    with engine.connect() as connection:
        keys_after = connection.execute(text("SELECT count(*) FROM group_keys")).scalar_one()
    engine.dispose()
    assert keys_after == keys_before
    assert not (tmp_path / "second").exists()


def test_init_on_a_database_it_cannot_reach_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    result = CliRunner().invoke(
        main,
        ["init", "--database-url", f"postgresql://portal@127.0.0.1:{port}/portal"],
        env={"PORTAL_INSTANCE": str(tmp_path / "instance")},
    )
    assert result.exit_code == 1
    assert "cannot open the database at" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def _group_keys(instance: Instance) -> dict[Group, GroupKey]:
    from portal.store import make_engine

    engine = make_engine(config.load(instance.path, environ={}))
    with Store(engine).session() as session:
        keys = {k.group: k for k in session.scalars(select(GroupKey))}
        for key in keys.values():
            _ = key.grants  # load before the session closes
    engine.dispose()
    return keys


def test_the_recovery_phrase_is_the_recovery_key_and_opens_every_group_key(
    instance: Instance,
) -> None:
    keys = _group_keys(instance)
    assert set(keys) == {Group.ADVOCATES, Group.EXPORTERS, Group.ESCROW, Group.RECOVERY}
    recovery = recovery_key(instance.recovery_phrase)
    assert recovery.public_key == PublicKey.from_bytes(keys[Group.RECOVERY].public_key)
    assert keys[Group.RECOVERY].grants == []  # its private half exists only on paper
    for group in (Group.ADVOCATES, Group.EXPORTERS, Group.ESCROW):
        grant = next(g for g in keys[group].grants if g.holder is Holder.RECOVERY)
        opened = open_private_key(
            recovery, grant.sealed_key, bindings.group_key_grant(group, 1, Holder.RECOVERY)
        )
        assert opened.public_key == PublicKey.from_bytes(keys[group].public_key)
        assert opened.kind is KeyKind.XWING  # what a browser's X-Wing can import
    assert recovery.kind is KeyKind.HKDF  # as every phrase was made: its words hold no kind


def test_the_bootstrap_secret_opens_only_its_own_group_key(instance: Instance) -> None:
    keys = _group_keys(instance)
    secrets = instance.path / "secrets"
    for group in (Group.ADVOCATES, Group.EXPORTERS, Group.ESCROW):
        secret = bytes.fromhex(bootstrap_secret_path(secrets, group).read_text())
        grant = next(g for g in keys[group].grants if g.holder is Holder.BOOTSTRAP)
        seed = unwrap_key(
            secret, grant.sealed_key, bindings.group_key_grant(group, 1, Holder.BOOTSTRAP)
        )
        assert PrivateKey.from_bytes(seed).public_key == PublicKey.from_bytes(
            keys[group].public_key
        )
    advocates_secret = bytes.fromhex(bootstrap_secret_path(secrets, Group.ADVOCATES).read_text())
    exporters_grant = next(g for g in keys[Group.EXPORTERS].grants if g.holder is Holder.BOOTSTRAP)
    with pytest.raises(TamperedCiphertext):
        unwrap_key(
            advocates_secret,
            exporters_grant.sealed_key,
            bindings.group_key_grant(Group.EXPORTERS, 1, Holder.BOOTSTRAP),
        )
