"""Helpers for the charity's side: accounts, TOTP codes and signing in through the pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.core import accounts
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


def fingerprint_in(page: str, element_id: str) -> str:
    """The fingerprint words shown in the element of that id (a member, or one's own)."""
    block = re.search(rf'id="{element_id}".*?<p class="fingerprint"[^>]*>(.*?)</p>', page, re.S)
    assert block, f"no fingerprint in #{element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", block.group(1)).split())


def members_fingerprint(client: FlaskClient, account_id: int) -> str:
    """The fingerprint the members page shows a granter for a waiting account."""
    page = client.get("/advocate/members").get_data(as_text=True)
    return fingerprint_in(page, f"member-{account_id}")


def own_fingerprint(client: FlaskClient, area: str = "advocate") -> str:
    """The fingerprint a signed-in member sees on their own account page."""
    page = client.get(f"/{area}/passphrase").get_data(as_text=True)
    return fingerprint_in(page, "own-fingerprint")


def grant_on_page(client: FlaskClient, account_id: int, fingerprint: str | None = None) -> Any:
    """Press "grant" on the members page, sending the fingerprint it shows (or the one given)."""
    token = csrf_token(client, "/advocate/members")
    words = fingerprint if fingerprint is not None else members_fingerprint(client, account_id)
    return client.post(
        f"/advocate/members/{account_id}/grant", data={"csrf_token": token, "fingerprint": words}
    )


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
