"""Every page, read from the URL map, in a real browser: accessible, fits a phone, CSP-locked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, Route, expect

from portal import create_app
from portal.core import accounts, authenticators
from portal.store.models import Account, Role
from tests.browser.conftest import (
    ALL_IMPACTS,
    ARTIFACTS,
    SERIOUS,
    Portal,
    Visit,
    check_page,
    come_back,
    confirm_saved,
    overflow,
    send_report,
    sign_in,
)
from tests.support.people import PASSPHRASE

# GET routes that answer with something other than a page to read.
NOT_PAGES = {
    "/exit": "a redirect to the neutral site",
    "/static/<path:filename>": "scripts, styles and icons",
    "/advocate/case/<report_id>/file/<attachment_id>": "a file download",
    "/staff/statistics.csv": "a CSV download",
    "/healthz": "a one-word answer for load balancers",
}
ANONYMOUS_PAGES = {
    "/admin/join/<token>",
    "/admin/authenticator/<token>",
    "/advocate/login",
    "/staff/login",
    "/admin/login",
}
# Two phones (the narrowest in common use, and a usual one) and a laptop.
PHONES = (320, 375)
LAPTOP = 1280
# The people whose pages must have no axe finding at all, not only no serious one.
SURVIVOR_SIDE = {"anonymous", "survivor"}
LONG_WORD = "https://example.org/" + "evidence" * 12
INJECTED = (
    "<script>document.title = 'injected'</script>"
    '<img src="http://injected.invalid/pixel.png" alt="">'
)


@pytest.fixture(scope="module")
def app(portal: Portal) -> Iterator[Flask]:
    """The app built on the served instance, for its URL map."""
    app = create_app({"instance_path": portal.instance})
    yield app
    app.extensions["store"].engine.dispose()


def _authenticator_reset(app: Flask) -> str:
    """The token of a link to set up a new authenticator, for an admin made for this
    alone (the test's people keep theirs)."""
    config = app.config["PORTAL"]
    with app.extensions["store"].session() as session:
        enrolment = accounts.create_account(
            session, "rita", Role.ADMIN, PASSPHRASE, config.argon2, config.secrets_path, "test"
        )
        account = session.get(Account, enrolment.account_id)
        assert account is not None
        return authenticators.reset(session, account, actor="test")


def _who_sees(rule: str) -> str:
    if rule in ANONYMOUS_PAGES:
        return "anonymous"
    area = rule.split("/")[1]
    return {
        "advocate": "alice",
        "staff": "sam",
        "admin": "ada",
        "return": "survivor",
    }.get(area, "anonymous")


def _look_at(seen: Visit, page: Page, name: str, who: str) -> list[str]:
    """What is wrong with a loaded page: sideways scrolling on a phone, axe findings on a laptop.

    The page is loaded once and the viewport changed around it, which is quicker
    than loading it three times and lays it out the same: the layout is CSS only.
    Screenshots at 375 and 1280 px are left in tests/artifacts/browser/.
    """
    problems = []
    for width in PHONES:
        page.set_viewport_size({"width": width, "height": 800})
        if width == 375:
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        sideways = overflow(page, name)
        if sideways:
            problems.append(sideways)
    page.set_viewport_size({"width": LAPTOP, "height": 800})
    try:
        seen.check(page, f"{name}-{LAPTOP}", ALL_IMPACTS if who in SURVIVOR_SIDE else SERIOUS)
    except AssertionError as found:
        problems.append(str(found))
    return problems


def test_every_page_fits_a_phone_and_has_no_accessibility_problem(
    app: Flask, portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor_visit = visit(javascript=True)
    survivor = survivor_visit.page()
    receipt = send_report(survivor, portal, consent_legal=True, consent_statistics=True)
    confirm_saved(survivor)
    come_back(survivor, portal, receipt.codename)
    # A long address in a message: one word wider than any phone, on both sides' pages.
    survivor.locator("#text").fill(f"See {LONG_WORD}")
    survivor.get_by_role("button", name="Send", exact=True).click()
    expect(survivor.get_by_role("status")).to_contain_text("Sent.")

    visits = {"anonymous": visit(javascript=True), "survivor": survivor_visit}
    pages: dict[str, Page] = {"anonymous": visits["anonymous"].page(), "survivor": survivor}
    for name in ("alice", "sam", "ada"):
        visits[name] = visit(javascript=True)
        pages[name] = visits[name].page()
        sign_in(pages[name], portal, name)
    link = pages["alice"].get_by_role("link", name=receipt.reference, exact=True)
    report_id = (link.get_attribute("href") or "").split("?")[0].rsplit("/", 1)[-1]
    with pages["ada"].expect_navigation():  # and its stylesheet, before it is measured
        pages["ada"].get_by_role("button", name="Create an invitation link").click()
    problems = _look_at(visits["ada"], pages["ada"], "ada-admin-invited", "ada")
    join = re.search(r"/admin/join/[\w-]+", pages["ada"].locator("code").inner_text())
    assert join, "no invitation link on the page"
    values = {"report_id": report_id, "token": join.group(0).rsplit("/", 1)[-1]}
    reset_token = _authenticator_reset(app)

    checked = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule in NOT_PAGES:
            continue
        who = _who_sees(rule.rule)
        tokens = {**values, "token": reset_token} if "authenticator" in rule.rule else values
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, tokens=tokens: tokens[m.group(1)], rule.rule)
        page = pages[who]
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 200, f"{who} GET {path}"
        label = re.sub(r"<(?:\w+:)?(\w+)>", r"\1", rule.rule)  # never the token itself
        name = f"{who}{label.replace('/', '-')}".rstrip("-")
        problems += _look_at(visits[who], page, name, who)
        checked.append(rule.rule)
    page = pages["anonymous"]
    page.goto(portal.url + "/no-such-page")
    problems += _look_at(visits["anonymous"], page, "anonymous-not-found", "anonymous")
    assert len(checked) >= 20, checked
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_the_accessibility_check_finds_a_serious_problem_when_there_is_one(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    page = visit(javascript=True).page()
    page.goto(portal.url + "/safety")
    page.set_content('<html lang="en"><title>x</title><main><img src="/static/favicon.ico">')
    with pytest.raises(AssertionError, match="image-alt"):
        check_page(page, "axe-self-check")


def test_a_page_without_javascript_is_checked_as_a_copy_and_nothing_of_one_copy_stays(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    seen = visit(javascript=False)
    page = seen.page()
    page.goto(portal.url + "/safety")
    page.set_content('<html lang="en"><title>x</title><main><img src="/static/favicon.ico">')
    with pytest.raises(AssertionError, match="image-alt"):
        seen.check(page, "axe-self-check-without-javascript")
    # The same address but for a fragment: the copy read must be this page, not the last.
    page.goto(portal.url + "/safety#main")
    seen.check(page, "axe-self-check-without-javascript-after")


def test_a_lesser_finding_fails_only_the_strict_check_and_a_wide_page_fails_both(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    page = visit(javascript=True, viewport={"width": 375, "height": 800}).page()
    page.goto(portal.url + "/safety")
    skipped_level = '<html lang="en"><title>x</title><main><h1>x</h1><h3>y</h3></main>'
    page.set_content(skipped_level)
    check_page(page, "axe-self-check-moderate", impacts=SERIOUS)
    with pytest.raises(AssertionError, match="heading-order"):
        check_page(page, "axe-self-check-moderate", impacts=ALL_IMPACTS)
    page.set_content(f'<html lang="en"><title>x</title><main><h1>x</h1><p>{LONG_WORD}</main>')
    with pytest.raises(AssertionError, match="scrolls sideways"):
        check_page(page, "width-self-check")


def _inject(route: Route, keep_policy: bool) -> None:
    """Answer with the real page, plus a script and an image an attacker slipped in."""
    response = route.fetch()
    headers = dict(response.headers)
    if not keep_policy:
        headers.pop("content-security-policy")
    body = response.text().replace("</main>", INJECTED + "</main>")
    route.fulfill(response=response, headers=headers, body=body)


@pytest.mark.parametrize("keep_policy", [True, False], ids=["with-csp", "csp-removed"])
def test_the_content_security_policy_blocks_an_injected_inline_script(
    portal: Portal, visit: Callable[..., Visit], keep_policy: bool
) -> None:
    seen = visit(javascript=True)
    page = seen.page()
    page.route(portal.url + "/safety", lambda route: _inject(route, keep_policy))
    page.goto(portal.url + "/safety")
    if keep_policy:
        expect(page).to_have_title("Information")
        assert any("inline script" in report for report in seen.csp_reports), seen.csp_reports
        assert seen.blocked_by_csp == ["http://injected.invalid/pixel.png"]
    else:
        # The same page without its policy runs the script: the check above can fail.
        expect(page).to_have_title("injected")
        assert any("injected.invalid" in url for url in seen.foreign)
        seen.foreign.clear()
