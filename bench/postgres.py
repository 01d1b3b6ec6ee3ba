"""A private PostgreSQL server for the bench, durable as a real one, in a temporary folder.

A small copy of the tests' helper (bench/ does not import tests/), with one
difference that matters for the figures: fsync, full-page writes and
synchronous commit stay on (PostgreSQL's defaults), so a commit the portal
is told about has reached the disk, as on SQLCipher with synchronous=FULL.
The server listens on a loopback port only, and under root runs as the
`postgres` user Debian's package creates (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psutil
import psycopg

_DEBIAN = Path("/usr/lib/postgresql")
SUPERUSER = "portal"
# Enough for two hosts' workers, each with a full pool and its overflow.
MAX_CONNECTIONS = 200


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
    """One private, durable PostgreSQL cluster on a loopback port, removed by stop()."""

    def __init__(self, programs: Path, port: int):
        self.programs = programs
        self.root = Path(tempfile.mkdtemp(prefix="portal-bench-postgres-"))
        self.data = self.root / "data"
        self.port = port

    def _run(self, argv: list[str]) -> None:
        subprocess.run(_as_server_user(argv), check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> None:
        """initdb, then start the server and wait until it accepts connections."""
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("postgres")
            os.chown(self.root, server_user.pw_uid, server_user.pw_gid)
        self.root.chmod(0o700)
        initdb = [str(self.programs / "initdb"), "--pgdata", str(self.data)]
        # --no-sync spares initdb's own flush of the new cluster; the server
        # itself runs with fsync on.
        account = ["--username", SUPERUSER, "--auth", "trust"]
        self._run([*initdb, *account, "--encoding", "UTF8", "--locale", "C", "--no-sync"])
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=on -c synchronous_commit=on "
            f"-c full_page_writes=on -c max_connections={MAX_CONNECTIONS}"
        )
        log = str(self.root / "server.log")
        pg_ctl = [str(self.programs / "pg_ctl"), "--pgdata", str(self.data), "--log", log]
        self._run([*pg_ctl, "--options", options, "--wait", "start"])

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        subprocess.run(  # noqa: S603 - our own server, fixed arguments
            _as_server_user(
                [str(self.programs / "pg_ctl"), "--pgdata", str(self.data), "-m", "fast", "stop"]
            ),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, driver: str = "postgresql") -> str:
        """The URL `database` is opened by (libpq's form unless another driver is named)."""
        return f"{driver}://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def setting(self, name: str) -> str:
        """A setting as the running server reports it (to show what the figures came from)."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            row = admin.execute("SELECT current_setting(%s)", (name,)).fetchone()
        assert row is not None
        return str(row[0])

    def create_database(self, name: str, template: str | None = None) -> None:
        """A new database, empty or a copy of `template` (names are the bench's own)."""
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}{copy}")

    def processes(self) -> list[psutil.Process]:
        """The postmaster and its children (backends, writers, the WAL writer)."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            master = psutil.Process(pid)
            return [master, *master.children(recursive=True)]
        except (OSError, ValueError, IndexError, psutil.NoSuchProcess):
            return []
