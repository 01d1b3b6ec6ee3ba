"""Every page, read from the URL map, in a real browser: accessible, and locked down by CSP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, Route, expect

from portal import create_app
from tests.browser.conftest import (
    Portal,
    Visit,
    check_page,
    come_back,
    confirm_saved,
    send_report,
    sign_in,
)

# GET routes that answer with something other than a page to read.
NOT_PAGES = {
    "/exit": "a redirect to the neutral site",
    "/static/<path:filename>": "scripts, styles and icons",
    "/advocate/case/<report_id>/file/<attachment_id>": "a file download",
    "/staff/statistics.csv": "a CSV download",
}
ANONYMOUS_PAGES = {"/admin/join/<token>", "/advocate/login", "/staff/login", "/admin/login"}
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


def test_every_page_has_no_serious_accessibility_problem(
    app: Flask, portal: Portal, visit: Callable[..., Visit]
) -> None:
    survivor_visit = visit(javascript=True)
    survivor = survivor_visit.page()
    receipt = send_report(survivor, portal, consent_legal=True)
    confirm_saved(survivor)
    come_back(survivor, portal, receipt.codename)

    visits = {"anonymous": visit(javascript=True), "survivor": survivor_visit}
    pages: dict[str, Page] = {"anonymous": visits["anonymous"].page(), "survivor": survivor}
    for name in ("alice", "sam", "ada"):
        visits[name] = visit(javascript=True)
        pages[name] = visits[name].page()
        sign_in(pages[name], portal, name)
    link = pages["alice"].get_by_role("link", name=receipt.reference, exact=True)
    report_id = (link.get_attribute("href") or "").split("?")[0].rsplit("/", 1)[-1]
    pages["ada"].get_by_role("button", name="Create an invitation link").click()
    visits["ada"].check(pages["ada"], "admin-invited")
    join = re.search(r"/admin/join/[\w-]+", pages["ada"].locator("code").inner_text())
    assert join, "no invitation link on the page"
    values = {"report_id": report_id, "token": join.group(0).rsplit("/", 1)[-1]}

    checked = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule in NOT_PAGES:
            continue
        who = _who_sees(rule.rule)
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
        page = pages[who]
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 200, f"{who} GET {path}"
        label = re.sub(r"<(?:\w+:)?(\w+)>", r"\1", rule.rule)  # never the token itself
        visits[who].check(page, f"{who}{label.replace('/', '-')}".rstrip("-"))
        checked.append(rule.rule)
    page = pages["anonymous"]
    page.goto(portal.url + "/no-such-page")
    visits["anonymous"].check(page, "not-found")
    assert len(checked) >= 20, checked


def test_the_accessibility_check_finds_a_serious_problem_when_there_is_one(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    page = visit(javascript=True).page()
    page.goto(portal.url + "/safety")
    page.set_content('<html lang="en"><title>x</title><main><img src="/static/favicon.ico">')
    with pytest.raises(AssertionError, match="image-alt"):
        check_page(page, "axe-self-check")


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
