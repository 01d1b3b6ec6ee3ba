"""Evidence in a real browser: the form says plainly what hidden details are, a file we
cannot clean comes back with a kind message and everything typed, and a cleaned photo is
listed under its neutral name. Screenshots at a phone's width (375 px) and a laptop's (1280)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import Portal, Visit, come_back, confirm_saved

WIDTHS = (375, 1280)


def _photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "AcmePhone"
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)
    buffer = io.BytesIO()
    pixels = random.Random(1).randbytes(64 * 48 * 3)
    Image.frombytes("RGB", (64, 48), pixels).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize("width", WIDTHS)
def test_evidence_hidden_details_are_explained_refused_and_named_neutrally(
    portal: Portal, visit: Callable[..., Visit], width: int
) -> None:
    seen = visit(javascript=False, viewport={"width": width, "height": 900})
    page = seen.page()
    page.goto(portal.url + "/report")
    hint = page.locator("#keep_metadata-hint")
    expect(hint).to_contain_text("where and when a photo or video was taken")
    expect(hint).to_contain_text("could identify you")
    page.locator("#files-heading").scroll_into_view_if_needed()
    seen.check(page, f"evidence-report-form-{width}")

    account = portal.marker("account")
    page.locator("#what_happened").fill(f"He sent these. {account}")
    page.locator("#files").set_input_files(
        [{"name": "messages.txt", "mimeType": "text/plain", "buffer": b"his messages"}]
    )
    page.get_by_role("button", name="Send my report").click()
    expect(page.locator(".error-summary")).to_contain_text(
        "We cannot remove hidden details from “messages.txt”, so it was not attached."
    )
    expect(page.locator("#what_happened")).to_have_value(f"He sent these. {account}")
    seen.check(page, f"evidence-refused-{width}")

    page.locator("#files").set_input_files(
        [{"name": "IMG_20240312_142233.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    page.get_by_role("button", name="Send my report").click()
    codename = page.locator("p.codename").inner_text().strip()
    portal.markers.append(codename)
    confirm_saved(page)
    come_back(page, portal, codename)
    files = page.locator("li", has_text="evidence-1.jpg")
    expect(files).to_contain_text("hidden details removed")
    expect(page.locator("body")).not_to_contain_text("IMG_20240312")
    seen.check(page, f"evidence-my-report-{width}")
