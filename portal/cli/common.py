"""What several commands share: the instance's store, opened and closed, and terminals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

import config as config_module
from config import Config, ConfigError
from portal.store import Store, make_engine


@contextmanager
def opened_store() -> Iterator[tuple[Config, Store]]:
    """The instance's configuration and store; a configuration error ends the command plainly."""
    try:
        config = config_module.load()
        store = Store(make_engine(config))
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    try:
        yield config, store
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.engine.dispose()


def at_terminal(stream: object) -> bool:
    """True when a person is at the other end of the stream."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
