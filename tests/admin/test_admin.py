"""Admins: the first-run link, invitations, and managing accounts they cannot read for."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from portal.core import invitations
from portal.store import Store
from portal.store.models import (
    Account,
    AccountSession,
    GroupKeyGrant,
    Invitation,
    Role,
    today,
)
from tests.support.instance import Instance
from tests.support.pages import csrf_token
from tests.support.people import (
    PASSPHRASE,
    Person,
    create_person,
    join,
    log_in,
    signed_in_as,
)

JOIN_LINK = re.compile(r"(?:https?://[^/\s<]+)?/admin/join/([A-Za-z0-9_-]+)")


def _accounts(store: Store) -> list[tuple[str, Role]]:
    with store.session() as session:
        return [(a.name, a.role) for a in session.scalars(select(Account).order_by(Account.name))]


def _first_admin_token(store: Store) -> str:
    with store.session() as session:
        assert invitations.setup_needed(session)
        return invitations.first_admin_link(session)


def _join(
    client: FlaskClient, token: str, name: str, passphrase: str, confirm: str
) -> TestResponse:
    response, _ = join(client, f"/admin/join/{token}", name, passphrase, confirm=confirm)
    return response


def _joined_person(
    client: FlaskClient, token: str, name: str, role: Role, store: Store
) -> tuple[TestResponse, Person]:
    """Join through the page with the app's current code: the response and the person."""
    response, set_up = join(client, f"/admin/join/{token}", name, PASSPHRASE)
    with store.session() as session:
        account_id = session.scalars(select(Account.id).where(Account.name == name)).one()
    # Joining used the current code: the next sign-in needs the next one.
    return response, Person(name, role, PASSPHRASE, set_up.totp, account_id, _offset=1)


# The first admin


def test_a_first_admin_made_on_the_command_line_ends_the_setup_link(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    """Someone who read the link in a first run's output must not become an admin later."""
    token = _first_admin_token(store)
    create_person(store, instance, "root", Role.ADMIN)  # as `portal user add` would
    assert client.get(f"/admin/join/{token}").status_code == 404
    with store.session() as session:
        assert invitations.find(session, token) is None
    assert _accounts(store) == [("root", Role.ADMIN)]


def test_the_first_admin_joins_through_the_setup_link_once(
    app: Flask, client: FlaskClient, store: Store
) -> None:
    token = _first_admin_token(store)
    form = client.get(f"/admin/join/{token}")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Create your admin account" in page
    assert 'name="passphrase"' in page and 'name="confirm"' in page

    joined, root = _joined_person(client, token, "root", Role.ADMIN, store)
    assert joined.status_code == 200
    enrolled = joined.get_data(as_text=True)
    assert "Your account is ready" in enrolled
    assert PASSPHRASE not in enrolled
    assert _accounts(store) == [("root", Role.ADMIN)]
    with store.session() as session:
        assert not invitations.setup_needed(session)
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0

    assert app.test_client().get(f"/admin/join/{token}").status_code == 404
    again = _join_without_form(app.test_client(), token)
    assert again.status_code == 404
    assert _accounts(store) == [("root", Role.ADMIN)]

    signed_in = signed_in_as(app, root)
    assert "Accounts" in signed_in.get("/admin/").get_data(as_text=True)


def _join_without_form(client: FlaskClient, token: str) -> TestResponse:
    """A POST to a spent link, with a valid CSRF token from another page."""
    form = csrf_token(client, "/advocate/login")
    return client.post(
        f"/admin/join/{token}",
        data={"csrf_token": form, "name": "root2", "passphrase": PASSPHRASE, "confirm": PASSPHRASE},
    )


def test_a_new_setup_link_replaces_the_old_one(client: FlaskClient, store: Store) -> None:
    old = _first_admin_token(store)
    new = _first_admin_token(store)
    assert client.get(f"/admin/join/{old}").status_code == 404
    assert client.get(f"/admin/join/{new}").status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "A" * 43, ""])
def test_an_unknown_invitation_gives_not_found(
    client: FlaskClient, store: Store, token: str
) -> None:
    _first_admin_token(store)
    assert client.get(f"/admin/join/{token}").status_code == 404


@pytest.mark.parametrize(
    ("name", "passphrase", "confirm", "message"),
    [
        ("root", PASSPHRASE, PASSPHRASE + " x", "The two do not match."),
        ("root", "password123456", "password123456", "too easy to guess"),
        ("root", "short", "short", "at least 12 characters"),
        ("root", "root harbour lantern", "root harbour lantern", "contains the account name"),
        ("no spaces allowed", PASSPHRASE, PASSPHRASE, "Names use letters"),
    ],
)
def test_a_bad_join_form_is_shown_again_with_the_reason_and_creates_nothing(
    client: FlaskClient, store: Store, name: str, passphrase: str, confirm: str, message: str
) -> None:
    token = _first_admin_token(store)
    response = _join(client, token, name, passphrase, confirm)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in html.unescape(page)
    assert "Your account is ready" not in page
    assert _accounts(store) == []
    assert client.get(f"/admin/join/{token}").status_code == 200  # the link still works


