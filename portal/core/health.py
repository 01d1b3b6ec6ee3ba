"""Whether this server can serve: the database answers and its schema is the code's."""

from __future__ import annotations

from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from portal.store import MIGRATIONS


@cache
def _head() -> str | None:
    """The newest migration this code knows (read from disk once per process)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def database_ready(engine: Engine) -> bool:
    """True when the key opens the database and its migrations are at this code's head.

    Any failure is an answer, never an exception: whoever asks (a load
    balancer, a monitor) learns only ready or not, and the reason stays here.
    """
    try:
        with engine.connect() as connection:
            # On SQLCipher, reading the schema is what first uses the key.
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError:
        return False
    return current == _head()
