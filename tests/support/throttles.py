"""The throttles' clock, held still for tests that make hundreds of attempts."""

from __future__ import annotations

import time

import pytest

from portal.web import throttle

HOUR = 3600


def hold_still(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Stop the throttles' clock a minute into the current hour; the list holds its time.

    Counts are kept per fixed window (10 and 15 minutes, both dividing an
    hour), and the previous window's count is weighed down as the current one
    goes by: a burst that took a few seconds across a window's end would be
    counted a little short. Held still, every attempt falls in one window.
    """
    now = [time.time() // HOUR * HOUR + 60.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    return now
