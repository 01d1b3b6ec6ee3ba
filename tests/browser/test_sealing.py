"""Reports sealed in the survivor's browser, in a real Chromium against the real server.

With JavaScript on, nothing she types leaves her browser in clear: every request the
page makes is read for the words she typed. The advocate reads them all the same, and she
comes back with the codename her browser made. With JavaScript off the same journey goes
through the server, and gives the same report.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable

import pytest
from fpdf import FPDF
from playwright.sync_api import Page, Request, expect

from portal.survivor.forms import ACCOUNT_MAX_CHARS, WRITE_SOMETHING
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


def fill_every_box(page: Page, portal: Portal, file: bool = False) -> dict[str, str]:
    """The report form with every question answered; the marker typed into each box, and
    one in a file attached as it is (hidden details kept), when asked."""
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
    if file:
        typed["file"] = portal.marker("file")
        attached = {"name": "notes.txt", "mimeType": "text/plain", "buffer": typed["file"].encode()}
        page.locator("#files").set_input_files([attached])
        page.locator("#keep_metadata").check()  # a text file is kept only as sent
    return typed


SEALED = b"POST /report/sealed\n"
# The boxes whose words are also sent in clear, and the fields that carry them.
FOR_MATCHING = {"officers-0-name": "officer_0_name", "officers-0-number": "officer_0_number"}


def bodies_of(seen: Visit) -> list[bytes]:
    """Every request body the visit's pages send from now on, with its address."""
    sent: list[bytes] = []

    def record(request: Request) -> None:
        where = request.url.removeprefix(re.sub(r"(//[^/]+).*", r"\1", request.url))
        sent.append(f"{request.method} {where}\n".encode() + (request.post_data_buffer or b""))

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


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript-on", "javascript-off"])
def test_with_javascript_nothing_she_types_or_attaches_leaves_her_browser_in_clear_but_the_officer(
    portal: Portal, visit: Callable[..., Visit], javascript: bool
) -> None:
    """With JavaScript off the same journey works, through the server, which sees it all."""
    seen = visit(javascript=javascript)
    page = seen.page()
    typed = fill_every_box(page, portal, file=True)
    sent = bodies_of(seen)
    codename, reference = send_and_confirm(page)
    sealed_here = any(body.startswith(SEALED) for body in sent)
    assert sealed_here == javascript
    for body in sent if javascript else []:
        for box, secret in [*typed.items(), ("codename", codename)]:
            # The officer's name and number go in clear once, beside the envelopes, for
            # the matching escrow only (docs/escrow.md); nothing else she typed does.
            field = FOR_MATCHING.get(box) if body.startswith(SEALED) else None
            if field is not None:
                assert f'name="{field}"\r\n\r\n{secret} é\r\n'.encode() in body
            allowed = 0 if field is None else 1
            assert body.count(secret.encode()) == allowed, f"{box} left the browser in clear"

    assert typed["what_happened"] in what_she_sent(page, portal, codename)
    expect(page.locator("main")).to_contain_text("notes.txt")

    advocate = visit().page()
    sign_in(advocate, portal, "alice")
    advocate.get_by_role("link", name=reference, exact=True).click()
    case = advocate.locator("main")
    for box, marker in typed.items():
        if box != "file":
            expect(case).to_contain_text(marker)
    link = advocate.get_by_role("link", name="notes.txt")
    held = advocate.context.request.get(portal.url + str(link.get_attribute("href")))
    assert held.ok and held.body() == typed["file"].encode()


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
        # Both reports name the same officer: whether the first is linked from the second
        # depends on when an advocate's session indexed it, not on how either was sealed.
        text = re.sub(r" ?Also named in \d+ other reports?:[^\n]*", "", text)
        for box, marker in typed.items():
            text = text.replace(marker, box)
        shown[javascript] = text
    assert "what_happened" in shown[True]
    assert shown[True] == shown[False]


