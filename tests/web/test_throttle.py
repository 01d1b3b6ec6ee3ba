"""The throttle limits failures per client and overall, and forgets daily."""

from __future__ import annotations

import datetime
from collections import deque

import pytest

from portal.web import throttle as throttle_module
from portal.web.throttle import SubmissionThrottle, Throttle


def test_a_client_is_stopped_after_its_failures_and_others_are_not() -> None:
    throttle = Throttle(per_client=3, overall=100, window_seconds=60)
    for _ in range(3):
        assert throttle.allowed("203.0.113.1")
        throttle.failed("203.0.113.1")
    assert not throttle.allowed("203.0.113.1")
    assert throttle.allowed("203.0.113.2")


def test_behind_tor_everyone_shares_loopback_so_only_the_overall_limit_applies() -> None:
    throttle = Throttle(per_client=3, overall=5, window_seconds=60)
    for _ in range(4):
        throttle.failed("127.0.0.1")
    assert throttle.allowed("127.0.0.1")  # the per-client limit would have said no
    throttle.failed("127.0.0.1")
    assert not throttle.allowed("127.0.0.1")
    assert not throttle.allowed("203.0.113.3")  # the backstop covers everyone


def test_failures_age_out_of_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(throttle_module.time, "monotonic", lambda: now[0])
    throttle = Throttle(per_client=1, overall=10, window_seconds=60)
    throttle.failed("203.0.113.4")
    assert not throttle.allowed("203.0.113.4")
    now[0] += 61
    assert throttle.allowed("203.0.113.4")


def test_a_new_day_forgets_every_client_and_changes_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    throttle = Throttle(per_client=1, overall=10, window_seconds=10**6)
    throttle.failed("203.0.113.5")
    old_key = throttle._key
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(throttle_module, "today", lambda: tomorrow)
    assert throttle.allowed("203.0.113.5")
    assert throttle._key != old_key


def test_addresses_are_kept_only_as_keyed_hashes() -> None:
    throttle = Throttle(per_client=5, overall=10, window_seconds=60)
    throttle.failed("203.0.113.6")
    assert all(len(key) == 32 and b"203.0.113.6" not in key for key in throttle._clients)


def test_an_ipv6_client_is_known_by_its_64_bit_prefix() -> None:
    # A /64 is one household or phone: hopping addresses inside it changes nothing.
    throttle = Throttle(per_client=2, overall=100, window_seconds=60)
    throttle.failed("2001:db8:1:2::1")
    throttle.failed("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert not throttle.allowed("2001:db8:1:2::abcd")
    assert throttle.allowed("2001:db8:1:3::1")


@pytest.mark.parametrize("address", ["::1", "::ffff:127.0.0.1", "127.0.0.53", None, "", "x"])
def test_loopback_and_unreadable_addresses_are_never_limited_per_client(
    address: str | None,
) -> None:
    throttle = Throttle(per_client=1, overall=100, window_seconds=60)
    for _ in range(5):
        throttle.failed(address)
    assert throttle.allowed(address)


def test_an_ipv4_client_is_the_same_whether_written_plain_or_mapped_into_ipv6() -> None:
    throttle = Throttle(per_client=1, overall=100, window_seconds=60)
    throttle.failed("203.0.113.7")
    assert not throttle.allowed("::ffff:203.0.113.7")


def test_clients_whose_window_emptied_are_forgotten_when_many_are_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(throttle_module.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(throttle_module, "_SWEEP_ABOVE_CLIENTS", 50)
    throttle = Throttle(per_client=5, overall=10**6, window_seconds=60)
    for n in range(51):
        throttle.failed(f"198.51.100.{n}")
    now[0] += 61
    throttle.failed("203.0.113.8")
    assert len(throttle._clients) == 1


def test_many_clients_still_in_their_window_do_not_make_every_failure_a_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(throttle_module, "_SWEEP_ABOVE_CLIENTS", 50)
    throttle = Throttle(per_client=5, overall=10**6, window_seconds=60)
    for n in range(52):  # the 52nd sweeps, and every client is still in its window
        throttle.failed(f"198.51.100.{n}")
    pruned: list[int] = []
    prune = throttle._prune

    def counted(times: deque[float], now: float) -> None:
        pruned.append(1)
        prune(times, now)

    monkeypatch.setattr(throttle, "_prune", counted)
    for n in range(40):
        throttle.failed(f"203.0.113.{n}")
    assert len(pruned) == 40  # only the overall window, once a failure: no sweep
    assert len(throttle._clients) == 92


def test_reports_sent_are_limited_per_client_and_never_overall() -> None:
    throttle = SubmissionThrottle(per_client=3, window_seconds=60)
    for _ in range(3):
        assert throttle.allowed("203.0.113.9")
        throttle.sent("203.0.113.9")
    assert not throttle.allowed("203.0.113.9")
    assert throttle.allowed("203.0.113.10")
    for _ in range(1000):  # as from Tor: a flood nobody can be told apart in
        throttle.sent("127.0.0.1")
    assert throttle.allowed("127.0.0.1")
    assert throttle.allowed("203.0.113.11")


def test_the_report_limit_is_twenty_in_ten_minutes() -> None:
    assert (throttle_module.REPORTS_PER_CLIENT, throttle_module.REPORTS_WINDOW_SECONDS) == (
        20,
        600,
    )
