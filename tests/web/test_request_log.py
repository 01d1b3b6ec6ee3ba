"""One log line per request: method, URL rule, status, milliseconds; nothing that names anyone."""

from __future__ import annotations

import re
import secrets

import pytest
from flask.testing import FlaskClient

from tests.support import pages

LINE = re.compile(r"request method=(\w+) rule=(\S+) status=(\d{3}) ms=(\d+)")
CLIENT = "198.51.100.77"
AGENT = "Mozilla/5.0 (Marker-Agent-4f1c)"


def _request_lines(portal_log: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in portal_log.records if r.name == "portal.requests"]


def test_a_request_with_a_path_parameter_logs_its_rule_not_its_values(
    client: FlaskClient, portal_log: pytest.LogCaptureFixture
) -> None:
    token = f"token{secrets.token_hex(8)}"
    query = f"q{secrets.token_hex(8)}"
    client.get(
        f"/admin/join/{token}?{query}=1",
        environ_base={"REMOTE_ADDR": CLIENT},
        headers={"User-Agent": AGENT, "Cookie": "session=cookie-marker-77"},
    )
    lines = _request_lines(portal_log)
    assert len(lines) == 1
    found = LINE.fullmatch(lines[0])
    assert found, lines[0]
    method, rule, status, _ms = found.groups()
    assert (method, rule, status) == ("GET", "/admin/join/<token>", "404")  # an unknown link
    everything = "\n".join(r.getMessage() for r in portal_log.records)
    for secret in (token, query, CLIENT, AGENT, "Marker-Agent", "cookie-marker-77"):
        assert secret not in everything


def test_charity_requests_get_one_line_with_their_status(
    client: FlaskClient, portal_log: pytest.LogCaptureFixture
) -> None:
    client.get("/healthz")
    client.get("/advocate/")
    client.post("/advocate/login", data={})
    statuses = [LINE.fullmatch(line).groups()[:3] for line in _request_lines(portal_log)]  # type: ignore[union-attr]
    assert statuses == [
        ("GET", "/healthz", "200"),
        ("GET", "/advocate/", "302"),  # to the sign-in page
        ("POST", "/advocate/login", "400"),
    ]


def test_a_survivors_requests_write_no_line(
    client: FlaskClient, portal_log: pytest.LogCaptureFixture
) -> None:
    """The journal's time on "POST /report" would say when she reported."""
    client.get("/")
    pages.submit(client, what_happened="an account")
    client.get("/static/site.css")
    client.get("/no/such/page")
    client.post("/return", data={})
    assert _request_lines(portal_log) == []
