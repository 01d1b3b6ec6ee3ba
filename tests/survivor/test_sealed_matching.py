"""Reports sealed in the browser and the matching escrow: the force and officers she names
come in clear beside the envelopes, only for matching, and the server makes the report's
counts-only entry from them as it does for a report it sealed itself."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.core.sealed_reports import NOT_WHOLE, OFFICER_FIELD_CHARS
from portal.store import Store
from portal.store.models import EscrowEntry, Group, Report
from tests.support.instance import Instance
from tests.support.pages import submit
from tests.support.people import Person, signed_in_as
from tests.survivor.test_sealed_reports import (
    READ_ONLY,
    assert_refused,
    seal_in_browser,
    send,
)

NAMES_HART = {"officer_force": "Kent Police", "officer_0_name": "D Hart", "officer_0_number": ""}


def _waiting_for_two(app: Flask) -> None:
    """A report sent by the server's path that waits until two name PC Hart."""
    submit(
        app.test_client(),
        what_happened="He followed me home.",
        force="Kent Police",
        release="2",
        **{"officers-0-name": "Daniel Hart"},
    )


def _readable(store: Store) -> int:
    """How many reports the advocates may read."""
    with store.session() as session:
        reports = session.scalars(select(Report)).all()
        return sum(any(s.group_key.group == Group.ADVOCATES for s in r.seals) for r in reports)


@pytest.mark.parametrize("names", [True, False], ids=["names-him", "names-no-one"])
def test_a_sealed_report_naming_the_officer_counts_toward_one_waiting_for_it(
    app: Flask, store: Store, instance: Instance, advocate: Person, names: bool
) -> None:
    _waiting_for_two(app)
    browser = seal_in_browser(store, instance, READ_ONLY)
    if names:
        browser.fields.update(NAMES_HART)
    send(store, instance, browser, READ_ONLY)
    with store.session() as session:
        entries = session.scalar(select(func.count()).select_from(EscrowEntry))
    assert entries == (2 if names else 1)

    signed_in_as(app, advocate)  # a member's sign-in runs matching
    assert _readable(store) == (2 if names else 1)  # the waiting one was released, or not


def test_a_sealed_report_the_advocates_may_not_read_makes_no_entry(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    _waiting_for_two(app)
    kept = READ_ONLY.__class__(advocates_may_read=False)
    browser = seal_in_browser(store, instance, kept)
    browser.fields.update(NAMES_HART)
    send(store, instance, browser, kept)
    signed_in_as(app, advocate)
    assert _readable(store) == 0


@pytest.mark.parametrize(
    "field",
    [
        {"officer_force": "K" * (OFFICER_FIELD_CHARS + 1)},
        {"officer_0_name": "H" * (OFFICER_FIELD_CHARS + 1)},
        {"officer_3_name": "one officer more than the form has"},
    ],
    ids=["long-force", "long-name", "fourth-officer"],
)
def test_officers_the_form_could_not_send_are_refused(
    store: Store, instance: Instance, field: dict[str, str]
) -> None:
    browser = seal_in_browser(store, instance, READ_ONLY)
    browser.fields.update(field)
    assert_refused(store, instance, browser, READ_ONLY, NOT_WHOLE)
