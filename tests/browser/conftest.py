"""A real portal served by gunicorn on loopback, and a real Chromium to drive it.

The server runs from `portal init` and `portal serve`, exactly as `make run` starts
it, with its own temporary directory and its log in a file, so that the traces test
can read everything it left behind. Chromium is Debian's (`/usr/bin/chromium`),
driven by Playwright; nothing is downloaded. Every page the tests open may talk
only to the portal: any other request is refused and fails the test, except the
neutral site that "Exit this page" leaves for, a stub served on another port.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Request,
    Route,
)

from portal.store.models import Role
from tests.support.people import Person
from tests.support.postgres import PostgresServer
from tests.support.serving import (
    BIN,
    add_person,
    free_port,
    init_instance,
    portal_environment,
    wait_until_up,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"
SERIOUS = frozenset({"serious", "critical"})
ALL_IMPACTS = frozenset({"minor", "moderate", "serious", "critical"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


NEUTRAL_PAGE = b"<!doctype html><html lang=en><title>Weather</title><h1>Weather</h1></html>"


class _NeutralSite(BaseHTTPRequestHandler):
    """Stands in for the neutral site "Exit this page" leads to."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(NEUTRAL_PAGE)

    def log_message(self, format: str, *args: object) -> None:
        """Keep quiet: nothing to log."""


@dataclass
class Portal:
    """The served portal: where it listens and everything it can leave behind."""

    url: str
    exit_url: str
    instance: Path
    temporary: Path
    log: Path
    # On PostgreSQL: the server's folder (its data files and its log).
    database_server: Path | None = None
    people: dict[str, Person] = field(default_factory=dict)
    markers: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def serves(self, url: str) -> bool:
        """True for an address of the portal itself."""
        return url == self.url or url.startswith(self.url + "/")

    def marker(self, label: str) -> str:
        """A unique word to type into a field, remembered for the traces test."""
        value = f"{label}{secrets.token_hex(6)}"
        self.markers.append(value)
        return value


