"""`portal backup`: a consistent snapshot of an instance's database and settings, never its secrets.

A backup is one tar file holding three members, in this order:

- `manifest.json`: the format version, the kind of database, its schema
  revision, the day (UTC) it was taken, a SHA-256 of each other member, a
  check value of each instance secret (an HMAC under the secret itself,
  which tells a restore whether it was given the right secrets and reveals
  nothing of them), and a seal: an HMAC of all of that under a key derived
  from the database key, so that whoever can write where backups are kept,
  without the secrets, cannot change the settings or the database and give
  the manifest their new SHA-256;
- `portal.toml`: the instance's settings;
- `portal.db`, the SQLCipher database, still encrypted under the instance's
  database key; or `portal.pgdump`, `pg_dump --format=custom` of the
  PostgreSQL database, whose report content is ciphertext already.

The rows of the shared limits' counts (LEFT_OUT) are left out: they live
for minutes and a backup would keep them for weeks.
`instance/secrets/` is never in it: a backup alone opens nothing, and a
restore needs the secrets kept apart (restore.py). Members carry the day,
not the time, and no owner. The file is written under a temporary name in
its folder, flushed to disk, then linked to its name (which refuses to
replace an existing file), mode 0600. One backup at a time writes in a
folder (it locks the folder), and each first deletes what a killed one left.
"""

from __future__ import annotations

import datetime
import fcntl
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlcipher3
from sqlalchemy import URL, create_engine, make_url

from config import Config
from portal.store import make_engine, revisions
from portal.store.manifest import (
    DATABASE_FILE,
    FORMAT,
    MANIFEST,
    POSTGRESQL,
    SETTINGS,
    SQLCIPHER,
    Manifest,
    secret_checks,
    sha256_of,
)

# What a backup writes in the folder beside the backup while it runs: only
# these names are ever deleted there (by the next backup, if one was killed).
_WORK_PREFIX = ".portal-backup-"
_PARTIAL_PREFIX = ".portal-partial-"
# Tables whose rows no backup holds (the tables themselves are kept, empty):
# the shared limits' counts of recent failures per client bucket live for
# minutes only, and a backup must not keep them longer (DESIGN.md).
LEFT_OUT = ("limit_counts",)


class BackupRefused(Exception):
    """The backup was not made; the message says why. Nothing is left behind."""


@dataclass(frozen=True)
class Backup:
    """A backup just written: where, and at which schema revision."""

    path: Path
    schema: str


def today() -> datetime.date:
    """Today in UTC: the only time a backup records."""
    return datetime.datetime.now(datetime.UTC).date()


def take_backup(config: Config, out: Path) -> Backup:
    """Write a backup of the instance to `out` (a new file, or a folder to name one in)."""
    target = _target(config, out)
    try:
        return _take_backup(config, target)
    except OSError as error:
        raise BackupRefused(f"could not write the backup to {target}: {error.strerror}") from None
    except sqlcipher3.Error as error:  # a full disk, say, while the database is copied
        raise BackupRefused(f"could not copy the database: {error}") from None


def _take_backup(config: Config, target: Path) -> Backup:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _folder_locked(target.parent):
        _remove_leftovers(target.parent)
        return _write_backup(config, target)


@contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """Lock the folder itself (no lock file): one backup at a time writes in it."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # released by the kernel if the process dies
        yield
    finally:
        os.close(descriptor)


def _remove_leftovers(folder: Path) -> None:
    """Delete what a backup killed mid-way left: a copy of the database, a partial tar.

    No other backup runs in the folder (its lock is held), so anything of
    these names is a dead one's. The timer's clean-up deletes dated backups
    only, and a stray copy would keep deleted reports past every retention.
    """
    for path in folder.iterdir():
        if path.name.startswith(_WORK_PREFIX) and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(_PARTIAL_PREFIX) and not path.is_dir():
            path.unlink(missing_ok=True)


def _write_backup(config: Config, target: Path) -> Backup:
    work = Path(tempfile.mkdtemp(prefix=_WORK_PREFIX, dir=target.parent))
    try:
        kind = POSTGRESQL if config.database_url else SQLCIPHER
        database = work / DATABASE_FILE[kind]
        if config.database_url:
            schema = _dump_postgresql(config.database_url, database)
        else:
            schema = _copy_sqlcipher(config, database)
        settings = work / SETTINGS
        shutil.copyfile(config.instance_path / SETTINGS, settings)
        manifest = Manifest(
            format=FORMAT,
            database=kind,
            schema=schema,
            made_on=today().isoformat(),
            files={SETTINGS: sha256_of(settings), database.name: sha256_of(database)},
            secrets=secret_checks(config),
        ).sealed(config.database_key)
        _write_archive(target, manifest, [settings, database])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Backup(target, schema)


def back_up_into(config: Config, folder: Path) -> Backup:
    """A new dated backup in `folder`, which is made (0700) if missing."""
    folder = _outside_the_instance(config, folder)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupRefused(f"could not make the folder {folder}: {error.strerror}") from None
    return take_backup(config, folder)


def _outside_the_instance(config: Config, out: Path) -> Path:
    """`out` made absolute; refused inside the instance folder."""
    out = out.expanduser().resolve()
    if out.is_relative_to(config.instance_path):
        raise BackupRefused(
            f"{out} is inside the instance folder {config.instance_path}: keep backups "
            "apart from the instance, whose secrets must never travel with them"
        )
    return out


def _target(config: Config, out: Path) -> Path:
    """The backup's file name: `out`, or a new dated name when `out` is a folder."""
    out = _outside_the_instance(config, out)
    if out.is_dir():
        stem = f"portal-{today().isoformat()}"
        names = [f"{stem}.tar"] + [f"{stem}-{n}.tar" for n in range(2, 1000)]
        free = next((out / n for n in names if not (out / n).exists()), None)
        if free is None:
            raise BackupRefused(f"{out} already holds too many backups made today")
        return free
    if out.exists() or out.is_symlink():
        raise BackupRefused(f"{out} already exists: a backup never replaces a file")
    return out


