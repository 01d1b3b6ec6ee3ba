"""The members page: the fingerprints it shows and the grant button."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.support.pages import csrf_token


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
