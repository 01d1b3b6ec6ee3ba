"""Each request's own database session, opened on first use and closed at its end."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from config import Config
from portal.store import Store, check_database, make_engine


def init_app(app: Flask, config: Config) -> Store:
    """Open the store, check it, and give each request its own session."""
    store = Store(make_engine(config))
    check_database(store.engine, config)
    app.extensions["store"] = store

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return store


def db() -> Session:
    """The current request's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["store"].session()
    session: Session = g.db_session
    return session
