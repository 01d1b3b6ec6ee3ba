"""The charity's side in a real browser: an advocate triages and replies, staff export."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyzipper
from playwright.sync_api import expect

from tests.browser.conftest import (
    Portal,
    Visit,
    come_back,
    confirm_saved,
    send_report,
    sign_in,
)


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
    expect(page.locator("dl.summary").first).to_contain_text("in review")
    expect(page.locator("dl.summary").first).to_contain_text("high")

    reply = portal.marker("reply")
    page.locator("#text").fill(f"Thank you for telling us. {reply}")
    page.get_by_role("button", name="Send", exact=True).click()
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
    assert download.suggested_filename == f"case-{receipt.reference}.zip"
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
    for name, width in (("375", 375), ("1280", 1280)):
        seen = visit(javascript=False, viewport={"width": width, "height": 812})
        page = seen.page()
        sign_in(page, portal, "alice")
        page.get_by_role("link", name=receipt.reference, exact=True).click()
        expect(page.locator("main")).to_contain_text(
            "Legal team, with the survivor's messages: yes"
        )
        seen.check(page, f"advocate-case-{name}")
        staff = visit(javascript=False, viewport={"width": width, "height": 812})
        page = staff.page()
        sign_in(page, portal, "sam")
        expect(page.locator("tr", has_text=receipt.reference)).to_contain_text("with messages")
        staff.check(page, f"staff-cases-{name}")
        page.locator("tr", has_text=receipt.reference).get_by_role("link", name="Export").click()
        staff.check(page, f"staff-export-{name}")
