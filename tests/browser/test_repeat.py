"""Sending twice in a real browser stores once: a double click, a reload, Back then
Forward, and the same request sent again, for a report, a message, a consent change
and a deletion. Rows are counted in the portal's own database."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

import config
from portal.store import make_engine
from portal.store.models import ConsentRecord, Message, Report
from tests.browser.conftest import Portal, Visit, come_back, confirm_saved, send_report

JAVASCRIPT = pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])


@pytest.fixture
def count(portal: Portal) -> Iterator[Callable[[Any], int]]:
    """How many rows a table holds now, read with the database key."""
    engine = make_engine(config.load(portal.instance, environ={}))

    def rows(model: Any) -> int:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model)) or 0)

    yield rows
    engine.dispose()


def _send_again(page: Page, press: Callable[[], None]) -> Any:
    """Press a button, then send the very request it made once more, as a browser
    resending a form would: same cookies, same body, same token."""
    with page.expect_request(lambda request: request.method == "POST") as sent:
        press()
    page.wait_for_load_state()
    return page.request.fetch(sent.value)


def _fill_report(page: Page, portal: Portal) -> None:
    page.goto(portal.url + "/report")
    page.locator("#what_happened").fill(f"He came to my door. {portal.marker('account')}")


def _codename(page: Page) -> str:
    return page.locator("p.codename").inner_text().strip()


def test_a_report_reloaded_resent_and_revisited_is_stored_once(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int]
) -> None:
    """Without JavaScript: the server's path, ending on its codename page."""
    page = visit(javascript=False).page()
    before = count(Report)
    _fill_report(page, portal)
    again = _send_again(page, page.get_by_role("button", name="Send my report").click)
    codename = _codename(page)
    portal.markers.append(codename)
    assert again.ok and codename in again.text()  # the same page, the same codename
    page.reload()
    assert _codename(page) == codename
    page.go_back()
    page.go_forward()
    assert _codename(page) == codename
    assert count(Report) == before + 1
    confirm_saved(page)
    page.go_back()  # after "I have saved it" the codename is not shown again
    expect(page.locator("h1")).to_have_text("This was already sent")
    expect(page.get_by_role("link", name="come back with your codename")).to_be_visible()
    assert count(Report) == before + 1


def test_a_double_clicked_report_is_stored_once_and_shows_its_codename(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int]
) -> None:
    page = visit(javascript=False).page()
    before = count(Report)
    _fill_report(page, portal)
    page.get_by_role("button", name="Send my report").dblclick()
    # Polled, not awaited as a navigation: the second click may abort the first's.
    expect(page).to_have_url(portal.url + "/report/sent", timeout=15_000)
    expect(page.locator("p.codename")).to_be_visible()
    codename = _codename(page)
    portal.markers.append(codename)
    assert len(codename.split()) >= 7
    assert count(Report) == before + 1


def test_a_report_sealed_in_the_browser_resent_and_double_clicked_is_stored_once(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int]
) -> None:
    """With JavaScript: the browser seals and sends it, and draws the codename page."""
    page = visit(javascript=True).page()
    before = count(Report)
    _fill_report(page, portal)
    with page.expect_request(lambda request: request.method == "POST") as sent:
        page.get_by_role("button", name="Send my report").dblclick()
    assert sent.value.url == portal.url + "/report/sealed"
    codename = _codename(page)
    portal.markers.append(codename)
    reference = page.locator("p:has-text('Your reference is') strong").inner_text()
    again = page.request.fetch(sent.value)  # the same body and token, sent once more
    assert again.ok and again.json() == {"reference": reference}
    assert count(Report) == before + 1

    # Leaving before "I have saved it" would lose the codename: the browser asks first.
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    expect(page.locator("p.codename")).to_have_text(codename)
    assert asked == ["beforeunload"]
    confirm_saved(page)
    page.go_back()  # the form again, and no codename: the server never had it
    expect(page.locator("h1")).to_have_text("Tell us what happened")
    assert count(Report) == before + 1


def _signed_in(page: Page, portal: Portal) -> None:
    receipt = send_report(page, portal)
    confirm_saved(page)
    come_back(page, portal, receipt.codename)


