"""Reports sealed in the survivor's browser, in a real Chromium against the real server.

With JavaScript on, nothing she types leaves her browser in clear: every request the
page makes is read for the words she typed. The advocate reads them all the same, and she
comes back with the codename her browser made. With JavaScript off the same journey goes
through the server, and gives the same report.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Portal, Visit, come_back, confirm_saved, sign_in

# Every box she can type in on the report form, with something of every kind in it:
# spaces around, a line break, letters beyond ASCII and a control character.
TEXT_BOXES = (
    "what_happened",
    "when",
    "where",
    "officers-0-name",
    "officers-0-number",
    "officers-0-rank",
    "harm_other",
    "reported_outcome",
    "contact_details",
)


def fill_every_box(page: Page, portal: Portal) -> dict[str, str]:
    """The report form with every question answered; the marker typed into each box."""
    page.goto(portal.url + "/report")
    page.locator('input[name="in_danger"][value="no"]').check()
    page.locator("summary", has_text="Telling someone before").click()
    typed = {}
    for box in TEXT_BOXES:
        typed[box] = portal.marker(box.replace("-", ""))
        multiline = page.locator(f"#{box}").evaluate("e => e.tagName") == "TEXTAREA"
        tail = "\n  second line, naïve café \u0007 " if multiline else " é\u0007 "
        page.locator(f"#{box}").fill(f"  {typed[box]}{tail}")
    page.locator("#force").select_option("Kent Police")
    page.locator("#officers-0-role").select_option(index=1)
    page.locator('input[name="harms"]').nth(1).check()
    page.locator('input[name="reported_before"]').first.check()
    page.locator("#consent_legal").check()
    page.locator("#consent_statistics").check()
    return typed


def bodies_of(seen: Visit) -> list[bytes]:
    """Every request body the visit's pages send from now on, with its address."""
    sent: list[bytes] = []

    def record(request: Request) -> None:
        sent.append(request.url.encode() + b"\n" + (request.post_data_buffer or b""))

    seen.context.on("request", record)
    return sent


def send_and_confirm(page: Page) -> tuple[str, str]:
    """Send the form, read the codename and reference shown, and confirm it is saved."""
    page.get_by_role("button", name="Send my report").click()
    codename = page.locator("p.codename").inner_text().strip()
    reference = page.locator("p:has-text('Your reference is') strong").inner_text().strip()
    assert re.fullmatch(r"[a-z]+( [a-z]+){6}", codename)
    confirm_saved(page)
    return codename, reference


def what_she_sent(page: Page, portal: Portal, codename: str) -> str:
    """Her account as her return page shows it."""
    come_back(page, portal, codename)
    page.wait_for_load_state("load")  # read with its stylesheet: it keeps line breaks
    return page.locator("main").inner_text()


def test_with_javascript_nothing_she_types_leaves_her_browser_in_clear(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=True)
    page = seen.page()
    typed = fill_every_box(page, portal)
    sent = bodies_of(seen)
    codename, reference = send_and_confirm(page)
    assert any(b"/report/sealed" in body for body in sent), "the report was not sealed here"
    for body in sent:
        for secret in [*typed.values(), codename]:
            assert secret.encode() not in body, f"{secret} left the browser in clear"

    assert typed["what_happened"] in what_she_sent(page, portal, codename)

    advocate = visit().page()
    sign_in(advocate, portal, "alice")
    advocate.get_by_role("link", name=reference, exact=True).click()
    case = advocate.locator("main")
    for marker in typed.values():
        expect(case).to_contain_text(marker)


# What the advocate's case page shows of the account, section by section.
CASE_SECTIONS = ("account-heading", "officers-heading", "consent-heading")


def test_the_same_report_arrives_whether_her_browser_or_the_server_sealed_it(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    advocate = visit().page()
    sign_in(advocate, portal, "alice")
    shown = {}
    for javascript in (True, False):
        page = visit(javascript=javascript).page()
        typed = fill_every_box(page, portal)
        codename, reference = send_and_confirm(page)
        texts = [what_she_sent(page, portal, codename)]
        advocate.goto(portal.url + "/advocate/")
        advocate.get_by_role("link", name=reference, exact=True).click()
        expect(advocate.locator("h1")).to_have_text(f"Case {reference}")
        advocate.wait_for_load_state("load")  # read with its stylesheet: it keeps line breaks
        for section in CASE_SECTIONS:
            texts.append(advocate.locator(f"section[aria-labelledby={section}]").inner_text())
        text = "\n".join(texts).replace(reference, "REFERENCE")
        for box, marker in typed.items():
            text = text.replace(marker, box)
        shown[javascript] = text
    assert "what_happened" in shown[True]
    assert shown[True] == shown[False]
