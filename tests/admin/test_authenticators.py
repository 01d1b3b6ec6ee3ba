"""Authenticator apps: confirmed with a current code before an account exists, and an
admin's reset, which neither the admin nor the link's holder can turn into access."""

from __future__ import annotations

import datetime
import re

import pyotp
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
    AuditEvent,
    GroupKeyGrant,
    Invitation,
    Role,
    today,
)
from tests.support.pages import csrf_token
from tests.support.people import (
    PASSPHRASE,
    Person,
    join,
    log_in,
    read_set_up_page,
    signed_in_as,
)

RESET_LINK = re.compile(r"(?:https?://[^/\s<]+)?(/admin/authenticator/[A-Za-z0-9_-]+)")


def _invitation(store: Store, role: Role = Role.ADVOCATE) -> str:
    with store.session() as session:
        return f"/admin/join/{invitations.create(session, role, actor='test')}"


def _account_count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Account)) or 0)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# Setting up an authenticator when joining


def test_the_join_page_shows_the_key_in_groups_of_four_beside_the_qr_code(
    client: FlaskClient, store: Store
) -> None:
    page = client.get(_invitation(store)).get_data(as_text=True)
    key = re.search(r'<p class="totp-key"[^>]*><code>([A-Z2-7 ]+)</code></p>', page)
    assert key, page
    groups = key.group(1).split(" ")
    assert len(groups) == 8 and all(len(group) == 4 for group in groups)
    setup = page.split('class="totp-pair"', 1)[1]
    assert setup.index("<svg") < setup.index('class="totp-key"')  # side by side, QR first
    assert "".join(groups) not in page.replace(key.group(0), "")  # nowhere else in clear


def test_a_wrong_code_creates_no_account_and_keeps_the_name_and_the_key(
    app: Flask, client: FlaskClient, store: Store
) -> None:
    path = _invitation(store)
    first = read_set_up_page(client.get(path).get_data(as_text=True))
    wrong = _wrong(first.totp.now())
    response, _ = join(client, path, "dana", PASSPHRASE, offer=first.offer, code=wrong)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That code is not the one your authenticator app shows now" in page
    assert 'value="dana"' in page  # what she typed stays
    assert PASSPHRASE not in page  # but the passphrase is never sent back
    assert "type yours again" in page
    assert _account_count(store) == 0
    again = read_set_up_page(page)
    assert again.totp.secret == first.totp.secret  # the key she added stays the same

    fixed = client.post(
        path,
        data={
            "csrf_token": again.csrf_token,
            "offer": again.offer,
            "code": again.totp.now(),
            "name": "dana",
            "passphrase": PASSPHRASE,
            "confirm": PASSPHRASE,
        },
    )
    assert "Your account is ready" in fixed.get_data(as_text=True)
    assert _account_count(store) == 1
    dana = Person("dana", Role.ADVOCATE, PASSPHRASE, again.totp, 0, _offset=1)
    assert log_in(app.test_client(), dana).status_code == 303


def test_the_code_that_confirmed_the_app_does_not_sign_in_again(
    app: Flask, client: FlaskClient, store: Store
) -> None:
    path = _invitation(store)
    set_up = read_set_up_page(client.get(path).get_data(as_text=True))
    code = set_up.totp.now()
    response, _ = join(client, path, "dana", PASSPHRASE, code=code, offer=set_up.offer)
    assert "Your account is ready" in response.get_data(as_text=True)
    dana = Person("dana", Role.ADVOCATE, PASSPHRASE, set_up.totp, 0)
    assert log_in(app.test_client(), dana, code=code).status_code == 200


@pytest.mark.parametrize("offer", ["", "not-sealed", "A" * 84])
def test_an_altered_key_is_refused_and_a_new_one_offered(
    client: FlaskClient, store: Store, offer: str
) -> None:
    path = _invitation(store)
    response, set_up = join(client, path, "dana", PASSPHRASE, offer=offer)
    page = response.get_data(as_text=True)
    assert "The key on this page has changed" in page
    assert _account_count(store) == 0
    assert read_set_up_page(page).totp.secret != set_up.totp.secret


def test_a_key_offered_for_one_link_is_refused_on_another(
    client: FlaskClient, store: Store
) -> None:
    """Someone who knows a key (from a page they saw) cannot impose it through another link."""
    seen = read_set_up_page(client.get(_invitation(store)).get_data(as_text=True))
    other = _invitation(store)
    response, _ = join(client, other, "dana", PASSPHRASE, offer=seen.offer, code=seen.totp.now())
    assert "The key on this page has changed" in response.get_data(as_text=True)
    assert _account_count(store) == 0


# An admin resets a member's authenticator


def _reset(admin_client: FlaskClient, person: Person) -> TestResponse:
    token = csrf_token(admin_client, "/admin/")
    return admin_client.post(
        f"/admin/accounts/{person.account_id}/authenticator/reset", data={"csrf_token": token}
    )


def _reset_link(admin_client: FlaskClient, person: Person) -> str:
    response = _reset(admin_client, person)
    assert response.status_code == 200
    link = RESET_LINK.search(response.get_data(as_text=True))
    assert link, response.get_data(as_text=True)
    return link.group(1)


def _set_up(
    client: FlaskClient, path: str, passphrase: str, code: str | None = None
) -> tuple[TestResponse, pyotp.TOTP]:
    page = client.get(path)
    assert page.status_code == 200
    set_up = read_set_up_page(page.get_data(as_text=True))
    data = {
        "csrf_token": set_up.csrf_token,
        "offer": set_up.offer,
        "code": code or set_up.totp.now(),
        "passphrase": passphrase,
    }
    return client.post(path, data=data), set_up.totp


