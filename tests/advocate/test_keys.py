"""The charity's keys: bootstrap, grants, removal and rotation, recovery, passphrases."""

from __future__ import annotations

import logging
import os
import re
import threading
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crypto.envelope import wrap_key
from crypto.errors import CryptoError, TamperedCiphertext
from crypto.format import Binding
from crypto.keys import KeyKind, PrivateKey, PublicKey, open_sealed, seal_private_key
from crypto.passphrase import Argon2Params, unwrap_with_passphrase, wrap_with_passphrase
from crypto.words import seed_to_phrase
from portal.cli import main
from portal.core import accounts, authentication, bindings, grants
from portal.core.group_keys import recovery_key
from portal.core.instance import bootstrap_secret_path
from portal.core.principal import Principal, unlock_principal
from portal.core.reports import open_report_key
from portal.core.search import open_index_key, tag, tag_values
from portal.store import Store
from portal.store.models import (
    Account,
    AccountSession,
    AuditEvent,
    Group,
    GroupKey,
    GroupKeyGrant,
    Holder,
    Report,
    ReportTag,
    Role,
)
from tests.advocate.members import grant_on_page
from tests.support.database import only_report_id
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import csrf_token, submit
from tests.support.people import PASSPHRASE, Person, create_person, log_in, signed_in_as

FAILED = "Those details did not work"
NO_ACCESS = "You cannot read reports yet"


def _grants_of(store: Store, account_id: int) -> list[str]:
    """The "group/version" of every group key sealed to an account."""
    with store.session() as session:
        grants = session.scalars(
            select(GroupKeyGrant).where(GroupKeyGrant.account_id == account_id)
        ).all()
        return sorted(f"{g.group_key.group.value}/{g.group_key.version}" for g in grants)


def _bootstrap_grants(store: Store, group: Group) -> int:
    with store.session() as session:
        return len(
            session.scalars(
                select(GroupKeyGrant)
                .join(GroupKey)
                .where(GroupKey.group == group, GroupKeyGrant.holder == Holder.BOOTSTRAP)
            ).all()
        )


def _held_keys(store: Store, person: Person, passphrase: str | None = None) -> dict[str, bytes]:
    """Sign in through the service layer and open every group key the account holds."""
    with store.session() as session:
        unlocked = authentication.authenticate(
            session,
            person.name,
            passphrase or person.passphrase,
            person.next_code(),
            CHEAP_ARGON2,
        )
        return {
            name: key.to_bytes() for name, key in grants.held_group_keys(session, unlocked).items()
        }


def _holder(person: Person, seeds: dict[str, bytes]) -> Principal:
    return Principal(person.account_id, person.name, person.role, seeds)


# The bootstrap secret left by `portal init`


def test_the_first_advocate_takes_the_advocates_key_and_the_bootstrap_secret_is_destroyed(
    store: Store, instance: Instance
) -> None:
    secret = bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES)
    assert secret.exists() and _bootstrap_grants(store, Group.ADVOCATES) == 1
    create_person(store, instance, "root", Role.ADMIN)  # an admin takes nothing
    assert secret.exists()
    first = create_person(store, instance, "alice", Role.ADVOCATE)
    # The first advocate is also the matching escrow's first member.
    assert _grants_of(store, first.account_id) == ["advocates/2", "escrow/2"]
    assert not secret.exists()
    assert not bootstrap_secret_path(instance.path / "secrets", Group.ESCROW).exists()
    assert _bootstrap_grants(store, Group.ADVOCATES) == 0
    assert _bootstrap_grants(store, Group.ESCROW) == 0
    # The exporters' bootstrap is untouched until the first staff member arrives.
    assert bootstrap_secret_path(instance.path / "secrets", Group.EXPORTERS).exists()
    assert _bootstrap_grants(store, Group.EXPORTERS) == 1
    with store.session() as session:
        granted = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "key granted")
        ).all()
        assert [(g.actor, g.subject, g.detail) for g in granted] == [
            ("bootstrap", "alice", "advocates/2"),
            ("bootstrap", "alice", "escrow/2"),
        ]


