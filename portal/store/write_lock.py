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

Waiting is bounded: after `_WAIT_SECONDS` the writer goes ahead without the
lock, which is exactly the behaviour without this module (SQLite's own busy
timeout then applies), so a mistake here can never hang a request.
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
_HELD = "portal_write_lock"


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
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        self._threads.release()


def install(engine: Engine, path: Path) -> None:
    """Make every connection of `engine` take the write lock around its write transactions."""
    lock = WriteLock(path)

    @event.listens_for(engine, "connect")
    def _open(_dbapi_connection: Any, record: Any) -> None:
        record.info["lock_descriptor"] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "close")
    def _close(_dbapi_connection: Any, record: Any) -> None:
        descriptor = record.info.pop("lock_descriptor", None)
        if descriptor is not None:
            _release(record.info)
            os.close(descriptor)

    def _release(info: dict[str, Any]) -> None:
        if info.pop(_HELD, False):
            lock.release(info["lock_descriptor"])

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(
        connection: Any, _cursor: Any, statement: str, *_args: Any, **_kwargs: Any
    ) -> None:
        info = connection.info
        if not info.get(_HELD) and "lock_descriptor" in info and _is_write(statement):
            info[_HELD] = lock.acquire(info["lock_descriptor"])

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _transaction_ended(connection: Any) -> None:
        _release(connection.info)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        _release(record.info)  # the pool rolled it back, if nothing else ended it
