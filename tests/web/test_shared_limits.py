"""Limits hold across every worker and host: two apps over one instance stand for two hosts.

Each app has its own engine and its own throttles, as a second gunicorn
worker or a second host over the same database would. What one counts, the
other refuses; a new app over the instance (a restart) still refuses; the
database holds no address, and no count past the window after its own.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import config
from portal import create_app
from portal.core.sweeper import sweep_sessions
from portal.store import Store
from portal.store.models import LimitCount, Role
from tests.support.forensics import decrypted_pages
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import csrf_token
from tests.support.people import Person, create_person
from tests.support.throttles import hold_still

ATTACKER = "198.51.100.66"
ATTACKER_V6 = "2001:db8:5:6::42"
NEIGHBOUR = "198.51.100.67"
WRONG_CODENAME = "abacus " * 7
CODENAME_LIMIT = 10  # wrong codenames from one client in 15 minutes (README)
SIGN_IN_LIMIT = 20  # failed sign-ins from one client in 15 minutes (README)


def _host(instance: Instance) -> Flask:
    return create_app({"instance_path": instance.path, "testing": True, "argon2": CHEAP_ARGON2})


@pytest.fixture
def hosts(app: Flask, instance: Instance) -> Iterator[tuple[Flask, Flask]]:
    """The app, and a second one over the same instance: another host."""
    other = _host(instance)
    yield app, other
    other.extensions["store"].engine.dispose()


@pytest.fixture
def still(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The throttles' clock, held a minute into the current hour."""
    return hold_still(monkeypatch)


def _guess(client: FlaskClient, address: str) -> Any:
    token = csrf_token(client, "/return")
    data = {"csrf_token": token, "codename": WRONG_CODENAME}
    return client.post("/return", data=data, environ_base={"REMOTE_ADDR": address})


def _sign_in(client: FlaskClient, address: str, name: str, passphrase: str, code: str) -> Any:
    token = csrf_token(client, "/advocate/login")
    data = {"csrf_token": token, "name": name, "passphrase": passphrase, "code": code}
    return client.post("/advocate/login", data=data, environ_base={"REMOTE_ADDR": address})


def _rows(store: Store) -> list[LimitCount]:
    with store.session() as session:
        return list(session.scalars(select(LimitCount)))


def test_wrong_codenames_on_two_hosts_add_up_to_one_limit(
    hosts: tuple[Flask, Flask], still: list[float]
) -> None:
    first, second = (host.test_client() for host in hosts)
    for n in range(CODENAME_LIMIT):
        assert _guess((first, second)[n % 2], ATTACKER).status_code == 200, n
    assert _guess(first, ATTACKER).status_code == 429
    assert _guess(second, ATTACKER).status_code == 429
    assert _guess(second, NEIGHBOUR).status_code == 200


def test_failed_sign_ins_on_two_hosts_add_up_to_one_limit(
    hosts: tuple[Flask, Flask], still: list[float]
) -> None:
    first, second = (host.test_client() for host in hosts)
    for n in range(SIGN_IN_LIMIT):
        # Many names, so that no account's own lockout hides the throttle.
        response = _sign_in((first, second)[n % 2], ATTACKER, f"guess{n}", "p" * 12, "1")
        assert response.status_code == 200, n
    assert _sign_in(first, ATTACKER, "guess", "p" * 12, "1").status_code == 429
    assert _sign_in(second, ATTACKER, "guess", "p" * 12, "1").status_code == 429


def test_a_restarted_host_still_refuses_within_the_window(
    app: Flask, instance: Instance, still: list[float]
) -> None:
    client = app.test_client()
    for _ in range(CODENAME_LIMIT):
        _guess(client, ATTACKER)
    assert _guess(client, ATTACKER).status_code == 429
    app.extensions["store"].engine.dispose()
    restarted = _host(instance)
    try:
        assert _guess(restarted.test_client(), ATTACKER).status_code == 429
        still[0] += 15 * 60 + 1  # a window length later, the count no longer holds
        assert _guess(restarted.test_client(), ATTACKER).status_code == 200
    finally:
        restarted.extensions["store"].engine.dispose()


