"""The charity's side in a real browser: an advocate triages and replies, staff export."""

from __future__ import annotations

import json
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

ZIP_PASSPHRASE = "copper meadow anchor frost"


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


def test_staff_export_a_consented_case_as_an_encrypted_zip(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor = visit(javascript=False).page()
    receipt = send_report(survivor, portal, consent_legal=True)
    confirm_saved(survivor)

    seen = visit(javascript=True)
    page = seen.page()
    sign_in(page, portal, "sam")
    seen.check(page, "staff-cases")
    row = page.locator("tr", has_text=receipt.reference)
    row.get_by_role("link", name="Export").click()
    seen.check(page, "staff-export")
    page.locator('input[name="purpose"][value="legal"]').check()
    page.locator("#zip_passphrase").fill(ZIP_PASSPHRASE)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export").click()
    download = download_info.value
    assert download.suggested_filename == f"case-{receipt.reference}.zip"
    bundle = Path(download.path())
    try:
        with pyzipper.AESZipFile(bundle) as archive:
            archive.setpassword(ZIP_PASSPHRASE.encode())
            names = archive.namelist()
            record_name = next(n for n in names if n.endswith(".json"))
            record = json.loads(archive.read(record_name))
    finally:
        download.delete()
    assert receipt.account in json.dumps(record)
    assert any(n.endswith(".pdf") for n in names)

    page.goto(portal.url + "/staff/statistics")
    seen.check(page, "staff-statistics")
