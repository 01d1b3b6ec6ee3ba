"""One background thread per server process, for work no request should wait for.

gunicorn loads the app, then forks its workers; a forked process does not
inherit the parent's threads, and a lock copied mid-use may stay taken. So
each process starts its own thread from its first request (`start` is cheap
to call on every request), and a process that finds itself forked starts
afresh. Under test settings nothing starts it: a test's app outlives its
temporary instance, and tests call the work themselves.
"""

from __future__ import annotations

import logging
import os
import threading

from portal.core.logs import describe_exception

log = logging.getLogger("portal.core.background")


class ProcessThread:
    """A daemon thread that calls `step` until stopped; `step` says when to call it again."""

    name = "portal-background"
    first_delay = 0.0  # seconds before the first step
    retry_after = 60.0  # seconds before the next step after one that failed

    def __init__(self) -> None:
        self._start_lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def wanted(self) -> bool:
        """Whether this process should run the thread at all."""
        return True

    def step(self) -> float:
        """Do what is due; return the seconds until the next step."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        """True while this process's thread is alive."""
        return self._thread is not None and self._thread.is_alive() and self._pid == os.getpid()

    def start(self) -> None:
        """Start this process's thread if it is wanted and not running yet."""
        if (self._thread is not None and self._pid == os.getpid()) or not self.wanted():
            return
        with self._start_lock:
            if self._pid != os.getpid():  # forked: the thread stayed in the parent
                self._thread, self._pid = None, os.getpid()
                self._stopped = threading.Event()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread and wait for it (for tests)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stopped.wait(delay):
            try:
                delay = self.step()
            except Exception as error:  # the thread must outlive a busy database, a mail server
                # The type and code location only: messages can quote hosts and addresses.
                log.warning("%s: step failed: %s", self.name, describe_exception(error))
                delay = self.retry_after
