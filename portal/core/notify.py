"""Optional e-mails: "there is new activity" to advocates at fixed times only,
and the audit log's head to admins once a day.

What is sent. Advocates (`[smtp] recipients`) get a fixed subject and body:
never content, a count, a reference, a force, a time, or anything else a
survivor wrote or did. An inbox is far easier to seize or read than the
portal's encrypted database. Admins (`admin_recipients`, never the
advocates) get once a day the audit log's head, "N:HASH", and one line
saying what to do with it: kept outside the server, it lets `portal audit
verify --head N:HASH` show that nobody rewrote the log since (audit.py).
N counts audited actions (sign-ins, case views, downloads), so those e-mails
show how busy the charity's accounts were from one day to the next; they
name no report, survivor or address.

When. The time of an e-mail is visible to every mail server on its way and
in the charity's mail logs, which the accused may demand. So a new-activity
e-mail leaves only at a slot: a multiple of `notify_every_minutes` (default
60) from midnight UTC, a random few seconds after it (at most SEND_JITTER),
and only if there was activity before that slot and after the one before.
Its Date header and its SMTP transaction say only "something happened in
the hour before". Activity is filed under the first slot after it, so an
e-mail never covers anything that happened after its slot. A worker that
could only send more than LATE_LIMIT after its slot (a stalled process, a
suspended machine) skips that slot and sends at the next one, never at a
time that is no slot. The head goes at the first slot at or after
`audit_head_at` (default 06:00 UTC).

One e-mail per slot, across every worker and host. Each gunicorn worker
runs one thread, started by its first request (a forked worker does not
inherit the parent's threads). A request only adds the slot its activity is
due at to a set in memory: no database write, no I/O, nothing that can fail
or slow a submission. At a slot, a worker that saw activity claims it with
one conditional UPDATE of the `notices` table (`last_slot < :slot`); only
the worker whose UPDATE changed the row sends, and its e-mail stands for
the activity every worker and host saw before that slot. The daily head is
claimed the same way, by the day's slot.

What the database shows. The `activity` row's slot would tell someone
holding the database the hour of the newest activity. So every worker,
activity or not, also moves the row to the latest slot once CLOSE_AFTER has
passed: from then on it holds the latest slot, whatever happened. Between a
claim and that close (a few minutes), the row does show that the latest
slot had activity.

What can be lost, plainly:
- Activity seen by a worker that ends before the slot (a crash, a restart,
  a deploy, gunicorn replacing a worker): it lived only in that worker's
  memory. Advocates hear of it with the next activity.
- The slot's e-mail, if the worker that claimed it dies between its claim
  and its send; likewise the day's head.
- Activity at a host whose clock is behind another's, in the seconds by
  which it is behind: the other host may already have claimed the slot.
  Keep hosts' clocks in time (NTP).
A send that fails (a broken mail server) is tried again at the next slot by
the worker that claimed it, and logged by exception type only, never with
its message (which can quote hosts and addresses).
"""

from __future__ import annotations

import logging
import math
import secrets
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from config import MINUTES_PER_DAY, SmtpSettings
from portal.core import audit
from portal.core.background import ProcessThread
from portal.core.logs import describe_exception
from portal.store import Store
from portal.store.models import Notice

SUBJECT = "New activity"
BODY = "There is new activity on the reporting service. Sign in to read it.\n"
HEAD_SUBJECT = "Audit log head"
HEAD_BODY = (
    "The reporting service's audit log head: {head}\n"
    "\n"
    "Keep this e-mail: `portal audit verify --head {head}` checks that the audit log "
    "was not rewritten since.\n"
)
ACTIVITY = "activity"
AUDIT_HEAD = "audit-head"
# The e-mail leaves a random 0 to SEND_JITTER seconds after its slot: workers
# do not all reach for the database at the same instant, and the time still
# names the slot.
SEND_JITTER = 5.0
# Later than this after its slot, a worker does not send: the slot is skipped.
LATE_LIMIT = 20.0
# When every worker moves the activity row to the latest slot: half a slot,
# within these bounds. Well after LATE_LIMIT, so a close never beats a claim.
CLOSE_AFTER_BOUNDS = (40.0, 300.0)
# The thread re-reads the clock at least this often (the clock may jump).
MAX_WAIT = 60.0
SMTP_TIMEOUT = 30.0
# smtplib would greet the mail server with this machine's host name, which
# lands in the Received header and can name the server behind an onion address.
EHLO_NAME = "localhost"
THREAD_NAME = "portal-notify"

