"""Shared fixtures: a fresh encrypted instance and the app built on it."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from crypto.passphrase import Argon2Params
from portal import create_app
from portal.cli import main
from portal.core.instance import create_instance
from portal.store import Store

# Real Argon2id, at a cost that keeps the suite fast.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_kib=64, parallelism=1)
LOOPBACK_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Instance:
    """A freshly initialised instance folder and the phrase `init` printed."""

    path: Path
    recovery_phrase: str


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings from the developer's shell must not leak into tests."""
    for name in list(os.environ):
        if name.startswith("PORTAL_"):
            monkeypatch.delenv(name)


@pytest.fixture
def portal_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything the portal logs, at every level (its logger does not propagate to the root)."""
    logger = logging.getLogger("portal")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="portal")
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    """A new instance with its own secrets, SQLCipher database and keys."""
    path = tmp_path / "instance"
    return Instance(path, create_instance(path, LOOPBACK_URL))


@pytest.fixture
def app(instance: Instance) -> Flask:
    """The portal app on the fresh instance."""
    return create_app({"instance_path": instance.path, "testing": True, "argon2": CHEAP_ARGON2})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def store(app: Flask) -> Iterator[Store]:
    """The app's store, for work outside a request."""
    store: Store = app.extensions["store"]
    yield store
    store.engine.dispose()


CHEAP_ARGON2_SETTINGS = "[argon2]\ntime_cost = 1\nmemory_kib = 64\nparallelism = 1\n"


@pytest.fixture
def cli_instance(instance: Instance, monkeypatch: pytest.MonkeyPatch) -> Instance:
    """The instance the command works on, with Argon2 made cheap in its portal.toml."""
    settings = instance.path / "portal.toml"
    original = settings.read_text(encoding="utf-8")
    cheap = re.sub(r"\[argon2\].*", CHEAP_ARGON2_SETTINGS, original, flags=re.DOTALL)
    assert cheap != original
    settings.write_text(cheap, encoding="utf-8")
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    return instance


def portal(*args: str, stdin: str | None = None) -> Result:
    """Run `portal ARGS` in-process."""
    return CliRunner().invoke(main, list(args), input=stdin)
