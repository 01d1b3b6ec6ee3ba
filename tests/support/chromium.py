"""Debian's Chromium driven by Playwright: one driver and one browser per test process.

Every test that needs Chromium takes the `browser` fixture (registered in
tests/conftest.py), never a driver of its own: Playwright's synchronous API
refuses a second driver in a process whose first is still running.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM = Path(os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium"))
# Flags for a sandboxed test machine: no sandbox as root, and no background
# connections to Google, which a closed network would refuse many times over.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]


@pytest.fixture(scope="session")
def browser_temporary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chromium's own profile and downloads, kept apart from the server's traces."""
    return tmp_path_factory.mktemp("chromium")


@pytest.fixture(scope="session")
def playwright(browser_temporary: Path) -> Iterator[Playwright]:
    """Playwright's driver, with its temporary files in their own folder."""
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(browser_temporary)
    try:
        with sync_playwright() as driver:
            yield driver
    finally:
        if previous is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-packages` (Debian's chromium)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
