"""The `portal` command: adding accounts and verifying the audit log."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select, text

from crypto.format import HEADER_SIZE
from portal.store import Store
from portal.store.models import Account, AuditEvent, Role
from tests.support.command import portal
from tests.support.instance import Instance
from tests.support.people import PASSPHRASE, Person, create_person, signed_in_as

OTPAUTH = re.compile(r"otpauth://totp/\S+")


def _names(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(Account.name).order_by(Account.name)))


# portal user add


def test_user_add_prints_a_totp_uri_that_signs_in_through_the_web(
    app: Flask, store: Store, cli_instance: Instance
) -> None:
    result = portal(
        "user", "add", "bob", "--role", "advocate", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created advocate account 'bob'." in result.output
    assert PASSPHRASE not in result.output
    uri = OTPAUTH.search(result.output)
    assert uri, result.output
    secret = re.search(r"secret=([A-Z2-7]+)", uri.group(0))
    assert secret
    with store.session() as session:
        account = session.scalars(select(Account).where(Account.name == "bob")).one()
        assert account.role is Role.ADVOCATE
        account_id = account.id
    bob = Person("bob", Role.ADVOCATE, PASSPHRASE, pyotp.TOTP(secret.group(1)), account_id)
    browser = signed_in_as(app, bob)
    # The first advocate took the advocates' key: the review list, not "no access".
    page = browser.get("/advocate/")
    assert page.status_code == 200
    assert "You cannot read reports yet" not in page.get_data(as_text=True)


def test_user_add_uses_the_argon2_cost_of_portal_toml(store: Store, cli_instance: Instance) -> None:
    result = portal(
        "user", "add", "bob", "--role", "staff", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.output
    with store.session() as session:
        wrapped = session.scalars(select(Account.wrapped_private_key)).one()
    # The wrapped key records the Argon2id cost it was made with, right after its header.
    assert struct.unpack_from(">IIB", wrapped, HEADER_SIZE) == (1, 64, 1)


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [
        ("short", "at least 12 characters"),
        ("password123456", "too easy to guess"),
        ("bob bob bob bob bob", "contains the account name"),
    ],
)
def test_user_add_refuses_a_weak_passphrase_clearly(
    store: Store, cli_instance: Instance, passphrase: str, message: str
) -> None:
    result = portal(
        "user", "add", "bob", "--role", "advocate", "--passphrase-stdin", stdin=passphrase + "\n"
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert "otpauth://" not in result.output
    assert _names(store) == []


def test_user_add_refuses_a_name_already_taken(store: Store, cli_instance: Instance) -> None:
    create_person(store, cli_instance, "bob", Role.STAFF)
    result = portal(
        "user", "add", "bob", "--role", "advocate", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 1
    assert "That name is already taken." in result.output
    with store.session() as session:
        assert session.scalars(select(Account.role)).all() == [Role.STAFF]


def test_user_add_refuses_an_unknown_role(store: Store, cli_instance: Instance) -> None:
    result = portal(
        "user", "add", "bob", "--role", "superuser", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert _names(store) == []


def test_user_add_refuses_a_bad_name(store: Store, cli_instance: Instance) -> None:
    result = portal(
        "user",
        "add",
        "bob;drop",
        "--role",
        "advocate",
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )
    assert result.exit_code == 1
    assert "Names use letters, digits, dots, dashes and underscores" in result.output
    assert _names(store) == []


# portal audit verify


def _audit_count(store: Store) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


@pytest.fixture
def audited(store: Store, cli_instance: Instance) -> Store:
    """An instance with a few audit entries: accounts created, keys granted."""
    create_person(store, cli_instance, "alice", Role.ADVOCATE)
    create_person(store, cli_instance, "bob", Role.ADVOCATE)
    create_person(store, cli_instance, "sam", Role.STAFF)
    assert _audit_count(store) >= 4
    return store


def test_audit_verify_says_an_intact_log_holds(audited: Store) -> None:
    result = portal("audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"The audit log is intact: {_audit_count(audited)} entries verified." in result.output


def test_audit_verify_names_an_altered_entry(audited: Store) -> None:
    with audited.engine.begin() as connection:
        changed = connection.execute(text("UPDATE audit_events SET actor='mallory' WHERE id=2"))
        assert changed.rowcount == 1
    result = portal("audit", "verify")
    assert result.exit_code != 0
    assert "broken at entry 2 " in result.output
    assert "(1 entries before it hold)" in result.output


def test_audit_verify_detects_a_deleted_entry(audited: Store) -> None:
    with audited.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id=2"))
    result = portal("audit", "verify")
    assert result.exit_code != 0
    assert "broken at entry 3 " in result.output


def test_audit_verify_detects_a_reordered_log(audited: Store) -> None:
    with audited.engine.begin() as connection:
        rows = connection.execute(
            text("SELECT actor, action, subject FROM audit_events WHERE id IN (2, 3) ORDER BY id")
        ).all()
        assert rows[0] != rows[1]
        for row_id, row in ((2, rows[1]), (3, rows[0])):
            connection.execute(
                text("UPDATE audit_events SET actor=:a, action=:b, subject=:c WHERE id=:i"),
                {"a": row[0], "b": row[1], "c": row[2], "i": row_id},
            )
    result = portal("audit", "verify")
    assert result.exit_code != 0
    assert "broken at entry 2 " in result.output


def test_flask_app_portal_audit_verify_is_reachable(audited: Store, cli_instance: Instance) -> None:
    flask = Path(sys.executable).parent / "flask"
    env = {**os.environ, "PORTAL_INSTANCE": str(cli_instance.path)}
    done = subprocess.run(
        [str(flask), "--app", "portal", "audit", "verify"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"intact: {_audit_count(audited)} entries verified" in done.stdout