def test_an_expired_invitation_gives_not_found(client: FlaskClient, store: Store) -> None:
    token = _first_admin_token(store)
    with store.session() as session:
        invitation = session.scalars(select(Invitation)).one()
        invitation.expires_on = today() - datetime.timedelta(days=1)
        session.commit()
    assert client.get(f"/admin/join/{token}").status_code == 404


# Inviting advocates


def test_an_admin_invites_an_advocate_who_then_waits_for_access(
    app: Flask,
    store: Store,
    admin_client: FlaskClient,
    advocate_client: FlaskClient,
) -> None:
    token = csrf_token(admin_client, "/admin/")
    invited = admin_client.post("/admin/invite", data={"csrf_token": token, "role": "advocate"})
    assert invited.status_code == 200
    link = JOIN_LINK.search(invited.get_data(as_text=True))
    assert link, invited.get_data(as_text=True)

    newcomer = app.test_client()
    form = newcomer.get(f"/admin/join/{link.group(1)}")
    assert "Create your advocate account" in form.get_data(as_text=True)
    joined, dana = _joined_person(newcomer, link.group(1), "dana", Role.ADVOCATE, store)
    page = joined.get_data(as_text=True)
    assert "Your account is ready" in page
    assert "Another advocate has to give you access" in page
    assert ("dana", Role.ADVOCATE) in _accounts(store)
    assert newcomer.get(f"/admin/join/{link.group(1)}").status_code == 404

    members = advocate_client.get("/advocate/members").get_data(as_text=True)
    assert "dana" in members
    with store.session() as session:
        dana_id = session.scalars(select(Account.id).where(Account.name == "dana")).one()
        assert (
            session.scalar(
                select(func.count())
                .select_from(GroupKeyGrant)
                .where(GroupKeyGrant.account_id == dana_id)
            )
            == 0
        )
    assert f"/advocate/members/{dana_id}/grant" in members
    assert "waiting for access" in admin_client.get("/admin/").get_data(as_text=True)

    signed_in = signed_in_as(app, dana)
    assert "You cannot read reports yet" in signed_in.get("/advocate/").get_data(as_text=True)


def test_an_invitation_fixes_the_role(app: Flask, store: Store, admin_client: FlaskClient) -> None:
    token = csrf_token(admin_client, "/admin/")
    invited = admin_client.post("/admin/invite", data={"csrf_token": token, "role": "staff"})
    link = JOIN_LINK.search(invited.get_data(as_text=True))
    assert link
    newcomer = app.test_client()
    # "role" doctored: the invitation decides
    join(newcomer, f"/admin/join/{link.group(1)}", "sam", PASSPHRASE, role="admin")
    assert ("sam", Role.STAFF) in _accounts(store)


def test_an_invitation_with_an_unknown_role_creates_no_link(
    store: Store, admin_client: FlaskClient
) -> None:
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post("/admin/invite", data={"csrf_token": token, "role": "superuser"})
    assert response.status_code == 303
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0


# Managing accounts


@pytest.mark.parametrize("action", ["disable", "remove"])
def test_an_admin_cannot_disable_or_remove_their_own_account(
    store: Store, admin: Person, admin_client: FlaskClient, action: str
) -> None:
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/accounts/{admin.account_id}/{action}", data={"csrf_token": token}
    )
    assert response.status_code == 404
    with store.session() as session:
        account = session.get(Account, admin.account_id)
        assert account is not None and not account.disabled
    assert admin_client.get("/admin/").status_code == 200


def test_an_admin_disabling_an_advocate_ends_their_session_at_once(
    app: Flask,
    store: Store,
    advocate: Person,
    advocate_client: FlaskClient,
    admin_client: FlaskClient,
) -> None:
    assert advocate_client.get("/advocate/").status_code == 200
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/accounts/{advocate.account_id}/disable", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert "disabled" in admin_client.get("/admin/").get_data(as_text=True)
    assert advocate_client.get("/advocate/").status_code == 302
    with store.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(AccountSession)
                .where(AccountSession.account_id == advocate.account_id)
            )
            == 0
        )
    assert log_in(app.test_client(), advocate).status_code == 200

    admin_client.post(f"/admin/accounts/{advocate.account_id}/enable", data={"csrf_token": token})
    assert log_in(app.test_client(), advocate).status_code == 303


def test_an_unknown_account_action_gives_not_found(
    store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/accounts/{advocate.account_id}/promote", data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert ("alice", Role.ADVOCATE) in _accounts(store)


def test_non_admins_get_not_found_on_admin_pages(
    store: Store, admin: Person, advocate_client: FlaskClient
) -> None:
    assert advocate_client.get("/admin/").status_code == 404
    token = csrf_token(advocate_client, "/advocate/members")
    for action in ("disable", "remove"):
        response = advocate_client.post(
            f"/admin/accounts/{admin.account_id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 404
    response = advocate_client.post("/admin/invite", data={"csrf_token": token, "role": "admin"})
    assert response.status_code == 404
    with store.session() as session:
        account = session.get(Account, admin.account_id)
        assert account is not None and not account.disabled
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient, admin: Person) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")
