"""Two hosts over one PostgreSQL database, as two machines behind a load balancer.

Each host is a `portal serve` of its own, on its own port, with its own copy
of the instance folder (the same `secrets/` and `portal.toml`, copied as the
deployment guide says), over one database on a real PostgreSQL server. What
a person begins on one host they continue on the other, reports sent to
either are all kept, a limit counts the attempts made on both, and killing
one host mid-load loses nothing it acknowledged.

Clients of the limit test get addresses of their own (TEST-NET-2, added to
the loopback interface): loopback clients count as Tor's, which no per-client
limit tells apart. Every other client here is on loopback, so the report
flood limit never refuses them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

import config
from crypto.words import new_codename
from portal.store import Store, make_engine
from portal.store.models import Report, Role
from portal.survivor.service import sign_in, view_report
from tests.attacks.test_proxy import _client, _ip
from tests.support.instance import CHEAP_ARGON2_SETTINGS
from tests.support.people import Person
from tests.support.postgres import PostgresServer
from tests.support.serving import (
    BIN,
    add_person,
    free_port,
    init_instance,
    portal_environment,
    submit_reports_until,
    wait_until_up,
)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM_TOKENS = re.compile(r'name="(csrf_token|submission)"[^>]*value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename" lang="en">([a-z ]+)</p>')
GUESSER, NEIGHBOUR = "198.51.100.12", "198.51.100.13"
WRONG = new_codename()  # a codename in form, of no report
CODENAME_LIMIT = 10  # wrong codenames from one client in 15 minutes (README)
CODENAME_WINDOW = 15 * 60
CLIENTS_PER_HOST = 3
# Reports host A acknowledges before it is killed, and host B after.
ACKNOWLEDGED_BEFORE_KILL = 10


@dataclass(frozen=True)
class Host:
    """One `portal serve` with its own copy of the instance folder."""

    url: str
    instance: Path
    process: subprocess.Popen[bytes]


def _serve(instance: Path, log: Path) -> Host:
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [BIN / "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=portal_environment(instance, port),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Host(f"http://127.0.0.1:{port}", instance, process)


def _stop(host: Host) -> None:
    if host.process.poll() is not None:
        return
    os.killpg(host.process.pid, signal.SIGTERM)
    try:
        host.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(host.process.pid, signal.SIGKILL)
        host.process.wait()


@pytest.fixture(scope="module")
def hosts(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
) -> Iterator[tuple[Host, Host, Person]]:
    """Hosts A and B over one new database, each with its copy of one instance; an
    advocate. The file's tests share them (the last one kills A)."""
    root = tmp_path_factory.mktemp("hosts")
    database = postgres_server.create_database()
    first = root / "a" / "instance"
    env = portal_environment(first, free_port())
    init_instance(env, "--database-url", postgres_server.url(database))
    settings = first / "portal.toml"
    # Real Argon2id, at a cost that keeps the test fast (as the suite's instances).
    text = re.sub(r"\[argon2\].*", CHEAP_ARGON2_SETTINGS, settings.read_text(), flags=re.DOTALL)
    settings.write_text(text)
    advocate = add_person(env, "alice", Role.ADVOCATE)
    # The second machine: a copy of the folder, modes kept (the secrets stay 0600).
    second = root / "b" / "instance"
    shutil.copytree(first, second)
    a, b = _serve(first, root / "a" / "server.log"), _serve(second, root / "b" / "server.log")
    try:
        for host in (a, b):
            wait_until_up(host.url + "/", 60, host.process)
        yield a, b, advocate
    finally:
        for host in (a, b):
            _stop(host)
        postgres_server.drop_database(database)


def _token(session: requests.Session, url: str) -> str:
    match = TOKEN.search(session.get(url, timeout=30).text)
    assert match, url
    return match.group(1)


def _send_report(session: requests.Session, host: Host, marker: str) -> str:
    """Send a report through the form; the codename the page then shows."""
    tokens = dict(FORM_TOKENS.findall(session.get(host.url + "/report", timeout=30).text))
    answer = session.post(
        host.url + "/report",
        data={**tokens, "what_happened": marker, "consent_read": "y"},
        timeout=30,
    )
    codename = CODENAME.search(answer.text)
    assert codename, answer.status_code
    return codename.group(1)


def _come_back(session: requests.Session, host: Host, codename: str) -> requests.Response:
    """Enter a codename on the return page; the answer, not followed."""
    return session.post(
        host.url + "/return",
        data={"csrf_token": _token(session, host.url + "/return"), "codename": codename},
        allow_redirects=False,
        timeout=30,
    )


def _my_report(session: requests.Session, host: Host) -> requests.Response:
    return session.get(host.url + "/return/report", allow_redirects=False, timeout=30)