def _address_forms(address: str) -> list[bytes]:
    """An address as text and packed, and an IPv6 address's /64 prefix packed."""
    parsed = ipaddress.ip_address(address)
    forms = [address.encode(), parsed.packed, parsed.exploded.encode()]
    if parsed.version == 6:
        forms.append(parsed.packed[:8])
    return forms


def test_the_database_never_holds_an_address(
    app: Flask, store: Store, instance: Instance, still: list[float]
) -> None:
    client = app.test_client()
    for address in (ATTACKER, ATTACKER_V6):
        for _ in range(3):
            _guess(client, address)
    rows = _rows(store)
    assert {row.kind for row in rows} == {"codename"}
    assert sorted(row.count for row in rows) == [3, 3, 6]
    assert all(row.client == -1 or 0 <= row.client < 2**16 for row in rows)
    key = config.load(instance.path, environ={}).database_key
    database = instance.path / "portal.db"

    def found(needle: bytes) -> bool:
        return any(needle in page for page in decrypted_pages(database, key))

    for address in (ATTACKER, ATTACKER_V6):
        for form in _address_forms(address):
            assert not found(form), (address, form)
    # The scan can fail: an address written into the table is found, as text and packed.
    with store.session() as session:
        packed = int.from_bytes(ipaddress.ip_address(ATTACKER).packed, "big")
        session.add(LimitCount(kind=ATTACKER, client=packed, window_number=0, sweep_at=0, count=1))
        session.commit()
    assert all(found(form) for form in _address_forms(ATTACKER))


def test_a_new_window_deletes_the_counts_of_windows_that_no_longer_count(
    app: Flask, store: Store, still: list[float]
) -> None:
    client = app.test_client()
    _guess(client, ATTACKER)
    first = {row.window_number for row in _rows(store)}
    assert len(first) == 1
    still[0] += 15 * 60  # the next window: the first still counts, weighed down
    _guess(client, ATTACKER)
    assert {row.window_number for row in _rows(store)} == {*first, min(first) + 1}
    still[0] += 15 * 60  # the one after: the first counts no more and goes
    _guess(client, ATTACKER)
    assert {row.window_number for row in _rows(store)} == {min(first) + 1, min(first) + 2}


def test_the_sweeper_deletes_counts_left_by_a_quiet_portal(
    app: Flask, store: Store, still: list[float]
) -> None:
    still[0] -= 2 * 60 * 60  # failures two hours ago, and none since
    _guess(app.test_client(), ATTACKER)
    assert len(_rows(store)) == 2  # the client's count and everyone's
    sweep_sessions(store)
    assert _rows(store) == []


@pytest.fixture
def holder(store: Store, instance: Instance) -> Person:
    return create_person(store, instance, "holder", Role.ADVOCATE)


def test_an_account_locked_on_one_host_is_locked_on_the_other(
    hosts: tuple[Flask, Flask], holder: Person
) -> None:
    first, second = (host.test_client() for host in hosts)
    for _ in range(5):
        wrong = _sign_in(first, ATTACKER, holder.name, "not the passphrase", "123456")
        assert wrong.status_code == 200
    right = _sign_in(second, NEIGHBOUR, holder.name, holder.passphrase, holder.next_code())
    assert right.status_code == 200  # refused with the same plain message: locked
    assert "Those details did not work." in right.get_data(as_text=True)


def test_a_code_used_on_one_host_is_refused_on_the_other(
    hosts: tuple[Flask, Flask], holder: Person
) -> None:
    first, second = (host.test_client() for host in hosts)
    code = holder.next_code()
    assert _sign_in(first, NEIGHBOUR, holder.name, holder.passphrase, code).status_code == 303
    replay = _sign_in(second, ATTACKER, holder.name, holder.passphrase, code)
    assert replay.status_code == 200
    assert "Those details did not work." in replay.get_data(as_text=True)
    # A fresh code still opens the account on the second host.
    fresh = _sign_in(second, NEIGHBOUR, holder.name, holder.passphrase, holder.next_code())
    assert fresh.status_code == 303
