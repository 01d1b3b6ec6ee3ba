"""A review of the matching run as it now stands (docs/escrow.md, "Matching", "Who learns
what"): entries that keep the choices their seals are bound to (`altered`), every waiting
entry sealed again each run (`_write_back`), the compare-and-set write (`_replace_sealed`)
and "try once, clear", from the positions of /work/shared/ATTACKS.md: whoever diffs the
database around a run, a database writer, the public, and an honest survivor whose
request, or another member's run, meets a run.

It found one hole, closed since:
`test_a_message_on_a_freed_report_during_a_run_does_not_cancel_every_other_release`: a
run loads every waiting report, tries, writes back, and only then releases; a report
row that changed meanwhile (a message or "keep longer" on /return, a deletion) made the
release's flush raise StaleDataError and the whole run roll back. Anyone holding a
report that each run frees (two reports of their own) could so cancel every run. Each
release now reads her row again in a savepoint of its own, and one that changed waits
for the next run.

The other tests show what held: a diff of every table shows every waiting entry
rewritten and nothing else, also past the try cap; each consent change on /return
refiles her entry; a writer's flip only delays her; a run meeting her deletion writes
nothing back; two runs at once release her once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from crypto import matching
from portal.core import escrow, escrow_run
from portal.store import Store
from portal.store.models import AuditEvent, Base, EscrowMatch, Report
from tests.attacks.test_escrow_layer_review import (
    BOTH,
    _nobodys_probe,
    _sealed,
    _send,
    _signed_in,
)
from tests.support.escrow import opened_entries, readable, run_as
from tests.support.instance import Instance
from tests.support.pages import button_tokens, form_tokens, submit
from tests.support.people import Person
from tests.survivor.test_sealed_waiting import HART

_CLEARED = bytes(matching.RELEASE_SEAL_SIZE)

# 1. Whoever diffs the database around a run: every table, not only escrow_entries.


def _snapshot(store: Store) -> dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]:
    """Every row of every table, by primary key: what a copy of the database holds."""
    tables: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = {}
    with store.session() as session:
        for table in Base.metadata.sorted_tables:
            keys = [column.name for column in table.primary_key.columns]
            rows = session.execute(select(table)).mappings().all()
            tables[table.name] = {
                tuple(row[k] for k in keys): tuple(row[c.name] for c in table.columns)
                for row in rows
            }
    return tables


def _diff(
    before: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]],
    after: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]],
) -> dict[str, set[tuple[Any, ...]]]:
    changed = {}
    for name, rows in after.items():
        old = before[name]
        keys = {k for k in rows.keys() | old.keys() if rows.get(k) != old.get(k)}
        if keys:
            changed[name] = keys
    return changed


@BOTH
@pytest.mark.parametrize("cap", [escrow_run._MOST_TRIES_IN_RUN, 0], ids=["tried", "over-cap"])
def test_a_diff_of_every_table_around_a_run_shows_the_waiting_rows_rewritten_and_nothing_else(
    app: Flask,
    store: Store,
    instance: Instance,
    advocate: Person,
    monkeypatch: pytest.MonkeyPatch,
    cap: int,
) -> None:
    """The database alone, two copies, before and after a run. Waiting: a probe sealed to
    nobody naming PC D Hart, whom a sent report names (its slot reaches the threshold, is
    tried, fails, is cleared); the same probe naming D Ash, whom nobody names (control); a
    report waiting for five under Ann Cole, whom one other names; and sent, counts-only
    reports. With the try cap at 0, nothing is tried at all. Either way the diff is: every
    waiting entry rewritten, at the one size entries have, one audit row saying how many
    waited, and nothing else (no report row, no match row, no counts-only entry), so it
    cannot tell the probe whose officer someone named from the one nobody named."""
    monkeypatch.setattr(escrow_run, "_MOST_TRIES_IN_RUN", cap)
    hart = _nobodys_probe(app, store, instance, HART)
    ash = _nobodys_probe(
        app, store, instance, {**HART, "officer_0_name": "D Ash", "officer_0_number": "5501"}
    )
    _, cole = _send(app, store, "Ann Cole", "5")
    _, sent_cole = _send(app, store, "Ann Cole", "now")
    submit(
        app.test_client(),
        what_happened="He shouted at me outside the station.",
        force="Kent Police",
        **{"officers-0-name": "Dave Hart", "officers-0-number": "PC 4471"},
    )
    before = _snapshot(store)
    run = run_as(store, instance, advocate)
    after = _snapshot(store)

    assert run.released == [] and (run.tries > 0) == bool(cap)
    changed = _diff(before, after)
    assert set(changed) == {"escrow_entries", "audit_events"}, changed
    assert changed["escrow_entries"] == {(hart,), (ash,), (cole,)}
    assert (sent_cole,) not in changed["escrow_entries"]
    assert {len(_sealed(store)[r]) for r in (hart, ash, cole)} == {escrow.INSIDE_SIZE}
    with store.session() as session:
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "escrow matching run")
        )
        assert event.detail == "3 waiting; 0 released" and event.subject is None
    # What the run did to the Hart probe is inside the entry only.
    cleared = opened_entries(store, instance, advocate)[hart].entry.slots
    assert any(slot.locked_key == _CLEARED for slot in cleared) == bool(cap)


# 2. Her choices: every change on /return refiles her entry under the choices it makes.

_CHANGES = {
    "legal": {"consent_read": "y", "consent_legal": "y"},
    "statistics": {"consent_read": "y", "consent_statistics": "y"},
    "iopc-and-messages": {"consent_read": "y", "consent_iopc": "y", "consent_messages_iopc": "y"},
}


@pytest.mark.parametrize("change", list(_CHANGES), ids=list(_CHANGES))
def test_each_consent_change_on_return_refiles_her_entry_so_it_is_never_altered(
    app: Flask, store: Store, instance: Instance, advocate: Person, change: str
) -> None:
    """She waits for two under Dan Hart and changes her choices on /return, twice (the
    second time back to "advocates only"), with runs in between. Each time her entry keeps
    the choices her row holds, no run counts her `altered` or clears a slot, and once a
    second report names him she is released under her last choices."""
    codename, waiting = _send(app, store, "Dan Hart", "2")
    survivor = _signed_in(app, codename)
    for boxes in (_CHANGES[change], {"consent_read": "y"}):
        data = form_tokens(survivor, "/return/consent") | boxes
        assert survivor.post("/return/consent", data=data).status_code == 303
        with store.session() as session:
            report = session.get(Report, waiting)
            assert report is not None and report.wait_for_match
            expected = escrow.consent_at_release(report)
        opened = opened_entries(store, instance, advocate)[waiting]
        assert opened.consent == expected
        run = run_as(store, instance, advocate)
        assert run.altered == 0 and run.tries == 0
        slots = opened_entries(store, instance, advocate)[waiting].entry.slots
        assert all(slot.locked_key != _CLEARED for slot in slots)
    _send(app, store, "Dan Hart", "now")
    assert run_as(store, instance, advocate).released == [waiting]
    assert waiting in readable(store)


# 3. A database writer and `altered`: no more than deleting her row.


def _set(store: Store, report_id: str, **values: bool) -> None:
    with store.session() as session:
        session.execute(update(Report).where(Report.id == report_id).values(**values))
        session.commit()


@BOTH
def test_a_writer_who_flips_her_choices_only_delays_her_and_never_costs_her_a_slot(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """A writer (no key) flips a consent column of a waiting report whose officer two name,
    and a run comes: she is `altered`, nothing is tried, her slots stay as they were; flipped
    back, the next run releases her. Flipping wait_for_match off hides her from the run
    the same way; neither lasts beyond the writer's own edit, as deleting her row would."""
    _, waiting = _send(app, store, "Dan Hart", "2")
    _send(app, store, "Dan Hart", "now")
    slots = opened_entries(store, instance, advocate)[waiting].entry.slots

    _set(store, waiting, export_legal=True)
    run = run_as(store, instance, advocate)
    assert (run.altered, run.tries, run.released) == (1, 0, [])
    _set(store, waiting, wait_for_match=False, export_legal=False)
    run = run_as(store, instance, advocate)
    assert (run.altered, run.tries, run.released) == (0, 0, [])
    assert opened_entries(store, instance, advocate)[waiting].entry.slots == slots

    _set(store, waiting, wait_for_match=True)
    assert run_as(store, instance, advocate).released == [waiting]
    with store.session() as session:
        report = session.get(Report, waiting)
        assert report is not None and not report.export_legal  # her choices, not the writer's


