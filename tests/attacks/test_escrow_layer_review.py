"""A review of the escrow entries' inner layer and of "try once, clear" (docs/escrow.md,
"The entry" and "Matching"), from the positions of /work/shared/ATTACKS.md: the public,
the database alone, a database writer with or without a member's key, a restore from an
old backup, and an honest survivor whose request meets a matching run.

It found three holes, closed since: a consent change meeting a run made her report
unreleasable (an old entry, cleared, written over her new one), and the rows a run
rewrote named, to whoever diffs the database, which waiting report's tag reached its
threshold (after a consent column was flipped by hand, or behind probes sealed to
nobody). Entries now keep the choices their seals are bound to inside the instance's
layer, a run tries nothing of an entry whose row's choices differ, writes an entry only
if its row still holds what it read, and seals every waiting entry again each run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from crypto import matching
from crypto.keys import PublicKey, open_sealed, seal
from portal.core import bindings, escrow, escrow_run
from portal.core.group_keys import current_group_key
from portal.store import Store
from portal.store.models import EscrowEntry, Group, Report
from tests.support.command import portal
from tests.support.escrow import opened_entries, readable, run_as
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import form_tokens, sign_in, submit
from tests.support.people import Person
from tests.survivor.test_sealed_reports import seal_in_browser
from tests.survivor.test_sealed_waiting import HART, WAITING, post_sealed, seal_escrow

FORCE = "Northumbria Police"
BOTH = pytest.mark.parametrize("backend", ["sqlcipher", "postgresql"])


def _ids(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(Report.id)))


def _send(app: Flask, store: Store, name: str, release: str) -> tuple[str, str]:
    """A report naming one officer by name, sent without JavaScript: codename, report id."""
    before = _ids(store)
    codename = submit(
        app.test_client(),
        what_happened="He came to my house in uniform.",
        force=FORCE,
        release=release,
        **{"officers-0-name": name},
    )
    (report_id,) = _ids(store) - before
    return codename, report_id


def _signed_in(app: Flask, codename: str) -> FlaskClient:
    survivor = app.test_client()
    assert sign_in(survivor, codename).status_code == 303
    return survivor


def _tick_legal(survivor: FlaskClient) -> None:
    """She keeps waiting and adds consent to an export for the legal team, on /return."""
    data = form_tokens(survivor, "/return/consent") | {"consent_read": "y", "consent_legal": "y"}
    assert survivor.post("/return/consent", data=data).status_code == 303


def _during_run(monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> list[int]:
    """Do `act` once, in its own request, after the run has opened the entries and before
    it reads the reports: what a request committed at that instant does."""
    done: list[int] = []
    real = escrow_run._open_entries

    def opened_then_act(*args: Any) -> Any:
        result = real(*args)
        if not done:
            act()
            done.append(1)
        return result

    monkeypatch.setattr(escrow_run, "_open_entries", opened_then_act)
    return done


# 1. An honest survivor whose consent change on /return meets a run.


@BOTH
def test_her_consent_change_during_a_run_does_not_make_her_report_unreleasable(
    app: Flask, store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """She waits for two under PC Dan Hart; another report names him. A member signs in
    (the run starts) and at that instant she ticks "legal team may export" on /return,
    staying in the escrow: her request deletes her entry and writes one bound to her new
    choices. The run read her old entry before, her row after; the old seal, bound to the
    old choices, does not open under the new ones, so the slot is "cleared", and the run
    wrote the OLD entry, cleared, over the new one (there was no check that the row was
    unchanged), and every later run found her slots cleared: her report, which two name,
    was never released. Control: the same change made before the run, on Ann Cole's
    reports, is released with it."""
    control, control_id = _send(app, store, "Ann Cole", "2")
    _send(app, store, "Ann Cole", "now")
    victim, victim_id = _send(app, store, "Dan Hart", "2")
    _send(app, store, "Dan Hart", "now")
    _tick_legal(_signed_in(app, control))
    survivor = _signed_in(app, victim)

    done = _during_run(monkeypatch, lambda: _tick_legal(survivor))
    first = run_as(store, instance, advocate)
    assert done
    monkeypatch.undo()
    assert control_id in first.released  # control: changed before the run, released

    if victim_id not in first.released:
        second = run_as(store, instance, advocate)
        cleared = [
            n
            for n, slot in enumerate(
                opened_entries(store, instance, advocate)[victim_id].entry.slots
            )
            if slot.locked_key == bytes(matching.RELEASE_SEAL_SIZE)
        ]
        assert victim_id in second.released, (
            f"her report, named by two, is never released: slots {cleared} of her entry were "
            f"cleared by the run her consent change met (first run: {first})"
        )
    assert victim_id in readable(store)
    with store.session() as session:
        report = session.get(Report, victim_id)
        assert report is not None and report.export_legal


# 2. The database alone, written to, with a report filed through the public form.


def _sealed(store: Store) -> dict[str, bytes]:
    with store.session() as session:
        return {row.report_id: row.sealed for row in session.scalars(select(EscrowEntry))}


def _set_statistics(store: Store, report_ids: list[str], value: bool) -> None:
    """A database writer (no key at all) changes a consent column of waiting rows."""
    with store.session() as session:
        session.execute(
            update(Report).where(Report.id.in_(report_ids)).values(export_statistics=value)
        )
        session.commit()


@BOTH
def test_a_database_writer_cannot_name_a_waiting_reports_officer_from_which_rows_a_run_rewrites(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """Two reports wait for two, one under PC Dan Hart, one under PC Ann Cole, alone. The
    attacker holds the database (a PostgreSQL host, a seized server) and writes to it, but
    holds no key and no instance/secrets/. They file, through the public form, one report
    naming their guess, "Dan Hart", waiting for five (tried by no run, read by nobody),
    flip a consent column of both waiting rows, let a member sign in, and flip it back.
    The run tried Dan Hart's slot (two reports name him), its seal, bound to her real
    choices, did not open, and the run cleared it: her row alone was rewritten, naming
    the officer of a waiting report with nothing released, and her report was destroyed
    for every later run. Now every waiting row is rewritten and nothing is tried where
    the row's choices differ. Control: without the flip, the same guess releases her (a
    match, which advocates see: the documented Sybil case)."""
    _, hart = _send(app, store, "Dan Hart", "2")
    _, cole = _send(app, store, "Ann Cole", "2")
    _send(app, store, "Dan Hart", "5")  # the probe: the guess, waiting for five
    before = _sealed(store)
    _set_statistics(store, [hart, cole], True)
    run = run_as(store, instance, advocate)
    _set_statistics(store, [hart, cole], False)
    after = _sealed(store)
    assert run.released == []  # nothing shows in the portal
    rewritten = {report_id for report_id in (hart, cole) if before[report_id] != after[report_id]}
    assert (hart in rewritten) == (cole in rewritten), (
        f"the rows a run rewrote single out the waiting report naming the guessed officer: "
        f"rewritten {rewritten}, Dan Hart's {hart}, Ann Cole's {cole} ({run})"
    )


def test_control_the_same_guess_without_the_flip_is_a_match_advocates_see(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    _, hart = _send(app, store, "Dan Hart", "2")
    _, cole = _send(app, store, "Ann Cole", "2")
    _send(app, store, "Dan Hart", "5")
    run = run_as(store, instance, advocate)
    assert run.released == [hart] and hart in readable(store) and cole not in readable(store)


# 3. Entries without the instance's layer: a writer with the escrow's public key, a restore.


def _write_raw(store: Store, entry: matching.Entry) -> None:
    """Seal an entry without the instance's layer, as a server of before it did, or a
    database writer does with the escrow's public key (it is in the database)."""
    with store.session() as session:
        group_key = current_group_key(session, Group.ESCROW)
        row = session.get(EscrowEntry, entry.report_id)
        if row is None:
            row = EscrowEntry(report_id=entry.report_id, group_key=group_key, sealed=b"")
            session.add(row)
        row.group_key = group_key
        row.sealed = seal(
            PublicKey.from_bytes(group_key.public_key),
            matching.encode_entry(entry),
            bindings.escrow_entry(entry.report_id, group_key),
        )
        session.commit()


