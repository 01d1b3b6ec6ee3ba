"""Counts of failures and reports that every worker and every host share.

Each throttle (`portal.web.throttle`) counts in the database, so gunicorn's
workers and several hosts over one database hold one set of limits, and a
restart forgets nothing within the window. A row is a count per kind of
limit, client bucket and fixed window (Unix time divided by the window's
length); `OVERALL` stands for everyone together.

A client is never written as its address. It is a keyed hash of the address
under a key that changes every day, derived (HKDF) from the instance's
session secret, which every host holds and the database does not; the hash
is then cut to 16 bits, a bucket. Someone holding the database and the
secrets can say only that a bucket matches about one IPv4 address in 65,536
(some 65,000 of them). The price is that an honest client whose address
falls in an attacker's bucket is throttled with it: with few attackers at a
time (each fills one bucket of 65,536), that is rare, and it ends with the
window or with the day's key.

The estimate behaves like a sliding window: the current window's count plus
the previous window's, weighted by how much of it the last `seconds` still
cover (Cloudflare's two-window estimate). A burst is held back for at most
one window length after it ends, and a client sending steadily gets about
the limit per window. Rows are deleted once the window after theirs has
ended (by the throttle when a new window begins, and by the sweeper), so the
table holds the current and the previous window only.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.store.models import LimitCount

# The client value of everyone's count; buckets are 0 to 65535.
OVERALL = -1
BUCKET_BITS = 16
_DAY_KEY_LABEL = b"portal throttle day key v1 "


def day_key(secret: bytes, day: datetime.date) -> bytes:
    """The key clients are hashed under on this day: every host derives the same one."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_DAY_KEY_LABEL + day.isoformat().encode(),
    ).derive(secret)


def bucket(key: bytes, identity: bytes) -> int:
    """The client's bucket: a keyed hash of what identifies it, cut to 16 bits."""
    digest = hmac.new(key, identity, hashlib.sha256).digest()
    return int.from_bytes(digest[: BUCKET_BITS // 8], "big")


@dataclass(frozen=True)
class Window:
    """Where a moment falls among a limit's fixed windows."""

    seconds: int
    number: int
    elapsed: float  # the share of the current window already gone, 0 to 1

    @classmethod
    def at(cls, now: float, seconds: int) -> Window:
        """The window `now` falls in, for windows `seconds` long."""
        number, into = divmod(now, seconds)
        return cls(seconds, int(number), into / seconds)

    @property
    def sweep_at(self) -> int:
        """When the window after this one ends: its rows no longer count then."""
        return (self.number + 2) * self.seconds


_COUNTS = LimitCount.metadata.tables[LimitCount.__tablename__]
# Built once: a statement built on each call cost several times its running
# (an ORM select with an IN list took about 2 ms, this one about 0.3 ms).
_RECENT = select(_COUNTS.c.client, _COUNTS.c.window_number, _COUNTS.c.count).where(
    _COUNTS.c.kind == bindparam("kind"),
    _COUNTS.c.client.in_((bindparam("first"), bindparam("second"))),
    _COUNTS.c.window_number.between(bindparam("previous"), bindparam("current")),
)


def _upsert(insert: Callable[[Table], Any]) -> Any:
    statement = insert(_COUNTS)
    return statement.on_conflict_do_update(
        index_elements=[_COUNTS.c.kind, _COUNTS.c.client, _COUNTS.c.window_number],
        set_={"count": _COUNTS.c.count + statement.excluded.count},
    )


# SQLite and PostgreSQL both have INSERT … ON CONFLICT DO UPDATE; each dialect's
# own construct writes it.
_ADD_ONE = {"sqlite": _upsert(sqlite.insert), "postgresql": _upsert(postgresql.insert)}


def estimates(session: Session, kind: str, clients: Sequence[int], window: Window) -> list[float]:
    """For each of one or two clients, its count over the last window length (one SELECT)."""
    first, *rest = clients
    rows = session.execute(
        _RECENT,
        {
            "kind": kind,
            "first": first,
            "second": rest[0] if rest else first,
            "previous": window.number - 1,
            "current": window.number,
        },
    )
    found = {(client, number): count for client, number, count in rows}
    previous_weight = 1.0 - window.elapsed
    return [
        found.get((client, window.number), 0)
        + found.get((client, window.number - 1), 0) * previous_weight
        for client in clients
    ]


def add(session: Session, kind: str, clients: Iterable[int], window: Window) -> None:
    """Add one to each client's count in this window: one INSERT … ON CONFLICT statement,
    run for each client. The caller commits."""
    rows = [
        {
            "kind": kind,
            "client": client,
            "window_number": window.number,
            "count": 1,
            "sweep_at": window.sweep_at,
        }
        for client in clients
    ]
    if rows:
        session.execute(_ADD_ONE[session.get_bind().dialect.name], rows)


def sweep(session: Session, now: float) -> int:
    """Delete the counts of windows that no longer count; how many went (the caller commits)."""
    result = session.execute(delete(LimitCount).where(LimitCount.sweep_at <= int(now)))
    return int(getattr(result, "rowcount", 0) or 0)
