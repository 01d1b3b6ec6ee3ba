"""Shared fixtures: a fresh encrypted instance, the app built on it, and its signed-in people."""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.core.instance import create_instance
from portal.store import Store
from portal.store.models import Role
from tests.support import postgres
from tests.support.chromium import browser, browser_temporary, playwright  # noqa: F401 - fixtures
from tests.support.instance import CHEAP_ARGON2, CHEAP_ARGON2_SETTINGS, LOOPBACK_URL, Instance
from tests.support.people import Person, create_person, signed_in_as

# The files that take longest, longest first. `make test` runs one process per
# core and gives out whole files in collection order (--dist loadfile
# --no-loadscope-reorder): started first, no long file is left running on one
# core at the end while the other waits.
SLOW_FIRST = (
    "tests/browser/",
    "tests/hostile/test_every_form.py",
    "tests/attacks/test_crash.py",
    "tests/advocate/test_review.py",
    "tests/staff/test_export.py",
    "tests/attacks/test_two_hosts.py",
    "tests/operations/",
    "tests/attacks/test_tls_proxy.py",
)


# These run twice: on SQLCipher, the embedded default, and on a real
# PostgreSQL server, the store of several app hosts. Every test here that
# uses the `backend` fixture (through `instance`, `database` or the browser's
# `portal`) is parametrised; the rest run on SQLCipher only.
BOTH_BACKENDS = (
    "tests/store/",
    "tests/survivor/",
    "tests/advocate/",
    "tests/staff/",
    "tests/attacks/test_crash.py",
    "tests/browser/",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give the tests of BOTH_BACKENDS one run on each store."""
    path = metafunc.definition.nodeid.split("::", 1)[0]
    sqlcipher_only = metafunc.definition.get_closest_marker("sqlcipher_only")
    if "backend" in metafunc.fixturenames and path.startswith(BOTH_BACKENDS) and not sqlcipher_only:
        # Session scope groups a file's tests by store, so a server made for
        # one store (the browser tests') is made once.
        metafunc.parametrize("backend", ("sqlcipher", "postgresql"), scope="session")


def _started(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    found = [rank for rank, slow in enumerate(SLOW_FIRST) if path.startswith(slow)]
    return found[0] if found else len(SLOW_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slowest files first (a stable sort: each file's tests keep their order)."""
    items.sort(key=_started)


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


@pytest.fixture(scope="session")
def backend() -> str:
    """The store a test runs on: SQLCipher, unless BOTH_BACKENDS parametrises it."""
    return "sqlcipher"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    """A real PostgreSQL server of this test process, started on first use."""
    with postgres.running_server() as server:
        if server is None:
            pytest.fail("PostgreSQL is not installed: `make system-packages` installs it")
        yield server


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The URL of a new, empty PostgreSQL database; None on SQLCipher (the instance's file)."""
    if backend == "sqlcipher":
        yield None
        return
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture(scope="session")
def made_instances() -> dict[str, tuple[Instance, str | None]]:
    """Instances `portal init` would make, one per store, made on first use by `instance`.

    Most of `create_instance` is running the migrations with every commit
    synced: each test gets a copy of one of these instead (its folder, and on
    PostgreSQL its database), real and fresh to the test, at a file copy's cost.
    A dictionary rather than a fixture over `backend`: a session fixture made
    for one store would be kept for a test that runs on the other.
    """
    return {}


def _made_instance(
    made: dict[str, tuple[Instance, str | None]],
    backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> tuple[Instance, str | None]:
    if backend not in made:
        database = None
        if backend == "postgresql":
            server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
            database = server.create_database()
        path = tmp_path_factory.mktemp("made") / "instance"
        phrase = create_instance(path, LOOPBACK_URL, server.url(database) if database else None)
        made[backend] = Instance(path, phrase), database
    return made[backend]


@pytest.fixture
def instance(
    tmp_path: Path,
    backend: str,
    made_instances: dict[str, tuple[Instance, str | None]],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Instance]:
    """A new instance: its own folder, secrets, keys and database (SQLCipher, or PostgreSQL)."""
    made, template = _made_instance(made_instances, backend, tmp_path_factory, request)
    path = tmp_path / "instance"
    shutil.copytree(made.path, path)  # keeps each file's owner-only mode
    if template is None:
        yield Instance(path, made.recovery_phrase)
        return
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    database = server.create_database(template=template)
    settings = path / "portal.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(server.url(template), server.url(database)),
        encoding="utf-8",
    )
    yield Instance(path, made.recovery_phrase)
    server.drop_database(database)


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


@pytest.fixture
def advocate(store: Store, instance: Instance) -> Person:
    """The first advocate: holds the advocates' key from the bootstrap secret."""
    return create_person(store, instance, "alice", Role.ADVOCATE)


@pytest.fixture
def advocate_client(app: Flask, advocate: Person) -> FlaskClient:
    """A client signed in as the first advocate."""
    return signed_in_as(app, advocate)


@pytest.fixture
def staff(store: Store, instance: Instance) -> Person:
    """The first staff member: takes the exporters' key from the bootstrap secret."""
    return create_person(store, instance, "sam", Role.STAFF)


@pytest.fixture
def staff_client(app: Flask, staff: Person) -> FlaskClient:
    """A client signed in as the first staff member."""
    return signed_in_as(app, staff)


@pytest.fixture
def admin(store: Store, instance: Instance) -> Person:
    """An admin account: manages accounts, holds no key that reads a report."""
    return create_person(store, instance, "root", Role.ADMIN)


@pytest.fixture
def admin_client(app: Flask, admin: Person) -> FlaskClient:
    """A client signed in as the admin."""
    return signed_in_as(app, admin)
