"""A survivor's whole journey: report, codename, return, replies, additions, consent, deletion."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

import config
from crypto.words import CODENAME_WORDS
from portal.core import audit, submissions
from portal.core.reports import Consent, add_message, decrypt_account, read_thread
from portal.store import Store
from portal.store.models import (
    AuditEvent,
    Author,
    ConsentRecord,
    Group,
    MessageKind,
    Report,
    ReportKeySeal,
    Role,
)
from portal.survivor import choices, service
from tests.support.instance import Instance
from tests.support.keys import advocates_key, report_key_for
from tests.support.pages import (
    CODENAME,
    SUBMISSION,
    TOKEN,
    csrf_token,
    form_tokens,
    post_report,
    sign_in,
    submit,
)
from tests.support.people import create_person

ACCOUNT = "He held me against the wall by my throat."
REFERENCE = re.compile(r"Your reference is <strong>([A-Z0-9-]+)</strong>")


def test_submitting_shows_a_codename_once_and_a_reference(client: FlaskClient) -> None:
    response = post_report(client, {"what_happened": ACCOUNT, "in_danger": "no"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    codename = re.search(r'<p class="codename" lang="en">([a-z ]+)</p>', page)
    assert codename and len(codename.group(1).split()) == CODENAME_WORDS
    assert "This is the only time you will see your codename" in page
    assert re.search(r"Your reference is <strong>[0-9A-F]{8}</strong>", page)
    assert "If you are in danger now" not in page.split("<h1>")[1]


def test_reports_sent_at_the_same_moment_are_each_kept_with_their_own_codename(
    app: Flask, store: Store
) -> None:
    """Reports sent at once are committed together; each survivor gets back their own."""
    accounts = [f"{ACCOUNT} Report {n} of a surge." for n in range(12)]
    codenames: dict[str, str] = {}
    start = threading.Barrier(len(accounts))

    def send(account: str) -> None:
        client = app.test_client()
        start.wait()
        codenames[account] = submit(client, what_happened=account)

    threads = [threading.Thread(target=send, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(set(codenames.values())) == len(accounts)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == len(accounts)
        assert session.scalar(select(func.count()).select_from(ReportKeySeal)) == 2 * len(accounts)
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == len(accounts)
    for account, codename in codenames.items():
        client = app.test_client()
        assert sign_in(client, codename).status_code == 303
        assert account in client.get("/return/report").get_data(as_text=True)


def test_in_danger_shows_999_before_anything_else(client: FlaskClient) -> None:
    page = post_report(client, {"what_happened": ACCOUNT, "in_danger": "yes"}).get_data(
        as_text=True
    )
    main = page.split('<main id="main"', 1)[1]
    assert main.index("Call 999") < main.index("Your report has been sent")


def test_the_survivor_must_confirm_saving_the_codename(client: FlaskClient) -> None:
    sent = post_report(client, {"what_happened": ACCOUNT}).text
    codename, reference = CODENAME.search(sent), REFERENCE.search(sent)
    assert codename and reference
    token = csrf_token(client, "/report/sent")
    unconfirmed = client.post("/report/saved", data={"csrf_token": token})
    assert unconfirmed.status_code == 200
    assert "Please confirm that you have saved your codename" in unconfirmed.text
    assert codename.group(1) in unconfirmed.text  # shown again, not lost
    assert f"Your reference is <strong>{reference.group(1)}</strong>" in unconfirmed.text
    confirmed = client.post("/report/saved", data={"csrf_token": token, "saved": "y"})
    assert confirmed.status_code == 303
    assert client.get(confirmed.headers["Location"]).status_code == 200
    # Saved: the codename is not shown again, by a reload or by Back then Forward.
    again = client.get("/report/sent").text
    assert codename.group(1) not in again and "This was already sent" in again


def test_the_confirmation_page_shows_only_the_codename_this_browser_was_given(
    client: FlaskClient,
) -> None:
    token = csrf_token(client, "/report")
    forged = client.post(
        "/report/saved", data={"csrf_token": token, "codename": "<b>not one of ours</b>"}
    )
    assert forged.status_code == 200 and "This was already sent" in forged.text
    assert "not one of ours" not in forged.text and 'class="codename"' not in forged.text


def test_a_survivor_comes_back_and_reads_an_advocates_reply(
    client: FlaskClient, instance: Instance, store: Store, only_report: Callable[[], Report]
) -> None:
    codename = submit(client, what_happened=ACCOUNT)
    report = only_report()
    group_key = advocates_key(instance, store)
    with store.session() as session:
        report = session.get(Report, report.id)
        assert report is not None
        data_key = report_key_for(group_key, report, Group.ADVOCATES)
        assert decrypt_account(data_key, report)["what_happened"] == ACCOUNT
        add_message(report, data_key, Author.ADVOCATE, MessageKind.MESSAGE, "We believe you.")
        session.commit()

    response = sign_in(client, codename)
    assert response.status_code == 303
    page = client.get("/return/report").get_data(as_text=True)
    assert "We believe you." in page
    assert ACCOUNT in page


def test_the_survivor_adds_information_and_a_message(
    client: FlaskClient, instance: Instance, store: Store, only_report: Callable[[], Report]
) -> None:
    codename = submit(client, what_happened=ACCOUNT)
    sign_in(client, codename)
    for kind, text in (("addition", "It happened again in May."), ("message", "Call me Tuesday")):
        token = form_tokens(client, "/return/report")
        response = client.post(
            "/return/add",
            data={**token, "kind": kind, "text": text},
            content_type="multipart/form-data",
        )
        assert response.status_code == 303
    page = client.get("/return/report").get_data(as_text=True)
    assert "It happened again in May." in page and "Call me Tuesday" in page
    report = only_report()
    data_key = report_key_for(advocates_key(instance, store), report, Group.ADVOCATES)
    thread = read_thread(report, data_key)
    assert [(e.author, e.kind, e.text) for e in thread] == [
        (Author.SURVIVOR, MessageKind.ADDITION, "It happened again in May."),
        (Author.SURVIVOR, MessageKind.MESSAGE, "Call me Tuesday"),
    ]


def _groups(report: Report) -> set[Group]:
    return {seal.group_key.group for seal in report.seals}


def test_consent_to_export_seals_the_key_to_exporters_and_withdrawal_unseals_it(
    client: FlaskClient, store: Store, only_report: Callable[[], Report]
) -> None:
    codename = submit(client, what_happened=ACCOUNT)
    assert _groups(only_report()) == {Group.ADVOCATES, Group.RECOVERY}
    sign_in(client, codename)

    def choose(**choices: str) -> None:
        token = form_tokens(client, "/return/consent")
        response = client.post("/return/consent", data={**token, **choices})
        assert response.status_code == 303

    choose(consent_read="y", consent_legal="y")
    report = only_report()
    assert _groups(report) == {Group.ADVOCATES, Group.RECOVERY, Group.EXPORTERS}
    assert report.export_legal and not report.export_iopc
    choose(consent_read="y")
    assert _groups(only_report()) == {Group.ADVOCATES, Group.RECOVERY}
    choose()  # keep a sealed record only
    assert _groups(only_report()) == {Group.RECOVERY}
    with store.session() as session:
        history = session.scalars(select(ConsentRecord).order_by(ConsentRecord.sequence)).all()
    assert [(c.advocates_may_read, c.export_legal) for c in history] == [
        (True, False),
        (True, True),
        (True, False),
        (False, False),
    ]


def _box(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, name
    return found.group(0)


def test_her_messages_go_with_an_export_only_when_she_ticks_them_under_it(
    client: FlaskClient, store: Store, only_report: Callable[[], Report]
) -> None:
    blank = client.get("/report").get_data(as_text=True)
    for name in ("consent_messages_legal", "consent_messages_iopc"):
        assert "checked" not in _box(blank, name)  # never ticked for her
    assert "Include my messages with the advocates" in blank
    assert "where you are staying or when it is safe to call you" in blank
    assert "passes complaints to the police force concerned" in blank
    # Messages ticked for the IOPC without the IOPC box: no consent to anything.
    codename = submit(
        client,
        what_happened=ACCOUNT,
        consent_legal="y",
        consent_messages_legal="y",
        consent_messages_iopc="y",
    )
    report = only_report()
    assert report.messages_legal and not report.messages_iopc and not report.export_iopc
    with store.session() as session:
        [record] = session.scalars(select(ConsentRecord)).all()
        assert record.messages_legal and not record.messages_iopc

    sign_in(client, codename)
    mine = client.get("/return/report").get_data(as_text=True)
    assert "The charity's legal team: <strong>Yes, with your messages</strong>" in mine
    assert "The IOPC or professional standards: <strong>No</strong>" in mine
    assert "More information becomes part of your report" in mine
    form = client.get("/return/consent").get_data(as_text=True)
    assert "checked" in _box(form, "consent_messages_legal")
    assert "checked" not in _box(form, "consent_messages_iopc")

    token = form_tokens(client, "/return/consent")
    changed = client.post(
        "/return/consent",
        data={
            **token,
            "consent_read": "y",
            "consent_legal": "y",
            "consent_iopc": "y",
            "consent_messages_iopc": "y",
        },
    )
    assert changed.status_code == 303
    report = only_report()
    assert (report.messages_legal, report.messages_iopc) == (False, True)
    mine = client.get("/return/report").get_data(as_text=True)
    assert "The charity's legal team: <strong>Yes, without your messages</strong>" in mine
    assert "The IOPC or professional standards: <strong>Yes, with your messages</strong>" in mine


def test_consent_to_statistics_seals_only_the_facts_and_withdrawal_removes_them(
    client: FlaskClient, only_report: Callable[[], Report]
) -> None:
    codename = submit(client, what_happened=ACCOUNT, force="Kent Police")
    assert only_report().statistics_seal is None
    sign_in(client, codename)

    def choose(**choices: str) -> None:
        token = form_tokens(client, "/return/consent")
        response = client.post("/return/consent", data={**token, **choices})
        assert response.status_code == 303

    choose(consent_read="y", consent_statistics="y")  # given later: sealed from the account
    report = only_report()
    assert report.statistics_seal is not None and report.statistics_key_id is not None
    assert _groups(report) == {Group.ADVOCATES, Group.RECOVERY}  # no data key for staff
    choose(consent_read="y")
    report = only_report()
    assert report.statistics_seal is None and report.statistics_key_id is None


def test_the_same_consent_sent_twice_at_once_is_kept_once(
    client: FlaskClient, store: Store, instance: Instance, only_report: Callable[[], Report]
) -> None:
    """A double click sends the consent form twice, with one token: the request that
    loses the race is told it was already sent, and one change is recorded."""
    codename = submit(client, what_happened=ACCOUNT)
    settings = config.load(instance.path, environ={})
    export = Consent(export_legal=True)
    token = submissions.issue(settings.secret_key, "consent")
    submission = submissions.check(settings.secret_key, "consent", token)
    with store.session() as first, store.session() as second:
        access = service.sign_in(second, settings.lookup_pepper, codename)
        raced: list[bool] = []

        def the_other_request_commits_first(*_: object) -> None:
            if not raced:
                raced.append(True)
                choices.change_consent(first, access, export, submission, settings.escrow_key)

        event.listen(second, "before_flush", the_other_request_commits_first)
        with pytest.raises(service.AlreadySent):
            choices.change_consent(second, access, export, submission, settings.escrow_key)
    assert raced
    report = only_report()
    assert _groups(report) == {Group.ADVOCATES, Group.RECOVERY, Group.EXPORTERS}
    assert report.export_legal
    assert len(report.seals) == 3
    with store.session() as session:  # as sent, and the one change
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 2


def test_a_sealed_record_only_report_cannot_be_read_by_advocates(
    client: FlaskClient, only_report: Callable[[], Report]
) -> None:
    token = form_tokens(client)
    response = client.post(
        "/report",
        data={**token, "what_happened": ACCOUNT},  # consent_read unticked
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert _groups(only_report()) == {Group.RECOVERY}


def test_deleting_removes_content_keys_and_codename_access(
    client: FlaskClient, store: Store
) -> None:
    codename = submit(client, what_happened=ACCOUNT)
    sign_in(client, codename)
    token = form_tokens(client, "/return/delete")
    unconfirmed = client.post("/return/delete", data={**token})
    assert "Please tick the box to confirm" in unconfirmed.text
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
    deleted = client.post("/return/delete", data={**token, "confirm": "y"}, follow_redirects=True)
    assert deleted.status_code == 200 and "has been deleted" in deleted.text
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        assert session.scalar(select(func.count()).select_from(ReportKeySeal)) == 0
        events = session.scalars(select(AuditEvent)).all()
        assert [(e.actor, e.action, e.subject, e.detail) for e in events] == [
            ("survivor", "report deleted", None, None)
        ]
        assert audit.verify(session).intact
    again = sign_in(client, codename)
    assert again.status_code == 200 and "could not find a report" in again.text
    assert client.get("/return/report").status_code == 302


def test_signing_out_ends_the_session(client: FlaskClient) -> None:
    sign_in(client, submit(client, what_happened=ACCOUNT))
    assert client.get("/return/report").status_code == 200
    token = csrf_token(client, "/return/report")
    assert client.post("/return/sign-out", data={"csrf_token": token}).status_code == 303
    assert client.get("/return/report").status_code == 302


@pytest.mark.parametrize("typed", ["", "one two three", "x" * 300, "<script>alert(1)</script>"])
def test_a_wrong_codename_gets_one_neutral_message(client: FlaskClient, typed: str) -> None:
    submit(client, what_happened=ACCOUNT)
    response = sign_in(client, typed)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ("could not find a report" in page) or ("Please enter your codename" in page)
    assert "<script>alert(1)</script>" not in page


def test_the_blank_form_served_from_the_cache_carries_each_visitors_own_token(
    app: Flask,
) -> None:
    first, second = app.test_client(), app.test_client()
    first_page = first.get("/report").get_data(as_text=True)
    assert app.extensions.get("blank_report_form"), "the blank form was not cached"
    second_page = second.get("/report").get_data(as_text=True)
    first_token = TOKEN.search(first_page)
    second_token = TOKEN.search(second_page)
    assert first_token and second_token
    assert first_token.group(1) != second_token.group(1)
    assert first_token.group(1) not in second_page
    # Each page names its own submission: one visitor's send is not another's.
    first_sending, second_sending = SUBMISSION.search(first_page), SUBMISSION.search(second_page)
    assert first_sending and second_sending
    assert first_sending.group(1) != second_sending.group(1)
    assert first_sending.group(1) not in second_page
    # Each token works for its own visitor only.
    own = {"what_happened": ACCOUNT, "consent_read": "y", "submission": second_sending.group(1)}
    crossed = second.post(
        "/report",
        data={"csrf_token": first_token.group(1), **own},
        content_type="multipart/form-data",
    )
    assert crossed.status_code == 400
    sent = second.post(
        "/report",
        data={"csrf_token": second_token.group(1), **own},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert sent.status_code == 200 and 'class="codename"' in sent.get_data(as_text=True)


def test_a_report_sealed_as_the_first_advocate_joins_is_sealed_again_and_kept(
    client: FlaskClient, store: Store, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its seals name the bootstrap key the join deletes: the database refuses them,
    and the report is sealed again under the new key, not lost with a 500."""
    write_together = service.write_together
    joined: list[bool] = []

    def the_first_advocate_joins_first(*args: object) -> None:
        if not joined:
            joined.append(True)
            create_person(store, instance, "alice", Role.ADVOCATE)  # another request, committed
        write_together(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "write_together", the_first_advocate_joins_first)
    codename = submit(client, what_happened="sent as she joined")
    assert joined
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        assert {(s.group_key.group, s.group_key.version) for s in report.seals} == {
            (Group.ADVOCATES, 2),
            (Group.RECOVERY, 1),
        }
    assert sign_in(client, codename).status_code == 303
