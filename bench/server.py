"""A seeded, throw-away instance served by the real `portal serve`, and its memory.

Everything lives in a temporary folder that the caller removes. Survivors'
reports are seeded in bulk with real encryption (bench/seed.py);
the charity's accounts are created as `portal user add` would create them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyotp

import config as config_module
from bench.seed import seed_reports
from crypto.passphrase import Argon2Params
from portal import store
from portal.core import accounts
from portal.core.instance import create_instance
from portal.core.principal import unlock_principal
from portal.core.search import index_reports, open_index_key, pending_count
from portal.store.models import Role

BIN = Path(sys.executable).parent
# Seeded accounts that only the export uses may be cheap; the advocate who
# signs in during the login scenario has the real, configured cost.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_kib=64, parallelism=1)
PASSPHRASE = "orbit velvet lantern harbour quietly"  # noqa: S105 - a throw-away bench account
STARTUP_SECONDS = 60


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Person:
    """A charity account and what its holder knows."""

    name: str
    passphrase: str
    totp: pyotp.TOTP
    last_step: int = 0

    def next_code(self) -> str:
        """A code for the earliest unused time step the server accepts (one step of drift)."""
        current = int(time.time()) // 30
        step = max(current - 1, self.last_step + 1)
        if step > current + 1:
            time.sleep((step - 1) * 30 - time.time() + 0.5)  # bounded: at most one step
        self.last_step = step
        return self.totp.at(step * 30)


@dataclass
class Seeded:
    """The instance folder and what was put in it."""

    path: Path
    advocate: Person
    staff: Person
    report_ids: list[str]
    consented_ids: list[str]
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def _person(
    session: object, config: config_module.Config, name: str, role: Role, cost: Argon2Params
) -> Person:
    enrolment = accounts.create_account(
        session, name, role, PASSPHRASE, cost, config.secrets_path, actor="bench"
    )
    secret = re.search(r"secret=([A-Z2-7]+)", enrolment.otpauth_uri)
    assert secret
    return Person(name, PASSPHRASE, pyotp.TOTP(secret.group(1)))


def seed_instance(path: Path, public_url: str, reports: int, consented: int) -> Seeded:
    """Create an instance with `reports` reports, `consented` of them consented for export.

    The advocates' blind index is built here, as the first page loads after a
    surge would build it, so the filtered list is measured on an indexed store.
    """
    started = time.perf_counter()
    create_instance(path, public_url)
    config = config_module.load(path, environ={})
    engine = store.make_engine(config)
    try:
        instance_store = store.Store(engine)
        with instance_store.session() as session:
            advocate = _person(session, config, "alice", Role.ADVOCATE, Argon2Params())
            staff = _person(session, config, "sam", Role.STAFF, CHEAP_ARGON2)
        plain = seed_reports(instance_store, reports - consented)
        exported = seed_reports(instance_store, consented, export_legal=True)
        seeded_at = time.perf_counter()
        with instance_store.session() as session:
            principal = unlock_principal(session, advocate.name, PASSPHRASE, Argon2Params())
            index_key = open_index_key(session, principal)
            assert index_key is not None
            for _ in range(100):  # bounded: each round indexes for up to 10 s
                if index_reports(session, principal, index_key, budget_seconds=10.0) == 0:
                    break
            assert pending_count(session) == 0
    finally:
        engine.dispose()
    return Seeded(
        path,
        advocate,
        staff,
        plain + exported,
        exported,
        time.perf_counter() - started,
        {"index_seconds": time.perf_counter() - seeded_at},
    )


def environment(instance: Path, port: int) -> dict[str, str]:
    """The environment `portal` runs in: this instance, this port, nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return env | {"PORTAL_INSTANCE": str(instance), "PORT": str(port)}


class Server:
    """`portal serve` on loopback, with its gunicorn master and workers."""

    def __init__(self, instance: Path, log_path: Path, command: list[str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        command = command or [str(BIN / "portal"), "serve", "--port", "{port}"]
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [part.replace("{port}", str(self.port)) for part in command],
            env=environment(instance, self.port),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_up(self, path: str = "/") -> None:
        """Wait until a page answers and every worker has booted."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited while starting; see its log")
            try:
                urllib.request.urlopen(self.url + path, timeout=5).read()  # noqa: S310 - loopback
                if self.workers():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not start in time")

    def processes(self) -> list[psutil.Process]:
        """The gunicorn master and its workers."""
        try:
            master = psutil.Process(self.process.pid)
            return [master, *master.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def workers(self) -> list[psutil.Process]:
        """The gunicorn workers."""
        return self.processes()[1:]

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the workers so far."""
        total = 0.0
        for process in self.workers():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def stop(self) -> None:
        """Stop gunicorn (master and workers) and wait for it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


class MemorySampler:
    """Samples the server's memory every `interval` seconds while in a `with` block.

    `peak_total_mb` is the peak of the summed proportional set size (shared
    pages counted once) of master and workers; `peak_growth_mb` is the largest
    growth of one worker's resident set over its size when sampling began.
    """

    def __init__(self, server: Server, interval: float = 0.1):
        self.server, self.interval = server, interval
        self.peak_total_mb = 0.0
        self.peak_growth_mb = 0.0
        self.peak_worker_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._baseline: dict[int, int] = {}

    def _sample(self) -> None:
        total = 0
        for process in self.server.processes():
            try:
                info = process.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += info.pss
            if process.pid != self.server.process.pid:
                base = self._baseline.setdefault(process.pid, info.rss)
                self.peak_growth_mb = max(self.peak_growth_mb, (info.rss - base) / 2**20)
                self.peak_worker_mb = max(self.peak_worker_mb, info.rss / 2**20)
        self.peak_total_mb = max(self.peak_total_mb, total / 2**20)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> MemorySampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()
