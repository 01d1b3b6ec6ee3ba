"""Withdrawing consent and deleting, against someone who kept a key or reads deleted pages.

A staff member (or whoever copies their key, or a backup of the database)
could open a report's data key while the survivor consented to an export.
After she withdraws, that old key must open nothing she writes later, and
the deleted seal must survive on no page of the database or its log.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from crypto.errors import CryptoError
from crypto.keys import open_sealed
from portal.advocate import service as advocate_service
from portal.core import bindings
from portal.core.principal import unlock_principal
from portal.core.reports import decrypt_account, open_report_key, read_thread
from portal.store import Store
from portal.store.models import Group, Report, ReportKeySeal, Role
from tests.support.forensics import pieces_on_disk
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import form_tokens, sign_in, submit
from tests.support.people import PASSPHRASE, create_person


def _database_key(instance: Instance) -> bytes:
    return bytes.fromhex((instance.path / "secrets" / "database.key").read_text())


def _choose(client: FlaskClient, **choices: str) -> None:
    token = form_tokens(client, "/return/consent")
    response = client.post("/return/consent", data={**token, **choices})
    assert response.status_code == 303


def _add(client: FlaskClient, text: str) -> None:
    token = form_tokens(client, "/return/report")
    response = client.post(
        "/return/add",
        data={**token, "kind": "message", "text": text},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303


def _exporters_seal(store: Store) -> bytes:
    with store.session() as session:
        seal = next(
            s
            for s in session.scalars(select(ReportKeySeal))
            if s.group_key.group is Group.EXPORTERS
        )
        return seal.sealed_key


def test_a_key_kept_from_before_a_withdrawal_opens_nothing_written_after(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    create_person(store, instance, "sam", Role.STAFF)
    codename = submit(client, what_happened="what happened", consent_legal="y")
    sign_in(client, codename)
    _add(client, "before I withdrew")
    with store.session() as session:
        sam = unlock_principal(session, "sam", PASSPHRASE, CHEAP_ARGON2)
        report = session.scalars(select(Report)).one()
        kept = open_report_key(report, sam, Group.EXPORTERS)  # copied while she consented
    assert kept is not None

    _choose(client, consent_read="y")  # she withdraws the legal team's consent
    _add(client, "where I live now")

    with store.session() as session:
        report = session.scalars(select(Report)).one()
        assert {s.group_key.group for s in report.seals} == {Group.ADVOCATES, Group.RECOVERY}
        with pytest.raises(CryptoError):
            decrypt_account(kept, report)
        newest = report.messages[-1]
        with pytest.raises(CryptoError):
            read_thread(report, kept)
        assert newest.sequence == 1
    page = client.get("/return/report").get_data(as_text=True)
    assert "before I withdrew" in page and "where I live now" in page and "what happened" in page


def test_advocates_still_read_everything_after_a_withdrawal(
    app: Flask, client: FlaskClient, store: Store, instance: Instance
) -> None:
    create_person(store, instance, "alice", Role.ADVOCATE)
    codename = submit(client, what_happened="still readable", consent_legal="y")
    sign_in(client, codename)
    _add(client, "a message before")
    _choose(client, consent_read="y")
    with store.session() as session:
        alice = unlock_principal(session, "alice", PASSPHRASE, CHEAP_ARGON2)
        report = session.scalars(select(Report)).one()
        case = advocate_service.open_case(session, alice, report.id)
    assert case.account["what_happened"] == "still readable"
    assert [entry.text for entry in case.thread] == ["a message before"]


@pytest.mark.sqlcipher_only  # PostgreSQL keeps dead rows and WAL: SECURITY.md
def test_a_seal_deleted_by_withdrawal_is_on_no_page_of_the_database_or_its_log(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    codename = submit(client, what_happened="x", consent_legal="y")
    sealed = _exporters_seal(store)
    database = instance.path / "portal.db"
    # Found: all but a piece that straddles two pages.
    assert pieces_on_disk(database, _database_key(instance), sealed) > 0.9
    sign_in(client, codename)
    _choose(client, consent_read="y")
    assert pieces_on_disk(database, _database_key(instance), sealed) == 0


@pytest.mark.sqlcipher_only  # PostgreSQL keeps dead rows and WAL: SECURITY.md
def test_a_deleted_report_is_on_no_page_of_the_database_or_its_log(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    codename = submit(client, what_happened="x")
    with store.session() as session:
        content = session.scalars(select(Report.content)).one()
    database = instance.path / "portal.db"
    assert pieces_on_disk(database, _database_key(instance), content) > 0.9
    sign_in(client, codename)
    token = form_tokens(client, "/return/delete")
    client.post("/return/delete", data={**token, "confirm": "y"})
    assert pieces_on_disk(database, _database_key(instance), content) == 0


def test_a_reply_written_as_the_survivor_withdraws_is_stored_under_the_new_key(
    client: FlaskClient, store: Store, instance: Instance
) -> None:
    """The advocate opened the old key; before the reply is stored, the key is replaced."""
    create_person(store, instance, "alice", Role.ADVOCATE)
    codename = submit(client, what_happened="x", consent_legal="y")
    sign_in(client, codename)
    with store.session() as session:
        alice = unlock_principal(session, "alice", PASSPHRASE, CHEAP_ARGON2)
        report_id = session.scalars(select(Report.id)).one()

    withdrawn: list[bool] = []

    def she_withdraws_first(*_: object) -> None:
        if not withdrawn:
            withdrawn.append(True)
            _choose(client, consent_read="y")

    with store.session() as session:
        event.listen(session, "before_flush", she_withdraws_first)
        advocate_service.reply(session, alice, report_id, "We have your message.")
    assert withdrawn
    page = client.get("/return/report").get_data(as_text=True)
    assert "We have your message." in page
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        seal = next(s for s in report.seals if s.group_key.group is Group.ADVOCATES)
        key = open_sealed(
            alice.group_key(Group.ADVOCATES, seal.group_key.version),  # type: ignore[arg-type]
            seal.sealed_key,
            bindings.report_key_seal(report.id, seal.group_key),
        )
        assert [e.text for e in read_thread(report, key)] == ["We have your message."]
