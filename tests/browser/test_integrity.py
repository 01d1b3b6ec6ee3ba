"""In Chromium: the portal's scripts run, and no script runs without the hash of
its file: not one altered on its way, and not one added to the page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Route, expect

from tests.browser.conftest import Portal, Visit

ADD_A_SCRIPT = """(src) => new Promise((resolve) => {
  const added = document.createElement("script");
  added.src = src;
  added.crossOrigin = "anonymous"; // as the portal's own: only the hash is missing
  added.onload = () => resolve("ran");
  added.onerror = () => resolve("refused");
  document.head.append(added);
})"""


@pytest.mark.sqlcipher_only  # the browser's behaviour, not the store's
def test_the_portal_s_scripts_run_and_none_without_its_hash(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    page = visit(javascript=True).page()
    page.goto(portal.url + "/report")
    expect(page.locator("#exit-shift-hint")).to_be_visible()  # exit.js ran
    # The same file, same-origin (the CSP allows it), but without a hash.
    assert page.evaluate(ADD_A_SCRIPT, "/static/report.js") == "refused"


@pytest.mark.sqlcipher_only
def test_a_script_altered_on_its_way_does_not_run(
    portal: Portal, visit: Callable[..., Visit]
) -> None:
    page = visit(javascript=True).page()

    def altered(route: Route) -> None:
        served = route.fetch()
        route.fulfill(response=served, body=served.body() + b"\n// changed\n")

    page.route("**/static/exit.js", altered)
    page.goto(portal.url + "/report")
    page.wait_for_load_state("load")
    expect(page.locator("#exit-shift-hint")).to_be_hidden()
