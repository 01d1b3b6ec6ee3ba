"""Waiting for a match in a real browser without JavaScript: the choice on the report
form, the status on her page, and the day a match released it."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    ALL_IMPACTS,
    ARTIFACTS,
    SERIOUS,
    Portal,
    Visit,
    come_back,
    confirm_saved,
    overflow,
    sign_in,
)

FORCE = "Cumbria Constabulary"


def _surname() -> str:
    """An officer's surname no other test names (the served portal is shared)."""
    return "Varga" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def _wait_for_two(page: Page, portal: Portal, name: str) -> str:
    """Send a report that waits until two people name this officer; the codename."""
    page.goto(portal.url + "/report")
    page.locator("#what_happened").fill("He stopped my car and would not let me go.")
    page.locator("#force").select_option(FORCE)
    page.locator("#officers-0-name").fill(name)
    page.get_by_text("If you are not the only one").click()  # opens the section
    page.get_by_label(
        "Keep my report sealed until at least 2 people, me included, name the same officer"
    ).check()
    page.get_by_role("button", name="Send my report").click()
    codename = page.locator("p.codename").inner_text().strip()
    portal.markers.append(codename)
    confirm_saved(page)
    return codename


def _look_at(visit: Visit, page: Page, name: str, impacts: frozenset[str] = ALL_IMPACTS) -> None:
    """A screenshot and the sideways check at 375 px; at 1280 px axe too, once a state
    (every finding on a survivor's page, the serious ones on the charity's)."""
    page.set_viewport_size({"width": 375, "height": 900})
    page.screenshot(path=str(ARTIFACTS / f"{name}-375.png"), full_page=True)
    assert overflow(page, name) is None
    page.set_viewport_size({"width": 1280, "height": 900})
    visit.check(page, f"{name}-1280", impacts)


# The pages are what this looks at; the matching itself runs on both stores in
# tests/survivor/test_matching_escrow.py, so one store is enough here.
@pytest.mark.sqlcipher_only
def test_a_survivor_waits_for_a_match_without_javascript_and_sees_it_released(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    surname = _surname()
    first_visit = visit(javascript=False)
    first = first_visit.page()
    first.goto(portal.url + "/report")
    first.get_by_text("If you are not the only one").click()  # opens, without JavaScript
    expect(first.get_by_text("Nobody reads a sealed report")).to_be_visible()
    _look_at(first_visit, first, "survivor-report-release")

    # Waiting needs an officer: the form says so and keeps what she wrote.
    first.locator("#what_happened").fill("Only my words so far.")
    first.get_by_label(
        "Keep my report sealed until at least 3 people, me included, name the same officer"
    ).check()
    first.get_by_role("button", name="Send my report").click()
    expect(first.get_by_text("we need to know who he is").first).to_be_visible()
    expect(first.locator("#what_happened")).to_have_value("Only my words so far.")

    codename = _wait_for_two(first, portal, f"Ellis {surname}")
    come_back(first, portal, codename)
    expect(first.get_by_text("Sealed, waiting for a match")).to_be_visible()
    expect(first.get_by_role("button", name="Send my report to the advocates now")).to_be_visible()
    _look_at(first_visit, first, "survivor-return-waiting")

    second = visit(javascript=False).page()
    _wait_for_two(second, portal, f"{surname.upper()}, Ellis")
    advocate_visit = visit(javascript=True)
    advocate = advocate_visit.page()
    sign_in(advocate, portal, "alice")  # a member's sign-in runs the matching

    first.goto(portal.url + "/return/report")
    expect(
        first.get_by_text(re.compile(r"Matched and released on \d{4}-\d{2}-\d{2}"))
    ).to_be_visible()
    expect(first.get_by_text("Sealed, waiting for a match")).to_have_count(0)
    _look_at(first_visit, first, "survivor-return-released")
    reference = first.locator("h1").inner_text().split()[-1]

    # The advocate sees which match released it, and can say it is not the same officer.
    advocate.goto(portal.url + "/advocate/?force=" + FORCE.replace(" ", "+"))
    advocate.get_by_role("link", name=reference, exact=True).click()
    expect(advocate.get_by_text("Released by a match of 2 reports")).to_be_visible()
    expect(advocate.get_by_role("button", name="Not the same officer")).to_be_visible()
    _look_at(advocate_visit, advocate, "alice-case-released-by-a-match", SERIOUS)
