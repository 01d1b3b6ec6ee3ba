"""Every script the portal loads carries the hash of the file it serves, and every
page asks the browser to run no script without one (Integrity-Policy)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from flask.testing import FlaskClient

SCRIPT = re.compile(r"<script\b[^>]*>")
# A data block (the report page's keys for seal.js): read by a script, never run.
DATA_BLOCK = 'type="application/json"'


def _scripts(client: FlaskClient, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Integrity-Policy"] == "blocked-destinations=(script)"
    return [tag for tag in SCRIPT.findall(page.get_data(as_text=True)) if DATA_BLOCK not in tag]


def _served_hash(client: FlaskClient, src: str) -> str:
    served = client.get(src)
    assert served.status_code == 200
    return "sha384-" + base64.b64encode(hashlib.sha384(served.get_data()).digest()).decode()


@pytest.mark.parametrize("path", ["/", "/report", "/return"])
def test_a_survivor_page_s_scripts_carry_the_hash_of_what_is_served(
    client: FlaskClient, path: str
) -> None:
    tags = _scripts(client, path)
    assert tags  # every survivor page has "Exit this page"
    for tag in tags:
        src = re.search(r'src="([^"]+)"', tag)
        integrity = re.search(r'integrity="([^"]+)"', tag)
        assert src and integrity, tag
        assert integrity.group(1) == _served_hash(client, src.group(1))


def test_a_charity_page_s_script_carries_its_hash(staff_client: FlaskClient) -> None:
    (tag,) = _scripts(staff_client, "/staff/passphrase")
    src = re.search(r'src="([^"]+)"', tag)
    integrity = re.search(r'integrity="([^"]+)"', tag)
    assert src and integrity, tag
    assert integrity.group(1) == _served_hash(staff_client, src.group(1))


def test_pages_without_a_script_still_refuse_one_without_a_hash(client: FlaskClient) -> None:
    assert client.get("/advocate/login").headers["Integrity-Policy"] == (
        "blocked-destinations=(script)"
    )
