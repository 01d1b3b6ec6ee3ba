"""Every route answers each kind of visitor exactly as expected.

The matrix is built from the app's URL map, so a new route that nobody
classified fails this test instead of being forgotten.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.core import accounts
from portal.store import Store
from portal.store.models import Account, Attachment, Report, Role
from tests.support.instance import Instance
from tests.support.pages import sign_in, submit
from tests.support.people import create_person, signed_in_as

VISITORS = ("anonymous", "survivor", "advocate", "staff", "admin", "disabled")
SIGNED_IN = ("advocate", "staff", "admin")
PUBLIC = {
    "/",
    "/safety",
    "/report",
    "/return",
    "/report/next",
    "/report/sent",  # her codename if this browser just sent a report, else "already sent"
    "/return/deleted",  # after a deletion her session has ended: it names no report
    "/advocate/login",
    "/staff/login",
    "/admin/login",
    "/static/<path:filename>",
    "/healthz",  # ok or not, to anyone: a load balancer has no account
}


def expected(rule: str, methods: set[str], visitor: str) -> int:
    """The status each visitor gets for a GET of the rule."""
    if "GET" not in methods:
        return 405
    if rule in PUBLIC:
        return 200
    if rule == "/exit":
        return 303
    if rule in ("/admin/join/<token>", "/admin/authenticator/<token>"):
        return 404  # an unknown token, for everyone
    if rule.startswith("/return/"):
        return 200 if visitor == "survivor" else 302
    area = rule.split("/")[1]
    if area in ("advocate", "staff", "admin"):
        if visitor not in SIGNED_IN:
            return 302  # to the area's sign-in page
        if rule.endswith(("/passphrase", "/security-keys")):
            return 200  # every account may change its own passphrase and keys
        return 200 if visitor == area else 404
    raise AssertionError(f"{rule} is not classified: add it to the access matrix")


@pytest.fixture
def world(
    app: Flask, store: Store, instance: Instance
) -> tuple[dict[str, FlaskClient], Callable[[str], str]]:
    """A report with a file, consented for export, and a signed-in client per visitor."""
    survivor = app.test_client()
    codename = submit(
        survivor,
        what_happened="x",
        consent_legal="y",
        keep_metadata="y",
        files=[(io.BytesIO(b"evidence"), "a.txt")],
    )
    sign_in(survivor, codename)
    clients = {"anonymous": app.test_client(), "survivor": survivor}
    for name in ("advocate", "staff", "admin", "disabled"):
        role = Role.ADVOCATE if name == "disabled" else Role(name)
        person = create_person(store, instance, name, role)
        clients[name] = signed_in_as(app, person)
    with store.session() as session:
        account = session.scalars(select(Account).where(Account.name == "disabled")).one()
        accounts.disable_account(session, account, actor="test")
        report_id = session.scalars(select(Report.id)).one()
        attachment_id = session.scalars(select(Attachment.id)).one()
        account_id = account.id
    values = {
        "report_id": report_id,
        "attachment_id": attachment_id,
        "account_id": str(account_id),
        "token": "not-a-real-invitation",
        "filename": "site.css",
        "action": "disable",
        "match_id": "0" * 32,
        "key_id": "1",
    }

    def fill(rule: str) -> str:
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)

    return clients, fill


def test_every_route_answers_every_visitor_as_expected(
    app: Flask, world: tuple[dict[str, FlaskClient], Callable[[str], str]]
) -> None:
    clients, fill = world
    problems = []
    # /exit ends the survivor's session (and the others'), so it goes last.
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule == "/exit", r.rule)):
        methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
        for visitor in VISITORS:
            want = expected(rule.rule, methods, visitor)
            got = clients[visitor].get(fill(rule.rule)).status_code
            if got != want:
                problems.append(f"{visitor:9} GET {rule.rule}: {got}, expected {want}")
    assert problems == []


def test_signed_out_visitors_are_sent_to_their_own_areas_sign_in(
    world: tuple[dict[str, FlaskClient], Callable[[str], str]],
) -> None:
    clients, _ = world
    for area in ("advocate", "staff", "admin"):
        response = clients["anonymous"].get(f"/{area}/passphrase")
        assert response.headers["Location"].startswith(f"/{area}/login")


def test_posts_without_a_csrf_token_change_nothing(
    app: Flask, world: tuple[dict[str, FlaskClient], Callable[[str], str]], store: Store
) -> None:
    clients, fill = world
    with store.session() as session:
        before = session.scalars(select(Report)).one()
        before_state = (before.status, before.keep_until, before.export_legal)
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()):
            for visitor in VISITORS:
                response = clients[visitor].post(fill(rule.rule), data={})
                assert response.status_code in (302, 400, 404), (visitor, rule.rule)
    with store.session() as session:
        after = session.scalars(select(Report)).one()
        assert (after.status, after.keep_until, after.export_legal) == before_state
        assert not session.scalars(select(Account).where(Account.name == "advocate")).one().disabled
