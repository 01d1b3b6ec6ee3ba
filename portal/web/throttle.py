"""Throttling failed attempts without ever recording who made them.

The counts live in the database (`portal.core.limits`), so every gunicorn
worker and every host over that database shares one set of limits, and a
restart forgets nothing within the window. A client is written only as a
16-bit bucket of a keyed hash of its address, under a key derived afresh
each day from the instance's session secret (see `portal.core.limits` for
what that costs an honest client who shares an attacker's bucket).
Behind a Tor onion service every client arrives from the same loopback
address, so per-client counting would let one attacker lock everyone out:
there, and always as a backstop, a global limit applies instead, set high
enough that honest survivors are only slowed during a sustained attack.

`Throttle` counts failures (wrong codenames, failed sign-ins);
`SubmissionThrottle` counts reports sent, and never refuses anyone the
portal cannot tell apart (see its docstring). Each count is committed in a
short transaction of its own, so a failure counts even when the request's
own work is rolled back; call them with nothing of the request's own
uncommitted (one writer at a time: see `portal.store.write_lock`).
"""

from __future__ import annotations

import datetime
import ipaddress
import threading
import time

from flask.sansio.app import App

from portal.core import limits
from portal.store import Store
from portal.store.models import today

# An IPv6 client is usually given a whole /64, so it could take a fresh
# address for every attempt: its prefix is what identifies it.
_IPV6_CLIENT_PREFIX = 64

# Reports one client may send in a window. An honest survivor sends one,
# perhaps two or three (a second incident, a corrected account), and a refuge,
# a library or a mobile network may put several survivors behind one
# address: 20 in 10 minutes is far above that, yet holds a scripted flood
# from one address to 2 a minute, however many workers and hosts serve it.
REPORTS_PER_CLIENT = 20
REPORTS_WINDOW_SECONDS = 10 * 60


def _now() -> float:
    """Unix time: windows are numbered alike on every host."""
    return time.time()


def client_identity(address: str | None) -> bytes | None:
    """What identifies a client (its IPv4 address, its IPv6 /64), or None when its
    address says nothing (loopback, as behind Tor, or unreadable)."""
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
        return network.network_address.packed
    return parsed.packed


class Throttle:
    """Counts failures per client bucket and overall, in the database every host shares."""

    def __init__(
        self,
        store: Store,
        secret: bytes,
        kind: str,
        *,
        per_client: int,
        overall: int,
        window_seconds: int,
    ):
        self.store = store
        self.kind = kind
        self.per_client = per_client
        self.overall = overall
        self.window = window_seconds
        self._secret = secret
        self._lock = threading.Lock()
        self._day: datetime.date | None = None
        self._key = b""
        self._swept_window: int | None = None

    @classmethod
    def for_app(cls, app: App, kind: str, **settings: int) -> Throttle:
        """A throttle over the app's database, keyed by its instance's session secret."""
        return cls(app.extensions["store"], app.config["PORTAL"].secret_key, kind, **settings)

    def client(self, address: str | None) -> int | None:
        """The client's bucket, or None when its address says nothing (loopback, Tor)."""
        identity = client_identity(address)
        if identity is None:
            return None
        day = today()  # in UTC, so every host changes key at the same moment
        with self._lock:
            if self._day != day:  # a new day, a new key: yesterday's buckets mean nothing
                self._day, self._key = day, limits.day_key(self._secret, day)
            key = self._key
        return limits.bucket(key, identity)

    def _estimates(self, clients: list[int]) -> list[float]:
        window = limits.Window.at(_now(), self.window)
        with self.store.session() as session:
            return limits.estimates(session, self.kind, clients, window)

    def allowed(self, address: str | None) -> bool:
        """True unless this client, or everyone together, failed too often lately."""
        client = self.client(address)
        if client is None:
            return self.overall_allowed()
        overall, mine = self._estimates([limits.OVERALL, client])
        return overall < self.overall and mine < self.per_client

    def overall_allowed(self) -> bool:
        """True unless everyone together failed too often lately."""
        return self._estimates([limits.OVERALL])[0] < self.overall

    def client_allowed(self, address: str | None) -> bool:
        """True unless this client (when its address says anything) failed too often."""
        client = self.client(address)
        return client is None or self._estimates([client])[0] < self.per_client

    def failed(self, address: str | None) -> None:
        """Count a failed attempt, for this client and for everyone."""
        client = self.client(address)
        self._count([limits.OVERALL] if client is None else [limits.OVERALL, client])

    def _count(self, clients: list[int]) -> None:
        """Add one to each of these counts, in a transaction of its own.

        Rows of windows that no longer count are deleted in the same
        transaction the first time this process counts in a new window.
        """
        now = _now()
        window = limits.Window.at(now, self.window)
        with self.store.session() as session:
            if self._swept_window != window.number:
                limits.sweep(session, now)
            limits.add(session, self.kind, clients, window)
            session.commit()
        self._swept_window = window.number


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
    connection cost the client work), not here. Reports from such clients
    write no count at all.
    """

    def __init__(
        self, store: Store, secret: bytes, kind: str, *, per_client: int, window_seconds: int
    ):
        # The overall count of the parent class is never consulted nor kept.
        super().__init__(
            store, secret, kind, per_client=per_client, overall=0, window_seconds=window_seconds
        )

    def allowed(self, address: str | None) -> bool:
        """True unless this identifiable client sent too many reports lately."""
        return self.client_allowed(address)

    def sent(self, address: str | None) -> None:
        """Count a report that was stored (nothing is written for an unknown client)."""
        client = self.client(address)
        if client is not None:
            self._count([client])
