"""The advocates' workbench: notes against replies, and what is new since they looked."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import Portal, Visit, come_back, confirm_saved, send_report, sign_in


def _fits(page: Page) -> None:
    """Nothing on the page makes it scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _side_by_side(page: Page) -> bool:
    """True when triage stands beside the account rather than below it."""
    account = page.locator("#account-heading").bounding_box()
    triage = page.locator("#triage-heading").bounding_box()
    assert account and triage
    return bool(triage["x"] > account["x"] + account["width"] and triage["y"] < account["y"] + 50)


def test_a_note_never_reaches_the_survivor_and_a_reply_does_only_once_confirmed(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor_visit = visit(javascript=False)
    survivor = survivor_visit.page()
    receipt = send_report(survivor, portal)
    confirm_saved(survivor)

    seen = visit(javascript=True, viewport={"width": 1280, "height": 900})
    page = seen.page()
    sign_in(page, portal, "alice")
    page.get_by_role("link", name=receipt.reference, exact=True).click()
    expect(page).to_have_title(f"Case {receipt.reference}")
    assert _side_by_side(page)
    seen.check(page, "workbench-case-1280")
    page.set_viewport_size({"width": 375, "height": 812})
    assert not _side_by_side(page)
    _fits(page)
    seen.check(page, "workbench-case-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    note = portal.marker("note")
    page.locator("#text").fill(f"Safety: do not call after six. {note}")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_role("status")).to_contain_text("internal note was added")
    expect(page.locator("li.message.note")).to_contain_text(note)

    reply = portal.marker("reply")
    page.locator("#text").fill(f"We believe you.\n\n- **call us**\n- keep safe {reply}")
    page.get_by_role("button", name="Reply to the survivor").click()
    expect(page.locator("h1")).to_have_text(f"Check your reply to case {receipt.reference}")
    preview = page.locator(".reply-preview")
    expect(preview.locator("strong")).to_have_text("call us")
    expect(preview.locator("li")).to_have_count(3)  # the message, and its two list items
    page.set_viewport_size({"width": 375, "height": 812})
    _fits(page)
    seen.check(page, "workbench-reply-check-375")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Not sent yet: the survivor sees neither the note nor the reply.
    come_back(survivor, portal, receipt.codename)
    expect(survivor.locator("main")).not_to_contain_text(reply)
    expect(survivor.locator("main")).not_to_contain_text(note)

    page.get_by_role("button", name="Change it").click()
    expect(page.locator("#text")).to_have_value(
        f"We believe you.\n\n- **call us**\n- keep safe {reply}"
    )
    survivor.reload()
    expect(survivor.locator("main")).not_to_contain_text(reply)

    page.get_by_role("button", name="Reply to the survivor").click()
    page.locator("#status").select_option("awaiting survivor")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_role("status")).to_contain_text("reply was sent")
    expect(page.locator("dl.summary").first).to_contain_text("Waiting for the survivor")

    survivor.reload()
    thread = survivor.locator("ol.thread")
    expect(thread).to_contain_text(reply)
    expect(thread.locator("li.message.advocate strong")).to_have_text("call us")
    expect(survivor.locator("main")).not_to_contain_text(note)


def test_a_case_is_marked_new_after_the_survivor_writes_until_the_advocate_opens_it(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor = visit(javascript=False).page()
    receipt = send_report(survivor, portal)
    confirm_saved(survivor)

    seen = visit(javascript=True)
    page = seen.page()
    sign_in(page, portal, "alice")
    expect(page).to_have_title("Reports")
    row = page.locator("tr", has_text=receipt.reference)
    expect(row).to_contain_text("New since you looked")
    row.get_by_role("link", name=receipt.reference, exact=True).click()
    page.get_by_role("link", name="Back to the list").click()
    expect(row).not_to_contain_text("New since you looked")

    come_back(survivor, portal, receipt.codename)
    survivor.locator("#text").fill(f"One more thing. {portal.marker('message')}")
    survivor.get_by_role("button", name="Send", exact=True).click()
    expect(survivor.get_by_role("status")).to_contain_text("Sent")

    page.reload()
    expect(row).to_contain_text("New since you looked")
    seen.check(page, "workbench-list-new")
    row.get_by_role("link", name=receipt.reference, exact=True).click()
    expect(page.locator("ol.thread")).to_contain_text("One more thing.")
    page.get_by_role("link", name="Back to the list").click()
    expect(row).not_to_contain_text("New since you looked")
