"""Advocates sign in with a passphrase and TOTP, review, triage, reply and see linked cases."""

from __future__ import annotations

import os
import re
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, update

from bench.seed import seed_reports
from crypto.envelope import new_key
from crypto.keys import PublicKey, seal
from portal.core import audit, bindings
from portal.core.account_sessions import IDLE
from portal.core.group_keys import current_group_key
from portal.core.principal import unlock_principal
from portal.core.reports import encrypt_account, new_id
from portal.core.search import open_index_key
from portal.store import Store
from portal.store.models import (
    AccountSession,
    Attachment,
    AuditEvent,
    Group,
    IndexKey,
    Report,
    ReportKeySeal,
    ReportTag,
)
from tests.support.database import only_report_id
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import add_note, csrf_token, form_tokens, send_reply, sign_in, submit
from tests.support.people import Person, log_in, signed_in_as

FAILED = "Those details did not work"


def _case_ids(page: str) -> list[str]:
    return re.findall(r'href="/advocate/case/([0-9a-f]{32})[?"]', page)


# Signing in


def test_the_right_passphrase_and_code_sign_in(app: Flask, advocate: Person) -> None:
    client = app.test_client()
    response = log_in(client, advocate)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/advocate/").status_code == 200


@pytest.mark.parametrize("mistake", ["passphrase", "code", "name"])
def test_every_wrong_detail_gets_the_same_neutral_message(
    app: Flask, advocate: Person, mistake: str
) -> None:
    client = app.test_client()
    wrong = Person(
        name="nobody" if mistake == "name" else advocate.name,
        role=advocate.role,
        passphrase="wrong " + advocate.passphrase
        if mistake == "passphrase"
        else advocate.passphrase,
        totp=advocate.totp,
        account_id=advocate.account_id,
    )
    response = log_in(client, wrong, code="000000" if mistake == "code" else None)
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert FAILED in page
    assert "passphrase was wrong" not in page and "code was wrong" not in page
    assert client.get("/advocate/").status_code == 302


def test_a_failed_sign_in_never_shows_the_code_back(app: Flask, advocate: Person) -> None:
    client = app.test_client()
    wrong = Person(advocate.name, advocate.role, "wrong passphrase here", advocate.totp, 0)
    code = advocate.next_code()
    page = log_in(client, wrong, code=code).get_data(as_text=True)
    assert FAILED in page
    assert code not in page


def test_a_totp_code_is_never_accepted_twice(app: Flask, advocate: Person) -> None:
    code = advocate.next_code()
    assert log_in(app.test_client(), advocate, code=code).status_code == 303
    again = log_in(app.test_client(), advocate, code=code)
    assert FAILED in again.get_data(as_text=True)  # type: ignore[attr-defined]


def test_repeated_failures_lock_the_account_even_against_the_right_details(
    app: Flask, advocate: Person, store: Store
) -> None:
    client = app.test_client()
    for _ in range(5):
        log_in(client, advocate, code="000000")
    response = log_in(client, advocate)
    assert FAILED in response.get_data(as_text=True)  # type: ignore[attr-defined]
    with store.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "account locked" in actions


def test_signing_out_destroys_the_server_side_session(
    advocate_client: FlaskClient, store: Store
) -> None:
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(AccountSession)) == 1
    token = csrf_token(advocate_client, "/advocate/")
    assert advocate_client.post("/advocate/logout", data={"csrf_token": token}).status_code == 303
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(AccountSession)) == 0
    assert advocate_client.get("/advocate/").status_code == 302


def test_an_idle_session_expires(advocate_client: FlaskClient, store: Store) -> None:
    with store.session() as session:
        row = session.scalars(select(AccountSession)).one()
        session.execute(
            update(AccountSession).values(
                seen_at=row.seen_at - IDLE - IDLE, started_at=row.started_at - IDLE - IDLE
            )
        )
        session.commit()
    assert advocate_client.get("/advocate/").status_code == 302


def test_the_session_row_holds_no_key_in_clear(advocate_client: FlaskClient, store: Store) -> None:
    cookie = advocate_client.get_cookie("staff")
    assert cookie is not None
    with store.session() as session:
        state = session.scalars(select(AccountSession.state)).one()
    assert cookie.value.split(".")[1].encode() not in state


