"""A survivor's whole visit in a real browser, JavaScript off (Tor Browser at Safest) and on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Portal,
    Visit,
    come_back,
    confirm_saved,
    send_report,
)


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_a_survivor_reports_comes_back_adds_more_and_changes_consent(
    portal: Portal, visit: Callable[..., Visit], javascript: bool
) -> None:
    suffix = "js" if javascript else "nojs"
    seen = visit(javascript=javascript)
    page = seen.page()
    page.goto(portal.url + "/")
    seen.check(page, f"survivor-landing-{suffix}")
    page.goto(portal.url + "/safety")
    seen.check(page, f"survivor-safety-{suffix}")
    page.goto(portal.url + "/report")
    seen.check(page, f"survivor-report-form-{suffix}")

    receipt = send_report(page, portal)
    assert len(receipt.codename.split()) >= 7
    seen.check(page, f"survivor-codename-{suffix}")
    confirm_saved(page)
    seen.check(page, f"survivor-next-{suffix}")

    come_back(page, portal, receipt.codename)
    expect(page.locator("body")).to_contain_text(receipt.account)
    expect(page.locator("body")).to_contain_text("notes.txt")
    seen.check(page, f"survivor-my-report-{suffix}")

    addition = portal.marker("addition")
    page.locator('input[name="kind"]').last.check()
    page.locator("#text").fill(f"I remembered more. {addition}")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Sent.")
    expect(page.locator("ol.thread")).to_contain_text(addition)

    page.get_by_role("link", name="Change your choices").click()
    seen.check(page, f"survivor-consent-{suffix}")
    expect(page.locator("#consent_messages_legal")).not_to_be_checked()
    page.locator("#consent_statistics").check()
    page.locator("#consent_legal").check()
    page.locator("#consent_messages_legal").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your choices have been saved.")
    expect(page.locator("li", has_text="Anonymous statistics")).to_contain_text("Yes")
    legal = page.locator("li", has_text="The charity's legal team")
    expect(legal).to_contain_text("Yes, with your messages")
    expect(page.locator("li", has_text="The IOPC")).to_contain_text("No")

    page.get_by_role("link", name="Delete your report").click()
    seen.check(page, f"survivor-delete-{suffix}")
    if not javascript:
        page.get_by_role("link", name="Keep my report and go back").click()
        page.get_by_role("button", name="Sign out").click()
        come_back(page, portal, receipt.codename)  # still there, and signing in again works
        expect(page.locator("body")).to_contain_text(receipt.account)
        return
    page.locator("#confirm").check()
    page.get_by_role("button", name="Delete my report").click()
    expect(page.locator("h1")).to_have_text("Your report has been deleted")
    seen.check(page, f"survivor-deleted-{suffix}")
    page.goto(portal.url + "/return")
    page.locator("#codename").fill(receipt.codename)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not find a report")


def test_a_report_with_nothing_to_send_keeps_everything_typed(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=False)
    page = seen.page()
    page.goto(portal.url + "/report")
    where = portal.marker("kept")
    page.locator("#where").fill(where)
    page.locator("#force").select_option("Kent Police")
    page.get_by_role("button", name="Send my report").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator("#where")).to_have_value(where)
    expect(page.locator("#force")).to_have_value("Kent Police")
    seen.check(page, "survivor-report-with-a-problem")


def test_the_codename_stays_on_screen_until_the_survivor_says_it_is_saved(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=False)
    page = seen.page()
    receipt = send_report(page, portal)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("saved your codename")
    expect(page.locator("p.codename")).to_have_text(receipt.codename)
    seen.check(page, "survivor-codename-not-confirmed")


def test_a_wrong_codename_gets_one_plain_message(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=False)
    page = seen.page()
    page.goto(portal.url + "/return")
    seen.check(page, "survivor-return")
    page.locator("#codename").fill("seven words that are not anybody's codename")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("We could not find a report")
    seen.check(page, "survivor-return-unknown")


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_exit_this_page_leaves_at_once_and_ends_the_session(
    portal: Portal, visit: Callable[..., Visit], javascript: bool
) -> None:
    seen = visit(javascript=javascript)
    page = seen.page()
    receipt = send_report(page, portal)
    confirm_saved(page)
    come_back(page, portal, receipt.codename)
    signed_in_at = page.url
    page.get_by_role("link", name="Exit this page").click()
    page.wait_for_url(portal.exit_url)
    assert seen.exits, "the exit link did not leave for the neutral site"
    assert [c for c in seen.context.cookies() if "localhost" in c["domain"]] == []
    page.goto(signed_in_at)
    expect(page.locator("h1")).to_have_text("Come back to your report")


def test_pressing_shift_three_times_leaves_without_a_way_back(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=True)
    page = seen.page()
    page.goto(portal.url + "/report")
    page.locator("#what_happened").fill(portal.marker("typed"))
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(portal.exit_url)
    assert seen.exits
    page.go_back()
    assert page.url != portal.url + "/report", "Back returned to the report form"


def test_shift_pressed_slowly_does_not_leave(portal: Portal, visit: Callable[..., Visit]) -> None:
    page = visit(javascript=True).page()
    page.goto(portal.url + "/report")
    for _ in range(3):
        page.keyboard.press("Shift")
        page.wait_for_timeout(1100)
    assert page.url == portal.url + "/report"


@pytest.mark.parametrize("width", [375, 1280])
def test_the_choices_about_messages_read_plainly_on_a_phone_and_a_desktop(
    portal: Portal, visit: Callable[..., Visit], width: int
) -> None:
    seen = visit(javascript=False, viewport={"width": width, "height": 812})
    page = seen.page()
    page.goto(portal.url + "/report")
    choices = page.locator("section", has_text="What we may do with your report")
    expect(choices).to_contain_text("Include my messages with the advocates for the legal team")
    expect(choices).to_contain_text("where you are staying or when it is safe to call you")
    for box in ("#consent_messages_legal", "#consent_messages_iopc"):
        expect(page.locator(box)).not_to_be_checked()
    seen.check(page, f"survivor-report-form-{width}")
    receipt = send_report(page, portal, consent_legal=True, messages_legal=True)
    confirm_saved(page)
    come_back(page, portal, receipt.codename)
    expect(page.locator("li", has_text="The charity's legal team")).to_contain_text(
        "Yes, with your messages"
    )
    seen.check(page, f"survivor-my-report-{width}")
    page.get_by_role("link", name="Change your choices").click()
    expect(page.locator("#consent_messages_legal")).to_be_checked()
    expect(page.locator("#consent_messages_iopc")).not_to_be_checked()
    seen.check(page, f"survivor-consent-{width}")
