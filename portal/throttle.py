"""Throttling failed attempts without ever recording who made them.

A client is known only by a keyed hash of its address, under a key that is
random, held in memory, and replaced every day; nothing is written anywhere.
Behind a Tor onion service every client arrives from the same loopback
address, so per-client counting would let one attacker lock everyone out:
there, and always as a backstop, a global limit applies instead, set high
enough that honest survivors are only slowed during a sustained attack.
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

    def _client(self, address: str | None) -> bytes | None:
        """The client's keyed hash, or None when addresses say nothing (loopback, Tor)."""
        try:
            if address is None or ipaddress.ip_address(address).is_loopback:
                return None
        except ValueError:
            return None
        if self._day != today():  # a new day: forget everything, new key
            self._day, self._key = today(), os.urandom(32)
            self._clients.clear()
        return hmac.new(self._key, address.encode(), hashlib.sha256).digest()

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
            self._all.append(now)
            client = self._client(address)
            if client is not None:
                self._clients[client].append(now)
