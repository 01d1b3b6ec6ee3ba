"""The real commands: `portal init` and `portal serve` with gunicorn, as `make run` uses them."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from portal.core.instance import recovery_phrase_path
from tests.support.serving import BIN, free_port, init_instance, portal_environment, wait_until_up


@pytest.mark.slow
def test_portal_serve_answers_on_its_port_and_logs_no_address(tmp_path: Path) -> None:
    port = free_port()
    env = portal_environment(tmp_path / "instance", port)
    init_instance(env)
    server = subprocess.Popen(
        [BIN / "portal", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        response = wait_until_up(f"http://127.0.0.1:{port}/", 30)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert b"<title>Information</title>" in response.read()
        assert wait_until_up(f"http://127.0.0.1:{port}/healthz", 30).status == 200
        workers = psutil.Process(server.pid).children()
        assert workers and all(w.environ().get("MALLOC_ARENA_MAX") == "2" for w in workers)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    log = output.decode()
    assert "cookies are sent without Secure" in log
    assert "Booting worker" in log
    served = log.split("Serving on", 1)[1].split("\n", 1)[1]
    # Where the portal itself listens is shown, plainly; no other address is.
    assert f"Listening at http://127.0.0.1:{port} (process " in served
    assert "[address]" not in served
    others = [line for line in served.splitlines() if "Listening at" not in line]
    assert not any("127.0.0.1" in line for line in others)
    # The portal's own line per request, through gunicorn's logging, and no access log;
    # none for a survivor's page.
    assert "request method=GET rule=/healthz status=200 ms=" in served
    assert "rule=/ " not in served


def test_flask_reaches_the_same_commands(tmp_path: Path) -> None:
    env = portal_environment(tmp_path / "instance", free_port())
    flask = [BIN / "flask", "--app", "portal"]
    init = subprocess.run([*flask, "init"], env=env, capture_output=True, text=True, timeout=60)
    assert init.returncode == 0, init.stderr
    assert "RECOVERY PHRASE" in init.stdout  # named, and written to its file, not shown
    assert recovery_phrase_path(tmp_path / "instance").exists()
    check = subprocess.run([*flask, "check"], env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert "database opens" in check.stdout


def test_serve_refuses_to_start_without_an_instance(tmp_path: Path) -> None:
    env = portal_environment(tmp_path / "missing", free_port())
    serve = subprocess.run(
        [BIN / "portal", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert serve.returncode != 0
    assert "portal init" in serve.stderr
    assert "Traceback" not in serve.stderr


def _read_until(master: int, pattern: re.Pattern[str], seconds: float) -> tuple[str, re.Match[str]]:
    """What a terminal shows, up to the first match of `pattern` (fails on timeout)."""
    shown, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                shown += os.read(master, 4096).decode(errors="replace")
            except OSError:
                break
            found = pattern.search(shown)
            if found:
                return shown, found
    raise AssertionError(f"never shown: {pattern.pattern}\n{shown}")


@pytest.mark.slow
def test_serve_on_another_port_than_at_init_gives_links_with_the_port_it_serves_on(
    tmp_path: Path,
) -> None:
    first = free_port()
    env = portal_environment(tmp_path / "instance", first)
    init_instance(env)  # public_url names the first port
    second = free_port()
    assert second != first
    master, terminal = pty.openpty()
    server = subprocess.Popen(
        [BIN / "portal", "serve", "--port", str(second)],
        env=env,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        shown, link = _read_until(
            master, re.compile(r"create the first admin account at (\S+?)(?:\x1b|\s)"), 60
        )
        assert link.group(1).startswith(f"http://localhost:{second}/admin/join/"), shown
        shown, _ = _read_until(master, re.compile(r"Listening at http://127\.0\.0\.1:\d+"), 60)
        assert f"Listening at http://127.0.0.1:{second}" in shown
        assert f":{first}" not in shown
        page = wait_until_up(link.group(1), 30)
        assert page.status == 200
        assert b"Create your admin account" in page.read()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        os.close(master)


ONION = "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/"
EVERY_ADDRESS = "0.0.0.0"  # noqa: S104 - the public bind these tests are about


@pytest.mark.parametrize("host", [EVERY_ADDRESS, "::", "192.0.2.10"])
def test_with_an_onion_address_serve_refuses_a_public_host(tmp_path: Path, host: str) -> None:
    env = portal_environment(tmp_path / "instance", free_port())
    init_instance(env)
    serve = subprocess.run(
        [BIN / "portal", "serve", "--host", host],
        env=env | {"PORTAL_ONION_URL": ONION},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serve.returncode != 0
    assert f"--host {host}" in serve.stderr and "--public-bind" in serve.stderr
    assert "Traceback" not in serve.stderr
    assert "Listening" not in serve.stderr + serve.stdout


@pytest.mark.slow
def test_public_bind_lets_serve_listen_on_every_address_beside_an_onion(tmp_path: Path) -> None:
    port = free_port()
    env = portal_environment(tmp_path / "instance", port)
    init_instance(env)
    server = subprocess.Popen(
        [BIN / "portal", "serve", "--host", EVERY_ADDRESS, "--public-bind"],
        env=env | {"PORTAL_ONION_URL": ONION},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert wait_until_up(f"http://127.0.0.1:{port}/", 60, server).status == 200
        listening = {c.laddr for c in psutil.Process(server.pid).net_connections("tcp")}
        assert (EVERY_ADDRESS, port) in listening
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_init_names_localhost_and_check_warns_of_an_address_keys_cannot_use(
    tmp_path: Path,
) -> None:
    """Browsers refuse security keys on an IP address: `portal init` writes localhost,
    and `portal check` says so when public_url names an address."""
    env = portal_environment(tmp_path / "instance", free_port())
    init_instance(env)
    settings = (tmp_path / "instance" / "portal.toml").read_text()
    assert re.search(r'(?m)^public_url = "http://localhost:\d+"$', settings), settings
    check = subprocess.run(
        [BIN / "portal", "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0 and "security keys" not in check.stdout, check.stdout
    addressed = env | {"PORTAL_PUBLIC_URL": "http://127.0.0.1:5000"}
    check = subprocess.run(
        [BIN / "portal", "check"], env=addressed, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stderr
    assert "browsers refuse security keys" in check.stdout