# Reviewing


def test_the_list_shows_reports_and_the_case_view_is_audited(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="He followed me home every night.", force="Kent Police")
    page = advocate_client.get("/advocate/").get_data(as_text=True)
    [report_id] = _case_ids(page)
    assert "Kent Police" in page
    case = advocate_client.get(f"/advocate/case/{report_id}")
    assert case.status_code == 200
    assert "He followed me home every night." in case.get_data(as_text=True)
    with store.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.subject == report_id)).one()
        assert (event.actor, event.action) == ("alice", "case viewed")
        assert audit.verify(session).intact


def test_the_consent_history_reads_yes_and_no(
    client: FlaskClient, advocate_client: FlaskClient
) -> None:
    submit(client, what_happened="x", consent_legal="y", consent_messages_legal="y")
    [report_id] = _case_ids(advocate_client.get("/advocate/").get_data(as_text=True))
    page = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    consent = page.split('<h2 id="consent-heading">Consent</h2>', 1)[1].split("<h2", 1)[0]
    assert "<li>Legal team, with the survivor's messages: Yes</li>" in consent
    assert "<li>IOPC, with the survivor's messages: No</li>" in consent
    history = re.search(r'<ol class="consent-history">\s*<li>(.*?)</li>', consent, re.S)
    assert history
    assert history.group(1).endswith("read yes; legal yes, with messages; IOPC no; statistics no")


def test_unknown_and_unreadable_cases_look_exactly_the_same(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    token = form_tokens(client, "/report")
    client.post(  # the survivor lets nobody read it: a sealed record only
        "/report",
        data={**token, "what_happened": "sealed"},
        content_type="multipart/form-data",
    )
    sealed_id = only_report_id(store)
    pages = [
        advocate_client.get(f"/advocate/case/{report_id}")
        for report_id in (sealed_id, "0" * 32, "not-an-id", sealed_id.upper())
    ]
    assert {page.status_code for page in pages} == {404}
    assert len({page.get_data() for page in pages}) == 1
    assert _case_ids(advocate_client.get("/advocate/").get_data(as_text=True)) == []


def test_a_tampered_case_says_so_is_audited_and_the_list_still_works(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="first")
    submit(client, what_happened="second")
    with store.session() as session:
        one, two = session.scalars(select(Report).order_by(Report.id)).all()
        one.content, two.content = two.content, one.content
        session.commit()
        tampered = one.id
    listing = advocate_client.get("/advocate/")
    assert listing.status_code == 200
    assert listing.get_data(as_text=True).count("Failed integrity check") == 2
    case = advocate_client.get(f"/advocate/case/{tampered}")
    assert case.status_code == 200
    assert "failed an integrity check" in case.get_data(as_text=True)
    with store.session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject == tampered)
        ).all()
    assert actions == ["integrity failure"]


def test_filters_narrow_the_list(client: FlaskClient, advocate_client: FlaskClient) -> None:
    submit(client, what_happened="a", force="Kent Police", harms=["stalking"], in_danger="yes")
    submit(client, what_happened="b", force="Essex Police", harms=["stalking"])
    submit(client, what_happened="c", force="Kent Police", harms=["physical"])

    def count(query: str) -> int:
        return len(_case_ids(advocate_client.get(f"/advocate/?{query}").get_data(as_text=True)))

    assert count("") == 3
    assert count("force=Kent+Police") == 2
    assert count("harm=stalking") == 2
    assert count("force=Kent+Police&harm=stalking") == 1
    assert count("danger=y") == 1
    assert count("status=closed") == 0
    assert count("force=Not+a+force&status=nonsense&sort=evil") == 3  # doctored: ignored


def test_ten_thousand_reports_list_page_one_and_filter(
    advocate_client: FlaskClient, store: Store
) -> None:
    seed_reports(store, 10_000)
    page = advocate_client.get("/advocate/").get_data(as_text=True)
    assert "10000 reports." in page
    assert len(_case_ids(page)) == 25
    # Each page load indexes for about two seconds: reload, as the page asks, until done.
    for _ in range(30):
        filtered = advocate_client.get("/advocate/?force=Kent+Police&danger=y")
        filtered_page = filtered.get_data(as_text=True)
        if "still being indexed" not in filtered_page:
            break
    filtered = filtered_page
    total = re.search(r"(\d+) reports?\.", filtered)
    assert total and 0 < int(total.group(1)) < 10_000
    assert len(_case_ids(filtered)) == min(25, int(total.group(1)))
    second = advocate_client.get("/advocate/?page=2").get_data(as_text=True)
    assert set(_case_ids(second)).isdisjoint(_case_ids(page))


