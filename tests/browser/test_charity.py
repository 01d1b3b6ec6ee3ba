"""The charity's side in a real browser: an advocate triages and replies, staff export."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyotp
import pyzipper
from playwright.sync_api import Locator, Page, expect

from portal.store.models import Role
from tests.browser.conftest import (
    Portal,
    Visit,
    come_back,
    confirm_saved,
    send_report,
    sign_in,
    totp_code,
)
from tests.support.people import Person


def test_an_advocate_signs_in_with_totp_triages_and_replies_and_the_survivor_reads_it(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor = visit(javascript=False).page()
    receipt = send_report(survivor, portal)
    confirm_saved(survivor)

    seen = visit(javascript=True)
    page = seen.page()
    page.goto(portal.url + "/advocate/login")
    seen.check(page, "advocate-sign-in")
    sign_in(page, portal, "alice")
    seen.check(page, "advocate-list")
    page.get_by_role("link", name=receipt.reference, exact=True).click()
    expect(page.locator("h1")).to_have_text(f"Case {receipt.reference}")
    expect(page.locator("main")).to_contain_text(receipt.account)
    seen.check(page, "advocate-case")

    page.locator("#status").select_option("in review")
    page.locator("#priority").select_option("high")
    page.get_by_role("button", name="Save triage").click()
    expect(page.locator("dl.summary").first).to_contain_text("In review")
    expect(page.locator("dl.summary").first).to_contain_text("High")

    reply = portal.marker("reply")
    page.locator("#text").fill(f"Thank you for telling us. {reply}")
    page.get_by_role("button", name="Reply to the survivor").click()
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("ol.thread")).to_contain_text(reply)

    page.get_by_role("link", name="Reports", exact=True).click()
    page.locator("#status").select_option("in review")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("table.cases")).to_contain_text(receipt.reference)
    seen.check(page, "advocate-list-filtered")

    come_back(survivor, portal, receipt.codename)
    expect(survivor.locator("ol.thread")).to_contain_text(reply)
    expect(survivor.locator("dl.summary").first).to_contain_text("In review")


def test_staff_export_a_consented_case_under_the_passphrase_the_page_shows(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor = visit(javascript=False).page()
    receipt = send_report(survivor, portal, consent_legal=True, messages_legal=True)
    confirm_saved(survivor)

    seen = visit(javascript=True)
    page = seen.page()
    sign_in(page, portal, "sam")
    seen.check(page, "staff-cases")
    row = page.locator("tr", has_text=receipt.reference)
    expect(row).to_contain_text("yes, with messages")
    row.get_by_role("link", name="Export").click()
    seen.check(page, "staff-export")
    passphrase = page.locator("p.codename").inner_text().strip()
    assert len(passphrase.split("-")) == 7
    expect(page.locator("main")).to_contain_text("Send it by another channel than the file")
    page.locator('input[name="purpose"][value="legal"]').check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export").click()
    download = download_info.value
    assert download.suggested_filename == f"case-{receipt.reference}-legal-team.zip"
    expect(page.locator("p.codename")).to_have_text(passphrase)  # still there to copy
    bundle = Path(download.path())
    try:
        with pyzipper.AESZipFile(bundle) as archive:
            assert archive.namelist() == ["bundle.zip"]
            archive.setpassword(passphrase.encode())
            inner = archive.read("bundle.zip")
    finally:
        download.delete()
    with zipfile.ZipFile(io.BytesIO(inner)) as cases:
        names = cases.namelist()
        record = json.loads(cases.read(next(n for n in names if n.endswith(".json"))))
    assert receipt.account in json.dumps(record)
    assert record["messages_included"] is True
    assert any(n.endswith(".pdf") for n in names)
    assert not any("notes" in n for n in names)  # the file's own name stays out

    page.goto(portal.url + "/staff/statistics")
    seen.check(page, "staff-statistics")


def test_the_consent_to_messages_reads_plainly_for_staff_and_advocates_on_a_phone(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor = visit(javascript=False).page()
    receipt = send_report(survivor, portal, consent_legal=True, messages_legal=True)
    confirm_saved(survivor)
    # Each signs in once (a TOTP code is never accepted twice); every page is
    # then looked at on a phone and on a laptop.
    widths = (("375", 375), ("1280", 1280))
    seen = visit(javascript=False, viewport={"width": 375, "height": 812})
    advocate = seen.page()
    sign_in(advocate, portal, "alice")
    advocate.get_by_role("link", name=receipt.reference, exact=True).click()
    expect(advocate.locator("main")).to_contain_text(
        "Legal team, with the survivor's messages: Yes"
    )
    staff = visit(javascript=False, viewport={"width": 375, "height": 812})
    cases = staff.page()
    sign_in(cases, portal, "sam")
    expect(cases.locator("tr", has_text=receipt.reference)).to_contain_text("with messages")
    export = staff.page()
    export.goto(cases.url)
    export.locator("tr", has_text=receipt.reference).get_by_role("link", name="Export").click()
    for name, width in widths:
        for page in (advocate, cases, export):
            page.set_viewport_size({"width": width, "height": 812})
        seen.check(advocate, f"advocate-case-{name}")
        staff.check(cases, f"staff-cases-{name}")
        staff.check(export, f"staff-export-{name}")


# Choosing a passphrase, and comparing key fingerprints before a grant.

WIDTHS = (375, 1280)  # a phone, and a laptop


def _at(width: int) -> dict[str, object]:
    return {"viewport": {"width": width, "height": 900}}


def _fits(page: Page) -> None:
    """Nothing on the page makes it scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def _words(locator: Locator) -> str:
    return " ".join(locator.inner_text().split())


