"""`portal restore`: a new instance folder made from a backup and the secrets kept apart from it.

Everything is checked before the instance exists: the archive holds exactly
the members its manifest names, each with the SHA-256 the manifest gives;
each secret is the one the backup was made with (its check value matches),
and the manifest's seal is the one the database key gives (so those
digests, and what they vouch for, are the backup's own, not an adversary's);
the database opens with the key and its schema is one this code knows. The
instance is built in a temporary folder beside the target and renamed into
place only then, so a refused restore leaves nothing, and an existing
instance is never touched. For PostgreSQL the dump goes into the empty
database named by the URL, in one transaction.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError, OperationalError

import config as config_module
from config import ConfigError
from portal.store import make_engine, revisions
from portal.store.backup import BackupRefused, run_postgresql_tool, without_password
from portal.store.manifest import (
    DATABASE_FILE,
    FORMAT,
    MANIFEST,
    POSTGRESQL,
    SETTINGS,
    SQLCIPHER,
    Manifest,
    secret_check,
    sha256_of,
)
from portal.store.models import Group

_BOOTSTRAP_SECRETS = tuple(f"bootstrap-{group.value}.key" for group in Group)
_MAX_MANIFEST = 64 * 1024


class RestoreRefused(Exception):
    """Nothing was restored; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    """A new instance made from a backup."""

    instance_path: Path
    database: str
    schema: str

    @property
    def needs_upgrade(self) -> bool:
        """True when the backup was taken at an older schema than this code's."""
        return self.schema != revisions.head()


def restore_backup(
    backup: Path, instance_path: Path, secrets: Path, database_url: str | None = None
) -> Restored:
    """Make `instance_path` from `backup` and the secrets in the folder `secrets`."""
    instance_path = instance_path.expanduser().resolve()
    if instance_path.exists() and (not instance_path.is_dir() or any(instance_path.iterdir())):
        raise RestoreRefused(
            f"{instance_path} already exists and is not empty. Refusing to overwrite it: "
            "restore into a new folder."
        )
    with _opened(backup) as archive:
        manifest = _manifest(archive)
        keys = _secrets(secrets, manifest)
        if manifest.database == POSTGRESQL and not database_url:
            raise RestoreRefused(
                "this is a backup of a PostgreSQL database: set PORTAL_DATABASE_URL to the "
                "new, empty database to restore it into"
            )
        try:
            database_url = config_module.check_database_url(database_url)
        except ConfigError as error:
            raise RestoreRefused(str(error)) from None
        instance_path.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".restoring-", dir=instance_path.parent))
        try:
            _extract(archive, manifest, building)
            _place_secrets(building / "secrets", keys)
            if manifest.database == POSTGRESQL:
                assert database_url is not None
                _restore_postgresql(building / DATABASE_FILE[POSTGRESQL], database_url)
                _point_settings_at(building / SETTINGS, database_url)
                (building / DATABASE_FILE[POSTGRESQL]).unlink()
            _check_opens(building, manifest, database_url)
            if instance_path.exists():
                instance_path.rmdir()  # empty, checked above
            building.rename(instance_path)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
    return Restored(instance_path, manifest.database, manifest.schema)


def _damaged(backup: Path, detail: str) -> RestoreRefused:
    return RestoreRefused(
        f"{backup} is damaged or incomplete ({detail}). Nothing was restored: "
        "use another copy of the backup."
    )


@contextmanager
def _opened(backup: Path) -> Iterator[tarfile.TarFile]:
    """The backup as a tar archive; a file that is not a whole one is refused plainly."""
    if not backup.is_file():
        raise RestoreRefused(f"{backup} is not a file: give the backup file `portal backup` wrote")
    try:
        with tarfile.open(backup, mode="r:") as archive:
            yield archive
    except (tarfile.TarError, EOFError):
        raise _damaged(backup, "it is not a whole tar archive") from None


def _member(archive: tarfile.TarFile, name: str) -> tarfile.TarInfo:
    """A regular file of the archive; any other kind is refused."""
    try:
        member = archive.getmember(name)
    except KeyError:
        raise _damaged(Path(str(archive.name)), f"it holds no {name}") from None
    if not member.isfile():
        raise _damaged(Path(str(archive.name)), f"{name} is not a regular file")
    return member


def _manifest(archive: tarfile.TarFile) -> Manifest:
    """The backup's manifest, checked to be one this code can restore."""
    member = _member(archive, MANIFEST)
    handle = archive.extractfile(member)
    assert handle is not None  # a regular file
    try:
        fields = json.loads(handle.read(_MAX_MANIFEST))
        manifest = Manifest(**fields)
    except (ValueError, TypeError, RecursionError):  # not JSON, not its fields, nested too deep
        raise _damaged(Path(str(archive.name)), "its manifest is not readable") from None
    if not _well_formed(manifest):
        raise _damaged(Path(str(archive.name)), "its manifest is not readable")
    if manifest.format > FORMAT:
        raise RestoreRefused(
            f"the backup is of format {manifest.format}, made by a newer portal than this "
            f"one (which reads format {FORMAT}): restore it with that release"
        )
    if manifest.format < FORMAT:
        raise RestoreRefused(
            f"the backup is of format {manifest.format}, whose manifest is not sealed: "
            "nothing shows its settings and database are the ones backed up. Take a new "
            "backup with `portal backup` and restore that."
        )
    if manifest.database not in DATABASE_FILE:
        raise _damaged(Path(str(archive.name)), "its manifest names no known database")
    expected = {MANIFEST, SETTINGS, DATABASE_FILE[manifest.database]}
    if set(manifest.files) | {MANIFEST} != expected or set(archive.getnames()) != expected:
        raise _damaged(Path(str(archive.name)), "it holds other members than a backup does")
    return manifest