def test_two_advocates_creating_the_index_key_at_once_agree_on_one_key(
    store: Store, advocate: Person
) -> None:
    """The second seal of a new index key loses the race and reads the first one's."""
    with store.session() as session:
        principal = unlock_principal(session, advocate.name, advocate.passphrase, CHEAP_ARGON2)
    with store.session() as first, store.session() as second:
        keys: list[bytes | None] = []

        def the_other_advocate_seals_first(*_: object) -> None:
            if not keys:
                keys.append(open_index_key(first, principal))

        event.listen(second, "before_flush", the_other_advocate_seals_first)
        keys.append(open_index_key(second, principal))
    assert keys[0] is not None and keys == [keys[0], keys[0]]
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(IndexKey)) == 1
        assert open_index_key(session, principal) == keys[0]


def test_two_advocates_loading_the_list_at_once_after_a_surge_index_each_report_once(
    app: Flask, advocate: Person, store: Store
) -> None:
    seed_reports(store, 2_000)
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        assert log_in(client, advocate).status_code == 303
    statuses: list[int] = []
    start = threading.Barrier(len(clients))

    def load(client: FlaskClient) -> None:
        start.wait()
        for _ in range(3):
            statuses.append(client.get("/advocate/").status_code)

    threads = [threading.Thread(target=load, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * 6
    # Each load indexes for about two seconds; on a busy machine the surge may
    # need a few more loads, one after another, to finish.
    for _ in range(30):
        with store.session() as session:
            if not session.scalar(select(func.count()).where(Report.indexed.is_(False))):
                break
        assert clients[0].get("/advocate/").status_code == 200
    with store.session() as session:
        assert session.scalar(select(func.count()).where(Report.indexed.is_(False))) == 0
        # Each seeded report names a force and a harm; one in ten is in danger.
        per_report = dict(
            session.execute(
                select(ReportTag.report_id, func.count()).group_by(ReportTag.report_id)
            ).all()
        )
        assert len(per_report) == 2_000
        assert sum(per_report.values()) == 2 * 2_000 + 200


# Triage and replies


def test_triage_changes_are_saved_and_audited(
    client: FlaskClient, advocate_client: FlaskClient, advocate: Person, store: Store
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    token = csrf_token(advocate_client, f"/advocate/case/{report_id}")
    response = advocate_client.post(
        f"/advocate/case/{report_id}/triage",
        data={
            "csrf_token": token,
            "status": "referred",
            "priority": "urgent",
            "assignee": str(advocate.account_id),
            "review_on": "2027-01-15",
            "tags": "legal, strangulation",
        },
    )
    assert response.status_code == 303
    page = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert "legal, strangulation" in page
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        assert (report.status.value, report.priority.value) == ("referred", "urgent")
        assert report.assignee_id == advocate.account_id
        assert b"strangulation" not in (report.tags or b"")  # encrypted
        detail = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "triage changed")
        ).one()
    assert detail is not None and "status=referred" in detail and "tags changed" in detail
    assert "strangulation" not in detail


def test_a_reply_reaches_the_survivor_and_a_note_does_not(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    codename = submit(client, what_happened="x")
    report_id = only_report_id(store)
    assert (
        send_reply(advocate_client, report_id, "We believe you and we can help.").status_code == 303
    )
    assert add_note(advocate_client, report_id, "Internal: call back").status_code == 303
    sign_in(client, codename)
    survivor_page = client.get("/return/report").get_data(as_text=True)
    assert "We believe you and we can help." in survivor_page
    assert "Internal: call back" not in survivor_page
    case = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert "Internal: call back" in case


def test_files_download_decrypted_as_attachments_and_are_audited(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    import io

    content = b"<html><script>alert(1)</script></html>" * 3000
    submit(client, what_happened="x", keep_metadata="y", files=[(io.BytesIO(content), "page.html")])
    report_id = only_report_id(store)
    case = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    link = re.search(rf'href="(/advocate/case/{report_id}/file/[0-9a-f]{{32}})"', case)
    assert link
    response = advocate_client.get(link.group(1))
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with store.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "file downloaded" in actions


def test_a_download_abandoned_after_its_first_bytes_is_audited_all_the_same(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    import io

    content = os.urandom(2 * 1024 * 1024)
    submit(client, what_happened="x", keep_metadata="y", files=[(io.BytesIO(content), "f.bin")])
    report_id = only_report_id(store)
    with store.session() as session:
        attachment_id = session.scalars(select(Attachment.id)).one()
    response = advocate_client.get(
        f"/advocate/case/{report_id}/file/{attachment_id}", buffered=False
    )
    first = next(iter(response.response))  # type: ignore[arg-type]
    assert first and content.startswith(first) and len(first) < len(content)
    response.close()  # the advocate's client hangs up
    with store.session() as session:
        downloads = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "file downloaded")
        ).all()
    assert [(e.actor, e.subject) for e in downloads] == [("alice", report_id)]


# Linked cases


def _report(client: FlaskClient, force: str, name: str, number: str) -> None:
    submit(
        client,
        what_happened=f"about {name}",
        force=force,
        **{"officers-0-name": name, "officers-0-number": number},
    )


def test_reports_naming_the_same_officer_differently_written_are_linked(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    _report(client, "Kent Police", "PC John Smith", "1234")
    _report(client, "Kent Police", "smith,  JOHN", "pc 1234")
    _report(client, "Kent Police", "Sgt. John  Smith", "PC-1234")
    _report(client, "Kent Police", "Jane Doe", "9876")
    _report(client, "Essex Police", "John Smith", "1234")  # another force: another person
    page = advocate_client.get("/advocate/").get_data(as_text=True)
    assert page.count("2 others") == 3
    with store.session() as session:
        reports = {r.id: r.content for r in session.scalars(select(Report))}
        officer_tags = session.execute(
            select(ReportTag.report_id, func.count())
            .where(ReportTag.kind == "officer")
            .group_by(ReportTag.report_id)
        ).all()
    assert len(officer_tags) == 5
    linked_rows = re.findall(r"<strong class=\"tag\">(\d+) others?</strong>", page)
    assert sorted(linked_rows) == ["2", "2", "2"]
    assert len(reports) == 5


def test_the_case_view_lists_the_other_reports_naming_the_officer(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    _report(client, "Kent Police", "John Smith", "")
    _report(client, "Kent Police", "JOHN SMITH", "")
    _report(client, "Kent Police", "John Smithson", "")
    with store.session() as session:
        ids = session.scalars(select(Report.id)).all()
    advocate_client.get("/advocate/")  # the list indexes new reports
    pages = {i: advocate_client.get(f"/advocate/case/{i}").get_data(as_text=True) for i in ids}
    linked = [i for i, page in pages.items() if "Also named in 1 other report" in page]
    assert len(linked) == 2


def test_no_plaintext_officer_or_force_is_stored(
    client: FlaskClient, advocate_client: FlaskClient, instance: Instance
) -> None:
    _report(client, "Kent Police", "Ebenezer Whitlock", "77123")
    advocate_client.get("/advocate/")
    for path in instance.path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"Whitlock" not in data and b"77123" not in data


def test_an_admin_gets_not_found_for_every_case(
    client: FlaskClient, advocate: Person, store: Store, admin_client: FlaskClient
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    assert admin_client.get("/advocate/").status_code == 404
    assert admin_client.get(f"/advocate/case/{report_id}").status_code == 404


def test_changing_the_passphrase_rewraps_the_key(
    app: Flask, advocate_client: FlaskClient, advocate: Person, client: FlaskClient
) -> None:
    submit(client, what_happened="still readable after the change")
    new = "harbour lantern quietly orbit velvet meadow"
    token = csrf_token(advocate_client, "/advocate/passphrase")
    wrong = advocate_client.post(
        "/advocate/passphrase",
        data={"csrf_token": token, "current": "not it at all, sorry", "new": new, "confirm": new},
    )
    assert "current passphrase was not right" in wrong.get_data(as_text=True)
    done = advocate_client.post(
        "/advocate/passphrase",
        data={"csrf_token": token, "current": advocate.passphrase, "new": new, "confirm": new},
    )
    assert "has been changed" in done.get_data(as_text=True)
    old = log_in(app.test_client(), advocate)
    assert FAILED in old.get_data(as_text=True)  # type: ignore[attr-defined]
    advocate.passphrase = new
    fresh = signed_in_as(app, advocate)
    [report_id] = _case_ids(fresh.get("/advocate/").get_data(as_text=True))
    assert "still readable" in fresh.get(f"/advocate/case/{report_id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/x",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/staff/",
        "/advocate/%0d%0aSet-Cookie:x=y",
    ],
)
def test_signing_in_never_redirects_off_the_area(app: Flask, advocate: Person, target: str) -> None:
    client = app.test_client()
    token = csrf_token(client, "/advocate/login")
    response = client.post(
        f"/advocate/login?next={target}",
        data={
            "csrf_token": token,
            "name": advocate.name,
            "passphrase": advocate.passphrase,
            "code": advocate.next_code(),
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/advocate/"


@pytest.mark.parametrize(
    "query",
    [
        "page=²",
        "page=99999999999999999999",
        "assignee=²",
        "assignee=99999999999999999999999",
        "received_from=not-a-date",
    ],
)
def test_doctored_list_addresses_get_a_page_not_an_error(
    advocate_client: FlaskClient, query: str
) -> None:
    assert advocate_client.get(f"/advocate/?{query}").status_code == 200


@pytest.mark.parametrize("assignee", ["abc", "99999", "²"])
def test_a_doctored_assignee_changes_nothing(
    client: FlaskClient, advocate_client: FlaskClient, store: Store, assignee: str
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    token = csrf_token(advocate_client, f"/advocate/case/{report_id}")
    response = advocate_client.post(
        f"/advocate/case/{report_id}/triage",
        data={"csrf_token": token, "status": "closed", "priority": "low", "assignee": assignee},
    )
    assert response.status_code == 303
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.status.value == "new"


def test_a_note_relabelled_as_a_reply_fails_its_integrity_check(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    from portal.store.models import Message, MessageKind

    submit(client, what_happened="x")
    report_id = only_report_id(store)
    add_note(advocate_client, report_id, "internal only")
    with store.session() as session:
        session.execute(update(Message).values(kind=MessageKind.MESSAGE))
        session.commit()
    page = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert "failed an integrity check" in page and "internal only" not in page


def test_the_database_cannot_tell_danger_tags_from_force_or_harm_tags(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="x", force="Kent Police", in_danger="yes", harms=["physical"])
    submit(client, what_happened="y", force="Kent Police", harms=["physical", "stalking"])
    advocate_client.get("/advocate/")
    with store.session() as session:
        kinds = set(session.scalars(select(ReportTag.kind)))
    assert kinds == {"attribute"}


def test_viewing_the_list_is_audited(advocate_client: FlaskClient, store: Store) -> None:
    advocate_client.get("/advocate/")
    with store.session() as session:
        assert "list viewed" in session.scalars(select(AuditEvent.action)).all()


def test_a_case_whose_account_lacks_fields_of_a_later_form_opens(
    advocate_client: FlaskClient, store: Store
) -> None:
    """An account stored by an older form has none of the questions added since."""
    with store.session() as session:
        advocates = current_group_key(session, Group.ADVOCATES)
        report_id, data_key = new_id(), new_key()
        account = {"what_happened": "an account from an older form", "officers": []}
        session.add(
            Report(
                id=report_id,
                lookup_id=os.urandom(32),
                survivor_key=os.urandom(60),
                content=encrypt_account(data_key, report_id, account),
            )
        )
        session.flush()
        sealed = seal(
            PublicKey.from_bytes(advocates.public_key),
            data_key,
            bindings.report_key_seal(report_id, advocates),
        )
        session.add(
            ReportKeySeal(report_id=report_id, group_key_id=advocates.id, sealed_key=sealed)
        )
        session.commit()
    case = advocate_client.get(f"/advocate/case/{report_id}")
    assert case.status_code == 200
    assert "an account from an older form" in case.get_data(as_text=True)
