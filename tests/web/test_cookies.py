"""Every cookie the portal sets, and clears, carries the same flags.

The attacker's tries: a script injected into a page reading a session key
(HttpOnly), another site's form riding on a signed-in browser
(SameSite=Strict), a plain-HTTP page or a sibling subdomain planting or
reading a cookie (Secure, and the __Host- prefix, which also forbids a Domain).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import create_app
from portal.store import Store
from portal.store.models import Role
from tests.support.instance import CHEAP_ARGON2, LOOPBACK_URL, Instance
from tests.support.pages import csrf_token, sign_in, submit
from tests.support.people import create_person, log_in

Visit = Callable[[Flask, FlaskClient, Instance], TestResponse]


def _first_visit(app: Flask, client: FlaskClient, instance: Instance) -> TestResponse:
    return client.get("/report")  # its form's CSRF token goes into Flask's session


def _survivor_signs_in(app: Flask, client: FlaskClient, instance: Instance) -> TestResponse:
    response: TestResponse = sign_in(client, submit(client, what_happened="x"))
    assert response.status_code == 303
    return response


def _survivor_signs_out(app: Flask, client: FlaskClient, instance: Instance) -> TestResponse:
    _survivor_signs_in(app, client, instance)
    token = csrf_token(client, "/return/report")
    return client.post("/return/sign-out", data={"csrf_token": token})


def _survivor_exits(app: Flask, client: FlaskClient, instance: Instance) -> TestResponse:
    _survivor_signs_in(app, client, instance)
    return client.get("/exit")


def _advocate_signs_in(app: Flask, client: FlaskClient, instance: Instance) -> TestResponse:
    alice = create_person(app.extensions["store"], instance, "alice", Role.ADVOCATE)
    response = log_in(client, alice)
    assert isinstance(response, TestResponse) and response.status_code == 303
    return response


def _advocate_signs_out(app: Flask, client: FlaskClient, instance: Instance) -> TestResponse:
    _advocate_signs_in(app, client, instance)
    token = csrf_token(client, "/advocate/")
    return client.post("/advocate/logout", data={"csrf_token": token})


COOKIES: dict[str, tuple[str, Visit]] = {
    "Flask's session": ("session", _first_visit),
    "a survivor's session": ("return", _survivor_signs_in),
    "a survivor's session, cleared on sign-out": ("return", _survivor_signs_out),
    "a survivor's session, cleared on exit": ("return", _survivor_exits),
    "a charity session": ("staff", _advocate_signs_in),
    "a charity session, cleared on sign-out": ("staff", _advocate_signs_out),
}
TRANSPORTS = {
    "loopback": LOOPBACK_URL,
    "https": "https://reports.example.org",
    "onion": "http://exampleonionaddressxxxxxxxxxxxxxxxx.onion",
}


@pytest.fixture(params=TRANSPORTS.values(), ids=TRANSPORTS.keys())
def served(
    request: pytest.FixtureRequest, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    """The portal as served at each kind of public address."""
    monkeypatch.setenv("PORTAL_PUBLIC_URL", request.param)
    app = create_app({"instance_path": instance.path, "testing": True, "argon2": CHEAP_ARGON2})
    yield app
    store: Store = app.extensions["store"]
    store.engine.dispose()


def _set_cookie(response: TestResponse, name: str) -> list[str]:
    """The attributes of the named cookie the response sets (or clears)."""
    for header in response.headers.getlist("Set-Cookie"):
        cookie_name = header.partition("=")[0]
        if cookie_name.removeprefix("__Host-") == name:
            return [cookie_name, *(part.strip() for part in header.split(";")[1:])]
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


@pytest.mark.parametrize(("name", "visit"), COOKIES.values(), ids=COOKIES.keys())
def test_every_cookie_is_httponly_strict_and_host_only_when_secure(
    served: Flask, instance: Instance, name: str, visit: Visit
) -> None:
    client = served.test_client()  # sends no Referer, as a browser told no-referrer
    full_name, *attributes = _set_cookie(visit(served, client, instance), name)
    assert "HttpOnly" in attributes
    assert "SameSite=Strict" in attributes
    assert "Path=/" in attributes
    assert not any(attribute.startswith("Domain") for attribute in attributes)
    secure = served.config["PREFERRED_URL_SCHEME"] == "https"
    assert ("Secure" in attributes) is secure
    assert full_name == (f"__Host-{name}" if secure else name)
