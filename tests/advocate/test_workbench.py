"""The advocates' workbench: what changed since each looked, labels, case page, notes, replies."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Date, DateTime, select

from portal.store import Store
from portal.store.models import AuditEvent, Base, Message, Priority, Report, ReportStatus, Role
from tests.advocate.members import grant_on_page
from tests.support.database import count_rows, only_report_id
from tests.support.instance import Instance
from tests.support.pages import add_note, csrf_token, form_tokens, send_reply, sign_in, submit
from tests.support.people import Person, create_person, signed_in_as

ROW = r'<tr(?: class="([^"]*)")?>\s*<td><a href="/advocate/case/([0-9a-f]{32})'


def _rows(client: FlaskClient, query: str = "") -> list[tuple[str, bool]]:
    """The list's cases in order, each with whether it is marked new to this advocate."""
    page = client.get(f"/advocate/?{query}").get_data(as_text=True)
    return [(report_id, "new-to-me" in classes) for classes, report_id in re.findall(ROW, page)]


def _new_to(client: FlaskClient) -> set[str]:
    return {report_id for report_id, new in _rows(client) if new}


def _survivor_adds(client: FlaskClient, what: str) -> None:
    """The signed-in survivor sends a message, a file, or a change of consent."""
    if what == "consent":
        data = form_tokens(client, "/return/consent") | {
            "consent_read": "y",
            "consent_statistics": "y",
        }
        assert client.post("/return/consent", data=data).status_code == 303
        return
    data = form_tokens(client, "/return/report") | {"kind": "message", "text": "I remembered more."}
    if what == "file":
        data |= {"text": "", "keep_metadata": "y"}
        data["files"] = [(io.BytesIO(b"a note I kept"), "note.txt")]  # type: ignore[assignment]
    sent = client.post("/return/add", data=data, content_type="multipart/form-data")
    assert sent.status_code == 303


# New since you last looked


@pytest.mark.parametrize("what", ["message", "file", "consent"])
def test_a_case_is_new_to_each_advocate_until_they_open_it_and_again_after_the_survivor_adds(
    app: Flask,
    store: Store,
    instance: Instance,
    client: FlaskClient,
    advocate_client: FlaskClient,
    what: str,
) -> None:
    codename = submit(client, what_happened="x")
    report_id = only_report_id(store)
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    assert grant_on_page(advocate_client, bob.account_id).status_code == 303
    bob_client = signed_in_as(app, bob)
    assert _new_to(advocate_client) == _new_to(bob_client) == {report_id}

    advocate_client.get(f"/advocate/case/{report_id}")
    assert _new_to(advocate_client) == set()
    assert _new_to(bob_client) == {report_id}  # each advocate has their own mark

    # The same day as she looked: a day-granular mark could not tell.
    sign_in(client, codename)
    _survivor_adds(client, what)
    assert _new_to(advocate_client) == {report_id}
    advocate_client.get(f"/advocate/case/{report_id}")
    assert _new_to(advocate_client) == set()