def _invitation(portal: Portal, visit: Callable[..., Visit]) -> str:
    """A fresh one-time join link for an advocate, made by the admin."""
    page = visit(javascript=True).page()
    sign_in(page, portal, "ada")
    page.get_by_role("button", name="Create an invitation link").click()
    link = re.search(r"/admin/join/[\w-]+", page.locator("code").inner_text())
    assert link, "no invitation link on the page"
    return portal.url + link.group(0)


def _app_reading(page: Page) -> pyotp.TOTP:
    """An authenticator app holding the key the page shows as text."""
    key = page.locator(".totp-key code").inner_text()
    groups = key.split(" ")
    assert len(groups) == 8 and all(len(group) == 4 for group in groups), key
    return pyotp.TOTP("".join(groups))


def test_setting_up_the_authenticator_refuses_a_wrong_code_then_accepts_the_right_one(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    link = _invitation(portal, visit)
    seen = visit(javascript=False, **_at(WIDTHS[0]))
    page = seen.page()
    page.goto(link)
    expect(page.locator(".totp-pair svg")).to_be_visible()
    key = page.locator(".totp-key code").inner_text()
    offered = _words(page.locator(".suggested-words"))
    erin = Person("erin", Role.ADVOCATE, offered, _app_reading(page), 0)
    page.locator("#name").fill("erin")
    page.locator("#passphrase").fill(offered)
    page.locator("#confirm").fill(offered)
    right = erin.totp.now()
    page.locator("#code").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "That code is not the one your authenticator app shows now"
    )
    expect(page.locator("#name")).to_have_value("erin")
    expect(page.locator("#passphrase")).to_have_value("")
    expect(page.locator("#code")).to_have_value("")
    assert page.locator(".totp-key code").inner_text() == key  # the key she added stays
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page)
        seen.check(page, f"accounts-join-wrong-code-{width}")

    page.locator("#passphrase").fill(offered)
    page.locator("#confirm").fill(offered)
    page.locator("#code").fill(totp_code(erin))
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("h1")).to_have_text("Your account is ready")
    portal.people["erin"] = erin
    sign_in(visit(javascript=True).page(), portal, "erin")


