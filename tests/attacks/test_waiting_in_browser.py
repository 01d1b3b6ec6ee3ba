"""Waiting reports sealed in the browser, against an escrow member and a hostile browser.

An escrow member holds the database and a member's key, but not instance/secrets/. Inside
each entry, the instance's layer hides tags and shares from that key alone; an entry
written before that layer, in an old backup, still shows them, and two reports under one
tag give P_2's secret even while both wait for 3. The release public key the server hands
out must not be computable from that secret: else asking for a guessed officer's key at
t=2 and comparing would name the tag.

A browser can seal a waiting report's data key to keys that open nothing; the server
cannot tell until matching. Such reports must cost only themselves: each slot is tried
once, ever, and a report whose seals are good is reached within a run or two of a flood.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask
from sqlalchemy import select

import config
from crypto import matching
from portal.core import escrow, escrow_run
from portal.store import Store
from portal.store.models import EscrowEntry, Group
from tests.support.escrow import readable, run_as
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import submit
from tests.support.people import Person
from tests.survivor.test_matching_escrow import as_version_1, groups_by_report, send_naming
from tests.survivor.test_sealed_reports import seal_in_browser
from tests.survivor.test_sealed_waiting import (
    HART,
    WAITING,
    post_sealed,
    release_keys,
    seal_escrow,
)


def _send_waiting_for_three(app: Flask) -> None:
    """Two reports naming PC D Hart, each waiting for three: neither is released."""
    for what in ("He followed me home.", "He took my phone at the station."):
        submit(
            app.test_client(),
            what_happened=what,
            force="Kent Police",
            release="3",
            **{"officers-0-name": "D Hart", "officers-0-number": "4471"},
        )


def _secrets_a_member_interpolates(store: Store, instance: Instance, member: Person) -> list[int]:
    """P_2's secret for every tag two entries share. A member's key alone no longer reads
    tags or shares (the instance's layer inside each entry); an entry written before that
    layer, in an old backup, still shows them, so the member is given them here."""
    keys = principal_of(store, member)
    seed = config.load(instance.path, environ={}).escrow_key
    points: dict[bytes, dict[str, tuple[int, int]]] = defaultdict(dict)
    with store.session() as session:
        for row in session.scalars(select(EscrowEntry)):
            private = keys.group_key(Group.ESCROW, row.group_key.version)
            assert private is not None
            entry = escrow.open_entry(private, row, seed).entry
            for slot in entry.slots:
                points[slot.tag][entry.report_id] = (entry.x, slot.shares[0])  # t = 2
    return [
        matching.interpolate_secret(list(pair))
        for by_report in points.values()
        if len(by_report) >= 2
        for pair in itertools.combinations(by_report.values(), 2)
    ]


def _from_the_secret_alone(polynomial_secret: int, threshold: int) -> bytes:
    """The public key as the secret alone would derive it (the first build's way)."""
    scalar = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"portal/v1/escrow",
        info=f"portal/v1/escrow/t={threshold}/release x25519".encode(),
    ).derive(polynomial_secret.to_bytes(matching.SCALAR_SIZE, "big"))
    return x25519.X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes_raw()


@pytest.mark.sqlcipher_only
def test_the_release_key_the_server_hands_out_does_not_name_an_unmatched_officer(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    _send_waiting_for_three(app)
    with store.session() as session:
        assert escrow.waiting_count(session) == 2
    polynomial_secrets = _secrets_a_member_interpolates(store, instance, advocate)
    assert polynomial_secrets  # the two reports share his tags: the member has P_2's secret
    served = set(release_keys(app.test_client(), HART, "2"))  # asking for a guess
    computed = {
        key
        for polynomial_secret in polynomial_secrets
        for key in (
            _from_the_secret_alone(polynomial_secret, 2),
            matching.release_public_key(polynomial_secret, 2, bytes(32)),
            matching.release_public_key(polynomial_secret, 2, os.urandom(32)),
        )
    }
    assert not served & computed
    # With instance/secrets/ as well (a seizer who has everything), the guess is
    # confirmed: the instance's key is what stands between the member and the name.
    instance_key = escrow.instance_release_key(config.load(instance.path, environ={}).escrow_key)
    with_secrets = {matching.release_public_key(s, 2, instance_key) for s in polynomial_secrets}
    assert served <= with_secrets


def _hostile_and_honest(app: Flask, store: Store, instance: Instance, hostile: int) -> str:
    """`hostile` browsers wait for two under PC Hart, sealed to a key of nobody's; an
    honest one waits for two under him too. The honest report's id."""
    client = app.test_client()
    for _ in range(hostile):
        browser = seal_in_browser(store, instance, WAITING)
        browser.fields.update(HART)
        nobody = matching.release_public_key(int.from_bytes(os.urandom(31), "big"), 2, bytes(32))
        seal_escrow(browser, [nobody, nobody])
        assert post_sealed(client, browser, "2").status_code == 200
    honest = seal_in_browser(store, instance, WAITING)
    honest.fields.update(HART)
    seal_escrow(honest, release_keys(client, HART, "2"))
    assert post_sealed(client, honest, "2").status_code == 200
    return honest.report_id


def _honest_last(monkeypatch: pytest.MonkeyPatch, honest: str) -> None:
    monkeypatch.setattr(
        escrow_run.secrets.SystemRandom,
        "shuffle",
        lambda _self, candidates: candidates.sort(key=lambda c: c.report.id == honest),
    )


def test_seals_that_open_nothing_cost_one_try_each_ever(
    app: Flask, store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each slot of a hostile report is tried once, found to open nothing (its tag's
    shares are all the server's own, so no other set of them would do better), and
    cleared in its entry: the next run tries nothing of it."""
    honest = _hostile_and_honest(app, store, instance, hostile=4)
    _honest_last(monkeypatch, honest)
    first = run_as(store, instance, advocate)
    assert first.released == [honest]
    assert first.failed_tries == 4 * 2  # two identifiers each, PC Hart's number and name
    again = run_as(store, instance, advocate)
    assert (again.tries, again.failed_tries, again.released) == (0, 0, [])
    advocates_read = readable(store)
    assert honest in advocates_read and len(advocates_read) == 1
    with store.session() as session:
        assert escrow.waiting_count(session) == 4  # the hostile ones wait, unopened


def test_a_flood_of_seals_that_open_nothing_delays_a_good_report_by_a_run_or_so(
    app: Flask, store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a run's tries cut to five, four hostile reports (eight slots) ahead of the
    honest one fill the first run; the second reaches it, and a third has nothing left."""
    honest = _hostile_and_honest(app, store, instance, hostile=4)
    _honest_last(monkeypatch, honest)
    monkeypatch.setattr(escrow_run, "_MOST_TRIES_IN_RUN", 5)
    first = run_as(store, instance, advocate)
    assert first.released == [] and first.tries == 6  # it stops after the report it began
    second = run_as(store, instance, advocate)
    assert second.released == [honest] and second.tries == 3
    assert run_as(store, instance, advocate).tries == 0


def test_seals_to_nobody_leave_old_entries_their_own_budget(
    app: Flask,
    store: Store,
    instance: Instance,
    advocate: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A waiting entry from before the instance's layer names Dan Hart, and a new report
    names him now: his tag holds a share the run cannot trust, so it searches sets of
    shares, under a budget of its own (cut here to one failure). Four hostile browsers'
    failed tries, taken first, do not spend it: the old report is released."""
    codename = send_naming(app, name="Dan Hart", release="2")
    (old,) = groups_by_report(store)
    as_version_1(instance, store, codename, "Dan Hart")
    send_naming(app, name="Daniel Hart", release="now")
    honest = _hostile_and_honest(app, store, instance, hostile=4)
    monkeypatch.setattr(escrow_run, "_MOST_FAILED_TRIES", 1)
    monkeypatch.setattr(
        escrow_run.secrets.SystemRandom,
        "shuffle",
        lambda _self, candidates: candidates.sort(key=lambda c: c.report.id == old),
    )
    run = run_as(store, instance, advocate)
    assert run.failed_tries >= 4 * 2  # the hostile slots, each tried once
    assert set(run.released) == {honest, old}
