"""Notification e-mails leave only at fixed slot times, once per slot across every
worker, and say nothing about a report; admins get the audit log's head once a day.

Every test talks to a real SMTP server (aiosmtpd) on loopback and a real
encrypted database. Time is a clock the test moves: the notifier's `tick`
is what its thread runs, so driving `tick` with that clock is the thread's
day, minus the waiting.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

import config as config_module
from portal import create_app
from portal.core import audit, notify
from portal.core.notify import Notifier
from portal.store import Store, make_engine
from portal.store.models import Notice
from tests.support.command import portal
from tests.support.database import rewrite_audit_without
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import form_tokens, post_report, sign_in, submit
from tests.support.serving import free_port

MARKER = "MARKER-7f3a-sergeant-threatened-me"
FILE_MARKER = b"FILEMARKER-2c9d-voice-note"
FORCE = "Greater Manchester Police"
RECIPIENT = "advocates@example.org"
ADMIN = "admins@example.org"
SENDER = "portal@example.org"
SERVER_NAME = "portal-host.secret.example"
REFERENCE = re.compile(r"Your reference is <strong>([0-9A-F]{8})</strong>")
HEAD = re.compile(r"\b(\d+:[0-9a-f]{64})\b")
ACTIVITY_BODY = "There is new activity on the reporting service. Sign in to read it."
DAY = datetime(2026, 3, 9, tzinfo=UTC)


def at(hours: int, minutes: int = 0, seconds: float = 0, day: int = 0) -> datetime:
    """A moment on the test's day (UTC)."""
    return DAY + timedelta(days=day, hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class Clock:
    """The time as the notifiers see it, moved by the test."""

    now: datetime = DAY

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Delivered:
    """One e-mail as the SMTP server received it, and the test's time when it did."""

    ehlo_name: str
    mail_from: str
    recipients: list[str]
    content: bytes
    received_at: datetime | None

    @property
    def parsed(self) -> EmailMessage:
        """The message, parsed."""
        message = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return message

    @property
    def date(self) -> datetime:
        """Its Date header."""
        return parsedate_to_datetime(str(self.parsed["Date"]))

    @property
    def body(self) -> str:
        """Its text."""
        body = self.parsed.get_body()
        assert body is not None
        return str(body.get_content()).strip()


@dataclass
class MailCollector:
    """An aiosmtpd handler that keeps every message it is given."""

    clock: Clock | None = None
    messages: list[Delivered] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Called by aiosmtpd for each message: keep it, say it was accepted."""
        delivered = Delivered(
            session.host_name,
            envelope.mail_from,
            list(envelope.rcpt_tos),
            envelope.content,
            self.clock.now if self.clock else None,
        )
        with self._lock:
            self.messages.append(delivered)
        return "250 OK"

    def received(self) -> list[Delivered]:
        """A copy of what has arrived so far."""
        with self._lock:
            return list(self.messages)

    def to(self, address: str) -> list[Delivered]:
        """What arrived for one address."""
        return [mail for mail in self.received() if address in mail.recipients]


@dataclass(frozen=True)
class MailServer:
    """A running SMTP server on loopback and what it received."""

    port: int
    collector: MailCollector


@pytest.fixture
def clock() -> Clock:
    """The notifiers' clock, at midnight of the test's day."""
    return Clock()


@pytest.fixture
def mail_server(clock: Clock) -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port, stopped afterwards."""
    collector = MailCollector(clock)
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield MailServer(controller.port, collector)
    finally:
        controller.stop()


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notifier sends right at the slot (the delay after it is tested on its own)."""
    monkeypatch.setattr(notify._random, "uniform", lambda low, high: low)


def write_smtp(instance: Instance, port: int, **settings: object) -> None:
    """Append an [smtp] table to the instance's portal.toml."""
    table = {
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "sender": SENDER,
        "recipients": [RECIPIENT],
        **settings,
    }
    lines = "".join(f"{key} = {_toml(value)}\n" for key, value in table.items())
    with (instance.path / "portal.toml").open("a") as handle:
        handle.write(f"\n[smtp]\n{lines}")


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


AppFactory = Callable[..., Flask]


@pytest.fixture
def notifying_app(instance: Instance, clock: Clock) -> Iterator[AppFactory]:
    """Build the app with an [smtp] table; its notifier runs on the test's clock."""
    apps: list[Flask] = []

    def build(port: int, **settings: object) -> Flask:
        write_smtp(instance, port, **settings)
        app = create_app({"instance_path": instance.path, "testing": True, "argon2": CHEAP_ARGON2})
        _notifier(app).clock = clock
        apps.append(app)
        return app

    yield build
    for app in apps:
        assert not _notifier(app).running, "a test app started a notification thread"
        app.extensions["store"].engine.dispose()


@pytest.fixture
def second_worker(instance: Instance, clock: Clock) -> Iterator[Callable[[], Notifier]]:
    """Another worker's notifier: its own engine on the same database, the same settings."""
    stores: list[Store] = []

    def build() -> Notifier:
        settings = config_module.load(instance.path, environ={})
        store = Store(make_engine(settings))
        stores.append(store)
        return Notifier(store, settings.smtp, clock)

    yield build
    for store in stores:
        store.engine.dispose()


def _notifier(app: Flask) -> Notifier:
    notifier: Notifier = app.extensions["notifier"]
    return notifier


def run_until(clock: Clock, until: datetime, *notifiers: Notifier) -> None:
    """Run the notifiers as their threads would until `until`, waking when they ask to.

    Between wake-ups the clock jumps; at each one every notifier ticks.
    """
    while clock.now < until:
        wait = min(n.tick() for n in notifiers)
        step = timedelta(seconds=min(max(wait, 0.25), notify.MAX_WAIT))
        clock.now = min(clock.now + step, until)
    for notifier in notifiers:
        notifier.tick()


def tick_at_once(notifiers: list[Notifier]) -> None:
    """Tick every notifier from its own thread, all released at the same instant."""
    start = threading.Barrier(len(notifiers))
    errors: list[BaseException] = []

    def tick(notifier: Notifier) -> None:
        try:
            start.wait()
            notifier.tick()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=tick, args=(n,)) for n in notifiers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []


