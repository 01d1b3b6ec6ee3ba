"""Abuse from outside: guessing, flooding and oversized requests are slowed or refused plainly,
while honest survivors and staff still get through.

Each test plays distinct clients through `environ_base={"REMOTE_ADDR": ...}`; the loopback
address stands for a Tor onion service, where every client looks alike.
"""

from __future__ import annotations

import io
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.core.sealed_files import sealed_stream_size
from portal.store import Store
from portal.store.models import Attachment, Report, Role
from portal.survivor.views import TOO_MANY_REPORTS
from portal.web import throttle as throttle_module
from portal.web.throttle import REPORTS_PER_CLIENT, REPORTS_WINDOW_SECONDS
from tests.support.database import count_rows
from tests.support.instance import Instance
from tests.support.pages import CODENAME, csrf_token, form_tokens, submit
from tests.support.people import AREA, Person, create_person
from tests.support.serving import BIN, free_port, init_instance, portal_environment, wait_until_up
from tests.support.throttles import hold_still

ATTACKER = "198.51.100.66"
NEIGHBOUR = "198.51.100.67"
TOR = "127.0.0.1"  # an onion service hands every client to the portal from loopback
WRONG_CODENAME = "abacus " * 7
CODENAME_PAUSED = "There have been too many attempts. Please wait 15 minutes and try again."
SIGNIN_FAILED = "Those details did not work."


