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
from typing import Any

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
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be")


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


class Needles:
    """What a scan looks for: typed words in UTF-8 and UTF-16, and a few other patterns.

    A pattern of its own for each word says which word was found where, but several
    hundred of them read every file several hundred times: minutes, over a database
    server's files. So every word is looked for first in one pass, by one pattern for all
    (a trie) over the data with its NUL bytes taken out: an ASCII word in UTF-16 is that
    word with a NUL beside each letter, so data this pass finds nothing in holds no word in
    any encoding. Only data where the pass finds something is searched word by word.
    """

    def __init__(self, words: Iterable[str], others: Iterable[re.Pattern[bytes]] = ()) -> None:
        words = list(words)
        assert all(word.isascii() for word in words), "the single pass sees ASCII words only"
        self.others = list(others)
        self.words = [re.compile(re.escape(w.encode(e))) for e in ENCODINGS for w in words]
        self.any_word = _any_of([word.encode() for word in words])

    def found(self, named: str, data: bytes) -> list[str]:
        """Each pattern found in `data`, said as "named: pattern"."""
        patterns = self.others
        if self.any_word.search(data.replace(b"\0", b"")):
            patterns = patterns + self.words
        return [
            f"{named}: {n.pattern.decode(errors='replace')}" for n in patterns if n.search(data)
        ]


def _any_of(words: list[bytes]) -> re.Pattern[bytes]:
    """One pattern matching each of `words`, written as a trie: an alternation of hundreds
    of whole words would try each of them at every byte."""
    trie: dict[int | None, Any] = {}
    for word in words:
        node = trie
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = {}

    def written(node: dict[int | None, Any]) -> bytes:
        branches = [
            b"" if key is None else re.escape(bytes([key])) + written(child)
            for key, child in node.items()
        ]
        return branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"

    return re.compile(written(trie) if words else b"(?!)")


def _scan_files(needles: Needles, files: Iterable[Path]) -> list[str]:
    found = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        found += needles.found(str(path), data)
    return found


def _scan_database(needles: Needles, instance: Path) -> list[str]:
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
                        found += needles.found(f"{table}.{column}", data)
    finally:
        engine.dispose()
    return found


def _needles(portal: Portal, port: int, user_agent: str) -> Needles:
    """Every word typed in the run and the codenames; the client's address and browser."""
    return Needles(
        portal.markers,
        [
            # The server's own listening address is in its start-up lines; a client's is not.
            re.compile(rb"127\.0\.0\.1(?!:" + str(port).encode() + rb"\b)"),
            re.compile(re.escape(user_agent.encode())),
            re.compile(rb"HeadlessChrome"),
        ],
    )


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
        found += needles.found("the database server's log", log)
    # The rest of the temporary directory, as far as it was written during the
    # run, for the survivor's words only (other programs' files may name
    # loopback); Chromium's own profile is the device's.
    skip = [browser_temporary, served_root, *filter(None, [portal.database_server])]
    outside = _files(SYSTEM_TEMPORARY, skip=skip, since=portal.started)
    found += _scan_files(Needles(portal.markers), outside)
    assert found == []


def test_the_trace_scan_finds_a_trace_when_there_is_one(tmp_path: Path, portal: Portal) -> None:
    marker, little_endian, big_endian = (portal.marker("planted") for _ in range(3))
    (tmp_path / "left-behind.log").write_text(f"GET / from 127.0.0.1:51234 said {marker}\n")
    # Each word in UTF-16, one byte order each, in binary data (not NULs: UTF-16 of either
    # order next to a NUL holds the other order as well).
    (tmp_path / "left-behind.db").write_bytes(
        b"\xff" * 9
        + little_endian.encode("utf-16-le")
        + b"\xff" * 9
        + big_endian.encode("utf-16-be")
        + b"\xff"
    )
    needles = _needles(portal, 5000, "Mozilla/5.0 HeadlessChrome/1")
    found = _scan_files(needles, _files(tmp_path))
    # The marker and the client address in the log; each word in UTF-16 in the database.
    assert sorted(Path(f.split(": ", 1)[0]).name for f in found) == [
        "left-behind.db",
        "left-behind.db",
        "left-behind.log",
        "left-behind.log",
    ], found
    for planted in (marker, little_endian, big_endian):
        portal.markers.remove(planted)
    # The database scan reads real rows: the advocate's name is in the audit log.
    assert any(
        f.startswith("audit_events.") for f in _scan_database(Needles(["alice"]), portal.instance)
    )
