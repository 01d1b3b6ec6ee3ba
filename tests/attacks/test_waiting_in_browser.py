"""Waiting reports sealed in the browser, against an escrow member and a hostile browser.

An escrow member holds the database and a member's key, but not instance/secrets/. Every
entry holds a share of every threshold's polynomial, so two reports under one tag give
that member P_2's secret even while both wait for 3. The release public key the server
hands out must not be computable from that secret: else asking for a guessed officer's
key at t=2 and comparing would name the tag.

A browser can seal a waiting report's data key to keys that open nothing; the server
cannot tell until matching. Such reports must cost only themselves: a report whose seals
and shares are good is released whatever order the run takes them in.
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
from crypto.keys import open_sealed
from portal.core import bindings, escrow
from portal.store import Store
from portal.store.models import EscrowEntry, Group, Report
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import submit
from tests.support.people import Person
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


def _secrets_a_member_interpolates(store: Store, member: Person) -> list[int]:
    """P_2's secret for every tag two entries share: what the member's key gives."""
    keys = principal_of(store, member)
    points: dict[bytes, dict[str, tuple[int, int]]] = defaultdict(dict)
    with store.session() as session:
        for row in session.scalars(select(EscrowEntry)):
            private = keys.group_key(Group.ESCROW, row.group_key.version)
            assert private is not None
            plain = open_sealed(
                private, row.sealed, bindings.escrow_entry(row.report_id, row.group_key)
            )
            entry = matching.decode_entry(plain)
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
    polynomial_secrets = _secrets_a_member_interpolates(store, advocate)
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


def _readable(store: Store) -> set[str]:
    with store.session() as session:
        return {
            r.id
            for r in session.scalars(select(Report))
            if any(s.group_key.group == Group.ADVOCATES for s in r.seals)
        }


def test_seals_that_open_nothing_do_not_keep_a_good_report_from_release(
    app: Flask,
    store: Store,
    instance: Instance,
    advocate: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Four hostile browsers wait for two under PC Hart, sealed to keys of nobody's; an
    honest one waits for two under him too. The run's budget is cut to one failed try,
    and the run takes the honest report last: it is released all the same."""
    client = app.test_client()
    hostile = []
    for _ in range(4):
        browser = seal_in_browser(store, instance, WAITING)
        browser.fields.update(HART)
        nobody = matching.release_public_key(int.from_bytes(os.urandom(31), "big"), 2, bytes(32))
        seal_escrow(browser, [nobody, nobody])
        assert post_sealed(client, browser, "2").status_code == 200
        hostile.append(browser.report_id)
    honest = seal_in_browser(store, instance, WAITING)
    honest.fields.update(HART)
    seal_escrow(honest, release_keys(client, HART, "2"))
    assert post_sealed(client, honest, "2").status_code == 200

    monkeypatch.setattr(escrow, "_MOST_FAILED_TRIES", 1)
    monkeypatch.setattr(
        escrow.secrets.SystemRandom,
        "shuffle",
        lambda _self, candidates: candidates.sort(key=lambda c: c.report.id == honest.report_id),
    )
    member = principal_of(store, advocate)
    seed = config.load(instance.path, environ={}).escrow_key
    with store.session() as session:
        run = escrow.run_matching(session, member, actor=advocate.name, escrow_seed=seed)
    assert run.released == [honest.report_id]
    assert run.failed_tries >= 4  # every hostile report was tried, and failed
    readable = _readable(store)
    assert honest.report_id in readable and not readable & set(hostile)
    with store.session() as session:
        assert escrow.waiting_count(session) == 4  # the hostile ones wait, unopened


def test_a_hostile_report_costs_at_most_its_own_budget(
    app: Flask,
    store: Store,
    instance: Instance,
    advocate: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reports naming three officers each, all sealed to nobody, waiting for three: each
    has 126 share subsets to try (six slots, C(7, 2) each), and the run stops each at its
    own budget, cut here to ten, so that no report takes another's."""
    client = app.test_client()
    three = {
        "officer_force": "Kent Police",
        **{f"officer_{n}_name": f"D {name}" for n, name in enumerate(("Hart", "Vale", "Cole"))},
        **{f"officer_{n}_number": f"44{n}1" for n in range(3)},
    }
    for _ in range(8):
        browser = seal_in_browser(store, instance, WAITING)
        browser.fields.update(three)
        nobody = matching.release_public_key(int.from_bytes(os.urandom(31), "big"), 3, bytes(32))
        seal_escrow(browser, [nobody] * matching.SLOTS)
        answer = post_sealed(client, browser, "3")
        assert answer.status_code == 200, answer.get_json()
    monkeypatch.setattr(escrow, "_MOST_TRIES", 10)
    member = principal_of(store, advocate)
    seed = config.load(instance.path, environ={}).escrow_key
    with store.session() as session:
        run = escrow.run_matching(session, member, actor=advocate.name, escrow_seed=seed)
    assert run.released == [] and run.failed_tries == 8 * 10