log = logging.getLogger("portal.core.notify")
_random = secrets.SystemRandom()

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def slot_minute(moment: datetime, every: int) -> int:
    """The slot at or before `moment`, as minutes since 1970 (UTC).

    `every` divides a day, and 1970 began at midnight, so slots are multiples
    of `every` minutes from each midnight UTC.
    """
    minute = math.floor(moment.timestamp() / 60)
    return minute - minute % every


def slot_time(slot: int) -> datetime:
    """The moment a slot (minutes since 1970) begins."""
    return datetime.fromtimestamp(slot * 60, UTC)


def head_minute_of_day(settings: SmtpSettings) -> int:
    """Minutes after midnight UTC of the daily head: the first slot at or after audit_head_at."""
    every = settings.notify_every_minutes
    return math.ceil(settings.audit_head_minute / every) * every % MINUTES_PER_DAY


def _message(
    sender: str, to: tuple[str, ...], subject: str, body: str, now: datetime
) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = format_datetime(now.astimezone(UTC).replace(microsecond=0))
    # email.utils.make_msgid would put in the host name, the time and the pid.
    domain = sender.rpartition("@")[2]
    mail["Message-ID"] = f"<{secrets.token_hex(16)}@{domain}>"
    # 7bit, not quoted-printable: the head stays whole in the raw message, as it is typed.
    mail.set_content(body, cte="7bit")
    return mail


def activity_message(settings: SmtpSettings, now: datetime) -> EmailMessage:
    """The advocates' e-mail: fixed subject and body, nothing from any report."""
    return _message(settings.sender, settings.recipients, SUBJECT, BODY, now)


def head_message(settings: SmtpSettings, head: audit.Head, now: datetime) -> EmailMessage:
    """The admins' daily e-mail: the audit log's head and what to do with it, nothing else."""
    body = HEAD_BODY.format(head=head)
    return _message(settings.sender, settings.admin_recipients, HEAD_SUBJECT, body, now)


def send(settings: SmtpSettings, mail: EmailMessage) -> None:
    """Deliver one e-mail over SMTP (STARTTLS and login when configured)."""
    with smtplib.SMTP(
        settings.host, settings.port, local_hostname=EHLO_NAME, timeout=SMTP_TIMEOUT
    ) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(mail)


def claim(store: Store, kind: str, slot: int) -> bool:
    """Move the `kind` notice forward to `slot`: True for the one caller whose UPDATE did.

    One conditional UPDATE, so of every worker of every host reaching for the
    same slot, whichever writes first wins and the others change nothing.
    """
    with store.session() as session:
        moved = session.execute(
            update(Notice)
            .where(Notice.kind == kind, Notice.last_slot < slot)
            .values(last_slot=slot)
            .execution_options(synchronize_session=False)
        )
        claimed = getattr(moved, "rowcount", 0) == 1
        if not claimed and session.get(Notice, kind) is None:
            # Migration 0009 makes the rows; were one deleted, e-mails must not
            # stop without a word. Two workers adding it at once: one wins.
            session.add(Notice(kind=kind, last_slot=slot))
            claimed = True
        try:
            session.commit()
        except IntegrityError:
            return False
    return claimed