def test_the_first_advocates_key_opens_reports(
    store: Store, instance: Instance, client: FlaskClient
) -> None:
    first = create_person(store, instance, "alice", Role.ADVOCATE)
    submit(client, what_happened="sealed to the advocates")
    seeds = _held_keys(store, first)
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        assert open_report_key(report, _holder(first, seeds), Group.ADVOCATES) is not None
        unlocked = authentication.unlock(session, first.name, first.passphrase, CHEAP_ARGON2)
    # Keys made now are X-Wing's, which other implementations can import.
    assert {PrivateKey.from_bytes(seed).kind for seed in seeds.values()} == {KeyKind.XWING}
    assert unlocked.personal_key.kind is KeyKind.XWING


def test_the_first_staff_member_takes_the_exporters_key(store: Store, instance: Instance) -> None:
    secret = bootstrap_secret_path(instance.path / "secrets", Group.EXPORTERS)
    staff = create_person(store, instance, "sam", Role.STAFF)
    assert _grants_of(store, staff.account_id) == ["exporters/2"]
    assert not secret.exists()
    assert _bootstrap_grants(store, Group.EXPORTERS) == 0
    assert bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES).exists()


def test_the_second_advocate_gets_nothing_from_the_bootstrap(
    store: Store, instance: Instance
) -> None:
    create_person(store, instance, "alice", Role.ADVOCATE)
    second = create_person(store, instance, "bob", Role.ADVOCATE)
    assert _grants_of(store, second.account_id) == []
    second_staff_first = create_person(store, instance, "sam", Role.STAFF)
    second_staff = create_person(store, instance, "sue", Role.STAFF)
    assert _grants_of(store, second_staff_first.account_id) == ["exporters/2"]
    assert _grants_of(store, second_staff.account_id) == []
    with store.session() as session:
        waiting = accounts.waiting_for_keys(session, Role.ADVOCATE)
        assert [a.name for a in waiting] == ["bob"]


# Admins never decrypt


def test_an_admin_holds_no_group_key_and_cannot_open_a_report(
    app: Flask, store: Store, instance: Instance, client: FlaskClient, advocate: Person
) -> None:
    submit(client, what_happened="not for the admin")
    report_id = only_report_id(store)
    admin = create_person(store, instance, "root", Role.ADMIN)
    with store.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(GroupKeyGrant)
            .where(GroupKeyGrant.account_id == admin.account_id)
        )
    assert count == 0
    seeds = _held_keys(store, admin)
    assert seeds == {}
    with store.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        assert open_report_key(report, _holder(admin, seeds), Group.ADVOCATES) is None
        assert open_report_key(report, _holder(admin, seeds), Group.RECOVERY) is None
    signed_in = signed_in_as(app, admin)
    assert signed_in.get("/advocate/").status_code == 404
    case = signed_in.get(f"/advocate/case/{report_id}")
    assert case.status_code == 404
    assert "not for the admin" not in case.get_data(as_text=True)


# Granting access to a new advocate


def test_a_new_advocate_reads_nothing_until_an_advocate_grants_access(
    app: Flask,
    store: Store,
    instance: Instance,
    client: FlaskClient,
    advocate_client: FlaskClient,
) -> None:
    submit(client, what_happened="Only advocates with the key may read this.")
    report_id = only_report_id(store)
    bob = create_person(store, instance, "bob", Role.ADVOCATE)

    before = signed_in_as(app, bob)
    assert NO_ACCESS in before.get("/advocate/").get_data(as_text=True)
    assert before.get(f"/advocate/case/{report_id}").status_code == 404

    members = advocate_client.get("/advocate/members").get_data(as_text=True)
    assert "bob" in members
    assert f"/advocate/members/{bob.account_id}/grant" in members
    granted = grant_on_page(advocate_client, bob.account_id)
    assert granted.status_code == 303
    assert "Nobody is waiting" in advocate_client.get("/advocate/members").get_data(as_text=True)

    # Keys are loaded at sign-in: the old session still holds none.
    assert before.get(f"/advocate/case/{report_id}").status_code == 404
    after = signed_in_as(app, bob)
    case = after.get(f"/advocate/case/{report_id}")
    assert case.status_code == 200
    assert "Only advocates with the key may read this." in case.get_data(as_text=True)
    with store.session() as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "key granted", AuditEvent.actor == "alice"
            )
        ).one()
        assert (event.subject, event.detail) == ("bob", "advocates/2")


