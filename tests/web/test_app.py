"""Every response carries the security headers; errors never show a trace or an address."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, session
from flask.testing import FlaskClient
from flask_wtf import FlaskForm

from portal import create_app
from portal.core.logs import REDACTED, RedactAddresses, redact
from portal.web.security import CONTENT_SECURITY_POLICY
from tests.support.instance import CHEAP_ARGON2, Instance

SECRET_WORDS = "MARKER-secret-words-9d2e"


def _with_probe_routes(app: Flask) -> Flask:
    """Routes that set a session, take a form POST and fail, for the tests below."""

    @app.post("/probe/form")
    def probe_form() -> str:
        form = FlaskForm()
        return "accepted" if form.validate_on_submit() else "refused"

    @app.get("/probe/session")
    def probe_session() -> str:
        session["seen"] = True
        return "ok"

    @app.get("/probe/crash")
    def probe_crash() -> str:
        raise ValueError(f"user typed {SECRET_WORDS} from 203.0.113.9")

    return app


@pytest.fixture
def probed(instance: Instance) -> FlaskClient:
    app = create_app({"instance_path": instance.path, "argon2": CHEAP_ARGON2})
    return _with_probe_routes(app).test_client()


@pytest.mark.parametrize(
    "path", ["/", "/advocate/login", "/staff/login", "/admin/login", "/static/site.css"]
)
def test_every_page_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain loopback HTTP


def test_pages_have_a_neutral_title_and_no_third_party_resources(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "<title>Information</title>" in page
    links = re.findall(r'(?:src|href|action)="([^"]*)"', page)
    assert links, "the page should link its own stylesheet at least"
    assert all(link.startswith(("/", "#", "tel:")) and not link.startswith("//") for link in links)


def test_an_unknown_page_is_a_plain_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_crash_shows_an_apology_and_logs_neither_words_nor_addresses(
    probed: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("portal").addHandler(caplog.handler)
    caplog.handler.addFilter(RedactAddresses())
    try:
        response = probed.get("/probe/crash")
    finally:
        logging.getLogger("portal").removeHandler(caplog.handler)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "something went wrong on our side" in page
    assert "Traceback" not in page and SECRET_WORDS not in page and "ValueError" not in page
    assert "ValueError at" in caplog.text
    assert SECRET_WORDS not in caplog.text
    assert "203.0.113.9" not in caplog.text


def test_a_post_without_a_csrf_token_is_refused(probed: FlaskClient) -> None:
    response = probed.post("/probe/form", data={})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_loopback_cookies_are_httponly_and_strict(probed: FlaskClient) -> None:
    cookie = probed.get("/probe/session").headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


@pytest.mark.parametrize(
    "url", ["https://reports.example.org", "http://exampleonionaddressxxxxxxxxxxxxxxxx.onion"]
)
def test_https_and_onion_cookies_are_secure_with_the_host_prefix(
    instance: Instance, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("PORTAL_PUBLIC_URL", url)
    client = _with_probe_routes(create_app({"instance_path": instance.path})).test_client()
    response = client.get("/probe/session")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Domain" not in cookie
    hsts = response.headers.get("Strict-Transport-Security")
    assert (hsts is not None) is url.startswith("https://")


@pytest.mark.parametrize(
    "line",
    [
        "client 203.0.113.9 said hello",
        "from 127.0.0.1:5000",
        "peer ::1 closed",
        "peer [2001:db8::8a2e:370:7334]:443 closed",
        "fe80::1ff:fe23:4567:890a%eth0",
        "full 2001:0db8:0000:0000:0000:ff00:0042:8329 address",
    ],
)
def test_addresses_are_redacted_from_log_lines(line: str) -> None:
    redacted = redact(line)
    assert REDACTED in redacted
    for token in ("203.0.113.9", "127.0.0.1", "::1", "2001:", "fe80:"):
        assert token not in redacted


@pytest.mark.parametrize("line", ["schema at 0001", "took 12:30 minutes", "version 1.2.3"])
def test_ordinary_log_lines_are_left_alone(line: str) -> None:
    assert redact(line) == line


def _gunicorn_record(name: str, message: str, *args: object) -> str:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)
    RedactAddresses().filter(record)
    return str(record.msg)


@pytest.mark.parametrize(
    ("urls", "shown"),
    [
        ("http://127.0.0.1:5000", "Listening at http://127.0.0.1:5000 (process 4242)"),
        ("http://[::1]:8080", "Listening at http://[::1]:8080 (process 4242)"),
    ],
)
def test_the_servers_own_loopback_address_is_logged_where_it_listens(urls: str, shown: str) -> None:
    assert _gunicorn_record("gunicorn.error", "Listening at: %s (%s)", urls, 4242) == shown


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("gunicorn.error", "Listening at: http://192.0.2.7:5000 (4242)"),
        ("gunicorn.error", "Listening at: http://127.0.0.1:5000,http://192.0.2.7:5000 (4242)"),
        ("gunicorn.error", "Listening at: http://127.0.0.1:5000 (4242) for 203.0.113.9"),
        ("portal", "Listening at: http://127.0.0.1:5000 (4242)"),
    ],
)
def test_any_other_address_in_a_listening_line_is_still_redacted(name: str, message: str) -> None:
    logged = _gunicorn_record(name, message)
    assert REDACTED in logged
    assert "192.0.2.7" not in logged and "203.0.113.9" not in logged
