"""The real commands: `portal init` and `portal serve` with gunicorn, as `make run` uses them."""

from __future__ import annotations

import subprocess
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
        workers = psutil.Process(server.pid).children()
        assert workers and all(w.environ().get("MALLOC_ARENA_MAX") == "2" for w in workers)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    log = output.decode()
    assert "cookies are sent without Secure" in log
    assert "Booting worker" in log
    assert "127.0.0.1" not in log.split("Serving on", 1)[1].split("\n", 1)[1]


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