def test_what_advocates_write_does_not_mark_a_case_new(
    app: Flask, store: Store, instance: Instance, client: FlaskClient, advocate_client: FlaskClient
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    advocate_client.get(f"/advocate/case/{report_id}")
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    assert grant_on_page(advocate_client, bob.account_id).status_code == 303
    bob_client = signed_in_as(app, bob)
    assert add_note(bob_client, report_id, "called the refuge").status_code == 303
    assert send_reply(bob_client, report_id, "We are here.").status_code == 303
    assert _new_to(advocate_client) == set()


def test_the_seen_mark_holds_a_count_and_never_a_day_or_a_time() -> None:
    table = Base.metadata.tables["case_seen"]
    assert {c.name for c in table.columns} == {"account_id", "report_id", "survivor_changes"}
    assert not any(isinstance(c.type, Date | DateTime) for c in table.columns)


def test_the_list_shows_the_day_of_last_activity_only(
    client: FlaskClient, advocate_client: FlaskClient
) -> None:
    submit(client, what_happened="x")
    page = advocate_client.get("/advocate/").get_data(as_text=True)
    assert '<th scope="col">Last activity</th>' in page
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    cells = re.findall(r'<td class="day">([^<]*)</td>', page)
    assert cells == [today, today]  # received, last activity: a day, no time


# In danger now


def test_reports_in_danger_come_first_by_default_and_arrive_as_urgent(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="first", in_danger="yes")
    submit(client, what_happened="second")
    submit(client, what_happened="third", in_danger="no")
    order = [report_id for report_id, _ in _rows(advocate_client)]
    page = advocate_client.get("/advocate/").get_data(as_text=True)
    assert page.count("<td>Urgent</td>") == 1 and page.count("<td>Normal</td>") == 2
    urgent = [r for r, _ in _rows(advocate_client, "priority=urgent")]
    assert len(urgent) == 1 and order[0] == urgent[0]
    assert len(_rows(advocate_client, "priority=normal")) == 2
    case_page = advocate_client.get(f"/advocate/case/{urgent[0]}").get_data(as_text=True)
    assert re.search(r"<dt>Priority</dt><dd>Urgent</dd>", case_page)
    assert re.search(r'<option selected value="urgent">', case_page)
    # Shown, never stored: the priority is in clear, and would tell someone holding
    # the database which new reports said she was in danger.
    with store.session() as session:
        assert {r.priority for r in session.scalars(select(Report))} == {Priority.NORMAL}
    assert page.count("In danger now</strong>") == 1
    # Received a day before the others: newest first, when asked, puts it last.
    with store.session() as session:
        report = session.get(Report, urgent[0])
        assert report is not None
        report.received_on -= datetime.timedelta(days=1)
        session.commit()
    assert _rows(advocate_client)[0][0] == urgent[0]
    assert [r for r, _ in _rows(advocate_client, "sort=received")][-1] == urgent[0]


def test_a_report_in_danger_once_triaged_shows_the_priority_an_advocate_chose(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="x", in_danger="yes")
    report_id = only_report_id(store)
    for status, priority, shown in [("new", "low", "Low"), ("in review", "normal", "Normal")]:
        with store.session() as session:
            report = session.get(Report, report_id)
            assert report is not None
            report.status, report.priority = ReportStatus(status), Priority(priority)
            session.commit()
        page = advocate_client.get("/advocate/").get_data(as_text=True)
        assert f"<td>{shown}</td>" in page and "<td>Urgent</td>" not in page, status
        with store.session() as session:
            report = session.get(Report, report_id)
            assert report is not None and report.priority.value == priority


# Readable labels


def test_the_case_and_the_list_show_words_not_stored_values(
    client: FlaskClient, advocate_client: FlaskClient, advocate: Person, store: Store
) -> None:
    submit(
        client,
        what_happened="x",
        force="Kent Police",
        harms=["coercive-control", "failure-to-investigate"],
        contact_method="inbox",
        reported_before="unsure",
        in_danger="no",
    )
    report_id = only_report_id(store)
    listing = advocate_client.get("/advocate/").get_data(as_text=True)
    assert "Coercive control, Failure to investigate" in listing
    assert "<td>New</td>" in listing and "<td>Normal</td>" in listing
    assert "coercive-control" not in listing.split("<table", 1)[1]
    case = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert "Coercive control" in case and "Through this website" in case
    assert "<dt>Reported before</dt><dd>Not sure" in case
    for raw in (">coercive-control", ">inbox", ">unsure", "failure-to-investigate<"):
        assert raw not in case


def test_the_audit_trail_reads_as_sentences(
    client: FlaskClient, advocate_client: FlaskClient, advocate: Person, store: Store
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    account_id = advocate.account_id
    token = csrf_token(advocate_client, f"/advocate/case/{report_id}")
    triage = {
        "csrf_token": token,
        "status": "awaiting survivor",
        "priority": "high",
        "assignee": str(account_id),
        "tags": "",
    }
    assert (
        advocate_client.post(f"/advocate/case/{report_id}/triage", data=triage).status_code == 303
    )
    case = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    trail = case.split('id="trail-heading"', 1)[1]
    assert (
        "Changed the triage (status Waiting for the survivor; priority High; assigned to alice)"
        in trail
    )
    assert "Opened the case" in trail
    assert "assignee_id" not in trail and "triage changed" not in trail
    with store.session() as session:
        detail = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "triage changed")
        ).one()
    assert detail is not None and "assignee=alice" in detail  # a name, never an id


