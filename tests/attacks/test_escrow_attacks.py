"""The matching escrow attacked by each adversary of ATTACKS.md, with what they hold.

A copy of instance/ made at set-up; an old backup with today's instance/; the
database alone, read and written; a survivor probing the running server or
acting on her own report; an advocate without the matching key, one removed
who kept it, and the recovery phrase; the first advocate's hand-over racing a
report that waits. Each test does what that adversary would do and says what
must not come of it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text

import config
from crypto import matching
from crypto.envelope import unwrap_key
from crypto.errors import CryptoError
from crypto.keys import PrivateKey, open_sealed, seal
from crypto.words import seed_to_phrase
from portal.core import accounts, bindings, escrow, grants
from portal.core.group_keys import RECOVERY_KIND, current_group_key, public_key_of
from portal.core.instance import bootstrap_secret_path
from portal.core.reports import Consent
from portal.store import Store, make_engine
from portal.store.models import (
    Account,
    EscrowEntry,
    EscrowMatchReport,
    Group,
    GroupKey,
    GroupKeyGrant,
    Holder,
    Report,
    Role,
)
from portal.survivor import service
from tests.support.command import portal
from tests.support.forensics import pieces_on_disk
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.pages import button_tokens, form_tokens, sign_in, submit
from tests.support.people import Person, create_person, log_in, signed_in_as

FORCE = "Northumbria Police"
OFFICER = "Dan Hart"


def _send(app: Flask, release: str = "2", name: str = OFFICER, **fields: str) -> tuple[str, str]:
    """A survivor's report naming one officer: (codename, report id)."""
    before = _report_ids(app)
    codename = submit(
        app.test_client(),
        what_happened="He came to my house in uniform.",
        force=FORCE,
        release=release,
        **{"officers-0-name": name},
        **fields,
    )
    (report_id,) = _report_ids(app) - before
    return codename, report_id


def _report_ids(app: Flask) -> set[str]:
    with app.extensions["store"].session() as session:
        return set(session.scalars(select(Report.id)))


def _groups(store: Store) -> dict[str, set[Group]]:
    """The groups each report's data key is sealed to, by report id."""
    with store.session() as session:
        return {
            report.id: {seal.group_key.group for seal in report.seals}
            for report in session.scalars(select(Report))
        }


def _entry(store: Store, report_id: str) -> bytes | None:
    with store.session() as session:
        row = session.get(EscrowEntry, report_id)
        return None if row is None else row.sealed


def _signed_in_survivor(app: Flask, codename: str) -> FlaskClient:
    survivor = app.test_client()
    assert sign_in(survivor, codename).status_code == 303
    return survivor


def _press(survivor: FlaskClient, action: str) -> Any:
    """Press the button on her report page that posts to `action`."""
    return survivor.post(action, data=button_tokens(survivor, action))


def _database_key(instance: Instance) -> bytes:
    return config.load(instance.path, environ={}).database_key


def _bootstrap_escrow_key(folder: Path) -> PrivateKey:
    """What a copy of instance/ made at set-up opens: the escrow's bootstrap key, unwrapped
    from that copy's own database with that copy's secret file."""
    engine = make_engine(config.load(folder, environ={}))
    try:
        with Store(engine).session() as session:
            grant = session.scalars(
                select(GroupKeyGrant)
                .join(GroupKey)
                .where(GroupKey.group == Group.ESCROW, GroupKeyGrant.holder == Holder.BOOTSTRAP)
            ).one()
            secret = bootstrap_secret_path(folder / "secrets", Group.ESCROW).read_text()
            binding = bindings.group_key_grant(Group.ESCROW, 1, Holder.BOOTSTRAP)
            return PrivateKey.from_bytes(
                unwrap_key(bytes.fromhex(secret), grant.sealed_key, binding)
            )
    finally:
        engine.dispose()


def _entries_opened_by(key: PrivateKey, store: Store) -> list[str]:
    """The live entries a key opens, under the binding of their row or of the bootstrap key."""
    opened = []
    bootstrap = GroupKey(group=Group.ESCROW, version=1)
    with store.session() as session:
        for row in session.scalars(select(EscrowEntry)):
            for group_key in (row.group_key, bootstrap):
                try:
                    open_sealed(key, row.sealed, bindings.escrow_entry(row.report_id, group_key))
                except CryptoError:
                    continue
                opened.append(row.report_id)
    return opened


# 1. A copy of instance/ made at set-up, and the live database a year later.