@pytest.mark.slow
def test_an_advocate_signed_in_on_one_host_is_signed_in_on_the_other(
    hosts: tuple[Host, Host, Person],
) -> None:
    a, b, advocate = hosts
    browser = requests.Session()
    signed_in = browser.post(
        a.url + "/advocate/login",
        data={
            "csrf_token": _token(browser, a.url + "/advocate/login"),
            "name": advocate.name,
            "passphrase": advocate.passphrase,
            "code": advocate.next_code(),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 303, signed_in.text
    # Cookies are per host name, not per port: the same cookie goes to B.
    page = browser.get(b.url + "/advocate/", allow_redirects=False, timeout=30)
    assert page.status_code == 200
    assert "<h1>Reports</h1>" in page.text
    # Without the cookie B sends to the sign-in page: the cookie is what carried it.
    stranger = requests.Session().get(b.url + "/advocate/", allow_redirects=False, timeout=30)
    assert stranger.status_code in (302, 303)
    assert "/advocate/login" in stranger.headers["Location"]


@pytest.mark.slow
def test_a_survivor_who_began_on_one_host_continues_on_the_other(
    hosts: tuple[Host, Host, Person],
) -> None:
    a, b, _ = hosts
    browser = requests.Session()
    codename = _send_report(browser, a, "sent to host A")
    # The page that shows her codename is the same on B.
    assert CODENAME.search(browser.get(b.url + "/report/sent", timeout=30).text)
    # Back later, with her codename, on the other host.
    later = requests.Session()
    assert _come_back(later, b, codename).status_code == 303
    assert "sent to host A" in _my_report(later, b).text
    # A session begun on A goes on on B.
    session = requests.Session()
    assert _come_back(session, a, codename).status_code == 303
    continued = _my_report(session, b)
    assert continued.status_code == 200
    assert "sent to host A" in continued.text
    assert _my_report(requests.Session(), b).status_code in (302, 303)


@pytest.mark.slow
def test_reports_sent_to_both_hosts_are_all_kept(hosts: tuple[Host, Host, Person]) -> None:
    a, b, _ = hosts
    sent = []  # each report's codename and words, the host it went to, and the other
    for host, other, name in ((a, b, "A"), (b, a, "B")):
        for n in range(3):
            marker = f"report {n} to {name}"
            sent.append((_send_report(requests.Session(), host, marker), marker, other))
    for codename, marker, other in sent:
        session = requests.Session()
        assert _come_back(session, other, codename).status_code == 303
        assert marker in _my_report(session, other).text


@pytest.fixture
def client_addresses() -> Iterator[None]:
    """Give the guesser and the neighbour their own addresses on the loopback interface."""
    for address in (GUESSER, NEIGHBOUR):
        _ip("replace", f"{address}/32", "dev", "lo")
    yield
    for address in (GUESSER, NEIGHBOUR):
        _ip("del", f"{address}/32", "dev", "lo", check=False)


def _clear_of_a_window_end() -> None:
    """Wait out the last seconds of a count window: a burst across its end would be
    counted a little short (the previous window's count is weighed down)."""
    left = CODENAME_WINDOW - time.time() % CODENAME_WINDOW
    if left < 20:
        time.sleep(left + 0.5)


@pytest.mark.slow
@pytest.mark.usefixtures("client_addresses")
def test_wrong_codenames_on_both_hosts_add_up_to_one_limit(
    hosts: tuple[Host, Host, Person],
) -> None:
    a, b, _ = hosts
    codename = _send_report(requests.Session(), a, "the neighbour's report")
    _clear_of_a_window_end()
    guesser = _client(GUESSER)
    # Five on each host: were counts kept per host, neither would refuse the next.
    statuses = [_come_back(guesser, (a, b)[n % 2], WRONG).status_code for n in range(10)]
    assert statuses == [200] * CODENAME_LIMIT
    assert _come_back(guesser, a, WRONG).status_code == 429
    assert _come_back(guesser, b, WRONG).status_code == 429
    # Refused even with the right codename, on either host; the neighbour is not.
    assert _come_back(guesser, b, codename).status_code == 429
    for host in (a, b):
        assert _come_back(_client(NEIGHBOUR), host, codename).status_code == 303


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Wait until `condition` holds; fail once `timeout` seconds have gone by."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the hosts took too few reports"
        time.sleep(0.05)


# It kills host A, so it comes last in the file.
@pytest.mark.slow
def test_killing_one_host_mid_load_loses_no_acknowledged_report(
    hosts: tuple[Host, Host, Person],
) -> None:
    a, b, _ = hosts
    acknowledged: dict[Host, list[tuple[str, str]]] = {a: [], b: []}
    stop = threading.Event()
    clients = [
        threading.Thread(
            target=submit_reports_until, args=(host.url, acknowledged[host], stop), daemon=True
        )
        for host in (a, b)
        for _ in range(CLIENTS_PER_HOST)
    ]
    for client in clients:
        client.start()
    try:
        _wait_for(lambda: len(acknowledged[a]) >= ACKNOWLEDGED_BEFORE_KILL)
        time.sleep(0.3)  # into the middle of the next ones
        os.killpg(a.process.pid, signal.SIGKILL)  # master and workers, mid-write
        a.process.wait()
        on_b_at_kill = len(acknowledged[b])
        # A's clients keep trying in vain; B goes on answering its own.
        _wait_for(lambda: len(acknowledged[b]) >= on_b_at_kill + ACKNOWLEDGED_BEFORE_KILL)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
    settings = config.load(b.instance, environ={})
    engine = make_engine(settings)
    try:
        with Store(engine).session() as session:
            for codename, marker in acknowledged[a] + acknowledged[b]:
                access = sign_in(session, settings.lookup_pepper, codename)
                assert view_report(session, access).account["what_happened"] == marker
            # No half-written report: every stored one has both its seals.
            for report in session.scalars(select(Report)):
                groups = {seal.group_key.group.value for seal in report.seals}
                assert groups == {"advocates", "recovery"}
    finally:
        engine.dispose()
