"""The staff member every staff test signs in as."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.core.principal import Principal, unlock_principal
from portal.store import Store
from portal.store.models import Role
from tests.advocate.conftest import Person, create_person, log_in
from tests.conftest import CHEAP_ARGON2, Instance


@pytest.fixture
def staff(store: Store, instance: Instance) -> Person:
    """The first staff member: takes the exporters' key from the bootstrap secret."""
    return create_person(store, instance, "sam", Role.STAFF)


@pytest.fixture
def staff_client(app: Flask, staff: Person) -> FlaskClient:
    """A client signed in as the first staff member."""
    client = app.test_client()
    assert log_in(client, staff).status_code == 303  # type: ignore[attr-defined]
    return client


def principal_of(store: Store, person: Person) -> Principal:
    """The person's keys as the command line unlocks them."""
    with store.session() as session:
        return unlock_principal(session, person.name, person.passphrase, CHEAP_ARGON2)