@contextlib.contextmanager
def _served(root: Path, database_url: str | None) -> Iterator[Portal]:
    """`portal init`, three accounts, then `portal serve` on a free loopback port."""
    port = free_port()
    neutral = ThreadingHTTPServer(("127.0.0.1", 0), _NeutralSite)
    threading.Thread(target=neutral.serve_forever, daemon=True).start()
    served = Portal(
        # The browser asks for "localhost", so the only place 127.0.0.1 could come
        # from is the client address the server saw: the traces test looks for it.
        url=f"http://localhost:{port}",
        exit_url=f"http://localhost:{neutral.server_port}/weather",
        instance=root / "instance",
        temporary=root / "tmp",
        log=root / "server.log",
    )
    served.temporary.mkdir()
    env = portal_environment(served.instance, port) | {"TMPDIR": str(served.temporary)}
    database = ("--database-url", database_url) if database_url else ()
    init_instance(env, "--public-url", served.url, *database)
    settings = served.instance / "portal.toml"
    settings.write_text(
        re.sub(r"(?m)^exit_url = .*$", f'exit_url = "{served.exit_url}"', settings.read_text())
    )
    for name, role in (("alice", Role.ADVOCATE), ("sam", Role.STAFF), ("ada", Role.ADMIN)):
        served.people[name] = add_person(env, name, role)
    with served.log.open("wb") as log:
        process = subprocess.Popen(
            [BIN / "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(served.url + "/", 60, process)
        yield served
    finally:
        neutral.shutdown()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def served_portals() -> Iterator[tuple[dict[str, Portal], contextlib.ExitStack]]:
    """The portals served so far in this process, one per store, stopped at the end.

    Kept apart from `portal`: pytest ends a session fixture whenever its
    parameter changes, and the tests of each file run on one store then the
    other, so a portal per fixture would be made again for every file.
    """
    with contextlib.ExitStack() as running:
        yield {}, running


@pytest.fixture(scope="module")
def portal(
    backend: str,
    served_portals: tuple[dict[str, Portal], contextlib.ExitStack],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Portal:
    """The portal served on this store (made on first use)."""
    portals, running = served_portals
    if backend not in portals:
        database_url, database_server = None, None
        if backend == "postgresql":
            server: PostgresServer = request.getfixturevalue("postgres_server")
            database_url, database_server = server.url(server.create_database()), server.root
        served = running.enter_context(_served(tmp_path_factory.mktemp("served"), database_url))
        served.database_server = database_server
        portals[backend] = served
    return portals[backend]


@dataclass
class Visit:
    """One browser context: its pages, and every request they tried to make."""

    context: BrowserContext
    javascript: bool
    # A tab with JavaScript on where axe reads copies of this context's pages.
    reader: Page
    foreign: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)
    blocked_by_csp: list[str] = field(default_factory=list)
    csp_reports: list[str] = field(default_factory=list)

    def page(self) -> Page:
        """A new tab that records Content-Security-Policy refusals."""
        page = self.context.new_page()
        page.on(
            "console",
            lambda message: (
                self.csp_reports.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return page

    def check(self, page: Page, name: str, impacts: frozenset[str] = SERIOUS) -> None:
        """Screenshot, measure and axe-check a page of this context (see check_page)."""
        check_page(page, name, self.javascript, impacts, self.reader)


@pytest.fixture(scope="session")
def axe_reader(browser: Browser) -> Iterator[Page]:
    """One tab with JavaScript on, where axe reads copies of pages shown without it.

    Made once: a new context for each copy cost about as much as axe's own run.
    Nothing of one copy is left for the next: each is the page's HTML answered by a
    route, loaded after a blank page, and the portal's scripts keep nothing in storage.
    """
    context = browser.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def visit(browser: Browser, portal: Portal, axe_reader: Page) -> Iterator[Callable[..., Visit]]:
    """Open browser contexts (JavaScript on or off); fail if any talked to another host."""
    opened: list[Visit] = []

    def open_context(javascript: bool = True, **options: object) -> Visit:
        context = browser.new_context(
            java_script_enabled=javascript, accept_downloads=True, **options
        )
        context.set_default_timeout(15_000)
        seen = Visit(context, javascript, axe_reader)

        def record(request: Request) -> None:
            # Every request, redirects included (a route never sees those).
            url = request.url
            if url.startswith(portal.exit_url):
                seen.exits.append(url)
            elif not portal.serves(url):
                seen.foreign.append(url)

        def refuse_foreign(request_route: Route) -> None:
            url = request_route.request.url
            if portal.serves(url) or url.startswith(portal.exit_url):
                request_route.continue_()
            else:
                request_route.abort()

        def blocked(request: Request) -> None:
            # Chromium reports a request the policy stopped, though none was sent.
            if request.failure == "csp" and request.url in seen.foreign:
                seen.foreign.remove(request.url)
                seen.blocked_by_csp.append(request.url)

        context.on("request", record)
        context.on("requestfailed", blocked)
        context.route("**/*", refuse_foreign)
        opened.append(seen)
        return seen

    yield open_context
    foreign = [url for seen in opened for url in seen.foreign]
    for seen in opened:
        seen.context.close()
    assert foreign == [], "a page asked a host other than the portal"


def overflow(page: Page, name: str) -> str | None:
    """Why the page scrolls sideways at its present width, or None when it does not."""
    wide, width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if wide <= width:
        return None
    return f"{name}: {wide}px wide at a {width}px viewport, so it scrolls sideways"


def check_page(
    page: Page,
    name: str,
    javascript: bool = True,
    impacts: frozenset[str] = SERIOUS,
    reader: Page | None = None,
) -> None:
    """Save a screenshot of the page; fail if it scrolls sideways or axe finds a problem.

    axe findings count when their impact is in `impacts`: serious and critical
    ones by default, every one (ALL_IMPACTS) for the pages survivors see.
    axe needs JavaScript, so a page from a context without it is checked as a copy
    of its HTML, loaded at the same address and width in `reader`, a tab with
    JavaScript on.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # A page shown after a click may have its text before its stylesheet (no-store
    # fetches it anew each time): measured unstyled, a long link would look too wide.
    page.wait_for_load_state("load")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    sideways = overflow(page, name)
    assert sideways is None, sideways
    checked = page
    if not javascript:
        assert reader is not None, "a page shown without JavaScript needs a reader for axe"
        checked = reader
        assert page.viewport_size is not None
        reader.set_viewport_size(page.viewport_size)
        html = page.content()
        # From a blank page: a copy at the address of the last, but for its #fragment,
        # would otherwise not be loaded at all.
        reader.goto("about:blank")
        reader.route(page.url, lambda route: route.fulfill(content_type="text/html", body=html))
        try:
            reader.goto(page.url)
        finally:
            reader.unroute(page.url)
    results = Axe().run(checked)
    found = [v for v in results.response["violations"] if v["impact"] in impacts]
    assert found == [], f"{name}: {results.generate_report()}"


# The last time step used by each account, by its TOTP secret: each store's portal has
# an "alice" of its own, with her own secret and her own steps used.
_last_step: dict[str, int] = {}


def totp_code(person: Person) -> str:
    """A code the portal has not seen yet: it takes each account's time steps once, one step
    either side.

    The step is this one or the next, never the last: a code of the last step
    chosen just before a step ends would be two steps old by the time a busy
    machine has filled in the form and the server has checked the passphrase.
    This one stays acceptable for at least 30 seconds.
    """
    current = int(time.time()) // 30
    step = max(_last_step.get(person.totp.secret, 0) + 1, current)
    if step > current + 1:  # both taken already: wait until the next step begins
        time.sleep((step - 1) * 30 - time.time() + 0.5)
    _last_step[person.totp.secret] = step
    return person.totp.at(step * 30)


def sign_in(page: Page, portal: Portal, name: str) -> None:
    """Sign in through the real page with name, passphrase and a fresh TOTP code."""
    person = portal.people[name]
    area = {Role.ADVOCATE: "advocate", Role.STAFF: "staff", Role.ADMIN: "admin"}[person.role]
    page.goto(f"{portal.url}/{area}/login")
    page.get_by_label("Name").fill(person.name)
    page.get_by_label("Passphrase").fill(person.passphrase)
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(person))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal.url}/{area}/")


@dataclass(frozen=True)
class Receipt:
    """What a survivor is shown once after sending a report."""

    codename: str
    reference: str
    account: str


def send_report(
    page: Page,
    portal: Portal,
    *,
    consent_legal: bool = False,
    messages_legal: bool = False,
    consent_statistics: bool = False,
) -> Receipt:
    """Fill in the report form as a survivor would, send it, and confirm the codename."""
    page.goto(portal.url + "/")
    page.get_by_role("navigation").get_by_role("link", name="Tell us what happened").click()
    account = portal.marker("account")
    page.locator('input[name="in_danger"][value="no"]').check()
    page.locator("#what_happened").fill(f"The officer came to my home. {account}")
    page.locator("#when").fill("summer 2024")
    page.locator("#force").select_option("Kent Police")
    page.locator("#officers-0-name").fill(portal.marker("officer"))
    page.locator("#officers-0-number").fill("4471")
    page.locator('input[name="harms"]').first.check()
    page.locator("#files").set_input_files(
        [{"name": "notes.txt", "mimeType": "text/plain", "buffer": portal.marker("file").encode()}]
    )
    page.locator("#keep_metadata").check()  # a text file is kept only as sent
    if consent_legal:
        page.locator("#consent_legal").check()
    if messages_legal:
        page.locator("#consent_messages_legal").check()
    if consent_statistics:
        page.locator("#consent_statistics").check()
    page.get_by_role("button", name="Send my report").click()
    codename = page.locator("p.codename").inner_text().strip()
    reference = page.locator("p:has-text('Your reference is') strong").inner_text().strip()
    portal.markers.append(codename)
    return Receipt(codename, reference, account)


def confirm_saved(page: Page) -> None:
    """Tick "I have saved my codename" and go on."""
    page.locator("#saved").check()
    page.get_by_role("button", name="Continue").click()
    # Awaited to the end: Back pressed while this navigation is under way finds no page.
    page.wait_for_url(re.compile(r"/report/next$"))


def come_back(page: Page, portal: Portal, codename: str) -> None:
    """Sign in to a report with its codename, from the return page."""
    page.goto(portal.url + "/return")
    page.locator("#codename").fill(codename)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(portal.url) + "/return/"))
