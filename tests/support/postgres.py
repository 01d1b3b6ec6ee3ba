"""A real PostgreSQL server for the tests, from Debian's packages, in a temporary folder.

`initdb` and `pg_ctl` start a private cluster listening on a loopback port
(no system service, no socket in /var/run): one server per test process,
and a fresh database in it for each test. Each new database is a copy of a
template made once, so a test pays for a file copy, not for an empty cluster.
PostgreSQL refuses to run as root, so under root the server runs as the
`postgres` user Debian's package creates. fsync is off: these tests kill the
portal, never the machine, and a commit PostgreSQL acknowledged is still in
its memory and WAL when a portal process dies.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.support.serving import free_port

_DEBIAN = Path("/usr/lib/postgresql")
SUPERUSER = "portal"


def bin_dir() -> Path | None:
    """The newest PostgreSQL server's programs, or None when none is installed."""
    versions = sorted(
        (path for path in _DEBIAN.glob("*/bin") if (path / "initdb").exists()),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class PostgresServer:
    """One private PostgreSQL cluster on a loopback port."""

    def __init__(self, programs: Path):
        self.programs = programs
        self.root = Path(tempfile.mkdtemp(prefix="portal-postgres-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._names = itertools.count()
        self._template: str | None = None

    def start(self) -> None:
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("postgres")
            os.chown(self.root, server_user.pw_uid, server_user.pw_gid)
        self.root.chmod(0o700)
        subprocess.run(
            _as_server_user(
                [
                    str(self.programs / "initdb"),
                    "--pgdata",
                    str(self.data),
                    "--username",
                    SUPERUSER,
                    "--auth",
                    "trust",
                    "--encoding",
                    "UTF8",
                    "--locale",
                    "C",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
        )
        subprocess.run(
            _as_server_user(
                [
                    str(self.programs / "pg_ctl"),
                    "--pgdata",
                    str(self.data),
                    "--log",
                    str(self.root / "server.log"),
                    "--options",
                    options,
                    "--wait",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_server_user(
                [
                    str(self.programs / "pg_ctl"),
                    "--pgdata",
                    str(self.data),
                    "-m",
                    "immediate",
                    "stop",
                ]
            ),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        """The URL SQLAlchemy (or, with driver "postgresql", libpq) opens `database` by."""
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url("postgres", "postgresql"), autocommit=True)

    def create_database(self, template: str | None = None) -> str:
        """A new, empty database (or a copy of `template`); returns its name."""
        name = f"portal_{os.getpid()}_{next(self._names)}"
        with self._admin() as admin:
            copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
            admin.execute(f"CREATE DATABASE {name}{copy}")  # names made here, never input
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer | None]:
    """A started server for as long as the block runs (None when PostgreSQL is not installed)."""
    programs = bin_dir()
    if programs is None:
        yield None
        return
    server = PostgresServer(programs)
    try:
        server.start()
        yield server
    finally:
        server.stop()
