"""Survivors leave no trace: no words or codenames on disk or in logs, no-store pages,
forms that work without JavaScript, an exit that ends the session, throttled guessing."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from portal.core import sessions, survivor_sessions
from portal.store import Store
from portal.store.models import Attachment, Report
from tests.support.instance import Instance
from tests.support.pages import csrf_token, post_report, sign_in, submit
from tests.support.throttles import hold_still

MARKER = "MARKER-b51e-officer-pushed-me-down-the-stairs"
FILE_MARKER = b"FILEMARKER-91c7-screenshot-of-threats"
SURVIVOR_PAGES = ["/", "/safety", "/report", "/return", "/report/next"]
SIGNED_IN_PAGES = ["/return/report", "/return/consent", "/return/delete"]


def _instance_bytes(instance: Instance) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in instance.path.rglob("*") if p.is_file()]


def test_no_account_file_or_codename_reaches_the_disk_or_the_log(
    client: FlaskClient, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    response = post_report(
        client,
        {
            "what_happened": MARKER,
            "where": MARKER,
            "officers-0-name": MARKER,
            "contact_details": MARKER,
            "files": [(io.BytesIO(FILE_MARKER * 1000), f"{MARKER}.txt")],
            "keep_metadata": "y",  # a text file is kept only as sent
        },
    )
    codename = re.search(r'<p class="codename" lang="en">([a-z ]+)</p>', response.text)
    assert codename
    sign_in(client, codename.group(1))
    assert MARKER in client.get("/return/report").text  # it really was stored
    needles = [MARKER.encode(), FILE_MARKER, codename.group(1).encode()]
    needles += [MARKER.encode("utf-16-le"), codename.group(1).replace(" ", "").encode()]
    for name, content in _instance_bytes(instance):
        for needle in needles:
            assert needle not in content, f"{name} holds {needle[:20]!r}"
    for needle in needles:
        assert needle.decode("utf-8", "ignore") not in portal_log.text


def test_the_codename_never_travels_in_a_cookie_or_an_address(client: FlaskClient) -> None:
    response = post_report(client, {"what_happened": "x"})
    codename = re.search(r'<p class="codename" lang="en">([a-z ]+)</p>', response.text)
    assert codename
    words = codename.group(1).split()
    returned = sign_in(client, codename.group(1))
    for headers in (response.headers, returned.headers):
        for value in [*headers.getlist("Set-Cookie"), headers.get("Location", "")]:
            assert not any(word in value for word in words)


@pytest.mark.parametrize("path", SURVIVOR_PAGES)
def test_every_survivor_page_has_exit_no_store_and_only_own_scripts(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'id="exit-this-page" href="/exit"' in page
    assert "<title>Information</title>" in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts
    for attrs, body in scripts:
        if attrs.strip().startswith('type="application/json"'):  # data, never run
            assert "src=" not in attrs and isinstance(json.loads(body), dict)
        else:
            assert body.strip() == "" and 'src="/static/' in attrs
    assert not re.search(r"\son[a-z]+=", page), "inline event handlers need JavaScript"


def _forms(page: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", page, re.S)


@pytest.mark.parametrize("path", SURVIVOR_PAGES + SIGNED_IN_PAGES)
def test_every_form_is_a_plain_post_with_a_csrf_token(client: FlaskClient, path: str) -> None:
    sign_in(client, submit(client, what_happened="x"))
    page = client.get(path).get_data(as_text=True)
    for form in _forms(page):
        assert re.search(r'method="post"', form)
        assert 'name="csrf_token"' in form
        assert re.search(r'type="submit"|<button', form)


def test_sensitive_fields_turn_autocomplete_off(client: FlaskClient) -> None:
    page = client.get("/report").get_data(as_text=True)
    for name in ("what_happened", "when", "where", "contact_details", "officers-0-name"):
        tag = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page)
        assert tag and 'autocomplete="off"' in tag.group(0), name
    codename_input = re.search(r'<input[^>]*name="codename"[^>]*>', client.get("/return").text)
    assert codename_input and 'autocomplete="off"' in codename_input.group(0)


def test_exit_ends_the_session_and_leaves_for_a_neutral_site(client: FlaskClient) -> None:
    sign_in(client, submit(client, what_happened="x"))
    assert client.get("/return/report").status_code == 200
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://www.bbc.co.uk/weather"
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert any(c.startswith("return=;") for c in response.headers.getlist("Set-Cookie"))
    assert client.get("/return/report").status_code == 302


def test_exit_works_even_without_a_session(client: FlaskClient) -> None:
    assert client.get("/exit").status_code == 303


def test_an_idle_session_expires_with_a_plain_message(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(client, submit(client, what_happened="x"))
    later = time.time() + survivor_sessions.IDLE_SECONDS + 1
    monkeypatch.setattr(sessions.time, "time", lambda: later)
    response = client.get("/return/report")
    assert response.status_code == 302
    assert "signed out" in client.get(response.headers["Location"]).text


def test_the_session_cookie_alone_opens_nothing_if_altered(client: FlaskClient) -> None:
    sign_in(client, submit(client, what_happened="x"))
    cookie = client.get_cookie("return")
    assert cookie is not None
    session_id, _, key = cookie.value.partition(".")
    client.set_cookie("return", f"{session_id}.{key[::-1]}")
    assert client.get("/return/report").status_code == 302


def test_an_expired_form_is_shown_again_with_everything_typed(client: FlaskClient) -> None:
    response = client.post(
        "/report",
        data={"what_happened": MARKER, "csrf_token": "stale"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Nothing has been sent yet" in response.text
    assert MARKER in response.text
    assert 'name="csrf_token"' in response.text


def test_guessing_codenames_is_throttled_per_client(client: FlaskClient) -> None:
    submit(client, what_happened="x")
    attacker = {"REMOTE_ADDR": "198.51.100.7"}
    token = csrf_token(client, "/return")
    guess = {"csrf_token": token, "codename": "abacus " * 7}
    statuses = [
        client.post("/return", data=guess, environ_base=attacker).status_code for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    throttled = client.post("/return", data=guess, environ_base=attacker)
    assert "too many attempts" in throttled.text
    other = client.post("/return", data=guess, environ_base={"REMOTE_ADDR": "198.51.100.8"})
    assert other.status_code == 200


def test_throttling_never_writes_the_address(
    client: FlaskClient, instance: Instance, portal_log: pytest.LogCaptureFixture
) -> None:
    token = csrf_token(client, "/return")
    for _ in range(12):
        client.post(
            "/return",
            data={"csrf_token": token, "codename": "abacus " * 7},
            environ_base={"REMOTE_ADDR": "198.51.100.9"},
        )
    assert "198.51.100.9" not in portal_log.text
    for name, content in _instance_bytes(instance):
        assert b"198.51.100.9" not in content, name


def test_files_posted_anywhere_but_the_forms_are_never_stored(
    client: FlaskClient, store: Store
) -> None:
    for path in ("/admin/login", "/return", "/report/saved", "/advocate/login"):
        client.post(
            path,
            data={"files": [(io.BytesIO(b"x" * 200_000), f"f{n}.bin") for n in range(10)]},
            content_type="multipart/form-data",
        )
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_more_than_five_files_at_once_are_refused_with_a_message(
    client: FlaskClient, store: Store
) -> None:
    files = [(io.BytesIO(b"evidence %d" % n), f"file{n}.txt") for n in range(6)]
    response = post_report(client, {"what_happened": MARKER, "files": files})
    assert "Only 5 files can be sent at once" in response.text
    assert MARKER in response.text  # the account is kept in the form
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_flood_of_wrong_codenames_never_locks_out_the_right_one(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hold_still(monkeypatch)  # 300 failures take seconds: all in one window
    codename = submit(client, what_happened="x")
    throttle = app.extensions["codename_throttle"]
    for _ in range(throttle.overall):
        throttle.failed("127.0.0.1")  # as from Tor: every client looks alike
    wrong = sign_in(client, "abacus " * 7)
    assert wrong.status_code == 429
    assert sign_in(client, codename).status_code == 303


def test_a_report_purged_during_a_session_sends_the_survivor_back_plainly(
    client: FlaskClient, store: Store
) -> None:
    sign_in(client, submit(client, what_happened="x"))
    with store.session() as session:
        session.execute(delete(Report))
        session.commit()
    response = client.get("/return/report")
    assert response.status_code == 303
    assert "expired=1" in response.headers["Location"]