def test_a_grant_without_a_csrf_token_gives_nothing(
    store: Store, instance: Instance, advocate_client: FlaskClient
) -> None:
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    response = advocate_client.post(f"/advocate/members/{bob.account_id}/grant")
    assert response.status_code in (400, 404)
    assert _grants_of(store, bob.account_id) == []


def test_an_advocate_without_the_key_cannot_grant_it(
    app: Flask, store: Store, instance: Instance, advocate: Person
) -> None:
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    carol = create_person(store, instance, "carol", Role.ADVOCATE)
    signed_in = signed_in_as(app, bob)
    page = signed_in.get("/advocate/members").get_data(as_text=True)
    assert "You cannot grant access" in page
    grant_on_page(signed_in, carol.account_id)
    assert _grants_of(store, carol.account_id) == []


# Removing an advocate rotates the key


def test_a_removed_advocate_cannot_open_reports_made_after_removal(
    app: Flask, store: Store, instance: Instance, client: FlaskClient, advocate: Person
) -> None:
    submit(client, what_happened="before the removal")
    old_report = only_report_id(store)
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    with store.session() as session:
        member = session.get(Account, bob.account_id)
        assert member is not None
        alice_keys = {k: PrivateKey.from_bytes(v) for k, v in _held_keys(store, advocate).items()}
        fingerprint = grants.stored_fingerprint(member)
        granted = grants.grant_group_keys(
            session, alice_keys, member, actor="alice", fingerprint=fingerprint
        )
        assert granted == 1
    bobs_keys = _held_keys(store, bob)  # what bob could have copied while a member
    assert list(bobs_keys) == ["advocates/2"]
    bobs_session = signed_in_as(app, bob)
    assert bobs_session.get(f"/advocate/case/{old_report}").status_code == 200

    admin = create_person(store, instance, "root", Role.ADMIN)
    admin_client = signed_in_as(app, admin)
    token = csrf_token(admin_client, "/admin/")
    removed = admin_client.post(
        f"/admin/accounts/{bob.account_id}/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 303

    with store.session() as session:
        assert session.get(Account, bob.account_id) is None
        versions = {
            k.version: k
            for k in session.scalars(select(GroupKey).where(GroupKey.group == Group.ADVOCATES))
        }
        assert sorted(versions) == [2, 3]
        assert versions[2].retired_on is not None
        assert versions[3].retired_on is None
        holders = sorted(
            (g.holder.value, g.account_id)
            for g in session.scalars(
                select(GroupKeyGrant).where(GroupKeyGrant.group_key_id == versions[3].id)
            )
        )
        assert holders == [("account", advocate.account_id), ("recovery", None)]
        # Bob's wrapped copies and sessions are gone with him.
        assert (
            session.scalar(
                select(func.count())
                .select_from(GroupKeyGrant)
                .where(GroupKeyGrant.account_id == bob.account_id)
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(AccountSession)
                .where(AccountSession.account_id == bob.account_id)
            )
            == 0
        )
        actions = session.scalars(select(AuditEvent.action)).all()
        assert "account removed" in actions and "group key rotated" in actions
    assert bobs_session.get("/advocate/").status_code == 302

    submit(client, what_happened="after the removal")
    with store.session() as session:
        new_report = session.scalars(select(Report).where(Report.id != old_report)).one()
        new_report_id = new_report.id
        sealed_to = sorted(
            f"{s.group_key.group.value}/{s.group_key.version}" for s in new_report.seals
        )
        assert sealed_to == ["advocates/3", "recovery/1"]
        assert open_report_key(new_report, _holder(bob, bobs_keys), Group.ADVOCATES) is None
        seal = next(s for s in new_report.seals if s.group_key.group is Group.ADVOCATES)
        with pytest.raises(CryptoError):
            open_sealed(
                PrivateKey.from_bytes(bobs_keys["advocates/2"]),
                seal.sealed_key,
                bindings.report_key_seal(new_report.id, seal.group_key),
            )

    alice = signed_in_as(app, advocate)  # a new sign-in loads version 3
    page = alice.get(f"/advocate/case/{new_report_id}")
    assert page.status_code == 200
    assert "after the removal" in page.get_data(as_text=True)
    old = alice.get(f"/advocate/case/{old_report}")
    assert old.status_code == 200
    assert "before the removal" in old.get_data(as_text=True)


def test_removing_an_admin_rotates_no_key(store: Store, instance: Instance) -> None:
    create_person(store, instance, "alice", Role.ADVOCATE)
    admin = create_person(store, instance, "root", Role.ADMIN)
    with store.session() as session:
        account = session.get(Account, admin.account_id)
        assert account is not None
        accounts.remove_account(session, account, actor="test")
        # recovery, and the advocates', exporters' and escrow's keys: none rotated
        assert session.scalar(select(func.count()).select_from(GroupKey)) == 4
        assert session.scalar(select(func.count()).select_from(Account)) == 1


# The recovery phrase


def _stored_fingerprint(store: Store, name: str) -> str:
    with store.session() as session:
        account = session.scalars(select(Account).where(Account.name == name)).first()
        return grants.stored_fingerprint(account) if account else "abacus " * 6


def _recover(
    store: Store,
    instance: Instance,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    phrase: str,
    fingerprint: str | None = None,
) -> Result:
    """`portal recover`, piped, with the member's fingerprint (or the one given)."""
    monkeypatch.setenv("PORTAL_INSTANCE", str(instance.path))
    words = fingerprint if fingerprint is not None else _stored_fingerprint(store, name)
    arguments = ["recover", "--user", name, "--fingerprint", words]
    return CliRunner().invoke(main, arguments, input=phrase + "\n")


def test_the_recovery_phrase_grants_every_version_of_the_advocates_key(
    app: Flask,
    store: Store,
    instance: Instance,
    client: FlaskClient,
    advocate: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    submit(client, what_happened="sealed to version one")
    with store.session() as session:
        grants.rotate_group_key(session, Group.ADVOCATES, actor="test")
        session.commit()
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    result = _recover(store, instance, monkeypatch, "bob", instance.recovery_phrase)
    assert result.exit_code == 0, result.output
    assert "Granted 2 key(s) to bob." in result.output
    assert _grants_of(store, bob.account_id) == ["advocates/2", "advocates/3"]
    with store.session() as session:
        actors = session.scalars(
            select(AuditEvent.actor).where(
                AuditEvent.action == "key granted", AuditEvent.subject == "bob"
            )
        ).all()
    assert actors == ["recovery phrase", "recovery phrase"]
    report_id = only_report_id(store)
    page = signed_in_as(app, bob).get(f"/advocate/case/{report_id}")
    assert page.status_code == 200
    assert "sealed to version one" in page.get_data(as_text=True)


def test_another_instances_recovery_phrase_is_refused_and_grants_nothing(
    store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    result = _recover(store, instance, monkeypatch, "bob", seed_to_phrase(os.urandom(32)))
    assert result.exit_code == 1
    assert "That is not this instance's recovery phrase." in result.output
    assert "Traceback" not in result.output
    assert _grants_of(store, bob.account_id) == []


def test_a_mistyped_recovery_phrase_fails_its_checksum(
    store: Store, instance: Instance, advocate: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    words = instance.recovery_phrase.split()
    # The last word is the checksum: changing it always breaks the check.
    words[-1] = "abacus" if words[-1] != "abacus" else "zoom"
    result = _recover(store, instance, monkeypatch, "bob", " ".join(words))
    assert result.exit_code == 1
    assert "checksum" in result.output
    assert "not valid" in result.output
    assert _grants_of(store, bob.account_id) == []


def test_recovery_for_an_unknown_or_admin_account_is_refused(
    store: Store, instance: Instance, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_person(store, instance, "root", Role.ADMIN)
    for name in ("nobody", "root"):
        result = _recover(store, instance, monkeypatch, name, instance.recovery_phrase)
        assert result.exit_code == 1
        assert f"No advocate or staff account is called {name!r}" in result.output
    with store.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(GroupKeyGrant)
                .where(GroupKeyGrant.account_id.is_not(None))
            )
            == 0
        )


# Passphrases


NEW_PASSPHRASE = "meadow tractor silver postcard autumn"


def test_a_changed_passphrase_replaces_the_old_one_and_keeps_the_keys(
    store: Store, advocate: Person
) -> None:
    with store.session() as session:
        unlocked = authentication.authenticate(
            session, advocate.name, advocate.passphrase, advocate.next_code(), CHEAP_ARGON2
        )
        before = {k: v.to_bytes() for k, v in grants.held_group_keys(session, unlocked).items()}
        authentication.change_passphrase(
            session, unlocked.account_id, advocate.passphrase, NEW_PASSPHRASE, CHEAP_ARGON2
        )
    assert list(before) == ["advocates/2", "escrow/2"]
    with store.session() as session, pytest.raises(authentication.LoginFailed):
        authentication.authenticate(
            session, advocate.name, advocate.passphrase, advocate.next_code(), CHEAP_ARGON2
        )
    assert _held_keys(store, advocate, NEW_PASSPHRASE) == before
    with store.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "passphrase changed" in actions


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("not the current passphrase", NEW_PASSPHRASE, "current passphrase was not right"),
        (None, "too short", "at least 12 characters"),
        (None, "alice alice alice alice", "contains the account name"),
    ],
)
def test_a_refused_passphrase_change_keeps_the_old_passphrase(
    store: Store, advocate: Person, current: str | None, new: str, message: str
) -> None:
    with store.session() as session, pytest.raises(authentication.AccountError, match=message):
        authentication.change_passphrase(
            session, advocate.account_id, current or advocate.passphrase, new, CHEAP_ARGON2
        )
    assert list(_held_keys(store, advocate)) == ["advocates/2", "escrow/2"]


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [
        ("short words", "at least 12 characters"),
        ("finalfantasy", "too common"),
        ("password123456", "too easy to guess"),
        ("dana harbour lantern velvet", "contains the account name"),
        ("abcdefghijklmnop", "too easy to guess"),
        ("qwertyuiopasdfgh", "too easy to guess"),
        ("x" * 1025, "at most 1024 characters"),
    ],
)
def test_weak_passphrases_are_refused_with_a_reason(
    store: Store, instance: Instance, passphrase: str, message: str
) -> None:
    with store.session() as session, pytest.raises(authentication.AccountError, match=message):
        accounts.create_account(
            session,
            "dana",
            Role.ADVOCATE,
            passphrase,
            CHEAP_ARGON2,
            instance.path / "secrets",
            actor="test",
        )
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 0
    # A refused account takes nothing from the bootstrap.
    assert bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES).exists()


