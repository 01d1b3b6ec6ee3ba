"""Nothing acknowledged is ever lost: the server is killed mid-submission, again and again."""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from sqlalchemy import select, text

import config
from portal.store import Store, make_engine
from portal.store.models import Report
from portal.survivor.service import sign_in, view_report
from tests.support.serving import BIN, free_port, init_instance, portal_environment, wait_until_up

KILLS = 10
CLIENTS = 6


def _submit_forever(url: str, acknowledged: list[tuple[str, str]], stop: threading.Event) -> None:
    """Submit reports until stopped; keep each codename the server acknowledged."""
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


@pytest.mark.slow
def test_every_acknowledged_report_survives_repeated_sigkill(
    tmp_path: Path, database: str | None
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = portal_environment(tmp_path / "instance", port)
    init_instance(env, *(("--database-url", database) if database else ()))
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()
    clients = [
        threading.Thread(target=_submit_forever, args=(url, acknowledged, stop), daemon=True)
        for _ in range(CLIENTS)
    ]
    chance = random.Random(20261123)
    server = None
    try:
        for round_number in range(KILLS + 1):
            server = subprocess.Popen(
                [BIN / "portal", "serve"],
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_until_up(url, 60)
            if round_number == 0:
                for client in clients:
                    client.start()
            time.sleep(chance.uniform(0.3, 1.5))
            if round_number < KILLS:
                os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-write
                server.wait()
        time.sleep(1.0)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=10)
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    assert len(acknowledged) > 20, "too few submissions to say anything"
    settings = config.load(tmp_path / "instance", environ={})
    engine = make_engine(settings)
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        with Store(engine).session() as session:
            for codename, marker in acknowledged:
                access = sign_in(session, settings.lookup_pepper, codename)
                assert view_report(session, access).account["what_happened"] == marker
            # No half-written report: every stored one has its seals and decrypts.
            for report in session.scalars(select(Report)):
                assert {s.group_key.group.value for s in report.seals} == {
                    "advocates",
                    "recovery",
                }
            stored = session.scalar(select(text("count(*)")).select_from(Report))
            assert stored is not None and stored >= len(acknowledged)
    finally:
        engine.dispose()
