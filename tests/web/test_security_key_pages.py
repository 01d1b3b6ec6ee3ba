"""The security keys' pages over HTTP, with a software authenticator in the browser's place:
adding a key and signing in with it through the real routes, what a malformed answer
gets, and `security_keys = "required"`."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.core import authenticators
from portal.store import Store
from portal.store.models import Account, Role
from tests.support.instance import Instance
from tests.support.key_pages import enrol_on_page, key_sign_in_form, keys_required_app
from tests.support.pages import csrf_token
from tests.support.people import Person, create_person, log_in, read_set_up_page, signed_in_as
from tests.support.software_authenticator import SoftwareKey, b64u


def _origin(app: Flask) -> str:
    public_url: str = app.config["PORTAL"].public_url
    return public_url.rstrip("/")


def add_key(client: FlaskClient, key: SoftwareKey) -> str:
    """The page after "Add a security key", as her browser's script sends it."""
    return str(enrol_on_page(client, key).get_data(as_text=True))


def sign_in_with_key(client: FlaskClient, person: Person, key: SoftwareKey) -> Any:
    """ "Sign in" with the code left empty: her key answers in its place."""
    return client.post("/advocate/login", data=key_sign_in_form(client, person, key))


def test_a_member_adds_a_key_and_signs_in_with_it_through_the_pages(
    app: Flask, advocate_client: FlaskClient, advocate: Person
) -> None:
    key = SoftwareKey(_origin(app))
    page = add_key(advocate_client, key)
    assert "“blue key” is added" in page and "Protects your key." in page
    fresh = app.test_client()
    signed_in = sign_in_with_key(fresh, advocate, key)
    assert signed_in.status_code == 303 and signed_in.location.endswith("/advocate/")
    assert fresh.get("/advocate/").status_code == 200
    # Her code no longer does: her app's secret is gone.
    refused = log_in(app.test_client(), advocate)
    assert "Those details did not work" in refused.get_data(as_text=True)