# 4. Requests and runs that meet a run: before it writes anything back.


def _before_write_back(monkeypatch: pytest.MonkeyPatch, act: Callable[[], None]) -> list[int]:
    """Do `act` once, after the run has tried every slot and before it writes anything."""
    done: list[int] = []
    real = escrow_run._write_back

    def act_then_write(*args: Any) -> None:
        if not done:
            done.append(1)
            act()
        real(*args)

    monkeypatch.setattr(escrow_run, "_write_back", act_then_write)
    return done


def _delete_on_return(app: Flask, codename: str) -> None:
    survivor = _signed_in(app, codename)
    data = form_tokens(survivor, "/return/delete") | {"confirm": "y"}
    assert survivor.post("/return/delete", data=data).status_code in (200, 303)


@BOTH
def test_a_run_meeting_her_deletion_writes_nothing_of_hers_back(
    app: Flask, store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """She waits (nobody else names him) and deletes her report on /return just as a run,
    which read her entry, is about to seal it again: the compare-and-set finds no row, so
    nothing of hers comes back; the run completes. Control: Ann Cole's report, matched in
    the same run, is released by it."""
    codename, waiting = _send(app, store, "Dan Hart", "2")
    _, cole = _send(app, store, "Ann Cole", "2")
    _send(app, store, "Ann Cole", "now")
    done = _before_write_back(monkeypatch, lambda: _delete_on_return(app, codename))
    run = run_as(store, instance, advocate)
    assert done and run.released == [cole] and cole in readable(store)
    assert waiting not in _sealed(store)
    with store.session() as session:
        assert session.get(Report, waiting) is None


@BOTH
def test_two_runs_at_once_release_her_once_and_link_one_match(
    app: Flask, store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two members sign in at the same moment: the second run is wholly done while the
    first is between trying and writing back. Her report, which two name, is released
    once, with one match and one audit row; the first run, whose reads are out of date,
    releases nothing twice (it fails, and a run at sign-in that fails is only logged)."""
    _, waiting = _send(app, store, "Dan Hart", "2")
    _send(app, store, "Dan Hart", "now")
    second: list[escrow_run.MatchRun] = []

    def other_member() -> None:
        monkeypatch.setattr(escrow_run, "_write_back", real)
        second.append(run_as(store, instance, advocate))

    real = escrow_run._write_back
    _before_write_back(monkeypatch, other_member)
    try:
        first: escrow_run.MatchRun | None = run_as(store, instance, advocate)
    except Exception:  # what the sign-in does: the run is rolled back
        first = None  # StaleDataError: her row changed since the run read it
    assert second and second[0].released == [waiting]
    assert first is None or first.released == []
    with store.session() as session:
        assert len(session.scalars(select(EscrowMatch)).all()) == 1
        released = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report released by a match")
        ).all()
        assert [event.subject for event in released] == [waiting]
    assert waiting in readable(store)
    assert run_as(store, instance, advocate).released == []


def _message(app: Flask, codename: str) -> None:
    """She (anyone with a codename) sends a message on /return: her report row changes."""
    survivor = _signed_in(app, codename)
    data = button_tokens(survivor, "/return/add") | {"kind": "message", "text": "Any news?"}
    assert survivor.post("/return/add", data=data).status_code == 303


@BOTH
def test_a_message_on_a_freed_report_during_a_run_does_not_cancel_every_other_release(
    app: Flask, store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public, with two reports of its own: one waiting for two under a made-up "Eve
    Moss", one sent naming her, so each run frees the first. From its codename it sends a
    message on /return (no throttle: one token per form) at the instant a run is between
    reading the reports and releasing them; done in a loop, at a few a second, this meets
    any run longer than the loop's period (a run seals every waiting entry again, ~0.2 ms
    each, so a few thousand waiting reports, or a flood of cheap ones, make that long).

    The row's version moved, so `_release`'s flush raised StaleDataError, and the whole
    run was rolled back: Ann Cole's report, which two also name, was not released, run
    after run, for as long as the loop went on. Now each release reads her row again in
    its own savepoint. Control: without the message, the same run releases both."""
    attacker, _ = _send(app, store, "Eve Moss", "2")
    _send(app, store, "Eve Moss", "now")
    _, cole = _send(app, store, "Ann Cole", "2")
    _send(app, store, "Ann Cole", "now")
    failed = []
    for _ in range(2):  # the loop meets this run, and the next
        monkeypatch.setattr(escrow_run, "_write_back", _real_write_back)
        done = _before_write_back(monkeypatch, lambda: _message(app, attacker))
        try:
            run_as(store, instance, advocate)
        except Exception as error:  # the sign-in logs it and goes on
            failed.append(type(error).__name__)
        assert done
    assert cole in readable(store), (
        f"Ann Cole's report, which two name, was never released: each run met a message "
        f"on the attacker's freed report and failed: {failed}"
    )


_real_write_back = escrow_run._write_back


def test_control_without_the_message_the_same_run_releases_both(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    attacker, eve = _send(app, store, "Eve Moss", "2")
    _send(app, store, "Eve Moss", "now")
    _, cole = _send(app, store, "Ann Cole", "2")
    _send(app, store, "Ann Cole", "now")
    assert sorted(run_as(store, instance, advocate).released) == sorted([eve, cole])
    _message(app, attacker)  # a message after the run changes nothing
    assert {eve, cole} <= readable(store)


# 5. An entry whose tag reaches its threshold in the same run as another slot of hers.


def test_a_release_by_one_slot_leaves_her_other_slot_and_the_others_entries_intact(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    """She names two officers and waits for two; the run frees her by one. Her entry is not
    rewritten (nothing waits), the other waiting report under the same tag, waiting for
    five, keeps every slot, and the sent reports' entries are untouched."""
    codename, waiting = _send(app, store, "Dan Hart", "2")
    _, five = _send(app, store, "Dan Hart", "5")
    _, sent = _send(app, store, "Dan Hart", "now")
    before = _sealed(store)
    run = run_as(store, instance, advocate)
    assert run.released == [waiting]
    after = _sealed(store)
    assert after[waiting] == before[waiting] and after[sent] == before[sent]
    assert after[five] != before[five]
    slots = opened_entries(store, instance, advocate)[five].entry.slots
    assert all(slot.locked_key != _CLEARED for slot in slots)
    assert codename