def _as(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _plain(response: Any) -> str:
    """The page, checked to be a plain page: no trace, no server error."""
    page: str = response.get_data(as_text=True)
    assert response.status_code < 500
    assert "Traceback" not in page and "something went wrong on our side" not in page
    return page


# --- Guessing codenames at /return ------------------------------------------------------


def _guess(client: FlaskClient, token: str, codename: str, address: str) -> Any:
    return client.post("/return", data={"csrf_token": token, "codename": codename}, **_as(address))


def test_codename_guessing_from_one_client_is_refused_after_ten_but_others_get_in(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # a burst across a window's end would be counted a little short
    codename = submit(client, what_happened="It was him.")
    token = csrf_token(client, "/return")
    statuses = [_guess(client, token, WRONG_CODENAME, ATTACKER).status_code for _ in range(10)]
    assert statuses == [200] * 10
    refused = _guess(client, token, WRONG_CODENAME, ATTACKER)
    assert refused.status_code == 429
    assert CODENAME_PAUSED in _plain(refused)
    # Even the right codename is not tried from the guessing client...
    assert _guess(client, token, codename, ATTACKER).status_code == 429
    # ...but a survivor on another connection is not affected at all.
    assert _guess(client, token, WRONG_CODENAME, NEIGHBOUR).status_code == 200
    assert _guess(client, token, codename, NEIGHBOUR).status_code == 303


def test_behind_tor_one_guesser_cannot_lock_out_everyone_sharing_loopback(
    client: FlaskClient,
) -> None:
    codename = submit(client, what_happened="It was him.")
    token = csrf_token(client, "/return")
    statuses = {_guess(client, token, WRONG_CODENAME, TOR).status_code for _ in range(30)}
    assert statuses == {200}  # no per-client limit where every client looks alike
    assert _guess(client, token, codename, TOR).status_code == 303


def test_the_overall_backstop_refuses_only_wrong_codenames(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # 300 guesses take seconds: all in one window
    codename = submit(client, what_happened="It was him.")
    token = csrf_token(client, "/return")
    overall = app.extensions["codename_throttle"].overall
    assert overall == 300  # as README.md says
    answers = [_guess(client, token, WRONG_CODENAME, TOR).status_code for _ in range(overall)]
    assert answers[:-1] == [200] * (overall - 1)
    assert answers[-1] == 429  # the 300th failure trips the backstop
    for address in (TOR, NEIGHBOUR):
        refused = _guess(client, token, WRONG_CODENAME, address)
        assert refused.status_code == 429
        assert CODENAME_PAUSED in _plain(refused)
    # The survivor who holds the right codename is never locked out of their report.
    assert _guess(client, token, codename, TOR).status_code == 303
    other = app.test_client()
    assert _guess(other, csrf_token(other, "/return"), codename, NEIGHBOUR).status_code == 303


# --- Guessing passphrases at the three sign-in pages ------------------------------------


def _attempt(client: FlaskClient, area: str, address: str, **fields: str) -> Any:
    token = csrf_token(client, f"/{area}/login")
    return client.post(f"/{area}/login", data={"csrf_token": token, **fields}, **_as(address))


def _right(person: Person) -> dict[str, str]:
    return {"name": person.name, "passphrase": person.passphrase, "code": person.next_code()}


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.STAFF, Role.ADMIN], ids=lambda r: r.value)
def test_sign_in_guessing_from_one_client_is_refused_after_twenty_but_others_get_in(
    app: Flask, store: Store, instance: Instance, role: Role, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # a burst across a window's end would be counted a little short
    person = create_person(store, instance, "holder", role)
    area = AREA[role]
    attacker = app.test_client()
    # Many names, so that no account's own lockout (five failures) hides the throttle.
    for n in range(20):
        wrong = {"name": f"guess{n}", "passphrase": "password123456", "code": "123456"}
        response = _attempt(attacker, area, ATTACKER, **wrong)
        assert response.status_code == 200, n
        assert SIGNIN_FAILED in _plain(response)
    refused = _attempt(attacker, area, ATTACKER, name="guess", passphrase="x", code="1")
    assert refused.status_code == 429
    assert SIGNIN_FAILED in _plain(refused)  # the same plain message, nothing more
    assert _attempt(attacker, area, ATTACKER, **_right(person)).status_code == 429
    # The account holder, on their own connection, signs in at once.
    assert _attempt(app.test_client(), area, NEIGHBOUR, **_right(person)).status_code == 303


def test_the_sign_in_count_is_shared_by_the_three_areas(app: Flask) -> None:
    attacker = app.test_client()
    for n in range(20):
        area = ("advocate", "staff", "admin")[n % 3]
        _attempt(attacker, area, ATTACKER, name=f"guess{n}", passphrase="p" * 12, code="1")
    for area in ("advocate", "staff", "admin"):
        refused = _attempt(attacker, area, ATTACKER, name="x", passphrase="y", code="1")
        assert refused.status_code == 429, area


def test_guessing_one_accounts_passphrase_locks_that_account_not_the_others(
    app: Flask, store: Store, instance: Instance
) -> None:
    target = create_person(store, instance, "target", Role.ADVOCATE)
    colleague = create_person(store, instance, "colleague", Role.ADVOCATE)
    attacker = app.test_client()
    for _ in range(5):
        wrong = {"name": target.name, "passphrase": "not the passphrase", "code": "000000"}
        assert _attempt(attacker, "advocate", ATTACKER, **wrong).status_code == 200
    # Locked for 15 minutes, with the same message whatever was wrong, from anywhere.
    locked = _attempt(app.test_client(), "advocate", NEIGHBOUR, **_right(target))
    assert locked.status_code == 200
    assert SIGNIN_FAILED in _plain(locked)
    assert _attempt(app.test_client(), "advocate", NEIGHBOUR, **_right(colleague)).status_code == (
        303
    )


def test_the_overall_sign_in_backstop_pauses_every_sign_in(
    app: Flask, store: Store, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # 500 failures take seconds: all in one window
    # Each sign-in costs an Argon2id call, and whether the details are right is
    # only known after it: past the overall limit (500 failures in 15 minutes,
    # from everyone together) every sign-in pauses, so a flood cannot exhaust the
    # server's memory and CPU. Account holders wait; reports are not lost.
    person = create_person(store, instance, "holder", Role.ADVOCATE)
    throttle = app.extensions["login_throttle"]
    assert throttle.overall == 500
    real = 20
    for n in range(real):
        address = f"203.0.113.{n}"
        _attempt(app.test_client(), "advocate", address, name=f"g{n}", passphrase="p", code="1")
    for _ in range(throttle.overall - real - 1):
        throttle.failed(TOR)
    assert _attempt(app.test_client(), "advocate", NEIGHBOUR, **_right(person)).status_code == 303
    throttle.failed(TOR)
    paused = _attempt(app.test_client(), "advocate", NEIGHBOUR, **_right(person))
    assert paused.status_code == 429
    assert SIGNIN_FAILED in _plain(paused)


# --- A flood of reports from one client -------------------------------------------------

TYPED = {
    "what_happened": "He <b>followed</b> me home & said 'nobody will believe you'.",
    "where": "Leeds",
    "when": "last May",
    "officers-0-name": "PC Smith",
    "harm_other": "threats",
    "contact_details": "after 6pm",
}


def _report(client: FlaskClient, address: str, **fields: Any) -> Any:
    data = {**form_tokens(client), "consent_read": "y", **fields}
    return client.post(
        "/report",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
        **_as(address),
    )


def _flood(client: FlaskClient, address: str, count: int) -> list[int]:
    return [_report(client, address, what_happened=f"report {n}").status_code for n in range(count)]


def test_a_flood_of_reports_from_one_client_is_slowed_and_nothing_typed_is_lost(
    client: FlaskClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # a burst across a window's end would be counted a little short
    assert (REPORTS_PER_CLIENT, REPORTS_WINDOW_SECONDS) == (20, 600)
    assert _flood(client, ATTACKER, REPORTS_PER_CLIENT) == [200] * REPORTS_PER_CLIENT
    assert count_rows(store, Report) == REPORTS_PER_CLIENT
    evidence = (io.BytesIO(b"a screenshot of the threats"), "threats.txt")
    refused = _report(client, ATTACKER, **TYPED, force="West Yorkshire Police", files=[evidence])
    page = _plain(refused)
    assert refused.status_code == 429
    assert TOO_MANY_REPORTS in page
    assert "Too many reports have been sent from this connection in a short time" in page
    assert "Any files will need to be chosen again." in page
    assert not CODENAME.search(page)
    # Everything typed comes back in the form, escaped; nothing was stored.
    assert "He &lt;b&gt;followed&lt;/b&gt; me home &amp; said &#39;nobody" in page
    for value in ("Leeds", "last May", "PC Smith", "threats"):
        assert f'value="{value}"' in page, value
    assert re.search(r"<textarea[^>]*>\r?\nafter 6pm</textarea>", page)
    assert re.search(r'<option selected value="West Yorkshire Police">', page)
    assert count_rows(store, Report) == REPORTS_PER_CLIENT
    assert count_rows(store, Attachment) == 0


def test_a_flood_from_one_client_does_not_slow_anyone_else(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # a burst across a window's end would be counted a little short
    _flood(client, ATTACKER, REPORTS_PER_CLIENT)
    assert _report(client, ATTACKER, what_happened="one more").status_code == 429
    honest = _report(client, NEIGHBOUR, what_happened="It was him.")
    assert honest.status_code == 200 and CODENAME.search(honest.text)
    assert _report(client, TOR, what_happened="It was him too.").status_code == 200


def test_behind_tor_no_number_of_reports_refuses_the_next_survivor(
    client: FlaskClient, store: Store
) -> None:
    sent = REPORTS_PER_CLIENT + 5
    assert _flood(client, TOR, sent) == [200] * sent
    assert _report(client, TOR, what_happened="An honest report.").status_code == 200
    assert count_rows(store, Report) == sent + 1


def test_only_reports_actually_sent_count_towards_the_limit(
    client: FlaskClient, store: Store
) -> None:
    for _ in range(REPORTS_PER_CLIENT + 5):
        invalid = _report(client, ATTACKER, what_happened="x", force="Gotham City Police")
        assert invalid.status_code == 200 and not CODENAME.search(invalid.text)
    for _ in range(REPORTS_PER_CLIENT + 5):
        empty = _report(client, ATTACKER, what_happened="")
        assert empty.status_code == 200
    assert count_rows(store, Report) == 0
    assert _report(client, ATTACKER, what_happened="It was him.").status_code == 200


def test_the_flood_limit_lifts_after_the_window(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One second into a window: the count lives on, weighted down as the next
    # window goes by, and holds the client back exactly one window length.
    now = [17 * REPORTS_WINDOW_SECONDS + 1.0]
    monkeypatch.setattr(throttle_module, "_now", lambda: now[0])
    _flood(client, ATTACKER, REPORTS_PER_CLIENT)
    assert _report(client, ATTACKER, what_happened="again").status_code == 429
    now[0] += REPORTS_WINDOW_SECONDS - 1
    assert _report(client, ATTACKER, what_happened="again").status_code == 429
    now[0] += 2
    assert _report(client, ATTACKER, what_happened="again").status_code == 200


def test_the_flood_limit_writes_no_address(
    client: FlaskClient, instance: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    _flood(client, ATTACKER, REPORTS_PER_CLIENT + 2)
    assert ATTACKER not in caplog.text
    for path in instance.path.rglob("*"):
        if path.is_file():
            assert ATTACKER.encode() not in path.read_bytes(), path.name


# --- Requests over the size limit -------------------------------------------------------


@pytest.fixture
def small_app(instance: Instance) -> Flask:
    """The app with a 1 MB upload limit, so that its body limit is cheap to pass."""
    from portal import create_app
    from tests.support.instance import CHEAP_ARGON2

    overrides = {"instance_path": instance.path, "argon2": CHEAP_ARGON2}
    return create_app({**overrides, "max_upload_bytes": 1024 * 1024})


def test_a_body_over_the_limit_gets_a_plain_413_through_the_app(
    small_app: Flask, store: Store
) -> None:
    client = small_app.test_client()
    limit = small_app.config["MAX_CONTENT_LENGTH"]
    # Five files sealed at the limit (padded streams) and 8 MB of form, in whole MiB.
    needed = 5 * sealed_stream_size(1024 * 1024) + 8 * 1024 * 1024
    assert limit % (1024 * 1024) == 0 and needed <= limit < needed + 1024 * 1024
    token = csrf_token(client)
    body = b"x" * (limit + 1)
    for path in ("/report", "/return", "/advocate/login"):
        started = time.monotonic()
        response = client.post(
            path,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 413, path
        assert "That was too large to send" in _plain(response)
        assert time.monotonic() - started < 5
    assert count_rows(store, Report) == 0


def test_a_claimed_length_over_the_limit_is_refused_before_the_body_is_read(
    app: Flask, client: FlaskClient
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    consumed: list[int] = []

    class Endless(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            consumed.append(len(buffer))
            buffer[: len(buffer)] = b"x" * len(buffer)
            return len(buffer)

    response = client.post(
        "/report",
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"wsgi.input": Endless(), "CONTENT_LENGTH": str(limit * 20)},
    )
    assert response.status_code == 413
    assert "That was too large to send" in _plain(response)
    assert sum(consumed) < 1024 * 1024  # not a megabyte of the claimed body was read


@pytest.fixture
def served(tmp_path: Path) -> Iterator[int]:
    """The real portal served by gunicorn on a free port, as `make run` does."""
    port = free_port()
    env = portal_environment(tmp_path / "instance", port)
    init_instance(env)
    server = subprocess.Popen(
        [BIN / "portal", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", 30)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def _read_response(connection: socket.socket) -> bytes:
    received = b""
    while True:
        try:
            chunk = connection.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        received += chunk
        if b"</html>" in received:
            break
    return received


@pytest.mark.slow
def test_gunicorn_answers_413_before_a_huge_body_is_sent(served: int) -> None:
    ten_gib = 10 * 1024**3
    for path in ("/report", "/return"):
        with socket.create_connection(("127.0.0.1", served), timeout=5) as connection:
            started = time.monotonic()
            connection.sendall(
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{served}\r\n"
                "Content-Type: multipart/form-data; boundary=----x\r\n"
                f"Content-Length: {ten_gib}\r\n\r\n------x\r\n".encode()
            )
            received = _read_response(connection)
            elapsed = time.monotonic() - started
        head, _, page = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), head[:200]
        assert b"That was too large to send" in page
        assert b"Traceback" not in page
        assert elapsed < 1.5, f"the 413 took {elapsed:.2f} s"
