"""Attacks on joining and on an authenticator reset, as their adversaries would try them.

The positions: a client probing the running server (forms replayed, tampered,
moved from one link to another, posted after the link changed, two at the
same instant), whoever intercepts an invitation or a reset link, a malicious
admin, and someone who reads the database or holds a copy of `instance/`.
Requests "at the same instant" are made so on purpose: one request is held
just before a chosen statement while another runs to its end, which is what
a busy server does to them by chance.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from werkzeug.test import TestResponse

import config
from portal.core import authentication, invitations
from portal.core.authenticators import new_offer
from portal.store import Store
from portal.store.models import Account, AccountSession, Invitation, Role, today
from tests.support.forensics import decrypted_pages
from tests.support.instance import Instance
from tests.support.pages import csrf_token
from tests.support.people import (
    PASSPHRASE,
    Person,
    SetUpPage,
    log_in,
    read_set_up_page,
    signed_in_as,
)

RESET_LINK = re.compile(r"(/admin/authenticator/[A-Za-z0-9_-]+)")
SECOND_PASSPHRASE = "meadow copper whistle gravel plainly"
JUST_USED = "This link has just been used"


class Held:
    """One request held at a chosen point while others run to their end."""

    def __init__(self) -> None:
        self.thread_id: int | None = None
        self.reached, self.go = threading.Event(), threading.Event()
        self.response: Any = None
        self._thread: threading.Thread | None = None

    def here(self) -> None:
        """Called at the chosen point: wait there, if this is the held request."""
        if threading.get_ident() == self.thread_id and not self.reached.is_set():
            self.reached.set()
            self.go.wait(timeout=30)

    def start(self, request: Callable[[], Any]) -> None:
        """Send the request from another thread; return once it is held."""

        def run() -> None:
            self.thread_id = threading.get_ident()
            try:
                self.response = request()
            except Exception as error:  # an error page the app let through: the test shows it
                self.response = error

        self._thread = threading.Thread(target=run)
        self._thread.start()
        assert self.reached.wait(timeout=30), "the request never reached the point to hold"

    def finish(self) -> Any:
        """Let the held request go on, and return its response."""
        self.go.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


@contextmanager
def held_before(store: Store, statement: str, nth: int = 1) -> Iterator[Held]:
    """A request held before the `nth` statement it sends containing `statement` (one
    that writes nothing before it: a writer holds the write lock). Always let go."""
    held, seen = Held(), [0]

    def count(_conn: Any, _cursor: Any, sent: str, *_args: Any) -> None:
        if threading.get_ident() == held.thread_id and statement in sent:
            seen[0] += 1
            if seen[0] == nth:
                held.here()

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield held
    finally:
        held.go.set()
        event.remove(store.engine, "before_cursor_execute", count)


@contextmanager
def held_in_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    """A sign-in held just after its Argon2id call, which takes a while in production:
    what it read before is what it goes on with."""
    held, real = Held(), authentication.unwrap_with_passphrase

    def slow(*args: Any, **kwargs: Any) -> bytes:
        seed = real(*args, **kwargs)
        held.here()
        return seed

    monkeypatch.setattr(authentication, "unwrap_with_passphrase", slow)
    try:
        yield held
    finally:
        held.go.set()


def _invitation(store: Store, role: Role = Role.ADVOCATE) -> str:
    with store.session() as session:
        return f"/admin/join/{invitations.create(session, role, actor='test')}"


def _accounts(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(Account.name)))


def _account(store: Store, account_id: int) -> Account:
    with store.session() as session:
        account = session.get(Account, account_id)
        assert account is not None
        return account


def _sessions(store: Store, account_id: int) -> int:
    with store.session() as session:
        query = select(func.count()).select_from(AccountSession)
        return int(session.scalar(query.where(AccountSession.account_id == account_id)) or 0)


def _page(client: FlaskClient, path: str) -> SetUpPage:
    response = client.get(path)
    assert response.status_code == 200
    return read_set_up_page(response.get_data(as_text=True))


def _join_data(page: SetUpPage, name: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": page.csrf_token,
        "offer": page.offer,
        "code": page.totp.now(),
        "name": name,
        "passphrase": PASSPHRASE,
        "confirm": PASSPHRASE,
        **fields,
    }


def _set_up_data(page: SetUpPage, passphrase: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": page.csrf_token,
        "offer": page.offer,
        "code": page.totp.now(),
        "passphrase": passphrase,
        **fields,
    }


def _reset_link(admin_client: FlaskClient, person: Person) -> str:
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/accounts/{person.account_id}/authenticator/reset", data={"csrf_token": token}
    )
    assert response.status_code == 200
    link = RESET_LINK.search(response.get_data(as_text=True))
    assert link
    return link.group(1)


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


# A client probing the join page


def test_one_invitation_sent_twice_at_the_same_instant_makes_one_account(
    app: Flask, store: Store
) -> None:
    """Whoever holds an invitation (or intercepted it) sends two forms at once, each with
    its own name: one account, and the invitation spent by it."""
    path = _invitation(store)
    first, second = app.test_client(), app.test_client()
    first_page, second_page = _page(first, path), _page(second, path)
    with held_before(store, "FROM accounts") as held:
        held.start(lambda: first.post(path, data=_join_data(first_page, "dana")))
        done = second.post(path, data=_join_data(second_page, "erin"))
        assert "Your account is ready" in _text(done)
        late = held.finish()
    assert late.status_code == 200
    assert JUST_USED in _text(late)
    assert _accounts(store) == ["erin"]
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_a_join_form_sent_twice_at_once_with_the_same_name_gets_a_plain_answer(
    app: Flask, store: Store
) -> None:
    """A double click: the same form, twice at the same instant. No error page."""
    path = _invitation(store)
    client = app.test_client()
    page = _page(client, path)
    # Held after the name was found free and before anything is written.
    with held_before(store, "FROM accounts", nth=2) as held:
        held.start(lambda: client.post(path, data=_join_data(page, "dana")))
        assert "Your account is ready" in _text(client.post(path, data=_join_data(page, "dana")))
        late = held.finish()
    assert late.status_code == 200
    assert JUST_USED in _text(late)
    assert _accounts(store) == ["dana"]


def test_two_invitations_choosing_one_name_at_the_same_instant_get_a_plain_answer(
    app: Flask, store: Store, admin: Person
) -> None:
    """Not the first accounts (the first one ends every invitation): two newcomers."""
    first, second = app.test_client(), app.test_client()
    one, other = _invitation(store), _invitation(store)
    first_page, second_page = _page(first, one), _page(second, other)
    with held_before(store, "FROM accounts", nth=2) as held:
        held.start(lambda: first.post(one, data=_join_data(first_page, "dana")))
        assert "Your account is ready" in _text(
            second.post(other, data=_join_data(second_page, "dana"))
        )
        late = held.finish()
    assert late.status_code == 200
    assert "That name is already taken" in _text(late)
    assert _accounts(store) == ["dana", "root"]
    assert first.get(one).status_code == 200  # the invitation it did not use stays


def test_a_replayed_join_form_creates_nothing_more(app: Flask, store: Store) -> None:
    path = _invitation(store)
    client = app.test_client()
    data = _join_data(_page(client, path), "dana")
    assert "Your account is ready" in _text(client.post(path, data=data))
    assert client.post(path, data={**data, "name": "erin"}).status_code == 404
    assert _accounts(store) == ["dana"]


def test_a_join_form_posted_after_its_invitation_expired_creates_nothing(
    app: Flask, store: Store
) -> None:
    path = _invitation(store)
    client = app.test_client()
    data = _join_data(_page(client, path), "dana")
    with store.session() as session:
        session.scalars(select(Invitation)).one().expires_on = today().replace(year=2000)
        session.commit()
    assert client.post(path, data=data).status_code == 404
    assert _accounts(store) == []


def test_the_code_that_created_the_account_signs_no_one_in_even_at_once(
    app: Flask, store: Store
) -> None:
    """Someone who saw the code typed on the join page tries it at the sign-in page."""
    path = _invitation(store)
    client = app.test_client()
    page = _page(client, path)
    code = page.totp.now()
    assert "Your account is ready" in _text(
        client.post(path, data=_join_data(page, "dana", code=code))
    )
    dana = Person("dana", Role.ADVOCATE, PASSPHRASE, page.totp, 0)
    assert log_in(app.test_client(), dana, code=code).status_code == 200


@pytest.mark.parametrize(
    "offer",
    ["é" * 40, "\x00" * 20, "====", "A", "-_" * 60, "A" * 257, "%00", "🙂" * 30],
    ids=["accents", "nul", "padding", "short", "url-safe", "too-long", "escaped", "emoji"],
)
def test_a_tampered_sealed_key_gets_a_new_key_never_an_error(
    app: Flask, store: Store, offer: str
) -> None:
    path = _invitation(store)
    client = app.test_client()
    page = _page(client, path)
    response = client.post(path, data=_join_data(page, "dana", offer=offer))
    assert response.status_code == 200
    assert read_set_up_page(_text(response)).totp.secret != page.totp.secret
    assert _accounts(store) == []


def test_a_key_from_a_reset_page_cannot_be_carried_to_an_invitation_nor_back(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    """The two kinds of link share one sealing key: the binding to the link must hold."""
    reset = _reset_link(admin_client, advocate)
    join = _invitation(store)
    client = app.test_client()
    reset_page, join_page = _page(client, reset), _page(client, join)
    moved = client.post(join, data=_join_data(join_page, "dana", offer=reset_page.offer))
    assert "The key on this page has changed" in _text(moved)
    assert _accounts(store) == ["alice", "root"]
    back = client.post(
        reset, data=_set_up_data(reset_page, advocate.passphrase, offer=join_page.offer)
    )
    assert "The key on this page has changed" in _text(back)
    assert _account(store, advocate.account_id).totp_secret == b""


# Whoever holds a reset link, and the member while a reset waits


def test_a_sign_in_under_way_when_the_reset_lands_gets_no_session(
    app: Flask,
    store: Store,
    advocate: Person,
    admin_client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Her phone was taken, with her passphrase: the thief signs in just as the admin
    resets. The check of the old code straddles the reset (Argon2 takes a while); the
    session it would open must not outlive the reset."""
    thief = app.test_client()
    with held_in_argon2(monkeypatch) as held:
        held.start(lambda: log_in(thief, advocate))
        _reset_link(admin_client, advocate)
        held.finish()
    assert thief.get("/advocate/").status_code == 302
    assert _sessions(store, advocate.account_id) == 0


