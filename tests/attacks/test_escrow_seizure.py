"""The matching escrow against someone who seized the database and instance/.

They hold every secret file, so they can compute the tag of any officer they
guess (the VOPRF key is in instance/secrets/). What they must not find is an
officer's name, number or tag anywhere they can read, nor open a waiting
report even with the right guess: the tags, shares and locked data keys live
only inside entries sealed to the escrow group's key, which they lack. The
last test shows why that key matters: with it too, the guess is confirmed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import LargeBinary, select

import config
from crypto import matching, voprf
from crypto.errors import CryptoError
from portal.core import bindings, escrow
from portal.core.officers import identifiers
from portal.store import Store
from portal.store.models import Base, EscrowEntry, Group, Report
from tests.support.forensics import decrypted_pages
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import submit
from tests.support.people import Person

FORCE = "Kent Police"
NAME, NUMBER = "Obadiah Quillfeather", "PC 58213"
TYPED = (b"Obadiah", b"Quillfeather", b"quillfeather", b"QUILLFEATHER", b"58213")


def _seed(instance: Instance) -> bytes:
    return config.load(instance.path, environ={}).escrow_key


def _guess(instance: Instance, name: str, number: str) -> list[bytes]:
    """What the seizer computes for a guessed officer: each identifier's PRF output."""
    key = voprf.derive_key_pair(_seed(instance), b"portal escrow v1")
    return [voprf.evaluate(key, i.encode()) for i in identifiers(FORCE, name, number)]


def _everything_readable(instance: Instance) -> list[bytes]:
    """Every file of instance/ as bytes, and every decrypted page of the database."""
    found = [p.read_bytes() for p in instance.path.rglob("*") if p.is_file()]
    database_key = config.load(instance.path, environ={}).database_key
    return found + decrypted_pages(instance.path / "portal.db", database_key)


def _send_waiting(app: Flask) -> None:
    for release in ("3", "now", "4"):
        submit(
            app.test_client(),
            what_happened="He followed me home.",
            force=FORCE,
            release=release,
            **{"officers-0-name": NAME, "officers-0-number": NUMBER},
        )


@pytest.mark.sqlcipher_only
def test_the_database_and_instance_show_no_officer_and_no_tag_even_to_a_right_guess(
    app: Flask,
    instance: Instance,
    store: Store,
    advocate: Person,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _send_waiting(app)
    readable = _everything_readable(instance)
    prf_outputs = _guess(instance, NAME, NUMBER)
    assert len(prf_outputs) == 2  # his number and his name, as the seizer would type them
    needles = [*TYPED]
    for identifier in identifiers(FORCE, NAME, NUMBER):
        needles.append(identifier.encode())
    with store.session() as session:
        xs = [matching.x_coordinate(report_id) for report_id in session.scalars(select(Report.id))]
    for output in prf_outputs:
        needles += [output, matching.match_tag(output)]
        for x in xs:  # the shares each report holds of each polynomial
            needles += [share.to_bytes(32, "big") for share in matching.shares(output, x)]
    for needle in needles:
        assert not any(needle in blob for blob in readable), needle
        assert needle.decode("latin-1") not in caplog.text


@pytest.mark.sqlcipher_only
def test_the_right_guess_opens_no_waiting_report_without_an_escrow_members_key(
    app: Flask, instance: Instance, store: Store, advocate: Person
) -> None:
    _send_waiting(app)
    release_secrets = [
        (matching.secret(output, threshold), threshold)
        for output in _guess(instance, NAME, NUMBER)
        for threshold in matching.THRESHOLDS
    ]
    with store.session() as session:
        # The consent each locked key is bound to, as the seizer reads it from the rows.
        report_ids = [(r.id, escrow.consent_at_release(r)) for r in session.scalars(select(Report))]
        blobs = [
            value
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
            for column, value in zip(table.columns, row, strict=True)
            if isinstance(column.type, LargeBinary) and value
        ]
    instance_key = escrow.instance_release_key(_seed(instance))
    opened = 0
    for blob in blobs:
        for polynomial_secret, threshold in release_secrets:
            for report_id, consent in report_ids:
                for slot in range(matching.SLOTS):
                    binding = bindings.escrow_release(report_id, slot, consent)
                    try:
                        matching.unlock(
                            2, polynomial_secret, threshold, blob, binding, instance_key
                        )
                        opened += 1
                    except (CryptoError, ValueError):
                        pass
    assert opened == 0


@pytest.mark.sqlcipher_only
def test_with_a_members_key_too_the_guess_is_confirmed_and_the_report_opens(
    app: Flask, instance: Instance, store: Store, advocate: Person
) -> None:
    """The residual risk SECURITY.md states: all three together test a guess."""
    _send_waiting(app)
    member = principal_of(store, advocate)
    guessed = {matching.match_tag(o) for o in _guess(instance, NAME, NUMBER)}
    wrong = {matching.match_tag(o) for o in _guess(instance, "Someone Else", "PC 1")}
    with store.session() as session:
        tags = set()
        for row in session.scalars(select(EscrowEntry)):
            key = member.group_key(Group.ESCROW, row.group_key.version)
            assert key is not None
            entry = escrow.open_entry(key, row, _seed(instance)).entry  # the instance's layer
            tags |= {slot.tag for slot in entry.slots}
            if entry.threshold != matching.COUNTS_ONLY:
                output = _guess(instance, NAME, NUMBER)[0]
                polynomial_secret = matching.secret(output, entry.threshold)
                report = session.get(Report, row.report_id)
                assert report is not None
                consent = escrow.consent_at_release(report)
                binding = bindings.escrow_release(row.report_id, 0, consent)
                locked = entry.slots[0].locked_key
                assert matching.unlock(
                    entry.version,
                    polynomial_secret,
                    entry.threshold,
                    locked,
                    binding,
                    escrow.instance_release_key(_seed(instance)),
                )
        assert escrow.waiting_count(session) == 2
    assert guessed <= tags and not wrong & tags


def test_no_bootstrap_grant_of_the_escrow_key_is_left_once_the_first_advocate_joins(
    store: Store, advocate: Person, instance: Instance
) -> None:
    from portal.store.models import GroupKey, Holder

    with store.session() as session:
        holders = {
            grant.holder
            for key in session.scalars(select(GroupKey).where(GroupKey.group == Group.ESCROW))
            for grant in key.grants
        }
    assert Holder.BOOTSTRAP not in holders
    assert not (Path(instance.path) / "secrets" / "bootstrap-escrow.key").exists()