def _keys(store: Store, account_id: int) -> tuple[bytes, bytes, list[tuple[int, bytes]]]:
    with store.session() as session:
        account = session.get(Account, account_id)
        assert account is not None
        grants = session.scalars(
            select(GroupKeyGrant).where(GroupKeyGrant.account_id == account_id)
        ).all()
        return (
            account.public_key,
            account.wrapped_private_key,
            sorted((g.group_key_id, g.sealed_key) for g in grants),
        )


def _sessions(store: Store, account_id: int) -> int:
    with store.session() as session:
        query = select(func.count()).select_from(AccountSession)
        return int(session.scalar(query.where(AccountSession.account_id == account_id)) or 0)


def _audited(store: Store, action: str) -> list[tuple[str, str | None]]:
    with store.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        return [(event.actor, event.subject) for event in events]


def test_a_reset_ends_the_members_sessions_and_old_authenticator_at_once(
    app: Flask,
    store: Store,
    admin: Person,
    advocate: Person,
    advocate_client: FlaskClient,
    admin_client: FlaskClient,
) -> None:
    assert advocate_client.get("/advocate/").status_code == 200
    _reset_link(admin_client, advocate)
    assert advocate_client.get("/advocate/").status_code == 302
    assert _sessions(store, advocate.account_id) == 0
    assert log_in(app.test_client(), advocate).status_code == 200  # the old app no longer works
    assert "waiting for a new authenticator" in admin_client.get("/admin/").get_data(as_text=True)
    assert _audited(store, "authenticator reset") == [(admin.name, advocate.name)]


def test_the_member_sets_up_a_new_authenticator_with_her_passphrase_and_keeps_her_keys(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    keys = _keys(store, advocate.account_id)
    assert keys[2], "the first advocate holds the advocates' key"
    path = _reset_link(admin_client, advocate)
    member = app.test_client()
    response, totp = _set_up(member, path, advocate.passphrase)
    assert "Your new authenticator is ready" in response.get_data(as_text=True)
    assert _keys(store, advocate.account_id) == keys  # keys, grants, passphrase untouched
    advocate.totp, advocate._offset = totp, 1
    signed_in = signed_in_as(app, advocate)
    assert signed_in.get("/advocate/").status_code == 200
    assert member.get(path).status_code == 404  # once only
    assert _audited(store, "authenticator set up") == [(advocate.name, advocate.name)]


def test_the_reset_link_without_the_passphrase_opens_nothing(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    """The admin (or whoever holds the link) knows the new key, but not her passphrase."""
    path = _reset_link(admin_client, advocate)
    holder = app.test_client()
    for _ in range(5):
        response, _ = _set_up(holder, path, "a guess at her passphrase")
        page = response.get_data(as_text=True)
        assert "That passphrase did not open the account" in page
        assert "ready" not in page
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        assert account.totp_secret == b""
        assert account.locked_until is not None  # the same lockout as signing in
    # Locked: even her own passphrase waits now, and nothing was set up.
    response, _ = _set_up(holder, path, advocate.passphrase)
    assert "did not open the account" in response.get_data(as_text=True)
    assert holder.get(path).status_code == 200
    assert _sessions(store, advocate.account_id) == 0


def test_a_wrong_code_on_the_reset_page_changes_nothing(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    client = app.test_client()
    set_up = read_set_up_page(client.get(path).get_data(as_text=True))
    response, _ = _set_up(client, path, advocate.passphrase, code=_wrong(set_up.totp.now()))
    assert "That code is not the one" in response.get_data(as_text=True)
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None and account.totp_secret == b""
    assert client.get(path).status_code == 200


def test_a_reset_link_creates_no_account_and_an_invitation_resets_nothing(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    token = path.rsplit("/", 1)[1]
    client = app.test_client()
    assert client.get(f"/admin/join/{token}").status_code == 404
    invitation = _invitation(store).rsplit("/", 1)[1]
    assert client.get(f"/admin/authenticator/{invitation}").status_code == 404


def test_a_new_reset_replaces_the_old_link(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    old = _reset_link(admin_client, advocate)
    new = _reset_link(admin_client, advocate)
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200


def test_a_reset_link_expires_like_an_invitation(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    with store.session() as session:
        link = session.scalars(select(Invitation)).one()
        assert link.expires_on == today() + datetime.timedelta(days=invitations.VALID_DAYS)
        link.expires_on = today() - datetime.timedelta(days=1)
        session.commit()
    assert app.test_client().get(path).status_code == 404


def test_removing_the_member_removes_her_reset_link(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(f"/admin/accounts/{advocate.account_id}/remove", data={"csrf_token": token})
    assert app.test_client().get(path).status_code == 404
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_an_admin_cannot_reset_their_own_authenticator(
    store: Store, admin: Person, admin_client: FlaskClient
) -> None:
    assert _reset(admin_client, admin).status_code == 404
    with store.session() as session:
        account = session.get(Account, admin.account_id)
        assert account is not None and account.totp_secret
    assert admin_client.get("/admin/").status_code == 200


def test_only_admins_reset_authenticators(
    store: Store, advocate: Person, staff: Person, staff_client: FlaskClient
) -> None:
    token = csrf_token(staff_client, "/staff/")
    response = staff_client.post(
        f"/admin/accounts/{advocate.account_id}/authenticator/reset", data={"csrf_token": token}
    )
    assert response.status_code == 404
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None and account.totp_secret
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0