def test_signing_in_while_a_reset_waits_neither_works_nor_locks_her_out_of_the_link(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    for _ in range(6):  # more than the lockout allows
        assert log_in(app.test_client(), advocate).status_code == 200
    assert _sessions(store, advocate.account_id) == 0
    client = app.test_client()
    response = client.post(path, data=_set_up_data(_page(client, path), advocate.passphrase))
    assert "Your new authenticator is ready" in _text(response)


def test_a_reset_link_used_twice_at_the_same_instant_sets_up_one_authenticator(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    """The member and someone else with the link (and, say, her passphrase) at once:
    the first one counts, the other's key is not stored."""
    path = _reset_link(admin_client, advocate)
    first, second = app.test_client(), app.test_client()
    first_page, second_page = _page(first, path), _page(second, path)
    assert first_page.totp.secret != second_page.totp.secret
    with held_before(store, "FROM accounts") as held:
        held.start(lambda: first.post(path, data=_set_up_data(first_page, advocate.passphrase)))
        won = second.post(path, data=_set_up_data(second_page, advocate.passphrase))
        assert "Your new authenticator is ready" in _text(won)
        late = held.finish()
    assert JUST_USED in _text(late)
    loser = Person(advocate.name, advocate.role, advocate.passphrase, first_page.totp, 0, 1)
    winner = Person(advocate.name, advocate.role, advocate.passphrase, second_page.totp, 0, 1)
    assert log_in(app.test_client(), loser).status_code == 200
    assert signed_in_as(app, winner).get("/advocate/").status_code == 200


def test_a_new_reset_during_a_set_up_under_way_wins(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    """The admin resets again (the first link leaked) while someone uses the first link.
    The new link may be given the old one's id: spending "the link with that id" would
    then spend the new one and store the key offered on the old link's page."""
    old = _reset_link(admin_client, advocate)
    client = app.test_client()
    page = _page(client, old)
    with held_before(store, "FROM accounts") as held:
        held.start(lambda: client.post(old, data=_set_up_data(page, advocate.passphrase)))
        new = _reset_link(admin_client, advocate)
        late = held.finish()
    assert JUST_USED in _text(late)
    assert _account(store, advocate.account_id).totp_secret == b""
    assert app.test_client().get(old).status_code == 404
    member = app.test_client()
    fresh = member.post(new, data=_set_up_data(_page(member, new), advocate.passphrase))
    assert "Your new authenticator is ready" in _text(fresh)


def test_an_old_reset_pages_form_does_nothing_after_a_new_reset(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    old = _reset_link(admin_client, advocate)
    client = app.test_client()
    page = _page(client, old)
    new = _reset_link(admin_client, advocate)
    assert client.post(old, data=_set_up_data(page, advocate.passphrase)).status_code == 404
    moved = client.post(new, data=_set_up_data(page, advocate.passphrase))
    assert "The key on this page has changed" in _text(moved)
    assert _account(store, advocate.account_id).totp_secret == b""


def test_a_reset_form_posted_after_the_link_expired_does_nothing(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    client = app.test_client()
    data = _set_up_data(_page(client, path), advocate.passphrase)
    with store.session() as session:
        session.scalars(select(Invitation)).one().expires_on = today().replace(year=2000)
        session.commit()
    assert client.post(path, data=data).status_code == 404
    assert _account(store, advocate.account_id).totp_secret == b""


def test_the_code_that_set_up_the_new_authenticator_signs_no_one_in(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    client = app.test_client()
    page = _page(client, path)
    code = page.totp.now()
    ready = client.post(path, data=_set_up_data(page, advocate.passphrase, code=code))
    assert "Your new authenticator is ready" in _text(ready)
    member = Person(advocate.name, advocate.role, advocate.passphrase, page.totp, 0)
    assert log_in(app.test_client(), member, code=code).status_code == 200
    assert client.post(path, data=_set_up_data(page, advocate.passphrase)).status_code == 404


def test_a_disabled_members_reset_link_sets_up_nothing(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    path = _reset_link(admin_client, advocate)
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(f"/admin/accounts/{advocate.account_id}/disable", data={"csrf_token": token})
    client = app.test_client()
    response = client.post(path, data=_set_up_data(_page(client, path), advocate.passphrase))
    assert "did not open the account" in _text(response)
    assert _account(store, advocate.account_id).totp_secret == b""


# A malicious admin


def test_the_key_an_admin_sees_on_the_reset_page_is_not_the_one_she_gets(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    """The admin opens the link before sending it. Even if her passphrase leaked later,
    the key the admin saw gives no code that signs in."""
    path = _reset_link(admin_client, advocate)
    seen = _page(admin_client, path)
    member = app.test_client()
    page = _page(member, path)
    assert page.totp.secret != seen.totp.secret
    assert "ready" in _text(member.post(path, data=_set_up_data(page, advocate.passphrase)))
    impostor = Person(advocate.name, advocate.role, advocate.passphrase, seen.totp, 0, 1)
    assert log_in(app.test_client(), impostor).status_code == 200


def test_a_reset_link_does_not_pass_to_a_new_account_of_the_same_name(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient
) -> None:
    """An admin resets a member, removes her and invites a newcomer under her name (who
    may even get her id back): the old link is gone with her account."""
    old = _reset_link(admin_client, advocate)
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(f"/admin/accounts/{advocate.account_id}/remove", data={"csrf_token": token})
    path = _invitation(store)
    client = app.test_client()
    assert "ready" in _text(client.post(path, data=_join_data(_page(client, path), "alice")))
    assert app.test_client().get(old).status_code == 404
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Invitation)) == 0


# What the database and a copy of instance/ hold


def test_the_database_never_holds_an_offered_key_or_a_link_in_clear(
    app: Flask, store: Store, instance: Instance, advocate: Person, admin_client: FlaskClient
) -> None:
    join = _invitation(store)
    client = app.test_client()
    join_page = _page(client, join)
    assert "ready" in _text(client.post(join, data=_join_data(join_page, "dana")))
    reset = _reset_link(admin_client, advocate)
    reset_page = _page(client, reset)
    assert "ready" in _text(client.post(reset, data=_set_up_data(reset_page, advocate.passphrase)))
    pending = _reset_link(admin_client, advocate)  # a link still waiting
    settings = config.load(instance.path, environ={})
    pages = decrypted_pages(settings.database_path, settings.database_key)
    needles = [join_page.totp.secret, reset_page.totp.secret]
    needles += [path.rsplit("/", 1)[1] for path in (join, reset, pending)]
    for needle in needles:
        assert not any(needle.encode() in page for page in pages), needle


def test_a_copy_of_instance_and_the_database_cannot_reach_a_set_up_page(
    app: Flask, store: Store, instance: Instance, advocate: Person, admin_client: FlaskClient
) -> None:
    """With the instance secret an offer can be sealed for any stored link hash, but the
    pages are reached by the token, and the database keeps only its hash."""
    _reset_link(admin_client, advocate)
    settings = config.load(instance.path, environ={})
    with store.session() as session:
        link_hash = session.scalars(select(Invitation.token_hash)).one()
    forged = new_offer(settings.secret_key, link_hash)
    client = app.test_client()
    for token in (link_hash.hex(), base64.urlsafe_b64encode(link_hash).decode().rstrip("=")):
        path = f"/admin/authenticator/{token}"
        assert client.get(path).status_code == 404
        data = {"offer": forged.sealed, "passphrase": advocate.passphrase}
        data["code"] = pyotp.TOTP(forged.secret).now()
        assert client.post(path, data=data).status_code in {400, 404}
    assert _account(store, advocate.account_id).totp_secret == b""


@pytest.mark.parametrize("kind", ["join", "reset"])
def test_set_up_pages_are_neither_cached_nor_sent_on_as_a_referrer(
    app: Flask, store: Store, advocate: Person, admin_client: FlaskClient, kind: str
) -> None:
    """The page shows a key and its address is the link: neither may linger or leak."""
    path = _invitation(store) if kind == "join" else _reset_link(admin_client, advocate)
    response = app.test_client().get(path)
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
