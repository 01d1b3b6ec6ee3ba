"""Sending is safe to repeat: a reload, Back then Forward, a double click or a copied
request sends a report, a message, a consent change or a deletion exactly once."""

from __future__ import annotations

import base64
import re
import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import config
from portal.core import submissions
from portal.store import Store
from portal.store.models import AuditEvent, ConsentRecord, Message, Report, SubmissionToken
from portal.survivor.forms import FORM_TOO_OLD
from tests.support.instance import Instance
from tests.support.pages import CODENAME, form_tokens, new_submission, sign_in, submit

ACCOUNT = "He followed me home from the station."
SENT_PAGE = "/report/sent"


def _count(store: Store, model: Any) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _report_form(client: FlaskClient, **fields: str) -> dict[str, str]:
    return {**form_tokens(client), "consent_read": "y", "what_happened": ACCOUNT, **fields}


def _post_report(client: FlaskClient, data: dict[str, str]) -> Any:
    return client.post("/report", data=data, content_type="multipart/form-data")


def _codename(client: FlaskClient) -> str:
    found = CODENAME.search(client.get(SENT_PAGE).get_data(as_text=True))
    assert found, "the codename page was not shown"
    return found.group(1)


def test_a_report_sent_again_with_its_token_files_one_report_and_shows_the_same_codename(
    client: FlaskClient, store: Store
) -> None:
    data = _report_form(client)
    first = _post_report(client, data)
    assert first.status_code == 303 and first.headers["Location"] == SENT_PAGE
    codename = _codename(client)
    assert _codename(client) == codename  # a reload of the page it redirected to
    again = _post_report(client, data)  # the browser sends the form again
    assert again.status_code == 303 and again.headers["Location"] == SENT_PAGE
    assert _codename(client) == codename
    assert _count(store, Report) == 1


def test_a_repeat_whose_first_answer_never_arrived_still_shows_her_codename(
    client: FlaskClient, store: Store
) -> None:
    """A double click: the browser drops the first answer, cookie and all."""
    data = _report_form(client)
    _post_report(client, data)
    codename = _codename(client)
    client.delete_cookie("sent")
    assert "This was already sent" in client.get(SENT_PAGE).text
    _post_report(client, data)
    assert _codename(client) == codename
    assert _count(store, Report) == 1


def test_once_she_has_saved_it_a_repeat_says_already_sent_and_shows_no_codename(
    client: FlaskClient, store: Store
) -> None:
    data = _report_form(client)
    _post_report(client, data)
    codename = _codename(client)
    token = form_tokens(client, SENT_PAGE)["csrf_token"]
    client.post("/report/saved", data={"csrf_token": token, "saved": "y"})
    again = client.post(
        "/report", data=data, content_type="multipart/form-data", follow_redirects=True
    )
    page = again.get_data(as_text=True)
    assert "This was already sent" in page and codename not in page
    assert 'href="/return"' in page  # a way on: come back with the codename
    assert _count(store, Report) == 1
    with store.session() as session:
        assert session.scalars(select(SubmissionToken.receipt)).one() is None


def _send_at(
    start: threading.Barrier, client: FlaskClient, data: dict[str, str], answers: list[Any]
) -> None:
    start.wait()
    answers.append(_post_report(client, data))


def test_two_reports_with_one_token_at_the_same_instant_store_one(app: Flask, store: Store) -> None:
    """The attacker's test: the same request twice at once, in two threads, five times."""
    for round_number in range(5):
        first = app.test_client()
        data = _report_form(first)
        second = app.test_client()
        cookie = first.get_cookie("session")
        assert cookie is not None
        second.set_cookie("session", cookie.value)
        start = threading.Barrier(2)
        answers: list[Any] = []

        threads = [
            threading.Thread(target=_send_at, args=(start, client, data, answers))
            for client in (first, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [a.status_code for a in answers] == [303, 303]
        assert _codename(first) == _codename(second)
        assert _count(store, Report) == round_number + 1


def test_the_database_refuses_a_token_recorded_twice(instance: Instance, store: Store) -> None:
    submission = new_submission(instance.path)
    with store.session() as session:
        submissions.record(session, submission)
        session.commit()
    with store.session() as session, pytest.raises(IntegrityError):
        submissions.record(session, submission)
        session.commit()


def test_a_message_sent_twice_is_added_once(client: FlaskClient, store: Store) -> None:
    sign_in(client, submit(client, what_happened=ACCOUNT))
    data = {**form_tokens(client, "/return/report"), "kind": "message", "text": "Call me later."}
    for _ in range(3):
        response = client.post("/return/add", data=data, content_type="multipart/form-data")
        assert response.status_code == 303
        assert "Sent." in client.get(response.headers["Location"]).text
    assert _count(store, Message) == 1
    # A new page is a new message.
    fresh = {**form_tokens(client, "/return/report"), "kind": "message", "text": "And again."}
    client.post("/return/add", data=fresh, content_type="multipart/form-data")
    assert _count(store, Message) == 2


def test_a_consent_change_sent_twice_is_recorded_once(client: FlaskClient, store: Store) -> None:
    sign_in(client, submit(client, what_happened=ACCOUNT))
    data = {**form_tokens(client, "/return/consent"), "consent_read": "y", "consent_legal": "y"}
    for _ in range(3):
        response = client.post("/return/consent", data=data)
        assert response.status_code == 303
        assert "Your choices have been saved." in client.get(response.headers["Location"]).text
    assert _count(store, ConsentRecord) == 2  # as sent, and the one change


def test_a_deletion_sent_twice_deletes_once_and_says_so_both_times(
    client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="Another survivor's report.")
    sign_in(client, submit(client, what_happened=ACCOUNT))
    data = {**form_tokens(client, "/return/delete"), "confirm": "y"}
    for _ in range(2):  # the second arrives after the first ended her session
        response = client.post("/return/delete", data=data, follow_redirects=True)
        assert response.status_code == 200 and "has been deleted" in response.text
    assert _count(store, Report) == 1
    with store.session() as session:
        deletions = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report deleted")
        ).all()
    assert len(deletions) == 1


def _altered(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-1] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).decode()


