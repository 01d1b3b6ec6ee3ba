"""Helpers for driving the survivor's pages as a browser without JavaScript would."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto.envelope import unwrap_key
from crypto.keys import PrivateKey, open_sealed
from portal.core import bindings
from portal.core.instance import bootstrap_secret_path
from portal.store import Store
from portal.store.models import Group, GroupKeyGrant, Holder, Report
from tests.conftest import Instance

CODENAME = re.compile(r'<p class="codename" lang="en">([a-z ]+)</p>')
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/report") -> str:
    """The CSRF token a page's form carries, as a browser would send it back."""
    match = TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_report(client: FlaskClient, fields: Mapping[str, Any]) -> Any:
    """Submit the report form (multipart, like the real page) and return the response."""
    data = {"csrf_token": csrf_token(client), "consent_read": "y", **fields}
    return client.post("/report", data=data, content_type="multipart/form-data")


def submit(client: FlaskClient, **fields: Any) -> str:
    """Submit a report and return the codename shown once."""
    response = post_report(client, fields)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    match = CODENAME.search(response.get_data(as_text=True))
    assert match, "the codename page was not shown"
    return match.group(1)


def sign_in(client: FlaskClient, codename: str) -> Any:
    """Come back with a codename; returns the response to the POST."""
    token = csrf_token(client, "/return")
    return client.post("/return", data={"csrf_token": token, "codename": codename})


def advocates_key(instance: Instance, store: Store) -> PrivateKey:
    """The advocates' group private key, unwrapped with the bootstrap secret."""
    secret_path = bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES)
    secret = bytes.fromhex(secret_path.read_text())
    with store.session() as session:
        grant = next(
            g
            for g in session.scalars(
                select(GroupKeyGrant).where(GroupKeyGrant.holder == Holder.BOOTSTRAP)
            )
            if g.group_key.group is Group.ADVOCATES
        )
        seed = unwrap_key(
            secret, grant.sealed_key, bindings.group_key_grant(Group.ADVOCATES, 1, "bootstrap")
        )
    return PrivateKey(seed)


def report_key_for(group_key: PrivateKey, report: Report, group: Group) -> bytes:
    """Open a report's data key with a group's private key, as an advocate would."""
    seal = next(s for s in report.seals if s.group_key.group is group)
    return open_sealed(
        group_key, seal.sealed_key, bindings.report_key_seal(report.id, seal.group_key)
    )


@pytest.fixture
def only_report(store: Store) -> Any:
    """A function returning the single report in the database (fresh each call)."""

    def load() -> Report:
        with store.session() as session:
            report = session.scalars(select(Report)).one()
            _ = [s.group_key for s in report.seals], report.attachments, report.messages
            return report

    return load


@pytest.fixture
def small_upload_app(instance: Instance) -> Flask:
    """The app with a 1 MB upload limit, to test the limit cheaply."""
    from portal import create_app
    from tests.conftest import CHEAP_ARGON2

    return create_app(
        {"instance_path": instance.path, "argon2": CHEAP_ARGON2, "max_upload_bytes": 1024 * 1024}
    )
