"""A seized database plus a cookie kept from an old session: what do they open?

A session cookie holds the key to its row; the row holds a survivor's data
key or an advocate's group keys. Once the session has ended, the row must be
gone: deleted at sign-in, at start, and every few minutes by the sweeper.
"""

from __future__ import annotations

import base64
import datetime
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from crypto.envelope import unwrap_key
from crypto.errors import CryptoError
from crypto.format import Binding
from portal import create_app
from portal.core.sweeper import Sweeper
from portal.store import Store
from portal.store.models import AccountSession, Role, SurvivorSession
from tests.support.command import portal
from tests.support.forensics import pieces_on_disk
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import csrf_token, sign_in, submit
from tests.support.people import Person, create_person, log_in, signed_in_as


def _cookie_key(client: FlaskClient, name: str) -> bytes:
    cookie = client.get_cookie(name)
    assert cookie is not None
    return base64.urlsafe_b64decode(cookie.value.partition(".")[2])


def _rows_the_cookie_opens(store: Store, table: type, key: bytes) -> int:
    """The attack: try the old cookie's key on every session row of the seized database."""
    opened = 0
    with store.session() as session:
        for row in session.scalars(select(table)):
            try:
                unwrap_key(key, row.state, Binding(table.__tablename__, row.id, "state"))
            except CryptoError:
                continue
            opened += 1
    return opened


def _advocate_signed_in(app: Flask, store: Store, instance: Instance) -> tuple[Person, bytes]:
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    client = signed_in_as(app, alice)
    return alice, _cookie_key(client, "staff")


def _nine_hours_pass(store: Store) -> None:
    earlier = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=9)
    with store.session() as session:
        session.execute(update(AccountSession).values(started_at=earlier, seen_at=earlier))
        session.commit()


def _three_hours_pass(store: Store) -> None:
    with store.session() as session:
        session.execute(update(SurvivorSession).values(sweep_at_hour=int(time.time()) // 3600))
        session.commit()


def _sweeper_runs(store: Store) -> None:
    sweeper = Sweeper(store, interval=0.05)
    sweeper.start()
    time.sleep(0.5)
    sweeper.stop()


def _someone_signs_in(app: Flask, store: Store, instance: Instance) -> None:
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    assert log_in(app.test_client(), bob).status_code == 303


def _the_server_starts(app: Flask, store: Store, instance: Instance) -> None:
    assert portal("upgrade").exit_code == 0


SWEEPS: dict[str, Callable[..., None]] = {
    "at the next sign-in": _someone_signs_in,
    "when the server starts": _the_server_starts,
}


@pytest.mark.parametrize("sweep", SWEEPS.values(), ids=SWEEPS.keys())
def test_an_ended_charity_session_leaves_nothing_an_old_cookie_opens(
    app: Flask, store: Store, cli_instance: Instance, sweep: Callable[..., None]
) -> None:
    _, key = _advocate_signed_in(app, store, cli_instance)
    assert _rows_the_cookie_opens(store, AccountSession, key) == 1
    _nine_hours_pass(store)
    sweep(app, store, cli_instance)
    assert _rows_the_cookie_opens(store, AccountSession, key) == 0


def test_the_sweeper_deletes_ended_sessions_with_no_one_signing_in(
    app: Flask, store: Store, client: FlaskClient, instance: Instance
) -> None:
    _, key = _advocate_signed_in(app, store, instance)
    codename = submit(client, what_happened="kept until she signs out")
    assert sign_in(client, codename).status_code == 303
    survivor_key = _cookie_key(client, "return")
    _nine_hours_pass(store)
    _three_hours_pass(store)
    _sweeper_runs(store)
    assert _rows_the_cookie_opens(store, AccountSession, key) == 0
    assert _rows_the_cookie_opens(store, SurvivorSession, survivor_key) == 0


def test_each_server_process_starts_its_sweeper_with_its_first_request(
    instance: Instance,
) -> None:
    served = create_app({"instance_path": instance.path, "argon2": CHEAP_ARGON2})
    sweeper: Sweeper = served.extensions["sweeper"]
    assert not sweeper.running
    served.test_client().get("/")
    try:
        assert sweeper.running
    finally:
        sweeper.stop()
        served.extensions["store"].engine.dispose()


def test_a_live_session_is_not_swept(app: Flask, store: Store, instance: Instance) -> None:
    _, key = _advocate_signed_in(app, store, instance)
    _sweeper_runs(store)
    _someone_signs_in(app, store, instance)
    assert _rows_the_cookie_opens(store, AccountSession, key) == 1


def test_an_ended_survivor_session_leaves_nothing_an_old_cookie_opens(
    app: Flask, store: Store, client: FlaskClient
) -> None:
    codename = submit(client, what_happened="words only she may read")
    assert sign_in(client, codename).status_code == 303
    key = _cookie_key(client, "return")
    assert _rows_the_cookie_opens(store, SurvivorSession, key) == 1
    _three_hours_pass(store)
    other = app.test_client()
    sign_in(other, submit(other, what_happened="another survivor comes back"))
    assert _rows_the_cookie_opens(store, SurvivorSession, key) == 0


def test_session_cookies_leave_the_browser_at_the_sessions_absolute_limit(
    app: Flask, store: Store, client: FlaskClient, instance: Instance
) -> None:
    codename = submit(client, what_happened="x")
    survivor = sign_in(client, codename).headers["Set-Cookie"]
    assert "Max-Age=7200" in survivor and "HttpOnly" in survivor and "SameSite=Strict" in survivor
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    charity = log_in(app.test_client(), alice).headers["Set-Cookie"]
    assert "Max-Age=28800" in charity and "HttpOnly" in charity


# SQLite's write-ahead log keeps a page as it was before a row was deleted:
# the row must be gone from the log as well as from the table.


def _states(store: Store, table: type) -> list[bytes]:
    with store.session() as session:
        return list(session.scalars(select(table.state)))


def _on_disk(instance: Instance, value: bytes) -> float:
    key = bytes.fromhex((instance.path / "secrets" / "database.key").read_text())
    return pieces_on_disk(instance.path / "portal.db", key, value)


def test_a_signed_out_charity_session_is_on_no_page_of_the_database_or_its_log(
    app: Flask, store: Store, instance: Instance
) -> None:
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    client = signed_in_as(app, alice)
    client.get("/advocate/")  # the row is written again as the session is used
    (state,) = _states(store, AccountSession)
    assert _on_disk(instance, state) > 0.9  # the search finds it while it lives
    token = csrf_token(client, "/advocate/")
    assert client.post("/advocate/logout", data={"csrf_token": token}).status_code == 303
    assert _on_disk(instance, state) == 0


def test_a_signed_out_survivor_session_is_on_no_page_of_the_database_or_its_log(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    assert sign_in(client, submit(client, what_happened="x")).status_code == 303
    client.get("/return/report")
    (state,) = _states(store, SurvivorSession)
    assert _on_disk(instance, state) > 0.9
    token = csrf_token(client, "/return/report")
    client.post("/return/sign-out", data={"csrf_token": token})
    assert _on_disk(instance, state) == 0


def test_a_swept_session_is_on_no_page_of_the_database_or_its_log(
    app: Flask, store: Store, instance: Instance
) -> None:
    _advocate_signed_in(app, store, instance)
    (state,) = _states(store, AccountSession)
    _nine_hours_pass(store)
    _sweeper_runs(store)
    assert _on_disk(instance, state) == 0
