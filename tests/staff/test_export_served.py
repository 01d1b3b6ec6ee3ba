"""Exports through the real processes: `portal serve` over HTTP, `portal export` on a terminal.

A staff member who takes the first bytes of an export and hangs up still holds what
was sent: the audit entry must be there already. And the passphrase `portal export`
makes up must reach the person at the terminal, and nobody else.
"""

from __future__ import annotations

import io
import os
import pty
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyotp
import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy import select

import config as config_module
from crypto.words import word_list
from portal import store as store_module
from portal.store import Store
from portal.store.models import AuditEvent, Role
from tests.staff.bundles import open_bundle
from tests.support.instance import Instance
from tests.support.pages import submit
from tests.support.people import PASSPHRASE, Person
from tests.support.serving import (
    BIN,
    add_person,
    free_port,
    init_instance,
    portal_environment,
    wait_until_up,
)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SENT_TOKENS = re.compile(r'name="(csrf_token|submission)"[^>]*value="([^"]+)"')
GENERATED = re.compile(r'name="generated" type="hidden" value="([a-z-]+)"')
# Larger than every buffer between the server and a client that stops reading
# (a pipe, the server's socket, a small receive window): the export cannot finish
# on its own once the client is gone.
EVIDENCE_BYTES = 24 * 1024 * 1024


@dataclass
class Served:
    """`portal serve` on a fresh instance, with one staff account."""

    url: str
    port: int
    instance: Path
    totp: pyotp.TOTP


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    instance = tmp_path / "instance"
    env = portal_environment(instance, port)
    init_instance(env)
    sam = add_person(env, "sam", Role.STAFF)
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [BIN / "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/", 60, server)
        yield Served(url, port, instance, sam.totp)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def _tokens(session: requests.Session, url: str) -> dict[str, str]:
    """A form's CSRF and submission tokens."""
    page = session.get(url, timeout=30).text
    return {name: value for name, value in SENT_TOKENS.findall(page)}


def _token(session: requests.Session, url: str) -> str:
    match = TOKEN.search(session.get(url, timeout=30).text)
    assert match, url
    return match.group(1)


def _exports_recorded(instance: Path) -> list[AuditEvent]:
    config = config_module.load(instance, environ={})
    store = Store(store_module.make_engine(config))
    try:
        with store.session() as session:
            return list(
                session.scalars(select(AuditEvent).where(AuditEvent.action == "case exported"))
            )
    finally:
        store.engine.dispose()


@pytest.mark.slow
def test_a_client_that_hangs_up_after_the_first_bytes_leaves_an_audit_entry(
    served: Served,
) -> None:
    survivor = requests.Session()
    sent = survivor.post(
        served.url + "/report",
        data={
            **_tokens(survivor, served.url + "/report"),
            "what_happened": "He is a detective at the station on the high street.",
            "consent_read": "y",
            "consent_legal": "y",
            "keep_metadata": "y",  # random bytes: kept as sent
        },
        files={"files": ("video.bin", io.BytesIO(secrets.token_bytes(EVIDENCE_BYTES)))},
        timeout=120,
    )
    assert sent.status_code == 200 and "codename" in sent.text

    staff = requests.Session()
    signed_in = staff.post(
        served.url + "/staff/login",
        data={
            "csrf_token": _token(staff, served.url + "/staff/login"),
            "name": "sam",
            "passphrase": PASSPHRASE,
            "code": served.totp.now(),
        },
        allow_redirects=False,
        timeout=60,
    )
    assert signed_in.status_code == 303
    link = re.search(
        r'href="(/staff/case/[0-9a-f]+/export)"', staff.get(served.url + "/staff/", timeout=30).text
    )
    assert link
    page = staff.get(served.url + link.group(1), timeout=30).text
    token, generated = TOKEN.search(page), GENERATED.search(page)
    assert token and generated
    body = urlencode(
        {"csrf_token": token.group(1), "generated": generated.group(1), "purpose": "legal"}
    ).encode()
    cookies = "; ".join(f"{c.name}={c.value}" for c in staff.cookies)
    request = (
        f"POST {link.group(1)} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
        f"Cookie: {cookies}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
    client.connect(("127.0.0.1", served.port))
    client.sendall(request)
    received = b""
    while b"\r\n\r\n" not in received or len(received.split(b"\r\n\r\n", 1)[1]) < 64:
        chunk = client.recv(256)
        assert chunk, received
        received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 200") and "attachment;" in head
    # Hang up at once, with a reset: the rest of the bundle is never read.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()

    time.sleep(2)  # whatever the server would still do, it has had time to do
    [event] = _exports_recorded(served.instance)
    assert event.actor == "sam" and "purpose=legal" in (event.detail or "")
    assert requests.get(served.url + "/", timeout=30).status_code == 200


def _terminal_output(master: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other end closed
            return
        if not chunk:
            return
        into.append(chunk)


@pytest.mark.slow
def test_the_command_shows_a_generated_passphrase_on_the_terminal_only_and_it_opens_the_bundle(
    client: FlaskClient, staff: Person, store: Store, instance: Instance, tmp_path: Path
) -> None:
    submit(client, what_happened="Kept for the legal team.", consent_legal="y")
    out = tmp_path / "cases.zip"
    arguments = ["export", "--user", staff.name, "--passphrase-stdin", "--all-consented"]
    arguments += ["--purpose", "legal", "--out", str(out)]
    master, terminal = pty.openpty()
    shown: list[bytes] = []
    reader = threading.Thread(target=_terminal_output, args=(master, shown), daemon=True)
    reader.start()
    try:
        command = subprocess.run(
            [BIN / "portal", *arguments],
            input=PASSPHRASE + "\n",  # the account passphrase only: no ZIP passphrase given
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=portal_environment(instance.path, free_port()),
            text=True,
            timeout=120,
        )
    finally:
        os.close(terminal)
        reader.join(timeout=10)
        os.close(master)
    on_terminal = b"".join(shown).decode()
    assert command.returncode == 0, on_terminal
    assert "Exported 1 case(s)" in command.stdout
    found = re.search(r"ZIP passphrase \(shown once\): (?:\x1b\[[0-9;]*m)*([a-z-]+)", on_terminal)
    assert found, on_terminal
    words = found.group(1).split("-")
    assert len(words) == 7 and set(words) <= set(word_list())
    assert found.group(1) not in command.stdout
    assert "another channel than the file" in on_terminal
    files = open_bundle(out, found.group(1), tmp_path)
    assert any(name.endswith("/case.json") for name in files)
