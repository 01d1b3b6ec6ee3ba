"""Optional e-mail to advocates that says only "there is new activity".

What is sent: a fixed subject ("New activity") and a fixed body, to the
recipients of the instance's [smtp] table. Never content, a count, a
reference, a force or anything else a survivor wrote or did: an inbox is far
easier to seize or read than the portal's encrypted database.

Why it is coalesced and delayed: the time of an e-mail is visible to every
mail server on its way. If each submission sent one at once, a mail log would
date each report to the second and count them. So signals from requests go
onto a queue for one background thread per process, which sends at most one
e-mail every `min_interval` seconds (a burst of reports gives one e-mail), and
only after a random delay (`jitter`) so that its time does not pin down when
a survivor wrote. Sending never happens in the request: a slow or broken mail
server cannot slow or fail a submission, and a failure is logged by its type
only.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import secrets
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from flask import Flask, current_app

from config import SmtpSettings
from portal.logs import describe_exception

SUBJECT = "New activity"
BODY = "There is new activity on the reporting service. Sign in to read it.\n"
DEFAULT_MIN_INTERVAL = 300.0
DEFAULT_JITTER = 60.0
SMTP_TIMEOUT = 30.0
# smtplib would greet the mail server with this machine's host name, which
# lands in the Received header and can name the server behind an onion address.
EHLO_NAME = "localhost"
# A full queue already holds a signal that will be sent, so a further one can
# be dropped: the queue stays small however many survivors write at once.
_QUEUE_SIZE = 64
THREAD_NAME = "portal-notify"

log = logging.getLogger("portal.notify")
_random = secrets.SystemRandom()


class _Activity:
    """Something new arrived (the signal carries nothing else)."""


@dataclass
class _Flush:
    """Send what is pending now, ignoring the delays, and say when done."""

    done: threading.Event = field(default_factory=threading.Event)


class _Stop:
    """End the worker; anything pending is dropped."""


_ACTIVITY = _Activity()
_STOP = _Stop()
_Signal = _Activity | _Flush | _Stop


def message(settings: SmtpSettings) -> EmailMessage:
    """The one e-mail ever sent: fixed subject and body, nothing from any report."""
    mail = EmailMessage()
    mail["Subject"] = SUBJECT
    mail["From"] = settings.sender
    mail["To"] = ", ".join(settings.recipients)
    mail["Date"] = format_datetime(datetime.now(UTC))
    # email.utils.make_msgid would put in the host name, the time and the pid.
    domain = settings.sender.rpartition("@")[2]
    mail["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    mail.set_content(BODY)
    return mail


def send(settings: SmtpSettings) -> None:
    """Deliver the fixed e-mail over SMTP (STARTTLS and login when configured)."""
    with smtplib.SMTP(
        settings.host, settings.port, local_hostname=EHLO_NAME, timeout=SMTP_TIMEOUT
    ) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message(settings))


class Notifier:
    """One background sender per process; requests only drop a signal on its queue."""

    def __init__(
        self,
        settings: SmtpSettings | None,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        jitter: float = DEFAULT_JITTER,
    ) -> None:
        self.settings = settings
        self.min_interval = min_interval
        self.jitter = jitter
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Signal] = queue.Queue(_QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    @property
    def enabled(self) -> bool:
        """True when an [smtp] table is configured."""
        return self.settings is not None

    @property
    def running(self) -> bool:
        """True while this process's worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the worker thread if e-mail is configured and it is not running yet."""
        if self.settings is None:
            return
        with self._lock:
            if self._pid != os.getpid():
                # A forked worker process inherits the object but not the thread,
                # and the queue's lock may have been copied mid-use.
                self._queue = queue.Queue(_QUEUE_SIZE)
                self._thread = None
                self._pid = os.getpid()
            if self.running:
                return
            self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
            self._thread.start()

    def new_activity(self) -> None:
        """Note that something arrived; returns at once and never raises."""
        if self.settings is None:
            return
        try:
            self.start()
            self._queue.put_nowait(_ACTIVITY)
        except queue.Full:
            pass  # a signal is already waiting: this one is coalesced into it
        except Exception as error:  # a notification must never fail a submission
            log.warning("new activity not queued: %s", describe_exception(error))

    def flush(self, timeout: float = 10.0) -> bool:
        """Send anything pending now, ignoring the delays; True once done (for tests)."""
        if not self.running:
            return True
        signal = _Flush()
        self._queue.put(signal, timeout=timeout)
        return signal.done.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End the worker, dropping anything pending, and wait for it (for tests)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(_STOP, timeout=timeout)
        thread.join(timeout)

    def _run(self) -> None:
        pending = False
        send_at = 0.0
        last_sent = -math.inf
        while True:
            if pending and time.monotonic() >= send_at:
                self._deliver()
                pending, last_sent = False, time.monotonic()
            wait = max(0.0, send_at - time.monotonic()) if pending else None
            try:
                signal = self._queue.get(timeout=wait)
            except queue.Empty:
                continue
            if isinstance(signal, _Stop):
                return
            if isinstance(signal, _Flush):
                if pending:
                    self._deliver()
                    pending, last_sent = False, time.monotonic()
                signal.done.set()
            elif not pending:
                pending = True
                earliest = max(time.monotonic(), last_sent + self.min_interval)
                send_at = earliest + _random.uniform(0.0, self.jitter)

    def _deliver(self) -> None:
        assert self.settings is not None  # the worker only runs when configured
        try:
            send(self.settings)
        except Exception as error:  # the worker must outlive a broken mail server
            # The type and code location only: messages can quote hosts and addresses.
            log.warning("notification e-mail not sent: %s", describe_exception(error))


def init_app(app: Flask) -> None:
    """Give the app its notifier (idle, with no thread, unless [smtp] is configured).

    The delays come from the optional app.config keys NOTIFY_MIN_INTERVAL and
    NOTIFY_JITTER (seconds). They are read when the first activity starts the
    worker, so tests may set them on app.config after create_app.
    """
    app.extensions["notifier"] = Notifier(app.config["PORTAL"].smtp)


def new_activity() -> None:
    """Tell the current app's advocates, later and vaguely, that something arrived."""
    notifier: Notifier | None = current_app.extensions.get("notifier")
    if notifier is None or not notifier.enabled:
        return
    if not notifier.running:
        try:
            notifier.min_interval = float(
                current_app.config.get("NOTIFY_MIN_INTERVAL", DEFAULT_MIN_INTERVAL)
            )
            notifier.jitter = float(current_app.config.get("NOTIFY_JITTER", DEFAULT_JITTER))
        except (TypeError, ValueError) as error:  # keep the defaults; never fail the request
            log.warning("notification delays ignored: %s", describe_exception(error))
    notifier.new_activity()