def _full_report(client: FlaskClient) -> tuple[str, str]:
    """Submit a report with the marker in every field and a file; the codename and reference."""
    response = post_report(
        client,
        {
            "in_danger": "no",
            "what_happened": MARKER,
            "when": MARKER,
            "where": MARKER,
            "force": FORCE,
            "officers-0-name": MARKER,
            "officers-0-number": MARKER,
            "officers-0-rank": MARKER,
            "harm_other": MARKER,
            "reported_before": "yes",
            "reported_outcome": MARKER,
            "contact_method": "inbox",
            "contact_details": MARKER,
            "files": [(io.BytesIO(FILE_MARKER * 100), f"{MARKER}.txt")],
            "keep_metadata": "y",  # a text file is kept only as sent
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    codename = re.search(r'<p class="codename" lang="en">([a-z ]+)</p>', page)
    reference = REFERENCE.search(page)
    assert codename and reference, "the codename page was not shown"
    return codename.group(1), reference.group(1)


def _add_message(client: FlaskClient, text: str) -> None:
    response = client.post(
        "/return/add",
        data={
            **form_tokens(client, "/return/report"),
            "kind": "message",
            "text": text,
            "files": [(io.BytesIO(FILE_MARKER), f"{text}.txt")],
            "keep_metadata": "y",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]


def _last_slot(store: Store, kind: str) -> int:
    with store.session() as session:
        notice = session.get(Notice, kind)
        assert notice is not None
        return notice.last_slot


def _slot(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


# Fixed times


def test_activity_at_10_07_and_10_41_gives_one_email_at_11_00_and_none_before(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock, no_jitter: None
) -> None:
    app = notifying_app(mail_server.port)
    notifier = _notifier(app)
    client = app.test_client()
    clock.now = at(10, 0, 30)
    run_until(clock, at(10, 7), notifier)
    codename = submit(client, what_happened="a report at 10:07")
    run_until(clock, at(10, 41), notifier)
    sign_in(client, codename)
    _add_message(client, "a message at 10:41")
    run_until(clock, at(10, 59, 59), notifier)
    assert mail_server.collector.received() == [], "an e-mail left before the slot"

    run_until(clock, at(12, 30), notifier)
    delivered = mail_server.collector.received()
    assert len(delivered) == 1, "two activities before one slot give one e-mail"
    (mail,) = delivered
    assert mail.recipients == [RECIPIENT]
    assert mail.received_at == at(11), "the SMTP transaction was not at the slot"
    assert mail.date == at(11)
    assert mail.body == ACTIVITY_BODY


def test_the_email_leaves_a_few_random_seconds_after_its_slot_never_before(
    notifying_app: AppFactory,
    mail_server: MailServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notify._random, "uniform", lambda low, high: high)
    app = notifying_app(mail_server.port)
    clock.now = at(10, 7)
    submit(app.test_client(), what_happened="a report")
    clock.now = at(11)
    wait = _notifier(app).tick()
    assert wait == pytest.approx(notify.SEND_JITTER)
    assert mail_server.collector.received() == []
    run_until(clock, at(11, 30), _notifier(app))
    (mail,) = mail_server.collector.received()
    assert mail.received_at == mail.date == at(11, 0, notify.SEND_JITTER)


def test_without_activity_no_email_leaves_all_day(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock
) -> None:
    app = notifying_app(mail_server.port, notify_every_minutes=30)
    app.test_client().get("/")  # visits are not activity
    run_until(clock, at(23, 59), _notifier(app))
    assert mail_server.collector.received() == []


def test_activity_just_after_a_slot_waits_for_the_next_one(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock, no_jitter: None
) -> None:
    """The 11:00 e-mail must not stand for a report sent at 11:00:01, even if the
    worker only reaches for the slot a few seconds later."""
    app = notifying_app(mail_server.port)
    notifier = _notifier(app)
    clock.now = at(10, 59, 59)
    notifier.tick()
    clock.now = at(11, 0, 0.5)
    submit(app.test_client(), what_happened="a report just after eleven")
    run_until(clock, at(11, 59, 59), notifier)
    assert mail_server.collector.received() == []
    run_until(clock, at(12, 30), notifier)
    (mail,) = mail_server.collector.received()
    assert mail.date == at(12)


def test_a_worker_too_late_for_its_slot_skips_it_and_sends_at_the_next(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock, no_jitter: None
) -> None:
    app = notifying_app(mail_server.port)
    notifier = _notifier(app)
    clock.now = at(10, 7)
    submit(app.test_client(), what_happened="a report")
    clock.now = at(11, 0, notify.LATE_LIMIT + 10)  # a stalled process, a suspended machine
    notifier.tick()
    assert mail_server.collector.received() == [], "sent at a time that is no slot"
    run_until(clock, at(12, 30), notifier)
    (mail,) = mail_server.collector.received()
    assert mail.date == at(12)


def test_a_claim_that_took_too_long_sends_at_the_next_slot_not_late(
    notifying_app: AppFactory,
    mail_server: MailServer,
    clock: Clock,
    no_jitter: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    claim = notify.claim

    def slow_claim(store: Store, kind: str, slot: int) -> bool:
        clock.now += timedelta(seconds=notify.LATE_LIMIT + 5)  # a database busy for a while
        return claim(store, kind, slot)

    app = notifying_app(mail_server.port)
    clock.now = at(10, 7)
    submit(app.test_client(), what_happened="a report")
    clock.now = at(11)
    with monkeypatch.context() as patched:
        patched.setattr(notify, "claim", slow_claim)
        _notifier(app).tick()
    assert mail_server.collector.received() == [], "sent long after its slot"
    run_until(clock, at(12, 30), _notifier(app))
    assert [mail.date for mail in mail_server.collector.received()] == [at(12)]


# One e-mail per slot across workers


def test_two_workers_that_saw_activity_send_one_email_per_slot(
    notifying_app: AppFactory,
    second_worker: Callable[[], Notifier],
    mail_server: MailServer,
    clock: Clock,
    no_jitter: None,
) -> None:
    app = notifying_app(mail_server.port)
    workers = [_notifier(app), second_worker()]
    for hour in range(10, 16):
        clock.now = at(hour, 30)
        for worker in workers:
            worker.new_activity()
        clock.now = at(hour + 1)
        tick_at_once(workers)  # each from its own thread, at the same instant
        sent = [mail.date for mail in mail_server.collector.received()]
        assert sent == [at(h) for h in range(11, hour + 2)], f"not one e-mail at {hour + 1}:00"


def test_activity_seen_by_one_worker_is_sent_by_whichever_worker_claims_the_slot(
    notifying_app: AppFactory,
    second_worker: Callable[[], Notifier],
    mail_server: MailServer,
    clock: Clock,
    no_jitter: None,
) -> None:
    app = notifying_app(mail_server.port)
    quiet, busy = second_worker(), _notifier(app)
    clock.now = at(10, 20)
    submit(app.test_client(), what_happened="seen by one worker only")
    clock.now = at(11)
    quiet.tick()  # the first at the slot saw nothing: it claims nothing
    busy.tick()
    run_until(clock, at(12, 30), quiet, busy)
    assert [mail.date for mail in mail_server.collector.received()] == [at(11)]


def test_the_database_does_not_show_whether_the_last_slot_had_activity(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock, no_jitter: None
) -> None:
    """Someone holding the database reads the notices row: once a slot is closed it
    holds the latest slot, whether an e-mail went at it or not."""
    app = notifying_app(mail_server.port)
    notifier, store = _notifier(app), app.extensions["store"]
    clock.now = at(10, 7)
    submit(app.test_client(), what_happened="a report")
    run_until(clock, at(11, 10), notifier)
    assert _last_slot(store, notify.ACTIVITY) == _slot(at(11))
    run_until(clock, at(12, 10), notifier)  # nothing happened before 12:00
    assert len(mail_server.collector.received()) == 1
    assert _last_slot(store, notify.ACTIVITY) == _slot(at(12))


def test_a_deleted_notices_row_does_not_silence_the_emails(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock, no_jitter: None
) -> None:
    app = notifying_app(mail_server.port)
    store = app.extensions["store"]
    with store.session() as session:
        session.execute(delete(Notice))
        session.commit()
    clock.now = at(10, 7)
    submit(app.test_client(), what_happened="a report")
    run_until(clock, at(11, 30), _notifier(app))
    assert len(mail_server.collector.received()) == 1


# The audit log's head, daily, to admins only


def _audit_entries(store: Store, *actions: str) -> None:
    with store.session() as session:
        for action in actions:
            audit.record(session, actor="alice", action=action, subject="0123abcd")
        session.commit()


def test_the_daily_head_reaches_only_the_admins_once_a_day_and_catches_a_rewrite(
    cli_instance: Instance,
    notifying_app: AppFactory,
    second_worker: Callable[[], Notifier],
    mail_server: MailServer,
    clock: Clock,
) -> None:
    app = notifying_app(mail_server.port, admin_recipients=[ADMIN])
    store: Store = app.extensions["store"]
    workers = [_notifier(app), second_worker()]
    _audit_entries(store, "case viewed", "file downloaded")
    clock.now = at(5, 40)
    submit(app.test_client(), what_happened="a report before six")  # the 06:00 slot has both
    run_until(clock, at(12), *workers)

    heads = mail_server.collector.to(ADMIN)
    assert len(heads) == 1, "not one head e-mail across two workers"
    (mail,) = heads
    assert mail.recipients == [ADMIN] and mail.parsed["To"] == ADMIN
    assert at(6) <= mail.date <= at(6, 0, notify.SEND_JITTER)
    assert mail.parsed["Subject"] == "Audit log head"
    found = HEAD.findall(mail.body)
    assert found and len(set(found)) == 1
    witnessed = found[0]
    assert f"portal audit verify --head {witnessed}" in mail.body
    assert len(mail.body.splitlines()) == 3  # the head, a blank line, what to do with it
    for advocates_mail in mail_server.collector.to(RECIPIENT):
        assert advocates_mail.recipients == [RECIPIENT]
        assert "audit" not in advocates_mail.content.decode().lower()

    checked = portal("audit", "verify", "--head", witnessed)
    assert checked.exit_code == 0, checked.output

    _audit_entries(store, "case viewed")
    run_until(clock, at(12, day=1), *workers)
    heads = mail_server.collector.to(ADMIN)
    assert len(heads) == 2, "not one head e-mail the next day"
    assert at(6, day=1) <= heads[1].date <= at(6, 0, notify.SEND_JITTER, day=1)
    assert HEAD.findall(heads[1].body)[0] != witnessed

    key = bytes.fromhex((cli_instance.path / "secrets" / "audit.key").read_text())
    rewrite_audit_without(
        store, "file downloaded", lambda previous, event: audit._hash(key, previous, event)
    )
    assert portal("audit", "verify").exit_code == 0  # rebuilt with the key, it holds alone
    refused = portal("audit", "verify", "--head", witnessed)
    assert refused.exit_code != 0
    assert "no longer matches the head" in refused.output


def test_the_head_goes_at_the_first_slot_at_or_after_the_chosen_time(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock, no_jitter: None
) -> None:
    app = notifying_app(
        mail_server.port, admin_recipients=[ADMIN], notify_every_minutes=120, audit_head_at="07:15"
    )
    _audit_entries(app.extensions["store"], "case viewed")
    run_until(clock, at(23), _notifier(app))
    assert [mail.date for mail in mail_server.collector.to(ADMIN)] == [at(8)]


def test_without_admin_recipients_no_head_is_sent(
    notifying_app: AppFactory, mail_server: MailServer, clock: Clock
) -> None:
    app = notifying_app(mail_server.port)
    _audit_entries(app.extensions["store"], "case viewed")
    run_until(clock, at(12), _notifier(app))
    assert mail_server.collector.received() == []


# What the e-mails say


def test_the_emails_hold_no_content_reference_codename_address_or_time_of_activity(
    notifying_app: AppFactory,
    mail_server: MailServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The server's own name could unmask it behind an onion address.
    monkeypatch.setattr(socket, "gethostname", lambda: SERVER_NAME)
    monkeypatch.setattr(socket, "getfqdn", lambda name="": SERVER_NAME)
    app = notifying_app(mail_server.port, admin_recipients=[ADMIN], audit_head_at="10:30")
    _audit_entries(app.extensions["store"], "case viewed")
    client = app.test_client()
    clock.now = at(10, 7, 13)
    codename, reference = _full_report(client)
    clock.now = at(10, 41, 27)
    sign_in(client, codename)
    _add_message(client, MARKER)
    run_until(clock, at(11, 30), _notifier(app))
    delivered = mail_server.collector.received()
    assert len(delivered) == 2, "one e-mail to the advocates and the head to the admins"

    forbidden = [MARKER, codename, codename.replace(" ", ""), reference, reference.lower()]
    forbidden += [FORCE, "Manchester", FILE_MARKER.decode(), "127.0.0.1", SERVER_NAME]
    forbidden += ["10:07", "10:41"]  # when the survivor wrote
    for mail in delivered:
        assert mail.mail_from == SENDER
        text = mail.content.decode("utf-8", "replace")
        for needle in forbidden:
            assert needle not in text, f"the e-mail holds {needle!r}"
        assert SERVER_NAME not in mail.ehlo_name, "the SMTP greeting names the server"
        assert mail.ehlo_name == "localhost"
        assert re.fullmatch(r"<[0-9a-f]{32}@example\.org>", str(mail.parsed["Message-ID"]))
        assert at(11) <= mail.date <= at(11, 0, notify.SEND_JITTER)
    (advocates,) = mail_server.collector.to(RECIPIENT)
    assert advocates.recipients == [RECIPIENT]
    assert advocates.parsed["Subject"] == "New activity"
    assert advocates.body == ACTIVITY_BODY
    (admins,) = mail_server.collector.to(ADMIN)
    assert admins.recipients == [ADMIN]
    assert RECIPIENT not in admins.content.decode()


# A broken mail server


def test_a_dead_mail_server_neither_fails_a_report_nor_leaks_into_the_log(
    notifying_app: AppFactory, portal_log: pytest.LogCaptureFixture, clock: Clock, no_jitter: None
) -> None:
    closed_port = free_port()
    app = notifying_app(closed_port)
    client = app.test_client()
    clock.now = at(10, 7)
    codename = submit(client, what_happened=MARKER)  # 200 and the codename page
    sign_in(client, codename)
    _add_message(client, MARKER)
    run_until(clock, at(12, 30), _notifier(app))

    failures = [r for r in portal_log.records if r.name == "portal.core.notify"]
    # Tried at 11:00, and again at 12:00: the claiming worker keeps what it could not send.
    assert len(failures) == 2, [r.getMessage() for r in failures]
    for record in failures:
        line = record.getMessage()
        assert "ConnectionRefusedError" in line
        assert record.exc_info is None
        for needle in ["127.0.0.1", str(closed_port), "Errno", "refused", RECIPIENT, MARKER]:
            assert needle not in line, f"the log line holds {needle!r}"


def test_a_request_never_waits_for_the_mail_server(
    notifying_app: AppFactory, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hang(*args: object, **kwargs: object) -> None:
        time.sleep(30)

    monkeypatch.setattr(notify, "send", hang)
    monkeypatch.setattr(notify, "claim", hang)
    app = notifying_app(free_port())
    clock.now = at(10, 59, 59.9)
    started = time.monotonic()
    submit(app.test_client(), what_happened="a report")
    assert time.monotonic() - started < 10


# Threads


def test_without_smtp_settings_nothing_is_noted_and_no_thread_starts(
    client: FlaskClient, app: Flask
) -> None:
    codename = submit(client, what_happened="a report")
    sign_in(client, codename)
    _add_message(client, "a message")
    notifier = _notifier(app)
    assert not notifier.enabled
    assert not notifier.running
    assert notifier._pending == set()
    assert notifier.tick() == float("inf")


def test_each_process_starts_its_thread_with_its_first_request_not_only_after_activity(
    instance: Instance, mail_server: MailServer
) -> None:
    write_smtp(instance, mail_server.port, admin_recipients=[ADMIN])
    app = create_app({"instance_path": instance.path, "argon2": CHEAP_ARGON2})
    notifier = _notifier(app)
    try:
        assert not notifier.running
        assert app.test_client().get("/").status_code == 200  # a visit, not activity
        assert notifier.running
        threads = [t for t in threading.enumerate() if t.name == notify.THREAD_NAME]
        assert notifier._thread in threads
    finally:
        notifier.stop()
        app.extensions["sweeper"].stop()
        app.extensions["store"].engine.dispose()
    assert not notifier.running


def test_test_apps_start_no_thread(notifying_app: AppFactory, mail_server: MailServer) -> None:
    app = notifying_app(mail_server.port, admin_recipients=[ADMIN])
    submit(app.test_client(), what_happened="a report")
    assert not _notifier(app).running