@pytest.mark.sqlcipher_only
def test_a_set_up_copy_opens_no_entry_that_waited_through_the_first_members_arrival(
    app: Flask, instance: Instance, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "copied-at-set-up"
    shutil.copytree(instance.path, copy)
    _, first = _send(app)  # sealed to the bootstrap escrow key: nobody has joined yet
    sealed_then = _entry(store, first)
    assert sealed_then is not None
    advocate = create_person(store, instance, "alice", Role.ADVOCATE)
    _, second = _send(app)

    bootstrap = _bootstrap_escrow_key(copy)
    assert _entries_opened_by(bootstrap, store) == []
    assert pieces_on_disk(instance.path / "portal.db", _database_key(instance), sealed_then) == 0
    # The moved entry still matches: the member's sign-in releases both.
    signed_in_as(app, advocate)
    groups = _groups(store)
    assert Group.ADVOCATES in groups[first] and Group.ADVOCATES in groups[second]


# 2. An old backup (database and settings, no secrets) and today's instance/.


def test_an_old_backup_with_todays_instance_opens_no_escrow_key(
    app: Flask, instance: Instance, store: Store, tmp_path: Path
) -> None:
    _send(app)
    with store.session() as session:
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    backup = tmp_path / "backup" / "portal.db"
    backup.parent.mkdir()
    shutil.copyfile(instance.path / "portal.db", backup)  # taken before anyone joined
    create_person(store, instance, "alice", Role.ADVOCATE)

    # Today's instance/ (its database key opens the old file), with the backup's database.
    seized = tmp_path / "seized"
    shutil.copytree(instance.path, seized, ignore=shutil.ignore_patterns("portal.db*"))
    shutil.copyfile(backup, seized / "portal.db")
    engine = make_engine(config.load(seized, environ={}))
    try:
        with Store(engine).session() as session:
            sealed = session.scalars(
                select(GroupKeyGrant.sealed_key)
                .join(GroupKey)
                .where(GroupKey.group == Group.ESCROW, GroupKeyGrant.holder == Holder.BOOTSTRAP)
            ).one()
            assert session.scalar(select(func.count()).select_from(EscrowEntry)) == 1
    finally:
        engine.dispose()
    binding = bindings.group_key_grant(Group.ESCROW, 1, Holder.BOOTSTRAP)
    opened = []
    for path in (instance.path / "secrets").iterdir():
        try:
            unwrap_key(bytes.fromhex(path.read_text().strip()), sealed, binding)
            opened.append(path.name)
        except (CryptoError, ValueError):
            continue
    assert opened == []


# 4. A survivor probing the running server, and her own actions on her report.


def test_a_probe_gets_the_same_answer_and_the_same_work_whether_others_named_him(
    app: Flask, store: Store
) -> None:
    """Status, redirect, cookies and every statement her request sends are the same for
    an officer someone already named and one nobody named: nothing to see or time."""
    _send(app)  # someone already named him
    seen: dict[str, tuple[Any, ...]] = {}
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    for name in (OFFICER, "Noah Nobody"):
        statements.clear()
        client = app.test_client()
        fields = form_tokens(client) | {
            "consent_read": "y",
            "what_happened": "He came to my house in uniform.",
            "force": FORCE,
            "release": "2",
            "officers-0-name": name,
        }
        event.listen(store.engine, "before_cursor_execute", record)
        try:
            response = client.post("/report", data=fields, content_type="multipart/form-data")
        finally:
            event.remove(store.engine, "before_cursor_execute", record)
        headers = sorted(
            (key, value) for key, value in response.headers.items() if key != "Set-Cookie"
        )
        cookies = sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie"))
        seen[name] = (response.status_code, headers, cookies, list(statements))
    assert seen[OFFICER][0] == 303
    assert seen[OFFICER] == seen["Noah Nobody"]


@pytest.mark.sqlcipher_only
def test_leaving_the_escrow_leaves_no_entry_and_no_copy_on_any_page(
    app: Flask, instance: Instance, store: Store
) -> None:
    codename, report_id = _send(app)
    sealed = _entry(store, report_id)
    assert sealed is not None
    assert _press(_signed_in_survivor(app, codename), "/return/leave").status_code == 303
    assert _entry(store, report_id) is None
    assert pieces_on_disk(instance.path / "portal.db", _database_key(instance), sealed) == 0


@pytest.mark.sqlcipher_only
def test_deleting_a_waiting_report_leaves_no_entry_and_no_copy_on_any_page(
    app: Flask, instance: Instance, store: Store
) -> None:
    codename, report_id = _send(app)
    sealed = _entry(store, report_id)
    assert sealed is not None
    survivor = _signed_in_survivor(app, codename)
    token = form_tokens(survivor, "/return/delete")
    assert survivor.post("/return/delete", data={**token, "confirm": "y"}).status_code == 303
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(EscrowEntry)) == 0
    assert pieces_on_disk(instance.path / "portal.db", _database_key(instance), sealed) == 0