@pytest.mark.parametrize(
    "passphrase",
    [
        "orbit velvet lantern harbour quietly",
        "correct staple anchor meadow violin",  # all lowercase: no character-class rule
        "Granite-Pelican-Umbrella-Softly-7",
    ],
)
def test_long_unrelated_words_are_accepted(
    store: Store, instance: Instance, passphrase: str
) -> None:
    with store.session() as session:
        enrolment = accounts.create_account(
            session,
            "dana",
            Role.ADVOCATE,
            passphrase,
            CHEAP_ARGON2,
            instance.path / "secrets",
            actor="test",
        )
    assert re.match(r"otpauth://totp/", enrolment.otpauth_uri)
    with store.session() as session:
        assert session.scalars(select(Account.name)).all() == ["dana"]


# Disabling


def test_disabling_an_account_ends_its_sessions_and_stops_sign_in(
    app: Flask, store: Store, advocate: Person, advocate_client: FlaskClient
) -> None:
    assert advocate_client.get("/advocate/").status_code == 200
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        accounts.disable_account(session, account, actor="root")
        assert session.scalar(select(func.count()).select_from(AccountSession)) == 0
    ended = advocate_client.get("/advocate/")
    assert ended.status_code == 302
    assert ended.headers["Location"].startswith("/advocate/login")

    code = advocate.next_code()
    refused = log_in(app.test_client(), advocate, code=code)
    assert FAILED in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        accounts.disable_account(session, account, actor="root", disabled=False)
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "account disabled" in actions and "account enabled" in actions
    assert signed_in_as(app, advocate).get("/advocate/").status_code == 200


