"""Helpers for the charity's side: accounts, TOTP codes and signing in through the pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import accounts
from portal.store import Store
from portal.store.models import Role
from tests.conftest import CHEAP_ARGON2, Instance
from tests.survivor.conftest import csrf_token

PASSPHRASE = "orbit velvet lantern harbour quietly"


@dataclass
class Person:
    """An account created for a test, with what its holder knows."""

    name: str
    role: Role
    passphrase: str
    totp: pyotp.TOTP
    account_id: int
    _offset: int = -1

    def next_code(self) -> str:
        """The code of the next unused time step around now (at most three per window)."""
        self._offset += 1
        return self.totp.at(time.time() + 30 * (self._offset - 1))


def create_person(store: Store, instance: Instance, name: str, role: Role) -> Person:
    """Create an account as `portal user add` would."""
    with store.session() as session:
        enrolment = accounts.create_account(
            session, name, role, PASSPHRASE, CHEAP_ARGON2, instance.path / "secrets", actor="test"
        )
    secret = re.search(r"secret=([A-Z2-7]+)", enrolment.otpauth_uri)
    assert secret
    return Person(name, role, PASSPHRASE, pyotp.TOTP(secret.group(1)), enrolment.account_id)


AREA = {Role.ADVOCATE: "advocate", Role.STAFF: "staff", Role.ADMIN: "admin"}


def log_in(client: FlaskClient, person: Person, code: str | None = None) -> object:
    """Sign in through the real sign-in page; returns the response."""
    area = AREA[person.role]
    token = csrf_token(client, f"/{area}/login")
    return client.post(
        f"/{area}/login",
        data={
            "csrf_token": token,
            "name": person.name,
            "passphrase": person.passphrase,
            "code": code or person.next_code(),
        },
    )


@pytest.fixture
def advocate(store: Store, instance: Instance) -> Person:
    """The first advocate: holds the advocates' key from the bootstrap secret."""
    return create_person(store, instance, "alice", Role.ADVOCATE)


@pytest.fixture
def advocate_client(app: Flask, advocate: Person) -> FlaskClient:
    """A client signed in as the first advocate."""
    client = app.test_client()
    response = log_in(client, advocate)
    assert response.status_code == 303  # type: ignore[attr-defined]
    return client
