"""Which schema revision a database is at, and whether this code may run on it.

A database behind the code needs `portal upgrade`. A database ahead of the
code (the code was rolled back after an upgrade) is refused: the old code
knows nothing of the newer columns and would write rows the newer schema
does not expect. Nothing here changes a database.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from config import ConfigError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


class SchemaBehind(ConfigError):
    """The database is at an older revision than the code: it needs `portal upgrade`."""

    def __init__(self, revision: str | None, newest: str):
        super().__init__(
            f"the database schema ({revision or 'empty'}) is older than this code "
            f"({newest}): run `portal upgrade`"
        )
        self.revision = revision


class SchemaAhead(ConfigError):
    """The database is at a revision this code does not know: the code is older."""


def _scripts() -> ScriptDirectory:
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(alembic)


def head() -> str:
    """The newest revision this code knows."""
    newest = _scripts().get_current_head()
    assert newest is not None  # the migrations folder is never empty
    return newest


def known(revision: str) -> bool:
    """True when `revision` is one of this code's migrations."""
    return any(script.revision == revision for script in _scripts().walk_revisions())


def current(connection: Connection) -> str | None:
    """The revision the database is at; None for a database with no schema yet."""
    return MigrationContext.configure(connection).get_current_revision()


def check_revision(revision: str | None) -> None:
    """Refuse a database whose schema is not the one this code was written for."""
    newest = head()
    if revision == newest:
        return
    if revision is not None and not known(revision):
        raise SchemaAhead(
            f"the database is at schema revision {revision}, newer than this code knows "
            f"(its newest is {newest}): the code is older than the database. Run the "
            "release that upgraded it, or restore the backup `portal upgrade` took before."
        )
    raise SchemaBehind(revision, newest)
