"""Deleting what has ended, every few minutes, in every server process.

A session that has passed its limit refuses its cookie, but its row would
still hold the session's keys, under a key in a cookie that a seized device
may keep. So ended sessions (charity accounts' and survivors') are deleted at
every sign-in, when `portal serve` starts, and by this thread every
`INTERVAL` seconds, and SQLite's write-ahead log, which keeps the pages as
they were before, is emptied each time. Each server process runs one, started by its first
request (a forked worker does not inherit the parent's threads); every
worker sweeping is harmless, since a sweep is one DELETE of what has ended.
"""

from __future__ import annotations

import time

from portal.core import account_sessions, key_challenges, limits, submissions
from portal.core import survivor_sessions as sessions
from portal.core.background import ProcessThread
from portal.store import Store, forget_deleted

INTERVAL = 300.0
THREAD_NAME = "portal-sweeper"


def sweep_sessions(store: Store) -> int:
    """Delete every ended session, of survivors and charity accounts, the rows
    of expired form tokens, the throttles' counts of past windows and spent
    security-key challenges that would be refused anyway; how many went.

    The write-ahead log is emptied each time, whatever was swept: whatever
    else was deleted or overwritten since the last sweep (a seal, a session's
    earlier state) leaves no copy in the log for more than `INTERVAL`.
    """
    with store.session() as session:
        swept = account_sessions.sweep(session) + sessions.sweep(session)
        swept += submissions.sweep(session)
        swept += limits.sweep(session, time.time())
        swept += key_challenges.sweep(session)
        session.commit()
        forget_deleted(session)
        return swept


class Sweeper(ProcessThread):
    """One thread per process that sweeps ended sessions every `interval` seconds."""

    name = THREAD_NAME

    def __init__(self, store: Store, interval: float = INTERVAL) -> None:
        super().__init__()
        self.store = store
        self.interval = self.first_delay = interval

    def step(self) -> float:
        """Sweep now; the next sweep is `interval` seconds away."""
        sweep_sessions(self.store)
        return self.interval
