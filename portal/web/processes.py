"""The threads each server process runs beside its requests: the sweeper and the notifier."""

from __future__ import annotations

from flask import Flask, current_app

from portal.core import notify
from portal.core.sweeper import Sweeper
from portal.store import Store


def init_app(app: Flask, store: Store) -> None:
    """Give the app its sweeper and notifier; each process's first request starts them."""
    _init_sweeper(app, store)
    _init_notifier(app, store)


def _init_sweeper(app: Flask, store: Store) -> None:
    """Give the app its sweeper, started by each process's first request.

    Not under test settings: a test's app outlives its temporary instance,
    and a thread waking later would open a database that is gone.
    """
    sweeper = Sweeper(store)
    app.extensions["sweeper"] = sweeper
    if not app.config["TESTING"]:
        app.before_request(sweeper.start)


def _init_notifier(app: Flask, store: Store) -> None:
    """Give the app its notifier; with [smtp], each process's first request starts its thread.

    Not under test settings: a test's app outlives its temporary instance,
    and a thread waking later would open a database that is gone. Tests call
    `tick` with a clock of their own.
    """
    notifier = notify.Notifier(store, app.config["PORTAL"].smtp)
    app.extensions["notifier"] = notifier
    if notifier.enabled and not app.config["TESTING"]:
        app.before_request(notifier.start)


def new_activity() -> None:
    """Note, for the next slot's e-mail to advocates, that something arrived."""
    notifier: notify.Notifier | None = current_app.extensions.get("notifier")
    if notifier is not None:
        notifier.new_activity()
