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

import logging
import os
import threading

from flask import Flask

from portal import auth
from portal.logs import describe_exception
from portal.store import Store, forget_deleted
from portal.survivor import sessions

INTERVAL = 300.0
THREAD_NAME = "portal-sweeper"
log = logging.getLogger("portal.sweeper")


def sweep_sessions(store: Store) -> int:
    """Delete every ended session, of survivors and charity accounts; how many went.

    The write-ahead log is emptied each time, whatever was swept: whatever
    else was deleted or overwritten since the last sweep (a seal, a session's
    earlier state) leaves no copy in the log for more than `INTERVAL`.
    """
    with store.session() as session:
        swept = auth.sweep(session) + sessions.sweep(session)
        forget_deleted(session)
        return swept


class Sweeper:
    """One thread per process that sweeps ended sessions every `interval` seconds."""

    def __init__(self, store: Store, interval: float = INTERVAL) -> None:
        self.store = store
        self.interval = interval
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def start(self) -> None:
        """Start this process's thread if it is not running yet (cheap to call often)."""
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # forked: the thread stayed in the parent
                self._thread, self._pid = None, os.getpid()
                self._stopped = threading.Event()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._thread.start()

    @property
    def running(self) -> bool:
        """True while this process's thread is alive."""
        return self._thread is not None and self._thread.is_alive() and self._pid == os.getpid()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread and wait for it (for tests)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                sweep_sessions(self.store)
            except Exception as error:  # the thread must outlive a locked or busy database
                log.warning("sessions not swept: %s", describe_exception(error))


def init_app(app: Flask, store: Store) -> None:
    """Give the app its sweeper, started by each process's first request.

    Not under test settings: a test's app outlives its temporary instance,
    and a thread waking later would open a database that is gone.
    """
    sweeper = Sweeper(store)
    app.extensions["sweeper"] = sweeper
    if not app.config["TESTING"]:
        app.before_request(sweeper.start)