def _secret(instance: Instance) -> bytes:
    return config.load(instance.path, environ={}).secret_key


@pytest.mark.parametrize("kind", ["missing", "altered", "another-form", "expired", "future"])
def test_a_token_not_issued_for_this_form_sends_nothing_and_keeps_what_she_typed(
    client: FlaskClient, store: Store, instance: Instance, kind: str
) -> None:
    data = _report_form(client)
    secret, day = _secret(instance), 24 * 60 * 60
    data["submission"] = {
        "missing": "",
        "altered": _altered(data["submission"]),
        "another-form": submissions.issue(secret, "message"),
        "expired": submissions.issue(secret, "report", time.time() - day - 60),
        "future": submissions.issue(secret, "report", time.time() + 3 * 60 * 60),
    }[kind]
    refused = _post_report(client, data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and FORM_TOO_OLD in page and ACCOUNT in page
    assert _count(store, Report) == 0
    # The page comes back with a new token that sends it.
    fresh = re.search(r'name="submission"[^>]*value="([^"]+)"', page)
    assert fresh and fresh.group(1) != data["submission"]
    assert _post_report(client, {**data, "submission": fresh.group(1)}).status_code == 303
    assert _count(store, Report) == 1


def test_a_token_is_kept_only_as_a_keyed_hash_and_swept_when_it_expires(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    data = _report_form(client)
    _post_report(client, data)
    codename = _codename(client)
    token = base64.urlsafe_b64decode(data["submission"])
    with store.session() as session:
        row = session.scalars(select(SubmissionToken)).one()
        stored = row.digest + (row.receipt or b"")
        sweep_at_hour = row.sweep_at_hour
    assert token not in stored and token[4:20] not in stored  # nor its random part
    assert codename.encode() not in stored
    issued_hour = int.from_bytes(token[:4], "big")
    expired = issued_hour + submissions.TOKEN_HOURS + submissions.CLOCK_HOURS
    # Kept to the start of the next day: a day, not the hour she wrote.
    assert sweep_at_hour % 24 == 0 and expired <= sweep_at_hour < expired + 24
    with store.session() as session:
        assert submissions.sweep(session, now=(sweep_at_hour - 1) * 3600) == 0
        assert submissions.sweep(session, now=sweep_at_hour * 3600) == 1
    # Gone with its row, the token has expired too: it sends nothing.
    with pytest.raises(submissions.TokenRefused):
        submissions.check(_secret(instance), "report", data["submission"], sweep_at_hour * 3600)


def test_a_session_ended_by_another_request_while_it_is_resumed_is_no_session(
    client: FlaskClient, store: Store
) -> None:
    """A double-clicked deletion: the first request deletes the report and ends her
    session while the second is resuming it. The second finds no session, not a 500."""
    from sqlalchemy import event

    from portal.core import survivor_sessions

    sign_in(client, submit(client, what_happened="x"))
    cookie = client.get_cookie("return")
    assert cookie is not None
    ended: list[bool] = []

    def the_other_request_ends_it_first(*_: object) -> None:
        if not ended:
            ended.append(True)
            with store.session() as other:
                survivor_sessions.end(other, cookie.value)

    with store.session() as session:
        event.listen(session, "before_flush", the_other_request_ends_it_first)
        assert survivor_sessions.resume(session, cookie.value) is None
    assert ended