# The case page


def _case_links(page: str) -> list[str]:
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'href="(/advocate/case/[0-9a-f]{32}\?[^"]*)"', page)
    ]


def _around(client: FlaskClient, link: str) -> tuple[str | None, str | None]:
    """The previous and next links of a case page opened from the list."""
    page = client.get(link).get_data(as_text=True)
    found = [re.search(rf'href="([^"]+)" rel="{rel}"', page) for rel in ("prev", "next")]
    previous, following = (m.group(1).replace("&amp;", "&") if m else None for m in found)
    return previous, following


def _id(link: str | None) -> str | None:
    return link.split("/")[3].split("?")[0] if link else None


def test_previous_and_next_follow_the_list_as_filtered_and_ordered(
    client: FlaskClient, advocate_client: FlaskClient
) -> None:
    for force in ("Kent Police", "Essex Police", "Kent Police", "Kent Police"):
        submit(client, what_happened="x", force=force)
    query = "force=Kent+Police&sort=oldest"
    ids = [report_id for report_id, _ in _rows(advocate_client, query)]
    assert len(ids) == 3
    link: str | None = _case_links(advocate_client.get(f"/advocate/?{query}").get_data(True))[0]
    walked: list[str] = []
    while link:
        assert "force=Kent+Police" in link and "sort=oldest" in link
        previous, link = _around(advocate_client, link)
        assert _id(previous) == (walked[-1] if walked else None)
        walked.append(ids[len(walked)])
    assert walked == ids


