"""Behind a real nginx: every client looks like the proxy unless `trusted_proxies` says so.

Two clients connect to nginx from addresses of their own (TEST-NET-2
addresses, added to the loopback interface for the test: loopback addresses
themselves count as Tor's, which no throttle tells apart). nginx forwards to
`portal serve` and appends the client's address to X-Forwarded-For.
Per-client throttles must count each client, and a client must not escape
its count by writing X-Forwarded-For itself.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from crypto.words import new_codename
from tests.support.serving import BIN, free_port, init_instance, portal_environment, wait_until_up

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
GUESSER, NEIGHBOUR = "198.51.100.2", "198.51.100.3"
WRONG = new_codename()  # a codename in form, of no report
CLIENT_LIMIT = 10  # wrong codenames from one client in 15 minutes (README)

NGINX_CONF = """
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_request_buffering off;
        }}
    }}
}}
"""


class _From(HTTPAdapter):
    """Connect from one loopback address, as a client on another machine would."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _client(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _From(address))
    return session


def _guess(session: requests.Session, url: str, forged: str | None = None) -> int:
    page = session.get(url + "/return", timeout=30).text
    token = TOKEN.search(page)
    assert token
    headers = {"X-Forwarded-For": forged} if forged else {}
    return session.post(
        url + "/return",
        data={"csrf_token": token.group(1), "codename": WRONG},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    ).status_code


def _ip(*args: str, check: bool = True) -> None:
    """Change this machine's addresses (root, or sudo without a password, is needed)."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run([*sudo, "ip", "addr", *args], check=check, capture_output=True, timeout=30)


@pytest.fixture(autouse=True)
def _client_addresses() -> Iterator[None]:
    """Give the two clients their own addresses on the loopback interface."""
    for address in (GUESSER, NEIGHBOUR):
        _ip("replace", f"{address}/32", "dev", "lo")
    yield
    for address in (GUESSER, NEIGHBOUR):
        _ip("del", f"{address}/32", "dev", "lo", check=False)


def _portal_behind_nginx(tmp_path: Path, trusted: int) -> Iterator[str]:
    upstream, port = free_port(), free_port()
    instance = tmp_path / "instance"
    # One worker: each gunicorn worker keeps its own counts (README), and the
    # question here is whose address is counted, not how workers share counts.
    env = portal_environment(instance, upstream) | {"GUNICORN_CMD_ARGS": "--workers 1"}
    init_instance(env)
    settings = instance / "portal.toml"
    settings.write_text(
        settings.read_text().replace("trusted_proxies = 0", f"trusted_proxies = {trusted}")
    )
    proxy_dir = tmp_path / "nginx"
    proxy_dir.mkdir()
    (proxy_dir / "nginx.conf").write_text(
        NGINX_CONF.format(dir=proxy_dir, port=port, upstream=upstream)
    )
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [BIN / "portal", "serve", "--port", str(upstream)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        nginx = subprocess.Popen(
            [NGINX, "-c", str(proxy_dir / "nginx.conf"), "-p", str(proxy_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{upstream}/", 60, server)
        wait_until_up(f"http://127.0.0.1:{port}/", 30, nginx)
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in (nginx, server):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def trusted(tmp_path: Path) -> Iterator[str]:
    """The portal behind nginx, told that one proxy stands in front."""
    yield from _portal_behind_nginx(tmp_path, trusted=1)


@pytest.fixture
def untrusted(tmp_path: Path) -> Iterator[str]:
    """The portal behind nginx, told of no proxy (the default)."""
    yield from _portal_behind_nginx(tmp_path, trusted=0)


@pytest.mark.slow
def test_behind_a_trusted_proxy_one_guesser_is_refused_and_the_neighbour_is_not(
    trusted: str,
) -> None:
    guesser, neighbour = _client(GUESSER), _client(NEIGHBOUR)
    # Writing X-Forwarded-For itself does not make the guesser someone new.
    statuses = [_guess(guesser, trusted, forged=f"10.0.0.{n}") for n in range(CLIENT_LIMIT + 1)]
    assert statuses[:CLIENT_LIMIT] == [200] * CLIENT_LIMIT
    assert statuses[CLIENT_LIMIT] == 429
    assert _guess(neighbour, trusted) == 200


@pytest.mark.slow
def test_without_trusted_proxies_every_client_behind_nginx_looks_like_the_proxy(
    untrusted: str,
) -> None:
    """Why the setting exists: nginx connects from loopback, like Tor, so per-client
    limits see no client at all and only the overall backstop remains."""
    guesser = _client(GUESSER)
    assert [_guess(guesser, untrusted) for _ in range(CLIENT_LIMIT + 1)] == [200] * (
        CLIENT_LIMIT + 1
    )