def _well_formed(manifest: Manifest) -> bool:
    """True when every field of the manifest has the type a backup writes."""
    tables = (manifest.files, manifest.secrets)
    texts = (manifest.database, manifest.schema, manifest.made_on, manifest.seal)
    return (
        type(manifest.format) is int
        and all(isinstance(value, str) for value in texts)
        and all(isinstance(table, dict) for table in tables)
        and all(
            isinstance(key, str) and isinstance(value, str)
            for table in tables
            for key, value in table.items()
        )
    )


def _secrets(folder: Path, manifest: Manifest) -> dict[str, bytes]:
    """The secret files to copy in, each checked to be the one the backup was made with."""
    if not folder.is_dir():
        raise RestoreRefused(f"{folder} is not a folder: give the instance's secrets/ folder")
    found: dict[str, bytes] = {}
    for secret in config_module.SECRETS:
        if secret is not config_module.DATABASE_KEY and secret.filename not in manifest.secrets:
            continue  # newer than the backup: `portal upgrade` makes it for the restored copy
        path = folder / secret.filename
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise RestoreRefused(
                f"the {secret.purpose} is missing: no {path}. A restore needs every secret "
                "of the instance the backup was made from."
            ) from None
        try:
            value = config_module.parse_secret(
                content.decode("ascii", "replace"), secret, str(path)
            )
        except ConfigError as error:
            raise RestoreRefused(str(error)) from None
        if secret_check(value) != manifest.secrets.get(secret.filename):
            raise RestoreRefused(
                f"{path} is not the {secret.purpose} of the instance this backup was made "
                "from: these are another instance's secrets, or an older copy"
            )
        found[secret.filename] = content
        if secret is config_module.DATABASE_KEY and not manifest.seal_matches(value):
            raise RestoreRefused(
                "the backup was altered after it was made: its manifest's seal does not "
                "match, so its settings or its database are not the ones backed up. "
                "Nothing was restored: use another copy of the backup."
            )
    for name in _BOOTSTRAP_SECRETS:  # still there while a group has no first member
        if (folder / name).is_file():
            found[name] = (folder / name).read_bytes()
    return found


def _extract(archive: tarfile.TarFile, manifest: Manifest, folder: Path) -> None:
    """Copy the settings and the database out of the archive, checking each one's SHA-256."""
    for name, digest in manifest.files.items():
        handle = archive.extractfile(_member(archive, name))
        assert handle is not None  # a regular file
        path = folder / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as copy:
            shutil.copyfileobj(handle, copy)
            copy.flush()
            os.fsync(copy.fileno())
        if sha256_of(path) != digest:
            raise _damaged(Path(str(archive.name)), f"{name} is not what was backed up")


def _place_secrets(folder: Path, secrets: dict[str, bytes]) -> None:
    """The secrets in their own folder, 0700, each file 0600."""
    folder.mkdir(mode=0o700)
    for name, content in secrets.items():
        descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())


def _restore_postgresql(dump: Path, url: str) -> None:
    """pg_restore the dump into the database at `url`, which must hold no table yet."""
    engine = create_engine(url, hide_parameters=True)
    try:
        with engine.connect() as connection:
            tables = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                )
            ).scalar_one()
    except OperationalError:
        raise RestoreRefused("the database named by PORTAL_DATABASE_URL does not answer") from None
    finally:
        engine.dispose()
    if tables:
        raise RestoreRefused(
            "the database named by PORTAL_DATABASE_URL already holds tables: restore into a "
            "new, empty database (createdb), never over a live one"
        )
    try:
        run_postgresql_tool(
            "pg_restore",
            [
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                str(dump),
            ],
            url,
        )
    except BackupRefused as refused:
        raise RestoreRefused(str(refused)) from None


def _point_settings_at(settings: Path, url: str) -> None:
    """Make a database_url in the restored settings name the new database, not the old one.

    The password stays out of portal.toml: it goes on coming from
    $PORTAL_DATABASE_URL or ~/.pgpass, as it did for the instance backed up.
    """
    text = settings.read_text(encoding="utf-8")
    named = without_password(url)[0].render_as_string(hide_password=False)
    if '"' in named or "\\" in named:
        raise RestoreRefused("PORTAL_DATABASE_URL holds a quote or a backslash: name it plainly")
    line = re.compile(r"^database_url\s*=.*$", re.MULTILINE)
    settings.write_text(line.sub(f'database_url = "{named}"', text), encoding="utf-8")


def _check_opens(folder: Path, manifest: Manifest, database_url: str | None) -> None:
    """The restored database opens with the key, is intact and at a schema this code knows."""
    environ = {}
    if manifest.database == POSTGRESQL:
        assert database_url is not None
        environ["PORTAL_DATABASE_URL"] = database_url
    try:
        config = config_module.load(folder, environ=environ)
    except ConfigError as error:
        raise RestoreRefused(f"the restored settings do not load: {error}") from None
    engine = make_engine(config, pool_size=1)
    try:
        with engine.connect() as connection:
            if manifest.database == SQLCIPHER:
                checked = connection.execute(text("PRAGMA quick_check")).scalar()
                if checked != "ok":
                    raise RestoreRefused("the restored database fails its integrity check")
            schema = revisions.current(connection)
    except DatabaseError:
        raise RestoreRefused(
            "the database key does not open the restored database: the secrets are not "
            "those of the instance this backup was made from"
        ) from None
    finally:
        engine.dispose()
    if schema != manifest.schema:
        raise RestoreRefused(
            f"the restored database is at schema {schema}, the manifest says "
            f"{manifest.schema}: the backup is not consistent"
        )
    if not revisions.known(schema):
        raise RestoreRefused(
            f"the backup is at schema revision {schema}, newer than this code knows: "
            "restore it with the release that made it"
        )