def test_the_meter_follows_a_weak_then_a_strong_passphrase_and_sends_nothing(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    link = _invitation(portal, visit)
    for width in WIDTHS:
        seen = visit(javascript=True, **_at(width))
        page = seen.page()
        page.goto(link)
        sent: list[str] = []
        page.on("request", lambda request, sent=sent: sent.append(request.url))
        strength = page.locator("#passphrase-strength")
        expect(strength).to_be_visible()
        page.locator("#name").fill("meter")
        page.locator("#passphrase").press_sequentially("Jessica12345!")
        expect(strength).to_have_attribute("data-level", "2")
        expect(strength.locator(".strength-text")).to_contain_text("Too easy to guess")
        assert strength.locator("meter").evaluate("meter => meter.value") == 2
        seen.check(page, f"accounts-join-weak-{width}")

        page.locator("#passphrase").fill("")
        offered = _words(page.locator(".suggested-words"))
        page.locator("#passphrase").press_sequentially(offered)
        expect(strength).to_have_attribute("data-level", "4")
        expect(strength.locator(".strength-text")).to_contain_text("Strong")
        assert strength.locator("meter").evaluate("meter => meter.value") == 4
        assert sent == [], "typing a passphrase sent something"
        _fits(page)
        seen.check(page, f"accounts-join-strong-{width}")


def test_without_javascript_a_weak_passphrase_comes_back_with_the_message_and_nothing_lost(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    link = _invitation(portal, visit)
    for width in WIDTHS:
        seen = visit(javascript=False, **_at(width))
        page = seen.page()
        page.goto(link)
        expect(page.locator("#passphrase-strength")).to_be_hidden()
        offered = _words(page.locator(".suggested-words"))
        page.locator("#name").fill("nojs")
        page.locator("#passphrase").fill("Jessica12345!")
        page.locator("#confirm").fill("Jessica12345!")
        page.locator("#code").fill(_app_reading(page).now())
        page.get_by_role("button", name="Create my account").click()
        expect(page.get_by_role("alert")).to_contain_text("too easy to guess")
        expect(page.get_by_role("alert")).to_contain_text("five or more unrelated words")
        expect(page.locator("#name")).to_have_value("nojs")
        assert _words(page.locator(".suggested-words")) == offered  # the same words again
        _fits(page)
        seen.check(page, f"accounts-join-refused-{width}")


def test_a_new_advocate_joins_with_the_offered_words_and_both_sides_see_one_fingerprint(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    link = _invitation(portal, visit)
    seen = visit(javascript=False, **_at(WIDTHS[0]))
    page = seen.page()
    page.goto(link)
    offered = _words(page.locator(".suggested-words"))
    dana = Person("dana", Role.ADVOCATE, offered, _app_reading(page), 0)
    page.locator("#name").fill("dana")
    page.locator("#passphrase").fill(offered)
    page.locator("#confirm").fill(offered)
    page.locator("#code").fill(totp_code(dana))
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("h1")).to_have_text("Your account is ready")
    enrolled = _words(page.locator("p.fingerprint"))
    assert len(enrolled.split(" ")) == 6
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _fits(page)
        seen.check(page, f"accounts-enrolled-{width}")
    portal.people["dana"] = dana

    # Each signs in once (a TOTP code is never accepted twice), then the page is
    # looked at on a phone and on a laptop.
    granter = visit(javascript=True, **_at(WIDTHS[0]))
    members = granter.page()
    sign_in(members, portal, "alice")
    members.goto(portal.url + "/advocate/members")
    entry = members.locator("li", has_text="dana")
    assert _words(entry.locator("p.fingerprint")) == enrolled
    expect(members.locator("main")).to_contain_text("in person or by phone")
    member = visit(javascript=True, **_at(WIDTHS[0]))
    own = member.page()
    own.goto(portal.url + "/advocate/login")
    for width in WIDTHS:
        own.set_viewport_size({"width": width, "height": 900})
        _fits(own)
        member.check(own, f"accounts-sign-in-{width}")
    sign_in(own, portal, "dana")
    own.get_by_role("link", name="Your account").click()
    assert _words(own.locator("#own-fingerprint")) == enrolled
    for width in WIDTHS:
        members.set_viewport_size({"width": width, "height": 900})
        _fits(members)
        granter.check(members, f"accounts-members-{width}")
        own.set_viewport_size({"width": width, "height": 900})
        _fits(own)
        member.check(own, f"accounts-your-account-{width}")
