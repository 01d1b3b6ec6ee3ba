"""Running the real `portal` command in tests: a free loopback port, its environment, waiting."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.client import HTTPResponse
from http.cookiejar import CookieJar
from pathlib import Path

import pyotp

from portal.store.models import Role
from tests.support.people import PASSPHRASE, Person

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A loopback port nothing is listening on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def portal_environment(instance: Path, port: int) -> dict[str, str]:
    """The environment `portal` runs in: this instance, this port, no other PORTAL_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return env | {"PORTAL_INSTANCE": str(instance), "PORT": str(port)}


def init_instance(env: dict[str, str], *options: str) -> str:
    """Run `portal init` in `env`, as an operator would; return what it printed."""
    made = subprocess.run(
        [BIN / "portal", "init", *options], env=env, capture_output=True, text=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    return made.stdout


def add_person(env: dict[str, str], name: str, role: Role) -> Person:
    """Create an account with `portal user add`, as an operator would."""
    made = subprocess.run(
        [BIN / "portal", "user", "add", name, "--role", role.value, "--passphrase-stdin"],
        input=PASSPHRASE + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    secret = re.search(r"secret=([A-Z2-7]+)", made.stdout)
    assert secret, made.stdout
    return Person(name, role, PASSPHRASE, pyotp.TOTP(secret.group(1)), account_id=0)


def wait_until_up(
    url: str, timeout: float = 60, server: subprocess.Popen[bytes] | None = None
) -> HTTPResponse:
    """GET `url` until it answers; fail if the server process stops first or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if server is not None and server.poll() is not None:
            raise AssertionError(f"the server stopped with exit code {server.returncode}")
        try:
            response: HTTPResponse = urllib.request.urlopen(url, timeout=5)  # noqa: S310 - loopback
            return response
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.2)


def submit_reports_until(
    url: str, acknowledged: list[tuple[str, str]], stop: threading.Event
) -> None:
    """Submit reports until stopped, each from a new browser; keep each (codename, words)
    the server acknowledged. A server that is down or dies mid-answer is tried again."""
    number = 0
    while not stop.is_set():
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        marker = f"crash-test account {threading.get_ident()}-{number}"
        number += 1
        try:
            page = opener.open(f"{url}/report", timeout=5).read().decode()
            tokens = dict(re.findall(r'name="(csrf_token|submission)"[^>]*value="([^"]+)"', page))
            assert len(tokens) == 2
            body = urllib.parse.urlencode(
                {**tokens, "what_happened": marker, "consent_read": "y"}
            ).encode()
            answer = opener.open(f"{url}/report", data=body, timeout=5).read().decode()
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)  # the server died mid-answer or is down: try again
            continue
        codename = re.search(r'<p class="codename" lang="en">([a-z ]+)</p>', answer)
        if codename:
            acknowledged.append((codename.group(1), marker))
