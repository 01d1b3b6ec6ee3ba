"""The throttle limits failures per client and overall, in the database, and forgets daily."""

from __future__ import annotations

import datetime

import pytest
from flask import Flask
from sqlalchemy import select

from portal.core import limits
from portal.store import Store
from portal.store.models import LimitCount
from portal.web import throttle as throttle_module
from portal.web.throttle import SubmissionThrottle, Throttle
from tests.support.throttles import hold_still


def _throttle(app: Flask, **settings: int) -> Throttle:
    return Throttle.for_app(app, "test", **settings)


def _rows(store: Store) -> list[LimitCount]:
    with store.session() as session:
        return list(session.scalars(select(LimitCount)))


@pytest.fixture(autouse=True)
def _still(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    return hold_still(monkeypatch)


def test_a_client_is_stopped_after_its_failures_and_others_are_not(app: Flask) -> None:
    throttle = _throttle(app, per_client=3, overall=100, window_seconds=60)
    for _ in range(3):
        assert throttle.allowed("203.0.113.1")
        throttle.failed("203.0.113.1")
    assert not throttle.allowed("203.0.113.1")
    assert not throttle.client_allowed("203.0.113.1")
    assert throttle.allowed("203.0.113.2")


def test_behind_tor_everyone_shares_loopback_so_only_the_overall_limit_applies(
    app: Flask,
) -> None:
    throttle = _throttle(app, per_client=3, overall=5, window_seconds=60)
    for _ in range(4):
        throttle.failed("127.0.0.1")
    assert throttle.allowed("127.0.0.1")  # the per-client limit would have said no
    throttle.failed("127.0.0.1")
    assert not throttle.allowed("127.0.0.1")
    assert not throttle.overall_allowed()
    assert not throttle.allowed("203.0.113.3")  # the backstop covers everyone


def test_failures_weigh_less_as_the_next_window_goes_by_and_lift_after_one_window(
    app: Flask, _still: list[float]
) -> None:
    _still[0] = 1000 * 60 + 1.0  # one second into a window
    throttle = _throttle(app, per_client=2, overall=10, window_seconds=60)
    throttle.failed("203.0.113.4")
    throttle.failed("203.0.113.4")
    assert not throttle.allowed("203.0.113.4")
    _still[0] += 59  # the next window begins: the whole count still weighs
    assert not throttle.allowed("203.0.113.4")
    _still[0] += 2  # a window length after the failures: no longer
    assert throttle.allowed("203.0.113.4")
    _still[0] += 28  # halfway: the earlier two count as one, and a new failure makes two
    throttle.failed("203.0.113.4")
    assert not throttle.allowed("203.0.113.4")


def test_a_window_knows_its_number_how_much_of_it_is_gone_and_when_its_rows_go() -> None:
    assert limits.Window.at(90.0, 60) == limits.Window(60, 1, 0.5)
    assert limits.Window.at(90.0, 60).sweep_at == 180  # the next window's end


def test_a_new_day_forgets_every_client_and_changes_the_key(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    throttle = _throttle(app, per_client=1, overall=10, window_seconds=600)
    throttle.failed("203.0.113.5")
    assert not throttle.allowed("203.0.113.5")
    old_key = throttle._key
    tomorrow = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)
    monkeypatch.setattr(throttle_module, "today", lambda: tomorrow)
    assert throttle.allowed("203.0.113.5")
    assert throttle._key != old_key


def test_every_host_derives_the_same_day_key_from_the_secret_and_no_other() -> None:
    day = datetime.date(2026, 3, 1)
    key = limits.day_key(b"s" * 32, day)
    assert key == limits.day_key(b"s" * 32, day)
    assert key != limits.day_key(b"t" * 32, day)
    assert key != limits.day_key(b"s" * 32, day + datetime.timedelta(days=1))


def test_clients_are_kept_only_as_16_bit_buckets(app: Flask, store: Store) -> None:
    throttle = _throttle(app, per_client=5, overall=10, window_seconds=60)
    throttle.failed("203.0.113.6")
    clients = sorted(row.client for row in _rows(store))
    assert clients[0] == limits.OVERALL
    assert len(clients) == 2 and 0 <= clients[1] < 2**16
    assert clients[1] == throttle.client("203.0.113.6")


def test_an_ipv6_client_is_known_by_its_64_bit_prefix(app: Flask) -> None:
    # A /64 is one household or phone: hopping addresses inside it changes nothing.
    throttle = _throttle(app, per_client=2, overall=100, window_seconds=60)
    throttle.failed("2001:db8:1:2::1")
    throttle.failed("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert not throttle.allowed("2001:db8:1:2::abcd")
    assert throttle.allowed("2001:db8:1:3::1")


@pytest.mark.parametrize("address", ["::1", "::ffff:127.0.0.1", "127.0.0.53", None, "", "x"])
def test_loopback_and_unreadable_addresses_are_never_limited_per_client(
    app: Flask, store: Store, address: str | None
) -> None:
    throttle = _throttle(app, per_client=1, overall=100, window_seconds=60)
    for _ in range(5):
        throttle.failed(address)
    assert throttle.allowed(address)
    assert [row.client for row in _rows(store)] == [limits.OVERALL]


def test_an_ipv4_client_is_the_same_whether_written_plain_or_mapped_into_ipv6(app: Flask) -> None:
    throttle = _throttle(app, per_client=1, overall=100, window_seconds=60)
    throttle.failed("203.0.113.7")
    assert not throttle.allowed("::ffff:203.0.113.7")


def test_each_kind_of_limit_counts_apart(app: Flask) -> None:
    codenames = Throttle.for_app(app, "a", per_client=1, overall=100, window_seconds=60)
    sign_ins = Throttle.for_app(app, "b", per_client=1, overall=100, window_seconds=60)
    codenames.failed("203.0.113.8")
    assert not codenames.allowed("203.0.113.8")
    assert sign_ins.allowed("203.0.113.8")


def test_reports_sent_are_limited_per_client_and_never_overall(app: Flask, store: Store) -> None:
    throttle = SubmissionThrottle.for_app(app, "test", per_client=3, window_seconds=60)
    for _ in range(3):
        assert throttle.allowed("203.0.113.9")
        throttle.sent("203.0.113.9")
    assert not throttle.allowed("203.0.113.9")
    assert throttle.allowed("203.0.113.10")
    for _ in range(50):  # as from Tor: a flood nobody can be told apart in
        throttle.sent("127.0.0.1")
    assert throttle.allowed("127.0.0.1")
    assert throttle.allowed("203.0.113.11")
    # Reports from loopback write nothing, not even a count of everyone's.
    assert [row.count for row in _rows(store)] == [3]


def test_the_report_limit_is_twenty_in_ten_minutes() -> None:
    assert (throttle_module.REPORTS_PER_CLIENT, throttle_module.REPORTS_WINDOW_SECONDS) == (
        20,
        600,
    )
