"""Driving the security keys' pages over HTTP as keys.js does, with a software key, and
reading back what they stored.

`tests/support/software_authenticator.py` stands for the browser's key; these
post what the page's script would: the options asked for as JSON (the CSRF
token in a header too), then the form with the key's answers.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.core import key_challenges
from portal.core.key_sign_in import Answer
from portal.store import Store
from portal.store.models import Account, SecurityKey
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import csrf_token
from tests.support.people import PASSPHRASE, Person
from tests.support.software_authenticator import Assertion, SoftwareKey, b64u, from_b64u


def ask(client: FlaskClient, path: str, body: Any, token: str) -> Any:
    """A JSON post as keys.js sends it."""
    return client.post(path, json=body, headers={"X-CSRFToken": token})


def enrol_on_page(
    client: FlaskClient,
    key: SoftwareKey,
    *,
    passphrase: str = PASSPHRASE,
    label: str = "blue key",
    check: SoftwareKey | None = None,
    area: str = "advocate",
) -> Any:
    """Add a key through /security-keys: options, create(), one touch of the new key (and,
    first, a touch of `check`, a key she has, when keys lock hers)."""
    token = csrf_token(client, f"/{area}/security-keys")
    options = ask(client, f"/{area}/security-keys/options", {}, token).get_json()
    fields = {"csrf_token": token, "label": label, "passphrase": passphrase}
    if check is not None:
        touched = check.get(options["check"]["publicKey"], options["check"]["prf"])
        fields |= {"check": touched.credential, "check_prf": b64u(touched.first or b"")}
    fields["registration"] = key.register(options["publicKey"])
    confirm = key.sign(from_b64u(options["confirm"]), first=from_b64u(options["prfSalt"]))
    fields |= {"confirm": confirm.credential, "confirm_prf": b64u(confirm.first or b"")}
    return client.post(f"/{area}/security-keys", data=fields)


def key_sign_in_form(
    client: FlaskClient, person: Person, key: SoftwareKey, *, second: bool = True
) -> dict[str, str]:
    """The sign-in form keys.js posts once her key answered (with the code left empty)."""
    token = csrf_token(client, "/advocate/login")
    offered = ask(client, "/advocate/login/key-options", {"name": person.name}, token).get_json()
    prf = offered["prf"]
    if not second:
        prf = {i: {"first": salts["first"], "second": None} for i, salts in prf.items()}
    credential, first, second_output = key.get(offered["publicKey"], prf).form()
    return {
        "csrf_token": token,
        "name": person.name,
        "passphrase": person.passphrase,
        "code": "",
        "assertion": credential,
        "prf_first": first,
        "prf_second": second_output,
    }


def keys_required_app(instance: Instance) -> Flask:
    """The portal on `instance` with `security_keys = "required"`."""
    return create_app(
        {
            "instance_path": instance.path,
            "testing": True,
            "argon2": CHEAP_ARGON2,
            "security_keys_required": True,
        }
    )


def answer_of(assertion: Assertion) -> Answer:
    """What the server reads from the form the page posts with this assertion."""
    return Answer.from_form(*assertion.form())


def stored_account(store: Store, account_id: int) -> Account:
    """The account's row as stored now."""
    with store.session() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account


def stored_keys(store: Store, account_id: int) -> list[SecurityKey]:
    """The account's security keys as stored now, oldest first."""
    with store.session() as session:
        return key_challenges.keys_of(session, account_id)