class Notifier(ProcessThread):
    """One thread per process that sends, at slot times, what its requests marked."""

    name = THREAD_NAME
    retry_after = MAX_WAIT

    def __init__(self, store: Store, settings: SmtpSettings | None, clock: Clock = utc_now) -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        # Slots at which activity this process saw is due (the first slot after each).
        self._pending: set[int] = set()
        self._acted: int | None = None  # the latest slot this process acted at
        self._closed: int | None = None  # the latest slot it closed
        self._offset: tuple[int, float] | None = None  # the random delay of the next slot
        self._head_owed: int | None = None  # a claimed day whose head is not sent yet

    @property
    def enabled(self) -> bool:
        """True when an [smtp] table is configured."""
        return self.settings is not None

    def new_activity(self) -> None:
        """Note that something arrived; memory only, returns at once, never raises."""
        if self.settings is None or not self.settings.recipients:
            return
        try:
            due = slot_minute(self.clock(), self.settings.notify_every_minutes)
            due += self.settings.notify_every_minutes
            with self._lock:
                self._pending.add(due)
        except Exception as error:  # a notification must never fail a submission
            log.warning("new activity not noted: %s", describe_exception(error))

    def wanted(self) -> bool:
        """The thread runs only where e-mail is configured."""
        return self.settings is not None

    def step(self) -> float:
        """One tick; the clock is read again at least every MAX_WAIT seconds (it may jump)."""
        return min(self.tick(), MAX_WAIT)

    def tick(self) -> float:
        """Do what is due now (send at a slot, close a slot); seconds until the next thing."""
        if self.settings is None:
            return math.inf
        every = self.settings.notify_every_minutes
        now = self.clock()
        slot = slot_minute(now, every)
        since_slot = (now - slot_time(slot)).total_seconds()
        if self._acted is None or slot > self._acted:
            offset = self._offset_for(slot)
            if since_slot < offset:
                return offset - since_slot
            self._acted = slot
            if since_slot <= LATE_LIMIT:
                self._at_slot(slot)
            # Otherwise the slot is skipped: what was pending waits for the next one.
        close_after = min(max(every * 30.0, CLOSE_AFTER_BOUNDS[0]), CLOSE_AFTER_BOUNDS[1])
        if (self._closed is None or slot > self._closed) and since_slot >= close_after:
            self._closed = slot
            self._close(slot)
        waits = [every * 60.0 - since_slot + self._offset_for(slot + every)]
        if self._closed != slot:
            waits.append(close_after - since_slot)
        return max(0.0, min(waits))

    def _offset_for(self, slot: int) -> float:
        if self._offset is None or self._offset[0] != slot:
            self._offset = (slot, _random.uniform(0.0, SEND_JITTER))
        return self._offset[1]

    def _at_slot(self, slot: int) -> None:
        assert self.settings is not None  # ticks only run when configured
        self._activity_at(slot)
        if self.settings.admin_recipients:
            self._head_at(slot)

    def _activity_at(self, slot: int) -> None:
        assert self.settings is not None
        with self._lock:
            due = {pending for pending in self._pending if pending <= slot}
            self._pending -= due
        if not due:
            return
        try:
            claimed = claim(self.store, ACTIVITY, slot)
        except Exception as error:
            log.warning("new-activity slot not claimed: %s", describe_exception(error))
            claimed, late = False, True
        else:
            late = (self.clock() - slot_time(slot)).total_seconds() > LATE_LIMIT
        if claimed and not late:
            keep = not self._send(activity_message(self.settings, self.clock()))
        else:
            # Claimed, but too late to send at a slot time; or lost so late that it
            # may have lost to a close rather than to an e-mail: the next slot's
            # e-mail stands for this activity (and for what other workers saw).
            keep = late
        if keep:
            with self._lock:
                self._pending |= due  # sent at the next slot instead

    def _head_at(self, slot: int) -> None:
        assert self.settings is not None
        if slot % MINUTES_PER_DAY == head_minute_of_day(self.settings):
            try:
                if claim(self.store, AUDIT_HEAD, slot):
                    self._head_owed = slot
            except Exception as error:
                log.warning("audit head not claimed: %s", describe_exception(error))
        if self._head_owed is None:
            return
        if slot - self._head_owed >= MINUTES_PER_DAY:
            self._head_owed = None  # the next day's head supersedes it
            return
        try:
            with self.store.session() as session:
                head = audit.head(session)
        except Exception as error:
            log.warning("audit head not read: %s", describe_exception(error))
            return
        if head is None or self._send(head_message(self.settings, head, self.clock())):
            self._head_owed = None  # sent, or an empty log with nothing to witness

    def _close(self, slot: int) -> None:
        """Move the activity row to this slot, so it no longer shows whether it had activity."""
        if self.settings is None or not self.settings.recipients:
            return
        try:
            claim(self.store, ACTIVITY, slot)
        except Exception as error:
            log.warning("new-activity slot not closed: %s", describe_exception(error))

    def _send(self, mail: EmailMessage) -> bool:
        assert self.settings is not None
        try:
            send(self.settings, mail)
        except Exception as error:  # the thread must outlive a broken mail server
            # The type and code location only: messages can quote hosts and addresses.
            log.warning("notification e-mail not sent: %s", describe_exception(error))
            return False
        return True
