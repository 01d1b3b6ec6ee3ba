"""After a full visit in a real browser, the server keeps no trace of who came or what they wrote.

Everything the served portal could have written is read back: every file under
instance/ as raw bytes, every table and column of the database opened with its
key (on PostgreSQL, read from the server, and the server's log), the server's
own temporary directory, its log, and the system temporary directory. None may
hold a word the survivor typed, the codename, the client's address (127.0.0.1:
the browser asked for "localhost", and only the server's own listening address
may name it) or the browser's user agent.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import inspect, text

import config
from portal.store import make_engine
from tests.browser.conftest import (
    Portal,
    Visit,
    come_back,
    confirm_saved,
    send_report,
    sign_in,
)

SYSTEM_TEMPORARY = Path(tempfile.gettempdir())
LARGEST_FILE = 256 * 1024 * 1024


def _files(folder: Path, skip: Iterable[Path] = (), since: float = 0.0) -> Iterator[Path]:
    """Regular files under `folder`, outside `skip`, written at or after `since`."""
    skipped = {s.resolve() for s in skip}
    for root, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if (Path(root) / f).resolve() not in skipped]
        for name in names:
            path = Path(root) / name
            try:
                facts = path.lstat()
            except OSError:
                continue  # gone already
            regular = stat.S_ISREG(facts.st_mode) and facts.st_size <= LARGEST_FILE
            if regular and facts.st_mtime >= since:
                yield path


def _found(needles: list[re.Pattern[bytes]], named: str, data: bytes) -> list[str]:
    return [f"{named}: {n.pattern.decode(errors='replace')}" for n in needles if n.search(data)]


def _scan_files(needles: list[re.Pattern[bytes]], files: Iterable[Path]) -> list[str]:
    found = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        found += _found(needles, str(path), data)
    return found


def _scan_database(needles: list[re.Pattern[bytes]], instance: Path) -> list[str]:
    """Every value of every column of every table, read with the database key."""
    engine = make_engine(config.load(instance, environ={}))
    found = []
    try:
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                    for column, value in row._mapping.items():
                        if value is None:
                            continue
                        data = value if isinstance(value, bytes) else str(value).encode()
                        found += _found(needles, f"{table}.{column}", data)
    finally:
        engine.dispose()
    return found


def _word_needles(portal: Portal) -> list[re.Pattern[bytes]]:
    """Every word typed in the run, and the codenames, in UTF-8 and UTF-16."""
    encodings = ("utf-8", "utf-16-le", "utf-16-be")
    return [re.compile(re.escape(w.encode(e))) for e in encodings for w in portal.markers]


def _needles(portal: Portal, port: int, user_agent: str) -> list[re.Pattern[bytes]]:
    return [
        *_word_needles(portal),
        # The server's own listening address is in its start-up lines; a client's is not.
        re.compile(rb"127\.0\.0\.1(?!:" + str(port).encode() + rb"\b)"),
        re.compile(re.escape(user_agent.encode())),
        re.compile(rb"HeadlessChrome"),
    ]


def test_a_full_visit_leaves_no_trace_of_the_survivor_or_the_client(
    portal: Portal,
    visit: Callable[..., Visit],
    browser_temporary: Path,
) -> None:
    survivor = visit(javascript=True).page()
    receipt = send_report(survivor, portal, consent_legal=True)
    confirm_saved(survivor)
    come_back(survivor, portal, receipt.codename)
    message = portal.marker("message")
    survivor.locator("#text").fill(f"One more thing. {message}")
    survivor.get_by_role("button", name="Send", exact=True).click()
    expect(survivor.locator("ol.thread")).to_contain_text(message)
    user_agent = survivor.evaluate("navigator.userAgent")
    assert "HeadlessChrome" in user_agent

    advocate = visit(javascript=True).page()
    sign_in(advocate, portal, "alice")
    advocate.get_by_role("link", name=receipt.reference, exact=True).click()
    expect(advocate.locator("main")).to_contain_text(receipt.account)
    reply = portal.marker("reply")
    advocate.locator("#text").fill(reply)
    advocate.get_by_role("button", name="Reply to the survivor").click()
    advocate.get_by_role("button", name="Send reply").click()
    expect(advocate.locator("ol.thread")).to_contain_text(reply)
    staff = visit(javascript=True).page()
    sign_in(staff, portal, "sam")
    expect(staff.locator("main")).to_contain_text(receipt.reference)

    port = int(portal.url.rsplit(":", 1)[1])
    needles = _needles(portal, port, user_agent)
    served_root = portal.instance.parent
    found = _scan_files(needles, _files(portal.instance))
    found += _scan_database(needles, portal.instance)
    found += _scan_files(needles, _files(portal.temporary))
    found += _scan_files(needles, [portal.log])
    if portal.database_server is not None:  # its tables were read above, value by value
        log = (portal.database_server / "server.log").read_bytes()
        # Like the portal's, the database server's log names where it listens.
        log = re.sub(rb'listening on IPv4 address "127\.0\.0\.1", port \d+', b"", log)
        found += _found(needles, "the database server's log", log)
    # The rest of the temporary directory, as far as it was written during the
    # run, for the survivor's words only (other programs' files may name
    # loopback); Chromium's own profile is the device's.
    skip = [browser_temporary, served_root, *filter(None, [portal.database_server])]
    outside = _files(SYSTEM_TEMPORARY, skip=skip, since=portal.started)
    found += _scan_files(_word_needles(portal), outside)
    assert found == []


def test_the_trace_scan_finds_a_trace_when_there_is_one(tmp_path: Path, portal: Portal) -> None:
    marker = portal.marker("planted")
    (tmp_path / "left-behind.log").write_text(f"GET / from 127.0.0.1:51234 said {marker}\n")
    needles = _needles(portal, 5000, "Mozilla/5.0 HeadlessChrome/1")
    found = _scan_files(needles, _files(tmp_path))
    assert len(found) == 2, found  # the marker and the client address
    portal.markers.remove(marker)
    # The database scan reads real rows: the advocate's name is in the audit log.
    assert any(
        f.startswith("audit_events.")
        for f in _scan_database([re.compile(b"alice")], portal.instance)
    )
