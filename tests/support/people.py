"""The charity's people in tests: accounts, TOTP codes and signing in through the pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from portal.core import accounts
from portal.store import Store
from portal.store.models import Role
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import TOKEN, csrf_token

PASSPHRASE = "orbit velvet lantern harbour quietly"
_TURNING_SECONDS = 1.5  # far longer than a sign-in with cheap Argon2 takes
AREA = {Role.ADVOCATE: "advocate", Role.STAFF: "staff", Role.ADMIN: "admin"}


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
        """The code of the next unused time step around now (at most three per window).

        The first is the previous step's code, which the server stops taking when the
        window turns; so that a window turning during the sign-in cannot refuse it, the
        first code waits out the last moments of a window."""
        self._offset += 1
        if self._offset == 0:
            left = 30 - time.time() % 30
            if left < _TURNING_SECONDS:
                time.sleep(left)
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


def log_in(client: FlaskClient, person: Person, code: str | None = None) -> Any:
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


def signed_in_as(app: Flask, person: Person) -> FlaskClient:
    """A new client, signed in as the person through the real sign-in page."""
    client = app.test_client()
    assert log_in(client, person).status_code == 303
    return client


TOTP_KEY = re.compile(r'<p class="totp-key"[^>]*><code>([A-Z2-7 ]+)</code></p>')
OFFER = re.compile(r'<input[^>]*name="offer"[^>]*value="([^"]*)"')


@dataclass(frozen=True)
class SetUpPage:
    """What an authenticator set-up page gives: its form's token, the sealed offer, and
    an app holding the key shown as text."""

    csrf_token: str
    offer: str
    totp: pyotp.TOTP


def read_set_up_page(page: str) -> SetUpPage:
    """The set-up form of a join or new-authenticator page, as a person with an app reads it."""
    token, key, offer = TOKEN.search(page), TOTP_KEY.search(page), OFFER.search(page)
    assert token and key and offer, page
    return SetUpPage(token.group(1), offer.group(1), pyotp.TOTP(key.group(1).replace(" ", "")))


def join(
    client: FlaskClient, path: str, name: str, passphrase: str, **fields: str
) -> tuple[Any, SetUpPage]:
    """Fill in a join page as its reader would (the app's current code unless `code` is
    given); the response and the page's set-up details."""
    set_up = read_set_up_page(client.get(path).get_data(as_text=True))
    data = {
        "csrf_token": set_up.csrf_token,
        "offer": set_up.offer,
        "code": set_up.totp.now(),
        "name": name,
        "passphrase": passphrase,
        "confirm": passphrase,
        **fields,
    }
    return client.post(path, data=data), set_up