@JAVASCRIPT
def test_a_message_double_clicked_resent_and_reloaded_is_added_once(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int], javascript: bool
) -> None:
    page = visit(javascript=javascript).page()
    _signed_in(page, portal)
    before = count(Message)
    page.locator("#text").fill(f"Please call after six. {portal.marker('message')}")
    page.get_by_role("button", name="Send", exact=True).dblclick()
    expect(page.get_by_role("status")).to_contain_text("Sent.")
    assert count(Message) == before + 1
    page.locator("#text").fill(f"One more thing. {portal.marker('message')}")
    again = _send_again(page, page.get_by_role("button", name="Send", exact=True).click)
    assert again.ok and "Sent." in again.text()
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("Sent.")
    assert count(Message) == before + 2
    expect(page.locator("ol.thread li")).to_have_count(2)


@JAVASCRIPT
def test_a_consent_change_double_clicked_resent_and_reloaded_is_recorded_once(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int], javascript: bool
) -> None:
    page = visit(javascript=javascript).page()
    _signed_in(page, portal)
    before = count(ConsentRecord)
    page.get_by_role("link", name="Change your choices").click()
    page.locator("#consent_statistics").check()
    page.get_by_role("button", name="Save my choices").dblclick()
    expect(page.get_by_role("status")).to_contain_text("Your choices have been saved.")
    assert count(ConsentRecord) == before + 1
    page.get_by_role("link", name="Change your choices").click()
    page.locator("#consent_statistics").uncheck()
    again = _send_again(page, page.get_by_role("button", name="Save my choices").click)
    assert again.ok and "Your choices have been saved." in again.text()
    page.reload()
    expect(page.locator("li", has_text="Anonymous statistics")).to_contain_text("No")
    assert count(ConsentRecord) == before + 2


@JAVASCRIPT
def test_a_deletion_double_clicked_resent_and_reloaded_deletes_once(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int], javascript: bool
) -> None:
    page = visit(javascript=javascript).page()
    _signed_in(page, portal)
    before = count(Report)
    page.get_by_role("link", name="Delete your report").click()
    page.locator("#confirm").check()
    again = _send_again(page, page.get_by_role("button", name="Delete my report").dblclick)
    expect(page.locator("h1")).to_have_text("Your report has been deleted")
    assert again.ok and "Your report has been deleted" in again.text()
    page.reload()
    expect(page.locator("h1")).to_have_text("Your report has been deleted")
    assert count(Report) == before - 1


def _form_height(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


@JAVASCRIPT
def test_the_report_form_is_short_on_a_phone_and_adds_officers_one_at_a_time(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int], javascript: bool
) -> None:
    seen = visit(javascript=javascript, viewport={"width": 375, "height": 800})
    page = seen.page()
    page.goto(portal.url + "/report")
    height = _form_height(page)
    print(f"report form at 375 px, JavaScript {'on' if javascript else 'off'}: {height} px")
    assert height < 5800  # three officer blocks always open made it about 6,900
    expect(page.locator("fieldset.officer:visible")).to_have_count(1)
    page.locator("#what_happened").fill("Three of them came.")
    page.locator("#officers-0-name").fill("PC First")
    page.locator("#files").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"}]
    )
    before = count(Report)
    page.get_by_role("button", name="Add another officer").click()
    expect(page.locator("fieldset.officer:visible")).to_have_count(2)
    files_again = page.get_by_text(re.compile("choose your files again"))
    if javascript:  # no round trip: the files are still chosen
        expect(files_again).to_have_count(0)
        assert page.evaluate("document.getElementById('files').files.length") == 1
    else:  # a browser cannot keep them: she is told so
        expect(files_again.first).to_be_visible()
    page.get_by_role("button", name="Add another officer").click()
    expect(page.locator("fieldset.officer:visible")).to_have_count(3)
    expect(page.locator("#officers-2-name")).to_be_visible()
    expect(page.get_by_role("button", name="Add another officer")).to_be_hidden()
    expect(page.locator("#what_happened")).to_have_value("Three of them came.")
    expect(page.locator("#officers-0-name")).to_have_value("PC First")
    seen.check(page, f"survivor-report-officers-{'js' if javascript else 'nojs'}")
    assert count(Report) == before


@JAVASCRIPT
def test_enter_in_a_box_of_the_report_form_neither_sends_nor_redraws_it(
    portal: Portal, visit: Callable[..., Visit], count: Callable[[Any], int], javascript: bool
) -> None:
    page = visit(javascript=javascript).page()
    before = count(Report)
    _fill_report(page, portal)
    page.locator("#files").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"}]
    )
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    page.locator("#officers-0-name").fill("PC First")
    page.locator("#officers-0-name").press("Enter")
    page.wait_for_timeout(500)
    assert posts == []
    expect(page.locator("fieldset.officer:visible")).to_have_count(1)
    assert page.evaluate("document.getElementById('files').files.length") == 1
    assert count(Report) == before