def test_signing_in_with_neither_code_nor_key_says_what_to_do(app: Flask, advocate: Person) -> None:
    client = app.test_client()
    token = csrf_token(client, "/advocate/login")
    page = client.post(
        "/advocate/login",
        data={"csrf_token": token, "name": advocate.name, "passphrase": advocate.passphrase},
    )
    assert page.status_code == 200
    assert "Type the code your authenticator app shows now" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "fields",
    [
        {"assertion": "not json", "prf_first": ""},
        {"assertion": "{}", "prf_first": b64u(bytes(31))},
        {"assertion": json.dumps({"id": "x", "rawId": "x", "response": {}}), "prf_first": "!!"},
        {"assertion": "x" * 20_000, "prf_first": ""},
    ],
    ids=["not-json", "short-output", "no-response", "too-long"],
)
def test_a_malformed_key_sign_in_is_refused_plainly(
    app: Flask, advocate: Person, fields: dict[str, str]
) -> None:
    client = app.test_client()
    token = csrf_token(client, "/advocate/login")
    page = client.post(
        "/advocate/login",
        data={"csrf_token": token, "name": advocate.name, "passphrase": "x", **fields},
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Those details did not work" in text and "Traceback" not in text
    assert fields["assertion"][:40] not in text or fields["assertion"] == "{}"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/advocate/login/key-options", "not json"),
        ("/advocate/login/key-options", json.dumps({"name": 7})),
        ("/advocate/login/key-options", json.dumps({"name": "x" * 65})),
        ("/advocate/security-keys/options", "[]"),
        ("/advocate/security-keys/check", json.dumps(["each"])),
    ],
)
def test_malformed_option_requests_get_a_plain_refusal(
    advocate_client: FlaskClient, path: str, body: str
) -> None:
    token = csrf_token(advocate_client, "/advocate/security-keys")
    answer = advocate_client.post(
        path, data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 400
    assert "problem" in answer.get_json()


def test_a_registration_the_page_did_not_ask_for_adds_nothing_and_says_so(
    advocate_client: FlaskClient, advocate: Person
) -> None:
    token = csrf_token(advocate_client, "/advocate/security-keys")
    page = advocate_client.post(
        "/advocate/security-keys",
        data={
            "csrf_token": token,
            "label": "blue key",
            "passphrase": advocate.passphrase,
            "registration": json.dumps({"id": "AAAA", "rawId": "AAAA", "response": {}}),
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "The key was not added" in text
    assert "You have no security key yet." in text


@pytest.fixture
def strict_app(instance: Instance) -> Flask:
    """The portal with `security_keys = "required"`."""
    return keys_required_app(instance)


def test_requiring_keys_sends_every_page_to_security_keys_until_one_is_added(
    strict_app: Flask, instance: Instance
) -> None:
    store = strict_app.extensions["store"]
    member = create_person(store, instance, "kim", Role.ADVOCATE)
    client = strict_app.test_client()
    assert log_in(client, member).status_code == 303
    for path in ("/advocate/", "/advocate/passphrase", "/advocate/members", "/advocate/matching"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.location.endswith("/advocate/security-keys"), path
    page = client.get("/advocate/security-keys").get_data(as_text=True)
    assert "This service requires a security key." in page
    assert not re.search(r'href="/advocate/passphrase"', page)  # no way round it

    key = SoftwareKey(_origin(strict_app))
    assert "“blue key” is added" in add_key(client, key)
    assert client.get("/advocate/").status_code == 200
    store.engine.dispose()


def test_a_reset_link_that_makes_a_new_key_asks_for_the_passphrase_twice(
    app: Flask,
    store: Store,
    advocate_client: FlaskClient,
    advocate: Person,
    admin: Person,
) -> None:
    add_key(advocate_client, SoftwareKey(_origin(app)))
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        token = authenticators.reset(session, account, actor=admin.name)
    client = app.test_client()
    path = f"/admin/authenticator/{token}"
    page = client.get(path).get_data(as_text=True)
    assert "Only they could open your key" in page and "Your passphrase again" in page
    set_up = read_set_up_page(page)
    fields = {"csrf_token": set_up.csrf_token, "offer": set_up.offer, "code": set_up.totp.now()}
    slipped = client.post(
        path,
        data=fields | {"passphrase": advocate.passphrase, "confirm": advocate.passphrase + "s"},
    )
    assert "The two passphrases do not match" in slipped.get_data(as_text=True)
    with store.session() as session:
        assert session.get(Account, advocate.account_id).public_key == account.public_key  # type: ignore[union-attr]
    done = client.post(
        path, data=fields | {"passphrase": advocate.passphrase, "confirm": advocate.passphrase}
    )
    assert done.status_code == 200 and "Your key is new" in done.get_data(as_text=True)
    with store.session() as session:
        assert session.get(Account, advocate.account_id).public_key != account.public_key  # type: ignore[union-attr]


def test_adding_a_key_that_locks_hers_ends_her_other_sessions_but_this_one(
    app: Flask, advocate_client: FlaskClient, advocate: Person
) -> None:
    """A session begun before, on a device she has lost, say, goes on no longer."""
    elsewhere = signed_in_as(app, advocate)
    assert elsewhere.get("/advocate/").status_code == 200
    assert "“blue key” is added" in add_key(advocate_client, SoftwareKey(_origin(app)))
    assert advocate_client.get("/advocate/").status_code == 200
    ended = elsewhere.get("/advocate/")
    assert ended.status_code == 302 and "/advocate/login" in ended.location


def test_a_key_without_prf_ends_no_session(
    app: Flask, advocate_client: FlaskClient, advocate: Person
) -> None:
    elsewhere = signed_in_as(app, advocate)
    page = add_key(advocate_client, SoftwareKey(_origin(app), prf=False))
    assert "does not protect your key" in page
    assert elsewhere.get("/advocate/").status_code == 200
