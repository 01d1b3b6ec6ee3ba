"""Charity pages say what they are in their title, so a member can tell tabs apart;
survivors' pages keep a neutral one (a tab left open on a shared device says nothing)."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from portal.store import Store
from tests.support.pages import submit


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found, page
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("path", "title"),
    [("/advocate/login", "Sign in"), ("/staff/login", "Sign in"), ("/admin/login", "Sign in")],
)
def test_the_charity_sign_in_pages_say_what_they_are(
    client: FlaskClient, path: str, title: str
) -> None:
    assert _title(client.get(path).get_data(as_text=True)) == title


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/staff/", "Consented cases"),
        ("/staff/statistics", "Statistics"),
        ("/staff/passphrase", "Your account"),
    ],
)
def test_staff_pages_say_what_they_are(staff_client: FlaskClient, path: str, title: str) -> None:
    assert _title(staff_client.get(path).get_data(as_text=True)) == title


def test_the_export_page_names_its_case(
    client: FlaskClient, staff_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="An account.", consent_legal="y")
    cases = staff_client.get("/staff/").get_data(as_text=True)
    link = re.search(r'href="(/staff/case/([0-9a-f]{8})[0-9a-f-]*/export)"', cases)
    assert link, cases
    page = staff_client.get(link.group(1)).get_data(as_text=True)
    assert _title(page) == f"Export case {link.group(2).upper()}"


@pytest.mark.parametrize(
    ("path", "title"), [("/admin/", "Accounts"), ("/admin/passphrase", "Your account")]
)
def test_admin_pages_say_what_they_are(admin_client: FlaskClient, path: str, title: str) -> None:
    assert _title(admin_client.get(path).get_data(as_text=True)) == title


@pytest.mark.parametrize("path", ["/", "/report", "/return", "/safety"])
def test_survivor_pages_keep_their_neutral_title(client: FlaskClient, path: str) -> None:
    assert _title(client.get(path).get_data(as_text=True)) == "Information"
