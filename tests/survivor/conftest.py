"""Fixtures of the survivor's tests: the stored report, and an app with a small upload limit."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.store import Store
from portal.store.models import Report
from tests.support.instance import CHEAP_ARGON2, Instance


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
    return create_app(
        {"instance_path": instance.path, "argon2": CHEAP_ARGON2, "max_upload_bytes": 1024 * 1024}
    )