# 5. An advocate without the matching key, one removed who kept it, the recovery phrase.


def _second_advocate(store: Store, instance: Instance, granter: Person, escrow: bool) -> Person:
    """Another advocate, given the advocates' key (and the matching key, with `escrow`)."""
    second = create_person(store, instance, "bea", Role.ADVOCATE)
    keys = principal_of(store, granter).keys()
    with store.session() as session:
        member = session.get(Account, second.account_id)
        assert member is not None
        fingerprint = grants.stored_fingerprint(member)
        grants.grant_group_keys(session, keys, member, granter.name, fingerprint, escrow=escrow)
    return second


def test_an_advocate_without_the_matching_key_releases_nothing_and_sees_a_count(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    outsider = _second_advocate(store, instance, advocate, escrow=False)
    _send(app)
    _send(app)
    client = signed_in_as(app, outsider)
    assert {Group.RECOVERY} == set().union(*_groups(store).values())
    page = client.get("/advocate/matching").get_data(as_text=True)
    assert "<strong>2</strong> reports waiting" in page and "Hart" not in page
    token = form_tokens(client, "/advocate/matching")["csrf_token"]
    assert client.post("/advocate/matching/run", data={"csrf_token": token}).status_code == 404
    assert {Group.RECOVERY} == set().union(*_groups(store).values())


def test_a_removed_member_opens_no_later_entry_and_matching_goes_on_for_the_rest(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    removed = _second_advocate(store, instance, advocate, escrow=True)
    kept = principal_of(store, removed)  # every key she held, kept when she goes
    assert kept.holds(Group.ESCROW)
    _, before = _send(app)
    with store.session() as session:
        account = session.get(Account, removed.account_id)
        assert account is not None
        accounts.remove_account(session, account, actor="root")
    _, after = _send(app)

    with store.session() as session:
        row = session.get(EscrowEntry, after)
        assert row is not None and kept.group_key(Group.ESCROW, row.group_key.version) is None
    for version in range(1, 10):  # whichever versions she kept
        key = kept.group_key(Group.ESCROW, version)
        if key is not None:
            assert after not in _entries_opened_by(key, store)
    signed_in_as(app, advocate)  # the member left holds the new version too
    groups = _groups(store)
    assert Group.ADVOCATES in groups[before] and Group.ADVOCATES in groups[after]


def test_the_recovery_phrase_runs_the_matching_and_another_phrase_releases_nothing(
    app: Flask, store: Store, cli_instance: Instance, advocate: Person
) -> None:
    _send(app)
    _send(app)
    other = seed_to_phrase(PrivateKey.generate(RECOVERY_KIND).seed)
    refused = portal("escrow", "match", "--passphrase-stdin", stdin=other + "\n")
    assert refused.exit_code != 0 and "not this instance's recovery phrase" in refused.output
    assert {Group.RECOVERY} == set().union(*_groups(store).values())

    ran = portal("escrow", "match", "--passphrase-stdin", stdin=cli_instance.recovery_phrase)
    assert ran.exit_code == 0, ran.output
    assert "2 report(s) were waiting; 2 released." in ran.output
    assert all(Group.ADVOCATES in groups for groups in _groups(store).values())
    assert OFFICER not in ran.output and "Hart" not in ran.output


# 6. The first advocate's hand-over racing a report that waits.


def test_a_waiting_report_sent_as_the_first_advocate_joins_is_sealed_to_the_new_key(
    app: Flask, store: Store, instance: Instance, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Its entry names the bootstrap version the join deletes: the database refuses it and
    it is sealed again under the new key, never left where the set-up copy opens it."""
    copy = tmp_path / "copied-at-set-up"
    shutil.copytree(instance.path, copy)
    write_together = service.write_together
    joined: list[Person] = []

    def the_first_advocate_joins_first(*args: Any) -> None:
        if not joined:
            joined.append(create_person(store, instance, "alice", Role.ADVOCATE))
        write_together(*args)

    monkeypatch.setattr(service, "write_together", the_first_advocate_joins_first)
    _, raced = _send(app)
    assert joined
    monkeypatch.setattr(service, "write_together", write_together)
    with store.session() as session:
        row = session.get(EscrowEntry, raced)
        assert row is not None and row.group_key.version == 2
    assert _entries_opened_by(_bootstrap_escrow_key(copy), store) == []
    _send(app)
    signed_in_as(app, joined[0])
    assert Group.ADVOCATES in _groups(store)[raced]


@pytest.mark.sqlcipher_only
def test_a_waiting_report_she_keeps_from_the_advocates_leaves_no_entry_and_counts_for_nothing(
    app: Flask, instance: Instance, store: Store, advocate: Person
) -> None:
    """She unticks "Advocates may read" while it waits: a record no one may read, which
    neither helps release another report nor is named to the advocates by a match."""
    codename, kept = _send(app)
    sealed = _entry(store, kept)
    assert sealed is not None
    survivor = _signed_in_survivor(app, codename)
    nothing_ticked = form_tokens(survivor, "/return/consent")
    assert survivor.post("/return/consent", data=nothing_ticked).status_code == 303
    assert _entry(store, kept) is None
    assert pieces_on_disk(instance.path / "portal.db", _database_key(instance), sealed) == 0

    _, other = _send(app)
    signed_in_as(app, advocate)
    groups = _groups(store)
    assert groups[kept] == {Group.RECOVERY} and groups[other] == {Group.RECOVERY}
    with store.session() as session:
        assert session.scalars(select(EscrowMatchReport)).all() == []
        report = session.get(Report, kept)
        assert report is not None and report.released_on is None


# 3. The database alone, read and written.


def test_a_database_writer_cannot_send_a_waiting_report_to_the_exporters(
    app: Flask, store: Store, advocate: Person
) -> None:
    """Ticking export boxes in her row does not make a match seal her key to the exporters;
    an export she chose herself still goes with the release."""
    _, ticked = _send(app)
    _, own_choice = _send(app, consent_legal="y")
    _, plain = _send(app)
    with store.session() as session:
        report = session.get(Report, ticked)
        assert report is not None
        report.export_legal = report.export_iopc = report.messages_legal = True
        session.commit()
    signed_in_as(app, advocate)
    groups = _groups(store)
    assert Group.EXPORTERS not in groups[ticked]
    assert groups[own_choice] == {Group.RECOVERY, Group.ADVOCATES, Group.EXPORTERS}
    assert groups[plain] == {Group.RECOVERY, Group.ADVOCATES}


def _alter_account(store: Store, report_id: str) -> None:
    """Flip the last byte of her encrypted account."""
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        report.content = report.content[:-1] + bytes([report.content[-1] ^ 1])
        session.commit()


def _point_at_a_key_that_is_gone(store: Store, report_id: str) -> None:
    """Move her entry to a key version that does not exist, foreign keys off as a writer
    with the database's key may turn them."""
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.execute(
            text("UPDATE escrow_entries SET group_key_id = 999999 WHERE report_id = :id"),
            {"id": report_id},
        )
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")


def _forge_a_match(store: Store, report_id: str, helper_id: str) -> None:
    """Seal, with the escrow's public key, entries of the writer's own making: hers waits
    for 2 with a key the writer chose, and another report's entry supplies the second."""
    seed, identifier = os.urandom(32), ["v1|forged|name|x|y"]
    with store.session() as session:
        group_key = current_group_key(session, Group.ESCROW)
        for target, threshold in ((report_id, 2), (helper_id, matching.COUNTS_ONLY)):
            report = session.get(Report, target)
            assert report is not None
            entry = escrow.build_entry(
                target,
                os.urandom(32),
                identifier,
                threshold,
                seed,
                escrow.consent_at_release(report),
            )
            sealed = seal(
                public_key_of(group_key),
                matching.encode_entry(entry),
                bindings.escrow_entry(target, group_key),
            )
            session.merge(EscrowEntry(report_id=target, group_key_id=group_key.id, sealed=sealed))
        session.commit()


@pytest.mark.parametrize("breaks", ["altered account", "key gone", "forged match"])
def test_a_database_writer_neither_locks_members_out_nor_forces_a_release(
    app: Flask, store: Store, advocate: Person, breaks: str
) -> None:
    """A member's sign-in runs the matching: whatever a writer did to one report, the
    sign-in works, that report is not released, and the reports really matched are."""
    _, broken = _send(app, consent_statistics="y")
    _, record_only = _send(app, release="now", consent_read="")
    matched = [_send(app)[1], _send(app)[1]]
    if breaks == "altered account":
        _alter_account(store, broken)
    elif breaks == "key gone":
        _point_at_a_key_that_is_gone(store, broken)
    else:
        _forge_a_match(store, broken, record_only)

    assert log_in(app.test_client(), advocate).status_code == 303
    groups = _groups(store)
    assert Group.ADVOCATES not in groups[broken]
    assert all(Group.ADVOCATES in groups[report_id] for report_id in matched)
    with store.session() as session:
        report = session.get(Report, broken)
        assert report is not None and report.wait_for_match and report.released_on is None


def test_a_member_still_signs_in_when_matching_fails_on_rows_altered_by_hand(
    app: Flask, store: Store, advocate: Person, portal_log: pytest.LogCaptureFixture
) -> None:
    """A failure no check foresaw (here the advocates' public key cut short, so a release
    cannot be sealed) releases nothing and is logged, and the member is signed in."""
    _send(app)
    _send(app)
    with store.session() as session:
        group_key = current_group_key(session, Group.ADVOCATES)
        group_key.public_key = group_key.public_key[:-1]
        session.commit()
    assert log_in(app.test_client(), advocate).status_code == 303
    assert {Group.RECOVERY} == set().union(*_groups(store).values())
    assert "matching at sign-in failed" in portal_log.text


@pytest.mark.parametrize("how", ["leaves the escrow", "keeps it from the advocates"])
def test_her_entry_put_back_from_an_old_backup_releases_nothing_she_wrote_since(
    app: Flask, store: Store, advocate: Person, how: str
) -> None:
    """After she stops waiting, a writer puts back her entry and her row's choices as an
    old backup holds them: the key it wraps must open nothing she writes from then on."""
    codename, report_id = _send(app)
    with store.session() as session:
        row = session.get(EscrowEntry, report_id)
        report = session.get(Report, report_id)
        assert row is not None and report is not None
        backed_up = (row.group_key_id, row.sealed, Consent.of(report))
    survivor = _signed_in_survivor(app, codename)
    if how == "leaves the escrow":
        assert _press(survivor, "/return/leave").status_code == 303
    else:
        nothing_ticked = form_tokens(survivor, "/return/consent")
        assert survivor.post("/return/consent", data=nothing_ticked).status_code == 303
    written_since = {"kind": "addition", "text": "His car was a blue Astra."}
    added = survivor.post(
        "/return/add",
        data=button_tokens(survivor, "/return/add") | written_since,
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    _send(app)  # another report naming him: a match is there to be had

    group_key_id, sealed, consent = backed_up
    with store.session() as session:
        session.merge(EscrowEntry(report_id=report_id, group_key_id=group_key_id, sealed=sealed))
        report = session.get(Report, report_id)
        assert report is not None
        for name, value in asdict(consent).items():
            setattr(report, name, value)
        session.commit()
    signed_in_as(app, advocate)
    assert Group.ADVOCATES not in _groups(store)[report_id]


def test_entries_a_writer_fills_with_bad_shares_cannot_make_a_sign_in_work_without_end(
    app: Flask, store: Store, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each waiting entry whose shares are not on one polynomial makes the matching try
    many sets of them; however many such entries a writer seals, one run's work is bounded
    (what stays unreleased waits for the next run)."""
    surnames = ("Ash", "Birch", "Cedar", "Elm", "Fir", "Hazel", "Larch", "Oak", "Pine", "Yew")
    waiting = [_send(app, release="5", name=f"Sam {surname}")[1] for surname in surnames]
    tag = os.urandom(matching.TAG_SIZE)
    with store.session() as session:
        group_key = current_group_key(session, Group.ESCROW)
        for report_id in waiting:
            slot = matching.Slot(
                tag,
                tuple(int.from_bytes(os.urandom(31), "big") for _ in matching.THRESHOLDS),
                os.urandom(matching.RELEASE_SEAL_SIZE),
            )
            entry = matching.Entry(report_id, 5, (slot,) * matching.SLOTS)
            row = session.get(EscrowEntry, report_id)
            assert row is not None
            row.sealed = seal(
                public_key_of(group_key),
                matching.encode_entry(entry),
                bindings.escrow_entry(report_id, group_key),
            )
        session.commit()
    tries: list[int] = []
    interpolate = matching.interpolate_secret

    def counted(points: Any) -> int:
        tries.append(1)
        return interpolate(points)

    monkeypatch.setattr(matching, "interpolate_secret", counted)
    assert log_in(app.test_client(), advocate).status_code == 303
    assert 0 < len(tries) <= 2048  # about a third of a second of failed tries, at most