def a_pdf() -> bytes:
    """A real one-page PDF: only the server cleans PDFs."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="A letter from the force.")
    return bytes(document.output())


@pytest.mark.parametrize("width", [375, 1280])
def test_a_file_only_the_server_cleans_is_named_and_she_chooses_how_to_send(
    portal: Portal, visit: Callable[..., Visit], width: int
) -> None:
    seen = visit(javascript=True, viewport={"width": width, "height": 900})
    page = seen.page()
    page.goto(portal.url + "/report")
    page.locator("#what_happened").fill(f"The letter is attached. {portal.marker('account')}")
    pdf = {"name": "letter.pdf", "mimeType": "application/pdf", "buffer": a_pdf()}
    page.locator("#files").set_input_files([pdf])
    send = page.get_by_role("button", name="Send my report")
    choice = page.locator("#sealing-choice")

    send.click()
    expect(choice).to_be_visible()
    expect(choice).to_contain_text("letter.pdf")
    expect(choice).to_be_focused()
    seen.check(page, f"survivor-report-server-file-choice-{width}")
    choice.get_by_role("button", name="Go back and remove them").click()
    expect(choice).to_be_hidden()
    expect(page.locator("#files")).to_be_focused()
    assert page.url == portal.url + "/report"  # nothing was sent

    send.click()
    choice.get_by_role("button", name="Send through the server").click()
    page.wait_for_url(portal.url + "/report/sent")
    codename = page.locator("p.codename").inner_text().strip()
    portal.markers.append(codename)
    confirm_saved(page)
    come_back(page, portal, codename)
    expect(page.locator("main")).to_contain_text("evidence-1.pdf")  # cleaned by the server


@pytest.mark.parametrize("width", [375, 1280])
def test_the_codename_page_her_browser_draws_asks_her_to_confirm_it_is_saved(
    portal: Portal, visit: Callable[..., Visit], width: int
) -> None:
    seen = visit(javascript=True, viewport={"width": width, "height": 900})
    page = seen.page()
    page.goto(portal.url + "/report")
    page.locator('input[name="in_danger"][value="yes"]').check()
    page.locator("#what_happened").fill(f"He is outside now. {portal.marker('account')}")
    page.get_by_role("button", name="Send my report").click()
    expect(page.locator("h1")).to_have_text("Your report has been sent")
    expect(page.locator("h1")).to_be_focused()
    expect(page.locator(".urgent")).to_be_visible()  # she said she is in danger now
    portal.markers.append(page.locator("p.codename").inner_text().strip())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("saved your codename")
    seen.check(page, f"survivor-codename-sealed-{width}")
    confirm_saved(page)


def test_a_report_kept_from_the_advocates_sends_not_even_the_officer_in_clear(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=True)
    page = seen.page()
    typed = fill_every_box(page, portal)
    page.locator("#consent_read").uncheck()  # it neither counts toward a match nor is named
    sent = bodies_of(seen)
    send_and_confirm(page)
    assert any(body.startswith(SEALED) for body in sent)
    for body in sent:
        assert b"officer_0_name" not in body
        for box, secret in typed.items():
            assert secret.encode() not in body, f"{box} left the browser in clear"


def test_a_report_with_nothing_to_send_is_stopped_in_her_browser_with_the_server_s_words(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=True)
    page = seen.page()
    page.goto(portal.url + "/report")
    where = portal.marker("where")
    page.locator("#where").fill(where)
    sent = bodies_of(seen)
    page.get_by_role("button", name="Send my report").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("There is a problem")
    expect(problem).to_contain_text(WRITE_SOMETHING)
    expect(problem).to_be_focused()
    expect(page.locator("#where")).to_have_value(where)
    assert [body for body in sent if body.startswith(b"POST")] == []  # nothing was sent
    # The box's maxlength stops typing at the limit; line breaks count twice when sent.
    lines = "\n".join(["x" * 99] * (ACCOUNT_MAX_CHARS // 100 + 1))
    page.locator("#what_happened").fill(lines[: ACCOUNT_MAX_CHARS - 1])
    page.get_by_role("button", name="Send my report").click()
    expect(problem).to_contain_text(f"Please keep this under {ACCOUNT_MAX_CHARS:,} characters.")
    assert [body for body in sent if body.startswith(b"POST")] == []


def _name_officer(page: Page, portal: Portal, account: str, name: str) -> None:
    """The report form with an account and one officer of Kent Police, by name."""
    page.goto(portal.url + "/report")
    page.locator("#what_happened").fill(account)
    page.locator("#force").select_option("Kent Police")
    page.locator("#officers-0-name").fill(name)


KEYS_ASKED = b"POST /report/release-keys\n"


@pytest.mark.sqlcipher_only  # the matching itself runs on both stores in tests/survivor/
def test_with_javascript_a_waiting_report_is_sealed_in_her_browser_and_a_match_releases_it(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    surname = "Quill" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    seen = visit(javascript=True)
    page = seen.page()
    account = portal.marker("account")
    _name_officer(page, portal, f"He stopped my car. {account}", f"Dan {surname}")
    page.locator("#consent_legal").check()  # a match applies it: the seals are bound to it
    page.get_by_text("If you are not the only one").click()
    page.get_by_label(
        "Keep my report sealed until at least 2 people, me included, name the same officer"
    ).check()
    sent = bodies_of(seen)
    codename, reference = send_and_confirm(page)
    posted = [body for body in sent if body.startswith(b"POST")]
    assert [body.split(b"\n")[0] for body in posted] == [KEYS_ASKED[:-1], SEALED[:-1]]
    assert b'name="escrow_0"' in posted[1] and b'name="escrow_1"' not in posted[1]
    for body in sent:
        assert account.encode() not in body and codename.encode() not in body
    come_back(page, portal, codename)
    expect(page.get_by_text("Sealed, waiting for a match")).to_be_visible()

    alone = visit().page()
    sign_in(alone, portal, "alice")  # a member's sign-in runs matching: alone, it waits
    expect(alone.get_by_role("link", name=reference, exact=True)).to_have_count(0)

    second = visit(javascript=True).page()
    _name_officer(second, portal, "He stopped me too.", f"{surname.upper()}, D.")
    send_and_confirm(second)
    advocate = visit().page()
    sign_in(advocate, portal, "alice")
    advocate.goto(portal.url + "/advocate/?force=Kent+Police")
    advocate.get_by_role("link", name=reference, exact=True).click()
    expect(advocate.locator("main")).to_contain_text(account)
    expect(advocate.get_by_text("Released by a match of 2 reports")).to_be_visible()
