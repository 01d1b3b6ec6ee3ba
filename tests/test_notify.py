"""Advocates may get an e-mail saying only "there is new activity": nothing from a report,
coalesced and delayed, sent by a background thread a broken mail server cannot upset.

Every test talks to a real SMTP server (aiosmtpd) started on loopback by the test."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app, notify
from portal.notify import Notifier
from tests.conftest import CHEAP_ARGON2, Instance
from tests.serving import free_port
from tests.survivor.conftest import csrf_token, post_report, sign_in, submit

MARKER = "MARKER-7f3a-sergeant-threatened-me"
FILE_MARKER = b"FILEMARKER-2c9d-voice-note"
FORCE = "Greater Manchester Police"
RECIPIENT = "advocates@example.org"
SENDER = "portal@example.org"
WAIT_SECONDS = 10.0
SERVER_NAME = "portal-host.secret.example"
REFERENCE = re.compile(r"Your reference is <strong>([0-9A-F]{8})</strong>")


@dataclass(frozen=True)
class Delivered:
    """One e-mail as the SMTP server received it."""

    ehlo_name: str
    mail_from: str
    recipients: list[str]
    content: bytes


@dataclass
class MailCollector:
    """An aiosmtpd handler that keeps every message it is given."""

    messages: list[Delivered] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Called by aiosmtpd for each message: keep it, say it was accepted."""
        delivered = Delivered(
            session.host_name, envelope.mail_from, list(envelope.rcpt_tos), envelope.content
        )
        with self._lock:
            self.messages.append(delivered)
        return "250 OK"

    def received(self) -> list[Delivered]:
        """A copy of what has arrived so far."""
        with self._lock:
            return list(self.messages)

    def wait_for(self, count: int, seconds: float = WAIT_SECONDS) -> list[Delivered]:
        """Poll (bounded) until at least `count` messages arrived; return them all."""
        deadline = time.monotonic() + seconds
        while len(self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received()


@dataclass(frozen=True)
class MailServer:
    """A running SMTP server on loopback and what it received."""

    port: int
    collector: MailCollector


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port, stopped afterwards."""
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield MailServer(controller.port, collector)
    finally:
        controller.stop()


AppFactory = Callable[..., Flask]


@pytest.fixture
def notifying_app(instance: Instance) -> Iterator[AppFactory]:
    """Build the app with an [smtp] table; every notifier is stopped afterwards.

    The delays are set on app.config after create_app: notify reads
    NOTIFY_MIN_INTERVAL and NOTIFY_JITTER when the first activity starts its thread.
    """
    apps: list[Flask] = []

    def build(port: int, min_interval: float = 0, jitter: float = 0) -> Flask:
        with (instance.path / "portal.toml").open("a") as settings:
            settings.write(
                f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = false\n'
                f'sender = "{SENDER}"\nrecipients = ["{RECIPIENT}"]\n'
            )
        app = create_app({"instance_path": instance.path, "testing": True, "argon2": CHEAP_ARGON2})
        app.config["NOTIFY_MIN_INTERVAL"] = min_interval
        app.config["NOTIFY_JITTER"] = jitter
        apps.append(app)
        return app

    yield build
    for app in apps:
        notifier = _notifier(app)
        notifier.stop()
        assert not notifier.running, "the notification thread was left running"


def _notifier(app: Flask) -> Notifier:
    notifier: Notifier = app.extensions["notifier"]
    return notifier


def _notify_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == notify.THREAD_NAME and t.is_alive()]


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
            "csrf_token": csrf_token(client, "/return/report"),
            "kind": "message",
            "text": text,
            "files": [(io.BytesIO(FILE_MARKER), f"{text}.txt")],
            "keep_metadata": "y",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]


def test_advocates_hear_of_a_report_and_a_message_but_nothing_about_them(
    notifying_app: AppFactory, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's own name could unmask it behind an onion address.
    monkeypatch.setattr(socket, "gethostname", lambda: SERVER_NAME)
    monkeypatch.setattr(socket, "getfqdn", lambda name="": SERVER_NAME)
    client = notifying_app(mail_server.port).test_client()
    codename, reference = _full_report(client)
    assert len(mail_server.collector.wait_for(1)) >= 1, "no e-mail for a new report"
    sign_in(client, codename)
    _add_message(client, MARKER)
    delivered = mail_server.collector.wait_for(2)
    assert len(delivered) >= 2, "no e-mail for a survivor's message"

    forbidden = [MARKER, codename, codename.replace(" ", ""), reference, reference.lower()]
    forbidden += [FORCE, "Manchester", FILE_MARKER.decode(), "127.0.0.1", SERVER_NAME]
    for mail in delivered:
        assert mail.recipients == [RECIPIENT]
        assert mail.mail_from == SENDER
        text = mail.content.decode("utf-8", "replace")
        for needle in forbidden:
            assert needle not in text, f"the e-mail holds {needle!r}"
        assert SERVER_NAME not in mail.ehlo_name, "the SMTP greeting names the server"
        parsed = message_from_bytes(mail.content, policy=policy.default)
        assert parsed["Subject"] == "New activity"
        assert parsed["To"] == RECIPIENT
        body = parsed.get_body()
        assert body is not None
        assert body.get_content().strip() == (
            "There is new activity on the reporting service. Sign in to read it."
        )


def test_a_burst_of_reports_gives_one_email_and_none_is_lost(
    notifying_app: AppFactory, mail_server: MailServer
) -> None:
    app = notifying_app(mail_server.port, min_interval=60, jitter=0)
    client = app.test_client()
    for number in range(5):
        submit(client, what_happened=f"report {number}")
    assert len(mail_server.collector.wait_for(1)) == 1
    time.sleep(1.5)  # room for a second e-mail, were the burst not coalesced
    assert len(mail_server.collector.received()) == 1
    # The later reports wait for the interval to pass, as one more e-mail.
    assert _notifier(app).flush()
    assert len(mail_server.collector.wait_for(2)) == 2


def test_the_email_waits_for_its_random_delay(
    notifying_app: AppFactory, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify._random, "uniform", lambda low, high: high)
    app = notifying_app(mail_server.port, min_interval=0, jitter=30)
    submit(app.test_client(), what_happened="a report")
    time.sleep(1.0)
    assert mail_server.collector.received() == [], "sent before its delay"
    assert _notifier(app).flush()
    assert len(mail_server.collector.wait_for(1)) == 1


def test_a_dead_mail_server_neither_fails_a_report_nor_leaks_into_the_log(
    notifying_app: AppFactory, portal_log: pytest.LogCaptureFixture
) -> None:
    closed_port = free_port()
    app = notifying_app(closed_port)
    client = app.test_client()
    codename = submit(client, what_happened=MARKER)  # 200 and the codename page
    sign_in(client, codename)
    _add_message(client, MARKER)
    notifier = _notifier(app)
    assert notifier.flush(), "the worker did not get through its queue"
    assert notifier.running, "the worker died with the mail server"

    failures = [r for r in portal_log.records if r.name == "portal.notify"]
    assert failures, "the failure was not logged"
    for record in failures:
        line = record.getMessage()
        assert "ConnectionRefusedError" in line
        assert record.exc_info is None
        for needle in ["127.0.0.1", str(closed_port), "Errno", "refused", RECIPIENT, MARKER]:
            assert needle not in line, f"the log line holds {needle!r}"


def test_without_smtp_settings_nothing_is_sent_and_no_thread_starts(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[object] = []
    monkeypatch.setattr(notify, "send", lambda settings: sent.append(settings))
    threads_before = _notify_threads()
    codename = submit(client, what_happened="a report")
    sign_in(client, codename)
    _add_message(client, "a message")
    notifier = _notifier(app)
    assert not notifier.enabled
    assert not notifier.running
    assert _notify_threads() == threads_before
    assert sent == []