def test_a_disabled_advocate_cannot_be_granted_keys(
    store: Store, instance: Instance, advocate: Person
) -> None:
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    keys = {k: PrivateKey.from_bytes(v) for k, v in _held_keys(store, advocate).items()}
    with store.session() as session:
        member = session.get(Account, bob.account_id)
        assert member is not None
        accounts.disable_account(session, member, actor="root")
        with pytest.raises(authentication.AccountError):
            fingerprint = grants.stored_fingerprint(member)
            grants.grant_group_keys(session, keys, member, actor="alice", fingerprint=fingerprint)
        assert accounts.waiting_for_keys(session, Role.ADVOCATE) == []
    assert _grants_of(store, bob.account_id) == []


def test_a_grant_from_a_session_older_than_a_rotation_is_refused_until_signing_in_again(
    app: Flask,
    store: Store,
    instance: Instance,
    client: FlaskClient,
    advocate: Person,
    advocate_client: FlaskClient,
) -> None:
    # Alice signed in before the rotation (as when a colleague is removed), so
    # her session holds only version 1 of the advocates' key.
    with store.session() as session:
        grants.rotate_group_key(session, Group.ADVOCATES, actor="root")
        session.commit()
    carol = create_person(store, instance, "carol", Role.ADVOCATE)
    stale = grant_on_page(advocate_client, carol.account_id)
    assert "Sign out and in again" in stale.get_data(as_text=True)
    assert _grants_of(store, carol.account_id) == []
    fresh = signed_in_as(app, advocate)
    assert "carol" in fresh.get("/advocate/members").get_data(as_text=True)
    granted = grant_on_page(fresh, carol.account_id)
    assert granted.status_code == 303
    assert sorted(_grants_of(store, carol.account_id)) == ["advocates/2", "advocates/3"]
    submit(client, what_happened="sealed to the newest key")
    report_id = only_report_id(store)
    page = signed_in_as(app, carol).get(f"/advocate/case/{report_id}")
    assert page.status_code == 200
    assert "sealed to the newest key" in page.get_data(as_text=True)


