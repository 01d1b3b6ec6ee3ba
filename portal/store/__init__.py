"""Database access: the SQLCipher engine, migrations, and redoing a raced write.

SQLCipher is opened with a raw 256-bit key (`x'…'`), not a passphrase, so no
PBKDF2 runs on each connection. WAL with synchronous=FULL means a commit is on
disk before it returns, so a report acknowledged to a survivor survives a
crash or a power cut. secure_delete overwrites deleted content, and temporary
tables stay in memory, never in a temporary file. Writers queue for their
turn (write_lock.py) rather than SQLite's busy-wait, and new reports sent
at the same moment are committed together (group_commit.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import QueuePool

from config import Config, ConfigError
from portal.store import write_lock
from portal.store.revisions import check_revision

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA busy_timeout = 10000",
)


# Each engine's instance audit key: whoever opens a session on an instance's
# database appends to its audit chain under that instance's key.
_audit_keys: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def audit_key(session: Session) -> bytes:
    """The audit key of the instance whose database this session uses."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _audit_keys[engine]


class Store:
    """The engine and session factory of one portal instance."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # `with store.session() as session:` for work outside a request.
        self.session = sessionmaker(engine, expire_on_commit=False)


def make_engine(config: Config, pool_size: int = 8) -> Engine:
    """The engine for the configured database: SQLCipher unless a URL is set."""
    if config.database_url:
        return _postgresql_engine(config.database_url, config.audit_key, pool_size)
    url = URL.create(
        "sqlite+pysqlcipher",
        password=f"x'{config.database_key.hex()}'",
        database=str(config.database_path),
    )
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"check_same_thread": False},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in _PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    write_lock.install(engine, config.database_path.with_name(config.database_path.name + ".lock"))
    _audit_keys[engine] = config.audit_key
    return engine


def _postgresql_engine(url: str, audit_key: bytes, pool_size: int) -> Engine:
    """PostgreSQL through psycopg 3: one writer need not wait for another.

    The server orders concurrent writers itself (row locks, unique indexes),
    so neither the write lock nor the pragmas apply. Every transaction sees
    what was committed before its statements (read committed); the races
    that matters for are redone by `redo_if_raced`, as on SQLite.
    """
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        hide_parameters=True,
    )
    _audit_keys[engine] = audit_key
    return engine


def _alembic_config(connection: Any) -> AlembicConfig:
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    alembic.attributes["connection"] = connection
    return alembic


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration, losing no row."""
    _migrate(engine, lambda alembic: command.upgrade(alembic, "head"))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to an older migration (columns added since are lost)."""
    _migrate(engine, lambda alembic: command.downgrade(alembic, revision))


def _migrate(engine: Engine, run: Callable[[AlembicConfig], None]) -> None:
    """Run migrations with foreign keys off, then check every reference.

    SQLite alters a table by copying it, dropping the old one and renaming
    the copy. With foreign keys on, dropping a table deletes its rows first
    and cascades: altering `reports` would delete every report's seals,
    messages and files. So foreign keys are off while migrations run (the
    pragma only takes effect outside a transaction), and every reference is
    checked before the migration commits.
    """
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        try:
            with connection.begin():
                run(_alembic_config(connection))
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise ConfigError(
                            f"the migration would leave a row of {broken[0]} pointing at "
                            "nothing; nothing was changed"
                        )
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


def check_database(engine: Engine, config: Config) -> None:
    """Refuse to start unless the key opens the database and its schema is current."""
    # On SQLCipher, reading the schema is what first uses the key.
    probe = "SELECT count(*) FROM sqlite_master" if engine.dialect.name == "sqlite" else "SELECT 1"
    try:
        with engine.connect() as connection:
            connection.execute(text(probe))
            current = MigrationContext.configure(connection).get_current_revision()
    except DatabaseError as error:
        if engine.dialect.name != "sqlite":
            where = engine.url.render_as_string(hide_password=True)
            reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
            raise ConfigError(f"cannot open the database at {where}: {reason}") from None
        raise ConfigError(
            f"the database key does not open {config.database_path} "
            "(wrong key, or the file is not a portal database)"
        ) from None
    check_revision(current)


def forget_deleted(session: Session) -> None:
    """Copy the write-ahead log into the database and empty it, after a deletion.

    secure_delete zeroes what a deletion frees, but SQLite's WAL still holds
    the pages as they were before, until a checkpoint; TRUNCATE then empties
    the file. Called after a survivor deletes her report or withdraws consent.
    If a long read holds the log, what it holds stays until the next one.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()


def redo_if_raced(session: Session, work: Callable[[], T]) -> T:
    """Run work (which commits); if another request wrote the same unique row,
    or changed a row it read, between its read and its write, roll back and
    run it once more on what that request committed.

    Without this, two advocates' first page loads, or a consent form sent
    twice by a double click, would end in an error page for one of them, and
    a reply written under a data key replaced meanwhile would be lost.
    The rollback drops everything uncommitted in the session, so call it
    with nothing uncommitted of the caller's own.
    """
    try:
        return work()
    except (IntegrityError, StaleDataError):
        session.rollback()
        return work()
