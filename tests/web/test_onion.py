"""The onion service: its address is checked, offered from the HTTPS site, and never from itself."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

import config
from config import ConfigError
from portal import create_app
from tests.support.instance import CHEAP_ARGON2, Instance

# A real v3 address (a well-known public one), so its checksum holds.
ONION_HOST = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
ONION = f"http://{ONION_HOST}"
PUBLIC = "https://reports.example.org"


def _client(instance: Instance, monkeypatch: pytest.MonkeyPatch, public_url: str) -> FlaskClient:
    monkeypatch.setenv("PORTAL_PUBLIC_URL", public_url)
    monkeypatch.setenv("PORTAL_ONION_URL", ONION + "/")
    app = create_app({"instance_path": instance.path, "testing": True, "argon2": CHEAP_ARGON2})
    return app.test_client()


@pytest.mark.parametrize("written", [ONION, ONION + "/", ONION.upper().replace("HTTP", "http")])
def test_a_v3_onion_address_is_accepted(instance: Instance, written: str) -> None:
    loaded = config.load(instance.path, environ={"PORTAL_ONION_URL": written})
    assert loaded.onion_url == ONION


def test_the_onion_address_can_come_from_portal_toml(instance: Instance) -> None:
    settings = instance.path / "portal.toml"
    settings.write_text(f'onion_url = "{ONION}/"\n' + settings.read_text())
    assert config.load(instance.path, environ={}).onion_url == ONION


def test_no_onion_address_is_the_default(instance: Instance) -> None:
    assert config.load(instance.path, environ={}).onion_url is None


BAD_ONIONS = {
    "a letter changed": ONION[:-1] + "e",
    "v2, 16 letters": "http://expyuzz4wqqyqhjn.onion",
    "https": "https://" + ONION_HOST,
    "a port": ONION + ":8080",
    "a path": ONION + "/report",
    "a query": ONION + "/?a=1",
    "a user": f"http://me@{ONION_HOST}",
    "not onion": "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.example",
    "a digit 1": "http://" + ONION_HOST.replace("d", "1", 1),
    "57 letters": "http://a" + ONION_HOST,
    "no scheme": ONION_HOST,
    "a number": 5,
}


@pytest.mark.parametrize("value", BAD_ONIONS.values(), ids=BAD_ONIONS.keys())
def test_anything_but_a_v3_onion_address_is_refused_with_the_fix(
    instance: Instance, value: object
) -> None:
    settings = instance.path / "portal.toml"
    written = f"onion_url = {value}" if isinstance(value, int) else f'onion_url = "{value}"'
    settings.write_text(written + "\n" + settings.read_text())
    with pytest.raises(ConfigError, match="onion_url") as raised:
        config.load(instance.path, environ={})
    assert "hostname file" in str(raised.value) or "must be text" in str(raised.value)


def test_pages_over_https_offer_the_same_page_on_the_onion(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(instance, monkeypatch, PUBLIC)
    response = client.get("/return?lang=en", base_url=PUBLIC)
    assert response.headers["Onion-Location"] == f"{ONION}/return?lang=en"
    assert client.get("/no/such/page", base_url=PUBLIC).headers["Onion-Location"] == (
        f"{ONION}/no/such/page"
    )


def test_the_onion_itself_does_not_offer_itself(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(instance, monkeypatch, PUBLIC)
    response = client.get("/", base_url=ONION)
    assert response.status_code == 200
    assert "Onion-Location" not in response.headers


def test_no_onion_location_without_an_https_address(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client(instance, monkeypatch, "http://127.0.0.1:5000")
    assert "Onion-Location" not in client.get("/").headers


def test_no_onion_location_without_an_onion_address(
    instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_PUBLIC_URL", PUBLIC)
    client = create_app({"instance_path": instance.path, "testing": True}).test_client()
    assert "Onion-Location" not in client.get("/", base_url=PUBLIC).headers


@pytest.mark.parametrize(
    "path", ["/%0d%0aSet-Cookie:%20x=1", "/ca%C3%9Fe%20s", "/a?b=%0a&c=\u00e9"]
)
def test_a_path_written_to_break_the_header_is_quoted_not_an_error(
    instance: Instance, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    client = _client(instance, monkeypatch, PUBLIC)
    response = client.get(path, base_url=PUBLIC)
    assert response.status_code == 404
    location = response.headers["Onion-Location"]
    assert location.startswith(ONION + "/")
    assert "\r" not in location and "\n" not in location and " " not in location
    assert "Set-Cookie" not in response.headers
