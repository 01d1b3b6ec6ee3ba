"""One writer at a time, queued, instead of SQLite's busy-wait.

SQLite lets one connection write at a time. A second writer that finds the
database locked sleeps and retries with growing pauses (up to 100 ms each),
so under a surge of reports a waiting request can lose the race again and
again: the median stays low but the slowest requests take seconds. Here each
connection takes a lock before its first write statement and gives it back
when its transaction ends: threads of one worker queue on a thread lock and
are woken as soon as it is free, and the one waiter of each worker process
then takes an advisory file lock (flock) beside the database, so writers
from different gunicorn workers take turns too. Readers never take it (WAL
lets them read while one writes).

The lock is held until the driver's COMMIT (or ROLLBACK) has returned, so
the commit's fsync is inside it too: SQLAlchemy's own "commit" event fires
before the driver commits, so the release hooks the dialect's do_commit and
do_rollback instead. (Handing the lock on when the commit begins, and
leaving the fsync to SQLite's own lock, measured no faster.) A connection
that is closed or invalidated while it holds the lock gives it back.

Waiting is bounded: after `_WAIT_SECONDS` the writer goes ahead without the
lock, for the rest of its transaction, which is exactly the behaviour
without this module (SQLite's own busy timeout then applies). A thread must
not write through two connections at once: the second would wait for the
first (one writer at a time is what SQLite allows anyway).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

_WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.0005
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_HELD = "portal_write_lock"  # in a connection's info: True, or _BYPASSED after a timeout
_BYPASSED = "bypassed"
_DESCRIPTOR = "lock_descriptor"


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITES)


class WriteLock:
    """A queue for writers: a thread lock within a process, an flock across processes."""

    def __init__(self, path: Path):
        self.path = path
        self._threads = threading.Lock()

    def acquire(self, descriptor: int) -> bool:
        """Wait for our turn to write; False if it took too long (then write anyway)."""
        deadline = time.monotonic() + _WAIT_SECONDS
        if not self._threads.acquire(timeout=_WAIT_SECONDS):
            return False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._threads.release()
                    return False
                time.sleep(_POLL_SECONDS)  # only one thread per process polls here

    def release(self, descriptor: int) -> None:
        """Let the next writer in."""
        try:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def end_transaction(self, info: dict[str, Any]) -> None:
        """The connection's transaction is over: give the lock back if it holds it."""
        if info.pop(_HELD, None) is True:
            self.release(info[_DESCRIPTOR])


def _info_of(proxied: Any) -> dict[str, Any]:
    """The pool record's info of a proxied connection (an empty one for the first
    connection's ad-hoc proxy, which has none and never writes)."""
    try:
        info = proxied.info
    except (AttributeError, NotImplementedError):
        return {}
    return info if isinstance(info, dict) else {}


def install(engine: Engine, path: Path) -> WriteLock:
    """Make every connection of `engine` take the write lock around its write transactions."""
    lock = WriteLock(path)

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection: Any, record: Any) -> None:
        record.info[_DESCRIPTOR] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        lock.end_transaction(record.info)
        descriptor = record.info.pop(_DESCRIPTOR, None)
        if descriptor is not None:
            os.close(descriptor)

    @event.listens_for(engine, "invalidate")
    def _invalidated(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        lock.end_transaction(record.info)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        info = connection.info
        if _HELD not in info and _DESCRIPTOR in info and _is_write(statement):
            info[_HELD] = True if lock.acquire(info[_DESCRIPTOR]) else _BYPASSED

    dialect = engine.dialect
    for name in ("do_commit", "do_rollback"):
        driver_call = getattr(dialect, name)

        # Both receive the pool's proxy for the connection, whose info is the record's.
        def after_driver(proxied: Any, _driver_call: Any = driver_call) -> None:
            try:
                _driver_call(proxied)
            finally:
                lock.end_transaction(_info_of(proxied))

        setattr(dialect, name, after_driver)

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        # The pool rolls back what is returned to it, unless SQLAlchemy thinks the
        # transaction already ended: a commit stopped by an exception that is not
        # an Exception (a worker shutting down) leaves it open in the driver,
        # holding SQLite's write lock and rows nobody was told are stored.
        if getattr(dbapi_connection, "in_transaction", False):
            dbapi_connection.rollback()
        lock.end_transaction(record.info)

    return lock