def test_a_rotation_seals_the_new_key_to_active_members_only(
    store: Store, instance: Instance
) -> None:
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    carol = create_person(store, instance, "carol", Role.ADVOCATE)
    alice_keys = {
        name: PrivateKey.from_bytes(seed) for name, seed in _held_keys(store, alice).items()
    }
    with store.session() as session:
        for person in (bob, carol):
            member = session.get(Account, person.account_id)
            assert member is not None
            fingerprint = grants.stored_fingerprint(member)
            grants.grant_group_keys(
                session, alice_keys, member, actor="alice", fingerprint=fingerprint
            )
        disabled = session.get(Account, bob.account_id)
        assert disabled is not None
        accounts.disable_account(session, disabled, actor="root")
        leaving = session.get(Account, carol.account_id)
        assert leaving is not None
        accounts.remove_account(session, leaving, actor="root")  # rotates the advocates' key
    # Carol held no escrow key, so only the advocates' key was rotated.
    assert _grants_of(store, alice.account_id) == ["advocates/2", "advocates/3", "escrow/2"]
    # Bob is disabled: a key made while he cannot sign in is not sealed to him.
    assert _grants_of(store, bob.account_id) == ["advocates/2"]


def test_one_code_sent_by_four_sign_ins_at_the_same_instant_opens_one_session(
    store: Store, instance: Instance
) -> None:
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    code = alice.next_code()
    # A real Argon2id cost, so every sign-in has read the account before the first writes.
    argon2 = Argon2Params(time_cost=1, memory_kib=16 * 1024, parallelism=1)
    with store.session() as session:
        account = session.get(Account, alice.account_id)
        assert account is not None
        account.wrapped_private_key = wrap_with_passphrase(
            unwrap_with_passphrase(
                account.wrapped_private_key,
                alice.passphrase,
                Binding("accounts", "alice", "private_key"),
            ),
            alice.passphrase,
            argon2,
            Binding("accounts", "alice", "private_key"),
        )
        session.commit()
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def sign_in() -> None:
        with store.session() as session:
            start.wait()
            try:
                authentication.authenticate(session, "alice", alice.passphrase, code, argon2)
                outcomes.append("signed in")
            except authentication.LoginFailed:
                outcomes.append("refused")

    threads = [threading.Thread(target=sign_in) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "refused", "refused", "signed in"]


