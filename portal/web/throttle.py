"""Throttling failed attempts without ever recording who made them.

A client is known only by a keyed hash of its address, under a key that is
random, held in memory, and replaced every day; nothing is written anywhere.
Behind a Tor onion service every client arrives from the same loopback
address, so per-client counting would let one attacker lock everyone out:
there, and always as a backstop, a global limit applies instead, set high
enough that honest survivors are only slowed during a sustained attack.

`Throttle` counts failures (wrong codenames, failed sign-ins);
`SubmissionThrottle` counts reports sent, and never refuses anyone the
portal cannot tell apart (see its docstring).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import threading
import time
from collections import defaultdict, deque

from portal.store.models import today

# An IPv6 client is usually given a whole /64, so it could take a fresh
# address for every attempt: its prefix is what identifies it.
_IPV6_CLIENT_PREFIX = 64
# Forget clients whose window has emptied once this many are remembered, so
# a flood from many addresses cannot grow memory without bound.
_SWEEP_ABOVE_CLIENTS = 10_000

# Reports one client may send in a window. An honest survivor sends one,
# perhaps two or three (a second incident, a corrected account), and a refuge,
# a library or a mobile network may put several survivors behind one
# address: 20 in 10 minutes is far above that, yet holds a scripted flood
# from one address to 2 a minute (per gunicorn worker).
REPORTS_PER_CLIENT = 20
REPORTS_WINDOW_SECONDS = 10 * 60


class Throttle:
    """Counts failures per client and overall in a sliding window, in memory only."""

    def __init__(self, per_client: int, overall: int, window_seconds: int):
        self.per_client = per_client
        self.overall = overall
        self.window = window_seconds
        self._lock = threading.Lock()
        self._day = today()
        self._key = os.urandom(32)
        self._clients: defaultdict[bytes, deque[float]] = defaultdict(deque)
        self._all: deque[float] = deque()
        self._sweep_above = _SWEEP_ABOVE_CLIENTS

    def _client(self, address: str | None) -> bytes | None:
        """The client's keyed hash, or None when addresses say nothing (loopback, Tor)."""
        try:
            parsed = ipaddress.ip_address(address or "")
        except ValueError:
            return None
        if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped:
            parsed = parsed.ipv4_mapped
        if parsed.is_loopback:
            return None
        if isinstance(parsed, ipaddress.IPv6Address):
            network = ipaddress.IPv6Network((parsed, _IPV6_CLIENT_PREFIX), strict=False)
            identity = network.network_address.packed
        else:
            identity = parsed.packed
        if self._day != today():  # a new day: forget everything, new key
            self._day, self._key = today(), os.urandom(32)
            self._clients.clear()
        return hmac.new(self._key, identity, hashlib.sha256).digest()

    def _prune(self, times: deque[float], now: float) -> None:
        while times and times[0] <= now - self.window:
            times.popleft()

    def allowed(self, address: str | None) -> bool:
        """True unless this client, or everyone together, failed too often lately."""
        return self.overall_allowed() and self.client_allowed(address)

    def overall_allowed(self) -> bool:
        """True unless everyone together failed too often lately."""
        with self._lock:
            self._prune(self._all, time.monotonic())
            return len(self._all) < self.overall

    def client_allowed(self, address: str | None) -> bool:
        """True unless this client (when its address says anything) failed too often."""
        now = time.monotonic()
        with self._lock:
            client = self._client(address)
            if client is None:
                return True
            times = self._clients.get(client)
            if times is None:
                return True
            self._prune(times, now)
            return len(times) < self.per_client

    def failed(self, address: str | None) -> None:
        """Count a failed attempt."""
        now = time.monotonic()
        with self._lock:
            self._prune(self._all, now)
            self._all.append(now)
            self._count_client(address, now)

    def _count_client(self, address: str | None, now: float) -> None:
        """Add one to the client's window (the lock is held)."""
        client = self._client(address)
        if client is None:
            return
        if len(self._clients) > self._sweep_above:
            for key in list(self._clients):
                self._prune(self._clients[key], now)
                if not self._clients[key]:
                    del self._clients[key]
            # Clients still in their window stay: sweep again only once they have
            # doubled, so many active clients do not make every call a sweep.
            self._sweep_above = max(_SWEEP_ABOVE_CLIENTS, 2 * len(self._clients))
        self._clients[client].append(now)


class SubmissionThrottle(Throttle):
    """Slows a flood of reports from one client, without ever losing an honest one.

    Only reports actually sent count, per client, and only a client whose
    address identifies it is ever refused: a refused report comes back with
    everything typed, so an honest survivor who hits the limit loses nothing
    and can send again later.

    There is deliberately no overall limit. Behind a Tor onion service every
    client arrives from loopback, so any limit there would be a limit on
    everyone: one attacker could stop every survivor from reporting, which is
    worse than the flood itself (a flood costs disk space and advocates'
    time; a refused survivor may never come back). Slowing everyone instead
    (a delay before answering) would hold gunicorn's few workers and hurt
    honest survivors just as much. A flood through Tor is answered at the
    onion service (`HiddenServicePoWDefensesEnabled`, which makes each
    connection cost the client work), not here.
    """

    def __init__(self, per_client: int, window_seconds: int):
        # The overall count of the parent class is never consulted nor kept.
        super().__init__(per_client=per_client, overall=0, window_seconds=window_seconds)

    def allowed(self, address: str | None) -> bool:
        """True unless this identifiable client sent too many reports lately."""
        return self.client_allowed(address)

    def sent(self, address: str | None) -> None:
        """Count a report that was stored."""
        with self._lock:
            self._count_client(address, time.monotonic())
