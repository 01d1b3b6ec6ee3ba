"""A backup taken while reports keep arriving restores every report acknowledged before it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from portal.store.models import Role
from tests.operations.reading import read_as_advocate
from tests.support.instance import CHEAP_ARGON2_SETTINGS
from tests.support.serving import (
    BIN,
    add_person,
    free_port,
    init_instance,
    portal_environment,
    submit_reports_until,
    wait_until_up,
)

CLIENTS = 3


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "portal", *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_a_backup_taken_under_load_restores_every_report_acknowledged_before_it(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = portal_environment(tmp_path / "instance", port)
    init_instance(env)
    settings = tmp_path / "instance" / "portal.toml"
    text = settings.read_text()
    settings.write_text(text[: text.index("[argon2]")] + CHEAP_ARGON2_SETTINGS)
    add_person(env, "alice", Role.ADVOCATE)
    server = subprocess.Popen(
        [BIN / "portal", "serve"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acknowledged: list[tuple[str, str]] = []  # (codename, words)
    stop = threading.Event()
    clients = [
        threading.Thread(target=submit_reports_until, args=(url, acknowledged, stop), daemon=True)
        for _ in range(CLIENTS)
    ]
    try:
        wait_until_up(url, 60, server)
        for client in clients:
            client.start()
        while len(acknowledged) < 15:
            time.sleep(0.1)
        before = list(acknowledged)  # each of these was answered before the backup began
        made = _run(env, "backup", str(tmp_path / "backup.tar"))
        during = len(acknowledged) - len(before)
        time.sleep(0.5)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=30)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert made.returncode == 0, made.stderr
    assert during > 0, "no report arrived while the backup was taken: it proved nothing"

    restored = tmp_path / "restored"
    secrets = tmp_path / "instance" / "secrets"
    done = _run(
        env, "restore", str(tmp_path / "backup.tar"), str(restored), "--secrets", str(secrets)
    )
    assert done.returncode == 0, done.stderr
    checked = _run(env | {"PORTAL_INSTANCE": str(restored)}, "check")
    assert checked.returncode == 0, checked.stderr
    assert "database opens" in checked.stdout
    # Every report in the copy opens whole (open_case checks each ciphertext),
    # and every one acknowledged before the backup began is among them.
    read = read_as_advocate(restored)
    assert {words for _codename, words in before} <= set(read)