def _forged(report_id: str, tag: bytes) -> matching.Entry:
    """An entry of the writer's own under a tag: shares off every polynomial, a key of theirs."""
    shares = tuple(int.from_bytes(os.urandom(32), "big") % matching.PRIME for _ in range(4))
    locked = os.urandom(matching.RELEASE_SEAL_SIZE)
    return matching.Entry(report_id, matching.COUNTS_ONLY, (matching.Slot(tag, shares, locked),))


@BOTH
def test_a_raw_entry_written_by_hand_is_given_the_layer_but_never_made_the_servers_own(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """A writer replaces a sent report's entry by a raw one of their own. Nothing waits,
    yet the next run finds its size (`func.length` on bytea too) and gives it the layer,
    marked not made here, so its shares are never trusted; the run after that finds
    nothing to do."""
    _, sent = _send(app, store, "Dan Hart", "now")
    tag = opened_entries(store, instance, advocate)[sent].entry.slots[0].tag
    _write_raw(store, _forged(sent, tag))
    assert not opened_entries(store, instance, advocate)[sent].inside
    first = run_as(store, instance, advocate)
    assert (first.waiting, first.moved_inside, first.unopened) == (0, 1, 0)
    opened = opened_entries(store, instance, advocate)[sent]
    assert opened.inside and not opened.made_here
    assert len(_sealed(store)[sent]) == escrow.INSIDE_SIZE
    assert run_as(store, instance, advocate).moved_inside == 0


@BOTH
def test_a_poisoned_tag_clears_no_honest_slot_and_a_restored_raw_entry_is_still_released(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """A restore from before the layer: her waiting entry is raw (its tags readable with a
    member's key). A writer who read her tag there adds, for a report that named nobody,
    a raw entry under it with shares off the polynomial. The run re-layers hers, not as
    the server's own; with the bad share her tag is untrusted, so her slot is searched,
    never cleared; once another report names him she is released."""
    codename, waiting = _send(app, store, "Dan Hart", "2")
    opened = opened_entries(store, instance, advocate)[waiting]
    _write_raw(store, opened.entry)  # as the old backup holds it
    before = _ids(store)
    submit(app.test_client(), what_happened="Nothing about an officer.")
    (nobody,) = _ids(store) - before
    _write_raw(store, _forged(nobody, opened.entry.slots[0].tag))

    first = run_as(store, instance, advocate)
    assert first.moved_inside == 2 and first.released == [] and first.tries == 0
    again = opened_entries(store, instance, advocate)
    assert again[waiting].inside and not again[waiting].made_here
    assert again[waiting].entry.slots == opened.entry.slots  # nothing cleared

    _send(app, store, "Dan Hart", "now")
    second = run_as(store, instance, advocate)
    assert second.released == [waiting] and second.tries == 0
    assert waiting in readable(store)
    assert codename


def test_a_member_who_moves_an_inner_layer_to_another_report_gets_it_unopened(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """A writer with a member's key (no instance secret) opens the outer seal of one
    report's entry and seals what is inside to another report's row: the layer is
    bound to the first report, so the run counts it for nothing. Control: sealed back
    to its own row, it opens."""
    _, first = _send(app, store, "Dan Hart", "2")
    _, second = _send(app, store, "Ann Cole", "2")
    keys = principal_of(store, advocate)
    with store.session() as session:
        row = session.get(EscrowEntry, first)
        other = session.get(EscrowEntry, second)
        assert row is not None and other is not None
        private = keys.group_key(Group.ESCROW, row.group_key.version)
        assert private is not None
        inside = open_sealed(private, row.sealed, bindings.escrow_entry(first, row.group_key))
        public = PublicKey.from_bytes(other.group_key.public_key)
        other.sealed = seal(public, inside, bindings.escrow_entry(second, other.group_key))
        session.commit()
    run = run_as(store, instance, advocate)
    assert run.unopened == 1 and run.moved_inside == 0
    assert set(opened_entries(store, instance, advocate, skip_unopened=True)) == {first}


def _nobodys_probe(app: Flask, store: Store, instance: Instance, officers: dict[str, str]) -> str:
    """A waiting report her browser sealed to a key of nobody's: never released."""
    browser = seal_in_browser(store, instance, WAITING)
    browser.fields.update(officers)
    nobody = matching.release_public_key(int.from_bytes(os.urandom(31), "big"), 2, bytes(32))
    seal_escrow(browser, [nobody, nobody])
    assert post_sealed(app.test_client(), browser, "2").status_code == 200
    return browser.report_id


@BOTH
def test_probes_sealed_to_nobody_tell_the_database_alone_nothing_the_portal_does_not(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """The database alone (no key, no writes) plus the public form: the attacker files
    two waiting reports sealed to nobody's key, one naming their guess PC D Hart, one an
    officer nobody names; someone else has named Hart. After a member signs in, neither
    is released, /return shows both still waiting and no advocate reads either; the run
    once cleared the Hart probe's slots and rewrote its row, and only its row, giving the
    documented probing bit ("one bit on /return") without its costs to whoever diffs two
    copies of the database. Every waiting row is now rewritten each run."""
    hart = _nobodys_probe(app, store, instance, HART)
    ash = {**HART, "officer_0_name": "D Ash", "officer_0_number": "5501"}
    control = _nobodys_probe(app, store, instance, ash)
    submit(
        app.test_client(),
        what_happened="He shouted at me outside the station.",
        force="Kent Police",
        **{"officers-0-name": "Dave Hart", "officers-0-number": "PC 4471"},
    )
    before = _sealed(store)
    run = run_as(store, instance, advocate)
    after = _sealed(store)
    assert run.released == [] and not {hart, control} & readable(store)
    rewritten = {r for r in (hart, control) if before[r] != after[r]}
    assert (hart in rewritten) == (control in rewritten), (
        f"a diff of the database shows which probe's officer someone else named: {rewritten}"
    )


def test_the_recovery_phrase_re_layers_a_restored_entry_and_releases_it(
    app: Flask, store: Store, cli_instance: Instance, advocate: Person
) -> None:
    """`portal escrow match` with the recovery phrase, after a restore of a raw entry."""
    _, waiting = _send(app, store, "Dan Hart", "2")
    _write_raw(store, opened_entries(store, cli_instance, advocate)[waiting].entry)
    _send(app, store, "Dan Hart", "now")
    ran = portal("escrow", "match", "--passphrase-stdin", stdin=cli_instance.recovery_phrase)
    assert ran.exit_code == 0, ran.output
    assert "1 report(s) were waiting; 1 released." in ran.output
    assert waiting in readable(store)
    opened = opened_entries(store, cli_instance, advocate)
    assert all(one.inside for one in opened.values()) and not opened[waiting].made_here