def _copy_sqlcipher(config: Config, path: Path) -> str:
    """Copy the live database with SQLite's online backup API; return its schema revision.

    The copy is keyed with the instance's own raw key before a page is
    written, so every page is encrypted as the original's is and nothing is
    ever in clear on disk. One backup step copies every page inside one read
    transaction: a snapshot of a single moment, while WAL lets reports keep
    arriving (they are in the next backup).
    """
    engine = make_engine(config, pool_size=1)
    try:
        source = engine.raw_connection()
        try:
            copy = sqlcipher3.connect(str(path))
            try:
                copy.execute(f"PRAGMA key = \"x'{config.database_key.hex()}'\"")
                live = source.driver_connection
                assert live is not None  # an open pool connection has its driver's
                live.backup(copy, pages=-1)
                # One file, with no write-ahead log beside it, to go in the archive.
                copy.execute("PRAGMA journal_mode = DELETE").fetchall()
                _leave_out_sqlcipher(copy)
                checked = copy.execute("PRAGMA quick_check").fetchone()
                row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                copy.close()
        finally:
            source.close()
    finally:
        engine.dispose()
    if checked != ("ok",) or row is None:
        raise BackupRefused("the copy of the database failed its integrity check")
    schema: str = row[0]
    return schema


def _leave_out_sqlcipher(copy: Any) -> None:
    """Empty the copy's tables of LEFT_OUT, their freed pages overwritten."""
    copy.execute("PRAGMA secure_delete = ON")
    present = {
        row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    for table in LEFT_OUT:
        if table in present:  # a database from before the table existed has none
            # A name from LEFT_OUT, never input.
            copy.execute(f"DELETE FROM {table}")  # noqa: S608  # nosec B608
    copy.commit()


def without_password(url: str) -> tuple[URL, str | None]:
    """The URL with no password, neither after the user name nor in the query, and the password.

    `URL.set(password=None)` leaves the password in place (None there means
    "unchanged"), so the field is replaced on the tuple itself.
    """
    parts = make_url(url)
    password = parts.password if parts.password is not None else parts.query.get("password")
    named = parts._replace(password=None).difference_update_query(["password"])
    return named, None if password is None else str(password)


def run_postgresql_tool(program: str, options: list[str], url: str) -> None:
    """Run pg_dump or pg_restore on the database at `url`; a failure says what it said.

    The database is named by a libpq connection string made from the URL
    without its password, which goes through the environment: a command
    line is visible to every user of the machine.
    """
    named, password = without_password(url)
    conninfo = named.set(drivername="postgresql").render_as_string(hide_password=False)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if password:
        environment["PGPASSWORD"] = password
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program, no shell, no password in argv
            [program, *options, f"--dbname={conninfo}"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise BackupRefused(
            f"{program} is not installed: install the PostgreSQL client of the server's "
            "version (Debian: postgresql-client)"
        ) from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise BackupRefused(f"{program} failed: {said[-1] if said else f'exit {done.returncode}'}")


def _dump_postgresql(url: str, path: Path) -> str:
    """`pg_dump --format=custom` of the database at `url`; return its schema revision."""
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            schema = revisions.current(connection)
    finally:
        engine.dispose()
    if schema is None:
        raise BackupRefused("the database has no schema yet: there is nothing to back up")
    left_out = [f"--exclude-table-data={table}" for table in LEFT_OUT]
    run_postgresql_tool(
        "pg_dump", ["--format=custom", "--no-owner", *left_out, f"--file={path}"], url
    )
    return schema


def _write_archive(target: Path, manifest: Manifest, files: list[Path]) -> None:
    """Write the tar under a temporary name, flush it to disk, then give it its name."""
    descriptor, partial_name = tempfile.mkstemp(
        prefix=f"{_PARTIAL_PREFIX}{target.name}.", dir=target.parent
    )
    partial = Path(partial_name)  # mkstemp makes it 0600
    try:
        with os.fdopen(descriptor, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as archive:
                manifest_bytes = manifest.to_json()
                _add(archive, MANIFEST, len(manifest_bytes), io.BytesIO(manifest_bytes))
                for path in files:
                    with path.open("rb") as member:
                        _add(archive, path.name, path.stat().st_size, member)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(partial, target)  # never replaces a file that appeared meanwhile
        except FileExistsError:
            raise BackupRefused(
                f"{target} already exists: a backup never replaces a file"
            ) from None
    finally:
        partial.unlink(missing_ok=True)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the new name is on disk too
    finally:
        os.close(folder)


def _add(archive: tarfile.TarFile, name: str, size: int, content: IO[bytes]) -> None:
    """One member: private, owned by nobody in particular, dated to the day."""
    member = tarfile.TarInfo(name)
    member.size = size
    member.mode = 0o600
    member.mtime = int(
        datetime.datetime.combine(today(), datetime.time(), datetime.UTC).timestamp()
    )
    archive.addfile(member, content)
