"""A report sealed in her browser whose answer never reached her: she presses "Send my
report" again, and the codename her browser then shows opens the report the server kept.

The server never had the codename, so it cannot show it again: only the browser, by
keeping the codename it made for this form, can make the second answer true.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Route, expect

from tests.browser.conftest import Portal, Visit, come_back, confirm_saved


def test_the_codename_shown_after_a_lost_answer_opens_the_report_the_server_kept(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    page = visit(javascript=True).page()
    page.goto(portal.url + "/report")
    account = portal.marker("account")
    page.locator("#what_happened").fill(f"He came to my work. {account}")
    stored: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        if stored:
            route.continue_()
            return
        stored.append(route.fetch().status)  # the server stores it and answers...
        route.abort("connectionreset")  # ...and the answer never reaches her browser

    page.route("**/report/sealed", lose_the_first_answer)
    page.get_by_role("button", name="Send my report").click()
    expect(page.locator("#sealing-problems")).to_contain_text("the connection failed")
    assert stored == [200]
    page.get_by_role("button", name="Send my report").click()
    codename = page.locator("p.codename").inner_text().strip()
    portal.markers.append(codename)
    confirm_saved(page)
    come_back(page, portal, codename)
    expect(page.locator("main")).to_contain_text(account)
