"""The throttle limits failures per client and overall, and forgets daily."""

from __future__ import annotations

import datetime

import pytest

from portal import throttle as throttle_module
from portal.throttle import Throttle


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
