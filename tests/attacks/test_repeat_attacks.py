"""Attacks on repeat-safe sending: the database alone, an old backup with the
instance's secrets, and a client probing the running server with other
forms' tokens, other survivors' tokens, forged tokens, stolen cookies, stale
replays and requests at the same instant."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import config
from crypto.envelope import decrypt_field
from crypto.errors import CryptoError
from portal.core import bindings, submissions
from portal.store import Store
from portal.store.models import ConsentRecord, Message, Report, SubmissionToken
from portal.survivor.forms import FORM_TOO_OLD
from tests.support.database import count_rows
from tests.support.forensics import pieces_on_disk
from tests.support.instance import Instance
from tests.support.pages import CODENAME, form_tokens, sign_in, submit

ACCOUNT = "He followed me home from the station."
THEIRS = "Another survivor wrote this report."
HERS = "Please call me after six, not before."
SENT_PAGE = "/report/sent"
HOUR = 60 * 60


def _secret(instance: Instance) -> bytes:
    return config.load(instance.path, environ={}).secret_key


def _signed_in(app: Flask, account: str = ACCOUNT, **fields: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, submit(client, what_happened=account, **fields))
    return client


def _message(client: FlaskClient, text: str, **extra: str) -> dict[str, str]:
    return {**form_tokens(client, "/return/report"), "kind": "message", "text": text, **extra}


def _post_message(client: FlaskClient, data: dict[str, str]) -> Any:
    return client.post("/return/add", data=data, content_type="multipart/form-data")


def _consent(client: FlaskClient, legal: bool, **extra: str) -> dict[str, str]:
    data = {**form_tokens(client, "/return/consent"), "consent_read": "y", **extra}
    return data | ({"consent_legal": "y"} if legal else {})


def _shares_with_legal(client: FlaskClient) -> bool:
    page = client.get("/return/consent").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="consent_legal"[^>]*>', page)
    assert box, "the consent page was not shown"
    return "checked" in box.group(0)


def _post_report(client: FlaskClient, data: dict[str, str]) -> Any:
    return client.post("/report", data=data, content_type="multipart/form-data")


def _report_form(client: FlaskClient, **fields: str) -> dict[str, str]:
    return {**form_tokens(client), "consent_read": "y", "what_happened": ACCOUNT, **fields}


def _save_codename(client: FlaskClient) -> None:
    token = form_tokens(client, SENT_PAGE)["csrf_token"]
    client.post("/report/saved", data={"csrf_token": token, "saved": "y"})


def _sent_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("sent")
    assert cookie is not None
    return cookie.value


# The database alone, an old backup, and the instance's secrets.


def test_a_token_row_links_no_codename_report_or_danger_by_its_content_or_size(
    app: Flask, store: Store
) -> None:
    """The database holder reads every column of the token rows of two reports,
    one sent in danger: neither the report, its codename nor the danger shows."""
    safe, danger = app.test_client(), app.test_client()
    codenames = [
        submit(safe, what_happened=ACCOUNT),
        submit(danger, what_happened=THEIRS, in_danger="yes"),
    ]
    with store.session() as session:
        rows = session.scalars(select(SubmissionToken)).all()
        reports = session.scalars(select(Report)).all()
        identifiers = [r.id.encode() for r in reports] + [r.lookup_id for r in reports]
        identifiers += [bytes.fromhex(r.id) for r in reports]
    assert len(rows) == 2 and all(r.receipt is not None for r in rows)
    stored = [r.digest + (r.receipt or b"") for r in rows]
    for value in identifiers + [c.encode() for c in codenames]:
        assert not any(value in s for s in stored)
    assert len({len(r.receipt or b"") for r in rows}) == 1  # padded: danger does not show
    assert {len(r.digest) for r in rows} == {32}
    # Time is a day, no finer: the column is the start of the day after the token expires.
    assert all(r.sweep_at_hour % 24 == 0 for r in rows)
    assert all(0 < r.sweep_at_hour - time.time() / HOUR < 24 + 25 + 1 for r in rows)


def test_a_backup_taken_before_she_saved_her_codename_opens_nothing_with_the_instance_secrets(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    """An old backup holds her sealed receipt; the instance's secrets derive every
    key the portal has, but not the token, so the receipt stays shut."""
    _post_report(client, _report_form(client))
    codename = CODENAME.search(client.get(SENT_PAGE).text)
    assert codename
    with store.session() as session:
        row = session.scalars(select(SubmissionToken)).one()
        digest, sealed = row.digest, row.receipt
    assert sealed is not None
    secret = _secret(instance)

    def hkdf(salt: bytes, info: bytes, material: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=salt, info=info).derive(material)

    token_salt, receipt_salt = b"portal/v1/submission-token", b"portal/v1/submission-receipt"
    guesses = [
        secret[:32],
        hashlib.sha256(secret).digest(),
        hkdf(token_salt, b"sign", secret),
        hkdf(token_salt, b"digest", secret),
        hkdf(receipt_salt, b"", secret),
        hkdf(receipt_salt, b"", digest),
        digest,
    ]
    for key in guesses:
        with pytest.raises(CryptoError):
            decrypt_field(key, sealed, bindings.submission_receipt(digest))
    # Once she has saved it, the sealed receipt is on no page of the database or its log.
    _save_codename(client)
    database_key = bytes.fromhex((instance.path / "secrets" / "database.key").read_text())
    assert pieces_on_disk(instance.path / "portal.db", database_key, sealed) == 0


def test_loading_forms_stores_nothing_and_a_forged_token_claims_no_row(
    app: Flask, store: Store
) -> None:
    """Exhausting or pre-claiming tokens: issuing costs no row; only a token the
    portal signed can ever be recorded."""
    client = _signed_in(app)
    before = count_rows(store, SubmissionToken)
    for _ in range(20):
        for path in ("/report", "/return/report", "/return/consent", "/return/delete"):
            assert client.get(path).status_code == 200
    assert count_rows(store, SubmissionToken) == before
    data = _message(client, "Forged.")
    raw = bytearray(base64.urlsafe_b64decode(data["submission"]))
    raw[-16:] = bytes(16)  # a MAC the attacker made up
    data["submission"] = base64.urlsafe_b64encode(bytes(raw)).decode()
    assert FORM_TOO_OLD in _post_message(client, data).text
    assert count_rows(store, SubmissionToken) == before and count_rows(store, Message) == 0


# A client probing the running server.


def _retimed(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[3] ^= 1  # another hour, the MAC unchanged
    return base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "kind", ["truncated", "retimed", "padded", "not-base64", "huge", "non-ascii", "random"]
)
def test_a_forged_truncated_or_retimed_report_token_sends_nothing_and_keeps_her_words(
    client: FlaskClient, store: Store, kind: str
) -> None:
    data = _report_form(client)
    token = data["submission"]
    random_token = base64.urlsafe_b64encode(bytes(36)).decode()
    data["submission"] = {
        "truncated": token[:-4],
        "retimed": _retimed(token),
        "padded": token + "AAAA",
        "not-base64": "!!!" + token[3:],
        "huge": token * 500,
        "non-ascii": "é" + token[1:],
        "random": random_token,
    }[kind]
    refused = _post_report(client, data)
    assert refused.status_code == 200
    assert FORM_TOO_OLD in refused.text and ACCOUNT in refused.text
    assert count_rows(store, Report) == 0 and count_rows(store, SubmissionToken) == 0


@pytest.mark.parametrize(
    ("path", "foreign"),
    [
        ("/report", "message"),
        ("/return/add", "report"),
        ("/return/consent", "message"),
        ("/return/delete", "consent"),
    ],
)
def test_a_token_issued_for_one_kind_of_form_sends_nothing_on_another(
    app: Flask, store: Store, instance: Instance, path: str, foreign: submissions.Purpose
) -> None:
    client = _signed_in(app, consent_legal="y")
    page = {"/report": "/report", "/return/add": "/return/report"}.get(path, path)
    data = {
        **form_tokens(client, page),
        "consent_read": "y",
        "what_happened": "Second report.",
        "kind": "message",
        "text": "A message.",
        "confirm": "y",
        "submission": submissions.issue(_secret(instance), foreign),
    }
    before = [count_rows(store, m) for m in (Report, Message, ConsentRecord, SubmissionToken)]
    answer = client.post(path, data=data, content_type="multipart/form-data")
    assert answer.status_code == 200 and FORM_TOO_OLD in answer.text
    after = [count_rows(store, m) for m in (Report, Message, ConsentRecord, SubmissionToken)]
    assert after == before
    assert _shares_with_legal(client)


def test_her_message_token_sent_first_from_another_session_does_not_swallow_her_message(
    app: Flask,
) -> None:
    """Someone who saw her page sends its token first, from their own report's
    session: she is told "Sent.", so her message must really be sent."""
    her, other = _signed_in(app), _signed_in(app, THEIRS)
    hers = _message(her, HERS)
    _post_message(other, _message(other, "Decoy.", submission=hers["submission"]))
    answer = _post_message(her, hers)
    assert answer.status_code == 303 and "Sent." in her.get(answer.headers["Location"]).text
    assert HERS in her.get("/return/report").text


def test_a_message_token_used_by_one_survivor_and_replayed_by_another_sends_the_second_message(
    app: Flask,
) -> None:
    """Survivor A's token, already used, replayed in survivor B's session: B's
    message is B's own first sending, not a repeat of A's."""
    first, second = _signed_in(app), _signed_in(app, THEIRS)
    used = _message(first, "A's message.")
    _post_message(first, used)
    answer = _post_message(second, _message(second, HERS, submission=used["submission"]))
    assert "Sent." in second.get(answer.headers["Location"]).text
    assert HERS in second.get("/return/report").text
    assert HERS not in first.get("/return/report").text


def test_her_consent_token_sent_first_from_another_session_does_not_cancel_her_withdrawal(
    app: Flask,
) -> None:
    her, other = _signed_in(app, consent_legal="y"), _signed_in(app, THEIRS)
    withdrawal = _consent(her, legal=False)
    other.post("/return/consent", data=_consent(other, True, submission=withdrawal["submission"]))
    answer = her.post("/return/consent", data=withdrawal)
    assert "Your choices have been saved." in her.get(answer.headers["Location"]).text
    assert not _shares_with_legal(her)


def test_a_consent_change_replayed_after_a_later_change_does_not_roll_it_back(
    app: Flask, store: Store
) -> None:
    client = _signed_in(app)
    share = _consent(client, legal=True)
    client.post("/return/consent", data=share)
    client.post("/return/consent", data=_consent(client, legal=False))  # withdrawn later
    records = count_rows(store, ConsentRecord)
    for _ in range(2):
        assert client.post("/return/consent", data=share).status_code == 303
    assert not _shares_with_legal(client)
    assert count_rows(store, ConsentRecord) == records


def test_a_consent_change_replayed_near_expiry_after_a_fast_clocked_host_swept_does_not_roll_back(
    app: Flask, store: Store, instance: Instance
) -> None:
    """Tokens issued by a host whose clock runs an hour ahead are accepted (see
    core/submissions.check); a host an hour ahead must then not sweep a row
    while another host still accepts its token, or a replay sends again."""
    client = _signed_in(app)
    issued = submissions.issue(_secret(instance), "consent", time.time() - 23 * HOUR)
    share = _consent(client, legal=True, submission=issued)
    client.post("/return/consent", data=share)
    client.post("/return/consent", data=_consent(client, legal=False))  # withdrawn later
    with store.session() as session:  # the sweeper of a host whose clock is an hour ahead
        submissions.sweep(session, now=time.time() + HOUR)
    client.post("/return/consent", data=share)
    assert not _shares_with_legal(client)


def test_a_deletion_replayed_after_a_new_report_in_the_same_browser_deletes_nothing_new(
    client: FlaskClient, store: Store
) -> None:
    sign_in(client, submit(client, what_happened=ACCOUNT))
    deletion = {**form_tokens(client, "/return/delete"), "confirm": "y"}
    client.post("/return/delete", data=deletion)
    codename = submit(client, what_happened=THEIRS)
    sign_in(client, codename)
    answer = client.post("/return/delete", data=deletion)
    assert answer.status_code in (200, 303)
    assert count_rows(store, Report) == 1
    sign_in(client, codename)
    assert THEIRS in client.get("/return/report").text


def test_the_sent_cookie_is_httponly_strict_and_short_lived(client: FlaskClient) -> None:
    answer = _post_report(client, _report_form(client))
    header = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith("sent="))
    assert "HttpOnly" in header and "SameSite=Strict" in header
    max_age = re.search(r"Max-Age=(\d+)", header)
    assert max_age and int(max_age.group(1)) <= submissions.RECEIPT_SECONDS


def test_a_sent_cookie_stolen_and_replayed_after_she_saved_her_codename_shows_nothing(
    app: Flask,
) -> None:
    her = app.test_client()
    _post_report(her, _report_form(her))
    codename = CODENAME.search(her.get(SENT_PAGE).text)
    assert codename
    stolen = _sent_cookie(her)
    _save_codename(her)
    thief = app.test_client()
    thief.set_cookie("sent", stolen)
    page = thief.get(SENT_PAGE).text
    assert "This was already sent" in page and codename.group(1) not in page


def test_a_sent_cookie_of_one_report_neither_shows_nor_erases_another(app: Flask) -> None:
    first = app.test_client()
    _post_report(first, _report_form(first))
    old = _sent_cookie(first)
    _save_codename(first)
    second = app.test_client()
    _post_report(second, _report_form(second))
    codename = CODENAME.search(second.get(SENT_PAGE).text)
    assert codename
    other = app.test_client()
    other.set_cookie("sent", old)
    assert codename.group(1) not in other.get(SENT_PAGE).text
    other.post("/report/saved", data={"csrf_token": form_tokens(other)["csrf_token"], "saved": "y"})
    assert codename.group(1) in second.get(SENT_PAGE).text


@pytest.mark.parametrize("kind", ["message-token", "garbage", "empty"])
def test_a_sent_cookie_holding_no_report_token_shows_no_codename_and_no_error(
    app: Flask, instance: Instance, kind: str
) -> None:
    client = _signed_in(app)
    used = _message(client, "A message.")
    _post_message(client, used)
    value = {"message-token": used["submission"], "garbage": "%%\x7f" * 300, "empty": ""}[kind]
    client.set_cookie("sent", value)
    page = client.get(SENT_PAGE)
    assert page.status_code == 200 and "This was already sent" in page.text
    assert CODENAME.search(page.text) is None


def _same_instant(app: Flask, client: FlaskClient, path: str, data: dict[str, str]) -> list[int]:
    """The same request from two connections of one browser, at the same instant."""
    twin = app.test_client()
    for name in ("session", "return"):
        cookie = client.get_cookie(name)
        assert cookie is not None
        twin.set_cookie(name, cookie.value)
    start, answers = threading.Barrier(2), []

    def send(sender: FlaskClient) -> None:
        start.wait()
        answer = sender.post(path, data=data, content_type="multipart/form-data")
        answers.append(answer.status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in (client, twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_a_message_and_a_consent_change_sent_at_the_same_instant_are_each_stored_once(
    app: Flask, store: Store
) -> None:
    client = _signed_in(app)
    for round_number in range(1, 4):
        answers = _same_instant(
            app, client, "/return/add", _message(client, f"Note {round_number}")
        )
        assert answers == [303, 303] and count_rows(store, Message) == round_number
        records = count_rows(store, ConsentRecord)
        change = _consent(client, legal=round_number % 2 == 1)
        assert _same_instant(app, client, "/return/consent", change) == [303, 303]
        assert count_rows(store, ConsentRecord) == records + 1