def test_a_removed_advocates_index_key_names_no_report_indexed_after_the_removal(
    app: Flask, store: Store, instance: Instance, client: FlaskClient
) -> None:
    """She kept the search key her session opened; a later copy of the database
    must not tell her which new reports name a given officer."""
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    bob = create_person(store, instance, "bob", Role.ADVOCATE)
    with store.session() as session:
        principal = unlock_principal(session, "alice", PASSPHRASE, CHEAP_ARGON2)
        member = session.get(Account, bob.account_id)
        assert member is not None
        grants.grant_group_keys(
            session, principal.keys(), member, "alice", grants.stored_fingerprint(member)
        )
    officer = {"officers-0-name": "PC John Smith", "officers-0-number": "1234"}
    submit(client, what_happened="before", force="Kent Police", **officer)
    assert signed_in_as(app, alice).get("/advocate/").status_code == 200  # indexes it
    with store.session() as session:
        kept = open_index_key(session, unlock_principal(session, "alice", PASSPHRASE, CHEAP_ARGON2))
        assert kept is not None
        leaving = session.get(Account, alice.account_id)
        assert leaving is not None
        accounts.remove_account(session, leaving, actor="root")

    submit(client, what_happened="after", force="Kent Police", **officer)
    assert signed_in_as(app, bob).get("/advocate/").status_code == 200  # indexes both again
    wanted = [
        tag(kept, kind, value)
        for kind, value in tag_values(
            {"force": "Kent Police", "officers": [{"name": "John Smith", "number": "1234"}]}
        )
    ]
    with store.session() as session:
        assert (
            session.scalars(select(ReportTag.report_id).where(ReportTag.tag.in_(wanted))).all()
            == []
        )
        # Bob's new index still links the two reports naming the officer.
        assert session.scalar(select(func.count()).where(Report.indexed.is_(True))) == 2


def _plant(store: Store, grant_of: Any, seal_it: Any) -> None:
    """A database writer puts a key of their own in place of one grant."""
    with store.session() as session:
        grant = session.scalars(
            select(GroupKeyGrant)
            .join(GroupKey)
            .where(GroupKey.group == Group.ADVOCATES, grant_of)
            .order_by(GroupKey.version.desc())
        ).first()
        assert grant is not None
        grant.sealed_key = seal_it(session, grant)
        session.commit()


def test_a_key_planted_in_a_members_grant_is_neither_held_nor_passed_on(
    store: Store, instance: Instance, caplog: pytest.LogCaptureFixture
) -> None:
    alice = create_person(store, instance, "alice", Role.ADVOCATE)
    planted = PrivateKey.generate()

    def sealed_to_alice(session: Any, grant: GroupKeyGrant) -> bytes:
        account = session.get(Account, alice.account_id)
        holder = grants.account_holder(alice.account_id)
        binding = bindings.group_key_grant(Group.ADVOCATES, grant.group_key.version, holder)
        return seal_private_key(PublicKey.from_bytes(account.public_key), planted, binding)

    _plant(store, GroupKeyGrant.account_id == alice.account_id, sealed_to_alice)
    with caplog.at_level(logging.WARNING, logger="portal.core.grants"):
        held = _held_keys(store, alice)
    assert "advocates/2" not in held and "escrow/2" in held
    assert "advocates/2 holds another key than the group's" in caplog.text
    assert planted.seed.hex() not in caplog.text


def test_a_key_planted_in_a_recovery_grant_is_left_out(store: Store, instance: Instance) -> None:
    planted = PrivateKey.generate()
    recovery = recovery_key(instance.recovery_phrase)

    def sealed_to_recovery(session: Any, grant: GroupKeyGrant) -> bytes:
        binding = bindings.group_key_grant(Group.ADVOCATES, grant.group_key.version, "recovery")
        return seal_private_key(recovery.public_key, planted, binding)

    _plant(store, GroupKeyGrant.holder == Holder.RECOVERY, sealed_to_recovery)
    with store.session() as session:
        assert grants.recovery_group_keys(session, recovery, Group.ADVOCATES) == {}
        assert grants.recovery_group_keys(session, recovery, Group.EXPORTERS) != {}


def test_a_key_planted_under_the_bootstrap_secret_is_not_taken(
    store: Store, instance: Instance
) -> None:
    secret = bytes.fromhex(
        bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES).read_text()
    )
    planted = PrivateKey.generate()

    def wrapped_under_the_secret(session: Any, grant: GroupKeyGrant) -> bytes:
        binding = bindings.group_key_grant(Group.ADVOCATES, 1, Holder.BOOTSTRAP)
        return wrap_key(secret, planted.to_bytes(), binding)

    _plant(store, GroupKeyGrant.holder == Holder.BOOTSTRAP, wrapped_under_the_secret)
    with pytest.raises(TamperedCiphertext, match="is not that key"):
        create_person(store, instance, "alice", Role.ADVOCATE)
