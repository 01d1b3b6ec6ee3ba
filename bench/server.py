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
from bench.postgres import PostgresServer
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


def seed_instance(
    path: Path, public_url: str, reports: int, consented: int, database_url: str | None = None
) -> Seeded:
    """Create an instance with `reports` reports, `consented` of them consented for export.

    Its store is SQLCipher in the instance folder, or the PostgreSQL database
    at `database_url`. The advocates' blind index is built here, as the first
    page loads after a surge would build it, so the filtered list is measured
    on an indexed store.
    """
    started = time.perf_counter()
    create_instance(path, public_url, database_url)
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


def environment(instance: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    """The environment `portal` runs in: this instance, this port, nothing else of ours.

    `database_url`, if given, names the PostgreSQL database in place of the
    one in the instance's portal.toml, as a host's $PORTAL_DATABASE_URL would.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env |= {"PORTAL_INSTANCE": str(instance), "PORT": str(port)}
    return env | ({"PORTAL_DATABASE_URL": database_url} if database_url else {})


class Server:
    """`portal serve` on loopback, with its gunicorn master and workers."""

    def __init__(
        self,
        instance: Path,
        log_path: Path,
        command: list[str] | None = None,
        database_url: str | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        command = command or [str(BIN / "portal"), "serve", "--port", "{port}"]
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [part.replace("{port}", str(self.port)) for part in command],
            env=environment(instance, self.port, database_url),
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


class Hosts:
    """The app hosts serving one store, and the PostgreSQL server behind them, if any.

    One host is one `portal serve` (a gunicorn master and its workers). The
    server CPU counts the workers of every host and, on PostgreSQL, every
    process of the database server: on SQLCipher the database is inside the
    workers, so both figures hold the same work.
    """

    def __init__(self, servers: list[Server], database: PostgresServer | None = None):
        self.servers = servers
        self.database = database

    @property
    def urls(self) -> list[str]:
        """Every host's base URL."""
        return [server.url for server in self.servers]

    def wait_until_up(self, path: str = "/") -> None:
        """Wait until every host answers."""
        for server in self.servers:
            server.wait_until_up(path)

    def processes(self) -> list[psutil.Process]:
        """Every host's gunicorn master and workers."""
        return [process for server in self.servers for process in server.processes()]

    def workers(self) -> list[psutil.Process]:
        """Every host's gunicorn workers."""
        return [process for server in self.servers for process in server.workers()]

    def database_processes(self) -> list[psutil.Process]:
        """The PostgreSQL server's processes (none on SQLCipher)."""
        return self.database.processes() if self.database else []

    def app_cpu_seconds(self) -> float:
        """User plus system CPU time of every host's workers so far."""
        return sum(server.cpu_seconds() for server in self.servers)

    def database_cpu_seconds(self) -> float:
        """CPU time of the PostgreSQL server so far, backends that have ended included."""
        processes = self.database_processes()
        if not processes:
            return 0.0
        total = 0.0
        try:
            # A backend that ended was waited for by the postmaster: its time is there.
            times = processes[0].cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
        except psutil.NoSuchProcess:
            return 0.0
        for process in processes[1:]:
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return total

    def cpu_seconds(self) -> float:
        """The app hosts' and the database server's CPU time so far."""
        return self.app_cpu_seconds() + self.database_cpu_seconds()

    def stop(self) -> None:
        """Stop every host (the database server is the caller's to stop)."""
        for server in self.servers:
            server.stop()


def _memory(processes: list[psutil.Process]) -> dict[int, tuple[int, int]]:
    """Each process's proportional and resident set sizes, by pid (ended ones left out)."""
    sizes = {}
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        sizes[process.pid] = (info.pss, info.rss)
    return sizes


class MemorySampler:
    """Samples the hosts' memory every `interval` seconds while in a `with` block.

    `peak_total_mb` is the peak of the summed proportional set size (shared
    pages counted once) of every host's master and workers; `peak_growth_mb`
    is the largest growth of one worker's resident set over its size when
    sampling began; `peak_database_mb` is the peak summed PSS of the
    PostgreSQL server's processes (0 on SQLCipher).
    """

    def __init__(self, hosts: Hosts, interval: float = 0.1):
        self.hosts, self.interval = hosts, interval
        self.peak_total_mb = 0.0
        self.peak_growth_mb = 0.0
        self.peak_worker_mb = 0.0
        self.peak_database_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._baseline: dict[int, int] = {}

    def _sample(self) -> None:
        workers = {process.pid for process in self.hosts.workers()}
        sizes = _memory(self.hosts.processes())
        for pid, (_, rss) in sizes.items():
            if pid in workers:
                base = self._baseline.setdefault(pid, rss)
                self.peak_growth_mb = max(self.peak_growth_mb, (rss - base) / 2**20)
                self.peak_worker_mb = max(self.peak_worker_mb, rss / 2**20)
        total = sum(pss for pss, _ in sizes.values())
        self.peak_total_mb = max(self.peak_total_mb, total / 2**20)
        database = sum(pss for pss, _ in _memory(self.hosts.database_processes()).values())
        self.peak_database_mb = max(self.peak_database_mb, database / 2**20)

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