def test_previous_and_next_still_hold_when_new_reports_moved_the_list(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    for _ in range(3):
        submit(client, what_happened="x")
    with store.session() as session:
        for report in session.scalars(select(Report)):
            report.received_on -= datetime.timedelta(days=1)
        session.commit()
    listing = advocate_client.get("/advocate/?sort=received").get_data(as_text=True)
    ids = [report_id for report_id, _ in _rows(advocate_client, "sort=received")]
    second = _case_links(listing)[1]
    submit(client, what_happened="newer")  # every case moves one place down
    previous, following = _around(advocate_client, second)
    assert (_id(previous), _id(following)) == (ids[0], ids[2])


def test_the_filters_fold_into_one_line_once_set(advocate_client: FlaskClient) -> None:
    bare = advocate_client.get("/advocate/").get_data(as_text=True)
    assert '<details class="filters" open>' in bare and "Clear filters" not in bare
    page = advocate_client.get(
        "/advocate/?status=new&harm=coercive-control&danger=y&sort=oldest"
    ).get_data(as_text=True)
    assert '<details class="filters">' in page
    summary = re.search(r"<summary>(.*?)</summary>", page, re.S)
    assert summary and "New; Coercive control; in danger now" in summary.group(1)
    assert 'href="/advocate/?sort=oldest">Clear filters</a>' in page


def test_advocate_pages_have_titles_that_say_what_they_are(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    reference = report_id[:8].upper()
    for path, title in (
        ("/advocate/", "Reports"),
        (f"/advocate/case/{report_id}", f"Case {reference}"),
        ("/advocate/members", "Advocates waiting for access"),
        ("/advocate/passphrase", "Your account"),
    ):
        page = advocate_client.get(path).get_data(as_text=True)
        assert f"<title>{title}</title>" in page, path
    # The survivor's pages stay neutral.
    assert "<title>Information</title>" in client.get("/report").get_data(as_text=True)


# Notes and replies


def _write(client: FlaskClient, report_id: str, **fields: str) -> tuple[int, str]:
    path = f"/advocate/case/{report_id}"
    data = {"csrf_token": csrf_token(client, path), **fields}
    response = client.post(f"{path}/write", data=data)
    return response.status_code, response.get_data(as_text=True)


def _survivor_page(client: FlaskClient, codename: str) -> str:
    sign_in(client, codename)
    return client.get("/return/report").get_data(as_text=True)


def test_the_note_button_comes_first_so_enter_adds_a_note(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="x")
    page = advocate_client.get(f"/advocate/case/{only_report_id(store)}").get_data(as_text=True)
    form = page.split('class="write"', 1)[1].split("</form>", 1)[0]
    buttons = re.findall(r'<input[^>]*type="submit"[^>]*value="([^"]+)"', form)
    assert buttons == ["Add internal note", "Reply to the survivor"]


def test_a_reply_is_shown_for_checking_and_stored_only_when_sent(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    codename = submit(client, what_happened="x")
    report_id = only_report_id(store)
    text = "We believe you.\n\n- call us\n- **stay safe**"
    status, page = _write(advocate_client, report_id, text=text, reply="y")
    assert status == 200 and "Check your reply" in page
    assert (
        "<p>We believe you.</p><ul><li>call us</li><li><strong>stay safe</strong></li></ul>" in page
    )
    assert count_rows(store, Message) == 0  # nothing sent yet

    # "Change it": back to the case with the text kept, still nothing sent.
    token = csrf_token(advocate_client, f"/advocate/case/{report_id}")
    changed = advocate_client.post(
        f"/advocate/case/{report_id}/reply", data={"csrf_token": token, "text": text, "change": "y"}
    )
    assert changed.status_code == 200
    assert "We believe you.\n\n- call us" in changed.get_data(as_text=True).replace("\r", "")
    assert count_rows(store, Message) == 0
    assert "We believe you." not in _survivor_page(client, codename)

    sent = send_reply(advocate_client, report_id, text, status="awaiting survivor")
    assert sent.status_code == 303
    mine = client.get("/return/report").get_data(as_text=True)
    assert "<li><strong>stay safe</strong></li>" in mine
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None and report.status.value == "awaiting survivor"
        actions = list(
            session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "reply sent"))
        )
    assert actions == ["status=awaiting survivor"]


def test_a_note_never_reaches_the_survivor_and_a_bare_send_is_a_note(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    codename = submit(client, what_happened="x")
    report_id = only_report_id(store)
    assert _write(advocate_client, report_id, text="note by button", note="y")[0] == 303
    assert _write(advocate_client, report_id, text="no button at all")[0] == 303
    mine = _survivor_page(client, codename)
    assert "note by button" not in mine and "no button at all" not in mine
    case = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    assert case.count(", internal note</p>") == 2


def test_an_empty_or_overlong_note_gets_a_clear_message_with_the_text_kept(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    submit(client, what_happened="x")
    report_id = only_report_id(store)
    status, page = _write(advocate_client, report_id, text="   ", note="y")
    assert status == 200 and "Please write something." in page
    long = "word " * 4_001
    status, page = _write(advocate_client, report_id, text=long, reply="y")
    assert status == 200 and "cannot be longer than 20,000 characters" in page
    assert long.strip() in page
    assert count_rows(store, Message) == 0


def test_a_reply_with_links_pictures_and_styles_reaches_her_cleaned(
    client: FlaskClient, advocate_client: FlaskClient, store: Store
) -> None:
    codename = submit(client, what_happened="x")
    report_id = only_report_id(store)
    text = (
        '<a href="https://tracker.example/x">read this</a> **now**\n'
        '<img src="https://tracker.example/p.png"><span style="color:red" onclick="x()">hi</span>'
    )
    assert send_reply(advocate_client, report_id, text).status_code == 303
    mine = _survivor_page(client, codename)
    assert "<p>read this <strong>now</strong><br>hi</p>" in mine
    case = advocate_client.get(f"/advocate/case/{report_id}").get_data(as_text=True)
    for page in (mine, case):
        assert "tracker.example" not in page and "onclick" not in page and "color:red" not in page
