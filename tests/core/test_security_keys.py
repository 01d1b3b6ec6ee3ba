"""Security keys on the real store: enrolment locks her key, sign-in, removal, refusals, reset.

The keys are `tests.support.software_authenticator.SoftwareKey`s: FIDO2
authenticators in software whose answers py_webauthn checks as it checks a
browser's. Each call below opens its own database session, as one request
does. The attack these keys stand against is a copy of the database with
her passphrase: `_opened_without_her_key` tries it on every stored byte of
her account.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from contextlib import suppress
from typing import Any

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from crypto.passphrase import (
    passphrase_key_of,
    unwrap_with_passphrase,
    unwrap_with_passphrase_and_key,
)
from portal.core import (
    account_sessions,
    accounts,
    authentication,
    authenticators,
    bindings,
    grants,
    invitations,
    key_challenges,
    key_sign_in,
    security_keys,
)
from portal.core.authentication import AccountError, LockedByKeys, LoginFailed, Unlocked
from portal.core.key_challenges import Challenges, KeyRefused, RelyingParty
from portal.core.key_sign_in import Answer
from portal.store import Store
from portal.store.models import (
    Account,
    AccountSession,
    AuditEvent,
    GroupKeyGrant,
    Role,
    SecurityKey,
)
from tests.support.forensics import pieces_on_disk
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.key_pages import answer_of, stored_account, stored_keys
from tests.support.people import Person, create_person
from tests.support.software_authenticator import NotAllowed, SoftwareKey, b64u, from_b64u

ORIGIN = "http://localhost:5000"
RP = RelyingParty.of(ORIGIN)
SERVER_SECRET = os.urandom(32)


# These run on PostgreSQL too, as tests/conftest.py runs the folders of BOTH_BACKENDS:
# what they show rests on what the store enforces (a spent challenge's unique row, the
# counter's conditional update, the rows a reset deletes). The rest run on SQLCipher.
ON_BOTH_STORES = {
    "test_enrolling_a_prf_key_leaves_nothing_her_passphrase_alone_opens",
    "test_her_key_signs_her_in_after_enrolment_and_opens_her_personal_key",
    "test_a_sign_in_moves_the_prf_salt_and_the_old_output_opens_nothing_stored",
    "test_a_spare_added_with_a_touch_of_the_first_signs_in_once_the_first_is_removed",
    "test_a_confirmation_made_by_another_key_adds_nothing",
    "test_a_replayed_assertion_is_refused",
    "test_a_clone_whose_counter_lags_is_refused_and_so_is_the_real_key_from_then_on",
    "test_a_key_that_keeps_no_counter_signs_in_but_no_assertion_is_taken_twice",
    "test_five_refused_assertions_lock_her_out_even_against_her_real_key",
    "test_a_session_of_a_key_locked_account_stays_open",
    "test_a_reset_of_a_key_locked_account_gives_her_a_new_key_and_access_again_by_a_grant",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.function.__name__ in ON_BOTH_STORES:
        metafunc.parametrize("backend", ("sqlcipher", "postgresql"), scope="session")


class Portal:
    """The core calls the security-key pages make, one database session per request."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.challenges = Challenges(SERVER_SECRET)

    def enrol(
        self,
        person: Person,
        key: SoftwareKey,
        label: str = "blue key",
        check: SoftwareKey | None = None,
        **browser: Any,
    ) -> security_keys.Enrolled:
        """Add a key as the page does: register it, touch it once for its PRF output
        (and first touch `check`, a key she has, when keys lock hers)."""
        with self.store.session() as session:
            options = key_challenges.enrol_options(session, self.challenges, RP, person.account_id)
            registration = key.register(options["publicKey"], **browser)
            confirm = key.sign(from_b64u(options["confirm"]), first=from_b64u(options["prfSalt"]))
            touched = None
            if check is not None:
                touched = answer_of(
                    check.get(options["check"]["publicKey"], options["check"]["prf"])
                )
            return security_keys.enrol(
                session,
                self.challenges,
                RP,
                person.account_id,
                person.passphrase,
                label,
                registration,
                answer_of(confirm),
                CHEAP_ARGON2,
                touched,
            )

    def options(self, name: str, now: datetime.datetime | None = None) -> dict[str, Any]:
        with self.store.session() as session:
            return key_challenges.sign_in_options(session, self.challenges, RP, name, now)

    def answer(self, person: Person, key: SoftwareKey, **browser: Any) -> Answer:
        """Her key's answer to fresh sign-in options for her name."""
        options = self.options(person.name)
        return answer_of(key.get(options["publicKey"], options["prf"], **browser))

    def sign_in(
        self, person: Person, answer: Answer, now: datetime.datetime | None = None
    ) -> Unlocked:
        with self.store.session() as session:
            return key_sign_in.authenticate(
                session,
                self.challenges,
                RP,
                person.name,
                person.passphrase,
                answer,
                CHEAP_ARGON2,
                now,
            )

    def check(self, person: Person, key: SoftwareKey) -> Answer:
        """A touch of one of her keys, as the page asks for before a change (the options
        its /security-keys/check route gives: every key that locks hers)."""
        with self.store.session() as session:
            account = session.get(Account, person.account_id)
            assert account is not None
            locking = key_challenges.locking_keys(session, account)
            options = key_challenges.check_options(self.challenges, RP, account, locking)
        return answer_of(key.get(options["publicKey"], options["prf"]))

    def remove(self, person: Person, key_id: int, check: Answer | None) -> str:
        with self.store.session() as session:
            return security_keys.remove(
                session, self.challenges, RP, person.account_id, key_id, person.passphrase, check
            )


@pytest.fixture
def portal(store: Store) -> Portal:
    return Portal(store)


def _refused(
    portal: Portal, person: Person, answer: Answer, now: datetime.datetime | None = None
) -> None:
    """The answer signs nobody in, and counts as one more failure towards her lockout."""
    before = stored_account(portal.store, person.account_id).failed_logins
    with pytest.raises(LoginFailed):
        portal.sign_in(person, answer, now)
    assert stored_account(portal.store, person.account_id).failed_logins == before + 1


def _stored_bytes(session: Session, account_id: int) -> dict[str, bytes]:
    """Every non-empty byte string stored for her account, by table and column."""
    found: dict[str, bytes] = {}
    tables = (
        ("accounts", Account.__table__, Account.__table__.c.id),
        ("security_keys", SecurityKey.__table__, SecurityKey.__table__.c.account_id),
    )
    for name, table, owner in tables:
        for number, row in enumerate(session.execute(select(table).where(owner == account_id))):
            for column, value in row._mapping.items():
                if isinstance(value, bytes | memoryview) and bytes(value):
                    found[f"{name}[{number}].{column}"] = bytes(value)
    return found


def _opened_without_her_key(
    store: Store, person: Person, prf_outputs: tuple[bytes, ...] = ()
) -> list[str]:
    """Which stored byte strings of hers open to the database and her passphrase, with
    no PRF output or with an all-zero or random one (or the outputs given)."""
    guesses = (bytes(32), os.urandom(32), *prf_outputs)
    with store.session() as session:
        stored = _stored_bytes(session, person.account_id)
        ids = [key.credential_id for key in key_challenges.keys_of(session, person.account_id)]
    places = [
        bindings.account_secret(person.name, "private_key"),
        bindings.account_secret(person.name, "totp_secret"),
        *(bindings.security_key_wrap(person.name, b64u(i)) for i in ids),
    ]
    opened = set()
    for where, blob in stored.items():
        for binding in places:
            with suppress(CryptoError, ValueError):
                unwrap_with_passphrase(blob, person.passphrase, binding)
                opened.add(where)
        try:
            passphrase_key = passphrase_key_of(blob, person.passphrase)[0]
        except (CryptoError, ValueError):
            continue
        for binding in places:
            for prf in guesses:
                for credential_id in ids:
                    with suppress(CryptoError, ValueError):
                        unwrap_with_passphrase_and_key(
                            blob, passphrase_key, prf, person.name, credential_id, binding
                        )
                        opened.add(where)
    return sorted(opened)


# Enrolment locks her key.


def test_enrolling_a_prf_key_leaves_nothing_her_passphrase_alone_opens(
    store: Store, portal: Portal, advocate: Person
) -> None:
    assert _opened_without_her_key(store, advocate) == ["accounts[0].wrapped_private_key"]
    key = SoftwareKey(ORIGIN)
    enrolled = portal.enrol(advocate, key)
    assert enrolled.protects and enrolled.removed == ()
    account = stored_account(store, advocate.account_id)
    assert account.wrapped_private_key == b"" and account.totp_secret == b""
    assert _opened_without_her_key(store, advocate) == []
    # The same attack with her key's real PRF output does open its wrap: it is a real attack.
    salt = stored_keys(store, advocate.account_id)[0].prf_salt
    assert salt is not None
    real = _opened_without_her_key(store, advocate, (key.prf(salt),))
    assert real == ["security_keys[0].wrapped_private_key"]


def test_no_stored_byte_of_hers_holds_her_private_key_in_clear_after_enrolment(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    seed = portal.sign_in(advocate, portal.answer(advocate, key)).personal_key.to_bytes()
    with store.session() as session:
        stored = _stored_bytes(session, advocate.account_id)
    assert not [where for where, blob in stored.items() if seed in blob]


@pytest.mark.sqlcipher_only  # PostgreSQL keeps dead rows and WAL: SECURITY.md
def test_her_passphrase_only_wrap_and_totp_secret_are_on_no_page_after_enrolment(
    store: Store, portal: Portal, advocate: Person, instance: Instance
) -> None:
    """The wrap a seizer would guess against is gone from the live database: no page of
    the file or its write-ahead log, live or freed, holds a piece of it any more."""
    before = stored_account(store, advocate.account_id)
    database = instance.path / "portal.db"
    key = bytes.fromhex((instance.path / "secrets" / "database.key").read_text())
    for secret in (before.wrapped_private_key, before.totp_secret):
        assert pieces_on_disk(database, key, secret, 16) > 0.5  # found before: a real search
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    for secret in (before.wrapped_private_key, before.totp_secret):
        assert pieces_on_disk(database, key, secret, 16) == 0


def test_her_key_signs_her_in_after_enrolment_and_opens_her_personal_key(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    unlocked = portal.sign_in(advocate, portal.answer(advocate, key))
    account = stored_account(store, advocate.account_id)
    assert unlocked.account_id == advocate.account_id and unlocked.role is Role.ADVOCATE
    assert unlocked.personal_key.public_key.to_bytes() == account.public_key
    with store.session() as session:
        assert grants.held_group_keys(session, unlocked)  # her grants open as before
    assert stored_keys(store, advocate.account_id)[0].last_used_on is not None


def test_a_key_locked_account_signs_in_neither_with_a_code_nor_on_the_command_line(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    with store.session() as session:
        with pytest.raises(LoginFailed):
            authentication.authenticate(
                session, advocate.name, advocate.passphrase, advocate.next_code(), CHEAP_ARGON2
            )
        with pytest.raises(LockedByKeys):
            authentication.unlock(session, advocate.name, advocate.passphrase, CHEAP_ARGON2)
    assert stored_account(store, advocate.account_id).failed_logins == 1  # the code's try


def test_a_sign_in_moves_the_prf_salt_and_the_old_output_opens_nothing_stored(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    before = stored_keys(store, advocate.account_id)[0]
    assert before.prf_salt is not None
    seen = key.prf(before.prf_salt)  # what a server or proxy saw at the last sign-in
    portal.sign_in(advocate, portal.answer(advocate, key))
    after = stored_keys(store, advocate.account_id)[0]
    assert after.prf_salt is not None and after.prf_salt != before.prf_salt
    assert after.wrapped_private_key is not None
    passphrase_key = passphrase_key_of(after.wrapped_private_key, advocate.passphrase)[0]
    binding = bindings.security_key_wrap(advocate.name, key.id)
    with pytest.raises(CryptoError):
        unwrap_with_passphrase_and_key(
            after.wrapped_private_key,
            passphrase_key,
            seen,
            advocate.name,
            key.credential_id,
            binding,
        )
    opened = unwrap_with_passphrase_and_key(
        after.wrapped_private_key,
        passphrase_key,
        key.prf(after.prf_salt),
        advocate.name,
        key.credential_id,
        binding,
    )
    public = stored_account(store, advocate.account_id).public_key
    assert PrivateKey.from_bytes(opened).public_key.to_bytes() == public
    portal.sign_in(advocate, portal.answer(advocate, key))  # and the next sign-in uses the new salt


def test_a_sign_in_without_a_second_output_keeps_the_salt(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    salt = stored_keys(store, advocate.account_id)[0].prf_salt
    options = portal.options(advocate.name)
    prf = {key.id: {"first": options["prf"][key.id]["first"], "second": None}}
    portal.sign_in(advocate, answer_of(key.get(options["publicKey"], prf)))
    assert stored_keys(store, advocate.account_id)[0].prf_salt == salt


# Spare keys, removal, keys without PRF.


def test_a_spare_added_with_a_touch_of_the_first_signs_in_once_the_first_is_removed(
    store: Store, portal: Portal, advocate: Person
) -> None:
    first, spare = SoftwareKey(ORIGIN), SoftwareKey(ORIGIN)
    portal.enrol(advocate, first, "blue key")
    with pytest.raises(KeyRefused):
        portal.enrol(advocate, SoftwareKey(ORIGIN), "no touch")  # her key is locked: touch one
    assert portal.enrol(advocate, spare, "spare in the safe", check=first).protects
    blue, safe = stored_keys(store, advocate.account_id)
    assert (blue.label, safe.label) == ("blue key", "spare in the safe")
    with pytest.raises(KeyRefused):
        portal.remove(advocate, blue.id, portal.check(advocate, first))  # not by its own touch
    with pytest.raises(KeyRefused):
        portal.remove(advocate, blue.id, None)
    assert portal.remove(advocate, blue.id, portal.check(advocate, spare)) == "blue key"
    assert [k.label for k in stored_keys(store, advocate.account_id)] == ["spare in the safe"]
    portal.sign_in(advocate, portal.answer(advocate, spare))
    with pytest.raises(NotAllowed):
        portal.answer(advocate, first)  # the options no longer name it


def test_the_last_key_that_locks_her_key_cannot_be_removed(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    only = stored_keys(store, advocate.account_id)[0]
    with pytest.raises(KeyRefused, match="only key"):
        portal.remove(advocate, only.id, portal.check(advocate, key))
    with pytest.raises(KeyRefused, match="only key"):
        portal.remove(advocate, only.id, None)
    assert len(stored_keys(store, advocate.account_id)) == 1
    portal.sign_in(advocate, portal.answer(advocate, key))


def test_a_key_without_prf_signs_in_in_place_of_the_code_and_her_passphrase_wrap_stays(
    store: Store, portal: Portal, advocate: Person
) -> None:
    plain = SoftwareKey(ORIGIN, prf=False)
    enrolled = portal.enrol(advocate, plain, "grey key")
    assert not enrolled.protects
    account = stored_account(store, advocate.account_id)
    assert account.wrapped_private_key and account.totp_secret
    options = portal.options(advocate.name)
    # Salts it never uses, as an unknown name gets: nulls would show the name exists.
    assert list(options["prf"]) == [plain.id] and all(options["prf"][plain.id].values())
    unlocked = portal.sign_in(advocate, answer_of(plain.get(options["publicKey"], options["prf"])))
    assert unlocked.personal_key.public_key.to_bytes() == account.public_key
    assert _opened_without_her_key(store, advocate) == ["accounts[0].wrapped_private_key"]
    assert portal.remove(advocate, enrolled.key.id, None) == "grey key"  # her passphrase suffices


def test_the_first_prf_key_removes_her_keys_without_prf(
    store: Store, portal: Portal, advocate: Person
) -> None:
    plain = SoftwareKey(ORIGIN, prf=False)
    portal.enrol(advocate, plain, "grey key")
    enrolled = portal.enrol(advocate, SoftwareKey(ORIGIN), "blue key")
    assert enrolled.protects and enrolled.removed == ("grey key",)
    assert [k.label for k in stored_keys(store, advocate.account_id)] == ["blue key"]
    with pytest.raises(NotAllowed):
        portal.answer(advocate, plain)
    options = portal.options(advocate.name)
    _refused(portal, advocate, answer_of(plain.sign(from_b64u(options["publicKey"]["challenge"]))))


def test_a_key_without_prf_cannot_be_added_once_keys_lock_her_key(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, first := SoftwareKey(ORIGIN))
    with pytest.raises(KeyRefused, match="does not support"):
        portal.enrol(advocate, SoftwareKey(ORIGIN, prf=False), "grey key", check=first)
    assert [k.label for k in stored_keys(store, advocate.account_id)] == ["blue key"]


def test_a_confirmation_made_by_another_key_adds_nothing(
    store: Store, portal: Portal, advocate: Person
) -> None:
    new, other = SoftwareKey(ORIGIN), SoftwareKey(ORIGIN)
    portal.enrol(advocate, other, "other")
    with store.session() as session:
        options = key_challenges.enrol_options(session, portal.challenges, RP, advocate.account_id)
        registration = new.register(options["publicKey"])
        check = answer_of(other.get(options["check"]["publicKey"], options["check"]["prf"]))
        wrong = other.sign(from_b64u(options["confirm"]), first=from_b64u(options["prfSalt"]))
        with pytest.raises(KeyRefused):
            security_keys.enrol(
                session,
                portal.challenges,
                RP,
                advocate.account_id,
                advocate.passphrase,
                "new",
                registration,
                answer_of(wrong),
                CHEAP_ARGON2,
                check,
            )
    assert [k.label for k in stored_keys(store, advocate.account_id)] == ["other"]


def test_a_registration_the_portal_did_not_ask_for_adds_no_key(
    store: Store, portal: Portal, advocate: Person
) -> None:
    with pytest.raises(KeyRefused):
        portal.enrol(advocate, SoftwareKey(ORIGIN), origin="http://localhost:5001")
    with pytest.raises(KeyRefused):
        portal.enrol(advocate, SoftwareKey(ORIGIN), rp_id="portal.example")
    with pytest.raises(KeyRefused):
        portal.enrol(advocate, SoftwareKey(ORIGIN, user_verified=False))
    assert stored_keys(store, advocate.account_id) == []
    assert stored_account(store, advocate.account_id).wrapped_private_key


def test_a_key_copied_to_an_online_account_is_marked_so(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, SoftwareKey(ORIGIN, backup_state=True), "synced passkey")
    assert stored_keys(store, advocate.account_id)[0].backed_up


# Refused answers: none signs in, each counts towards the lockout.


def test_a_replayed_assertion_is_refused(portal: Portal, advocate: Person) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    answer = portal.answer(advocate, key)
    portal.sign_in(advocate, answer)
    _refused(portal, advocate, answer)
    portal.sign_in(advocate, portal.answer(advocate, key))  # the replay did not refuse her key


def test_an_assertion_for_another_names_challenge_is_refused(
    portal: Portal, advocate: Person, staff: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    hers, theirs = portal.options(advocate.name), portal.options(staff.name)
    salt = from_b64u(hers["prf"][key.id]["first"])
    _refused(
        portal,
        advocate,
        answer_of(key.sign(from_b64u(theirs["publicKey"]["challenge"]), first=salt)),
    )
    portal.sign_in(advocate, portal.answer(advocate, key))  # her own challenge lets her in


def test_an_expired_challenge_is_refused(portal: Portal, advocate: Person) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    answer = portal.answer(advocate, key)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10)
    _refused(portal, advocate, answer, now=later)
    portal.sign_in(advocate, answer)  # the same answer in time: only the hour was wrong


def test_another_accounts_key_posted_for_her_is_refused(
    store: Store, portal: Portal, advocate: Person, staff: Person
) -> None:
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    portal.enrol(staff, theirs := SoftwareKey(ORIGIN))
    challenge = from_b64u(portal.options(advocate.name)["publicKey"]["challenge"])
    salt = stored_keys(store, staff.account_id)[0].prf_salt
    _refused(portal, advocate, answer_of(theirs.sign(challenge, first=salt)))
    assert stored_keys(store, staff.account_id)[0].refused_on is None
    portal.sign_in(staff, portal.answer(staff, theirs))


def test_an_assertion_made_on_another_origin_is_refused(portal: Portal, advocate: Person) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    _refused(portal, advocate, portal.answer(advocate, key, origin="http://localhost:5001"))
    portal.sign_in(advocate, portal.answer(advocate, key))


def test_an_assertion_for_another_rp_id_is_refused(portal: Portal, advocate: Person) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    options = portal.options(advocate.name)
    challenge = from_b64u(options["publicKey"]["challenge"])
    salt = from_b64u(options["prf"][key.id]["first"])
    _refused(portal, advocate, answer_of(key.sign(challenge, first=salt, rp_id="portal.example")))
    portal.sign_in(advocate, portal.answer(advocate, key))


def test_an_assertion_without_user_verification_is_refused(
    portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    key.user_verified = False
    _refused(portal, advocate, portal.answer(advocate, key))
    key.user_verified = True
    portal.sign_in(advocate, portal.answer(advocate, key))


def test_an_assertion_with_a_bad_signature_is_refused(portal: Portal, advocate: Person) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    answer = portal.answer(advocate, key)
    credential = json.loads(answer.credential)
    signature = bytearray(from_b64u(credential["response"]["signature"]))
    signature[-1] ^= 1
    credential["response"]["signature"] = b64u(bytes(signature))
    _refused(portal, advocate, Answer(json.dumps(credential), answer.first, answer.second))
    portal.sign_in(advocate, portal.answer(advocate, key))


def test_a_clone_whose_counter_lags_is_refused_and_so_is_the_real_key_from_then_on(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    clone = key.clone()
    portal.sign_in(advocate, portal.answer(advocate, key))  # the real key is one ahead
    _refused(portal, advocate, portal.answer(advocate, clone))
    assert stored_keys(store, advocate.account_id)[0].refused_on is not None
    with store.session() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "security key refused" in actions
    options = portal.options(advocate.name)
    assert key.id not in options["prf"]  # no longer offered
    salt = stored_keys(store, advocate.account_id)[0].prf_salt
    challenge = from_b64u(options["publicKey"]["challenge"])
    _refused(portal, advocate, answer_of(key.sign(challenge, first=salt, second=None)))


def test_a_key_that_keeps_no_counter_signs_in_but_no_assertion_is_taken_twice(
    store: Store, portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN, counter_step=0))
    portal.sign_in(advocate, portal.answer(advocate, key))
    answer = portal.answer(advocate, key)
    portal.sign_in(advocate, answer)
    _refused(portal, advocate, answer)
    stored = stored_keys(store, advocate.account_id)[0]
    assert stored.sign_count == 0 and stored.refused_on is None


@pytest.mark.parametrize(
    ("credential", "first", "second"),
    [
        ("", "", ""),
        ("{}" + " " * key_challenges.MAX_RESPONSE_LENGTH, "", ""),
        ("{}", b64u(bytes(31)), ""),
        ("{}", b64u(bytes(33)), ""),
        ("{}", b64u(bytes(32)), b64u(bytes(16))),
        ("{}", "not base64url!", ""),
    ],
    ids=["no assertion", "too long", "31 bytes", "33 bytes", "short second", "not base64url"],
)
def test_a_malformed_form_is_refused_before_anything_is_checked(
    credential: str, first: str, second: str
) -> None:
    with pytest.raises(ValueError):
        Answer.from_form(credential, first, second)


def test_a_malformed_assertion_is_refused_and_counted(portal: Portal, advocate: Person) -> None:
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    for credential in (  # four: a fifth failure would lock her out
        "not json",
        "[]",
        json.dumps({"id": "a", "rawId": "a", "type": "public-key"}),
        json.dumps({"id": "a", "rawId": "a", "type": "public-key", "response": {}}),
    ):
        _refused(portal, advocate, Answer.from_form(credential, b64u(bytes(32))))


def test_five_refused_assertions_lock_her_out_even_against_her_real_key(
    portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    for _ in range(authentication.MAX_FAILED_LOGINS - 1):
        _refused(portal, advocate, portal.answer(advocate, key, origin="http://evil.example"))
    with pytest.raises(LoginFailed):
        portal.sign_in(advocate, portal.answer(advocate, key, origin="http://evil.example"))
    with pytest.raises(authentication.AccountLocked):
        portal.sign_in(advocate, portal.answer(advocate, key))


# What the sign-in options say about a name.


def _shape(options: dict[str, Any]) -> Any:
    """Options with every value replaced by what it tells: the keys and the lengths."""
    public_key = options["publicKey"]
    return (
        sorted(public_key),
        len(from_b64u(public_key["challenge"])),
        public_key["rpId"],
        public_key["userVerification"],
        [(sorted(c), len(from_b64u(c["id"]))) for c in public_key["allowCredentials"]],
        [
            (len(from_b64u(i)), len(from_b64u(s["first"] or "")), len(from_b64u(s["second"] or "")))
            for i, s in options["prf"].items()
        ],
    )


def _offered(options: dict[str, Any]) -> tuple[list[str], list[Any]]:
    return (
        [c["id"] for c in options["publicKey"]["allowCredentials"]],
        [s["first"] for s in options["prf"].values()],
    )


def test_an_unknown_name_and_an_account_without_keys_get_options_like_a_keyed_one(
    portal: Portal, advocate: Person, staff: Person
) -> None:
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    keyed = _shape(portal.options(advocate.name))
    assert _shape(portal.options("nobody")) == keyed
    assert _shape(portal.options(staff.name)) == keyed


def test_the_options_for_a_name_without_keys_are_stable_for_that_name(
    portal: Portal, staff: Person
) -> None:
    for name in ("nobody", staff.name):
        once, again = portal.options(name), portal.options(name)
        assert _offered(once) == _offered(again)
        assert once["publicKey"]["challenge"] != again["publicKey"]["challenge"]
    assert _offered(portal.options("nobody")) != _offered(portal.options(staff.name))
    assert _offered(portal.options("nobody")) != _offered(portal.options("nobody else"))


def test_a_disabled_account_gets_the_options_of_a_name_without_keys(
    portal: Portal, store: Store, advocate: Person, admin: Person
) -> None:
    """Its real credential ids would tell that the name exists and which keys it used."""
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    assert key.id in portal.options(advocate.name)["prf"]
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        accounts.disable_account(session, account, actor=admin.name)
    offered = portal.options(advocate.name)["prf"]
    assert key.id not in offered and len(offered) == 1


def test_a_key_answering_the_options_for_an_unknown_name_signs_nobody_in(
    portal: Portal, advocate: Person
) -> None:
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    options = portal.options("nobody")
    with pytest.raises(NotAllowed):
        key.get(options["publicKey"], options["prf"])
    with portal.store.session() as session, pytest.raises(LoginFailed):
        key_sign_in.authenticate(
            session,
            portal.challenges,
            RP,
            "nobody",
            advocate.passphrase,
            answer_of(key.sign(from_b64u(options["publicKey"]["challenge"]))),
            CHEAP_ARGON2,
        )


# Sessions, and an admin's reset.


def test_a_session_of_a_key_locked_account_stays_open(
    store: Store, portal: Portal, advocate: Person
) -> None:
    with store.session() as session:
        cookie = account_sessions.start(session, advocate.account_id, {})
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    assert stored_account(store, advocate.account_id).totp_secret == b""
    with store.session() as session:
        principal = account_sessions.resume(session, cookie)
    assert principal is not None and principal.account_id == advocate.account_id


def _unlocked_keys(session: Session, person: Person) -> dict[str, PrivateKey]:
    unlocked = authentication.unlock(session, person.name, person.passphrase, CHEAP_ARGON2)
    return grants.held_group_keys(session, unlocked)


def _set_up_new(store: Store, token: str, person: Person) -> pyotp.TOTP:
    """Follow an admin's reset link with her passphrase and a new authenticator app."""
    with store.session() as session:
        link = invitations.find_reset(session, token)
        assert link is not None
        offer = authenticators.new_offer(SERVER_SECRET, link.token_hash)
        app = pyotp.TOTP(offer.secret)
        authenticators.set_up_new(session, link, person.passphrase, offer, app.now(), CHEAP_ARGON2)
    return app


def _grants_of(store: Store, account_id: int) -> int:
    with store.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(GroupKeyGrant)
            .where(GroupKeyGrant.account_id == account_id)
        )
    return int(count or 0)


def test_a_reset_of_a_key_locked_account_gives_her_a_new_key_and_access_again_by_a_grant(
    store: Store, instance: Instance, portal: Portal, advocate: Person, admin: Person
) -> None:
    bea = create_person(store, instance, "bea", Role.ADVOCATE)
    with store.session() as session:
        member = session.get(Account, bea.account_id)
        assert member is not None
        keys = _unlocked_keys(session, advocate)
        grants.grant_group_keys(
            session, keys, member, advocate.name, grants.stored_fingerprint(member)
        )
        cookie = account_sessions.start(session, advocate.account_id, keys)
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    old_public = stored_account(store, advocate.account_id).public_key
    assert _grants_of(store, advocate.account_id) > 0

    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        token = authenticators.reset(session, account, actor=admin.name)
    with store.session() as session:
        assert not key_challenges.has_keys(session, advocate.account_id)
        sessions = select(func.count()).select_from(AccountSession)
        assert session.scalar(sessions.where(AccountSession.account_id == advocate.account_id)) == 0
        assert account_sessions.resume(session, cookie) is None

    app = _set_up_new(store, token, advocate)
    account = stored_account(store, advocate.account_id)
    assert account.public_key != old_public and account.wrapped_private_key
    assert account.webauthn_user_id is None
    assert _grants_of(store, advocate.account_id) == 0
    with store.session() as session:
        waiting = [a.name for a in accounts.waiting_for_keys(session, Role.ADVOCATE)]
        assert waiting == [advocate.name]
        member = session.get(Account, advocate.account_id)
        assert member is not None
        granted = grants.grant_group_keys(
            session, _unlocked_keys(session, bea), member, "bea", grants.stored_fingerprint(member)
        )
        assert granted > 0
        assert accounts.waiting_for_keys(session, Role.ADVOCATE) == []
        unlocked = authentication.authenticate(
            session, advocate.name, advocate.passphrase, app.at(time.time() + 30), CHEAP_ARGON2
        )
        assert grants.held_group_keys(session, unlocked)


def test_a_reset_of_an_account_without_keys_keeps_her_key_and_her_grants(
    store: Store, advocate: Person, admin: Person
) -> None:
    before = stored_account(store, advocate.account_id)
    held = _grants_of(store, advocate.account_id)
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        token = authenticators.reset(session, account, actor=admin.name)
    _set_up_new(store, token, advocate)
    after = stored_account(store, advocate.account_id)
    assert after.public_key == before.public_key
    assert after.wrapped_private_key == before.wrapped_private_key
    assert after.totp_secret and after.totp_secret != before.totp_secret
    assert _grants_of(store, advocate.account_id) == held > 0


def test_a_reset_link_changes_nothing_for_a_disabled_account_without_keys(
    store: Store, advocate: Person, admin: Person
) -> None:
    before = stored_account(store, advocate.account_id)
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        token = authenticators.reset(session, account, actor=admin.name)
        accounts.disable_account(session, account, actor=admin.name)
    with pytest.raises(LoginFailed):
        _set_up_new(store, token, advocate)
    assert stored_account(store, advocate.account_id).totp_secret == b""
    assert stored_account(store, advocate.account_id).public_key == before.public_key


# Found by these tests and fixed: a clone ahead went unnoticed, a reset link worked for a
# disabled account, and a member with the most keys could remove none.


def test_a_clone_without_the_prf_secret_that_ran_ahead_gets_the_real_key_refused(
    store: Store, portal: Portal, advocate: Person
) -> None:
    """A copy of her credential without its PRF secret signs but opens nothing; its
    counter, ahead of hers, is stored as soon as its signature is checked, so the real
    key, now behind, is refused next time: the copy is found out."""
    portal.enrol(advocate, key := SoftwareKey(ORIGIN))
    clone = key.clone(with_prf_secret=False)
    clone.sign_count += 5  # the copy signed elsewhere and is now ahead
    _refused(portal, advocate, portal.answer(advocate, clone))  # it opens nothing
    with pytest.raises(LoginFailed):
        portal.sign_in(advocate, portal.answer(advocate, key))
    assert stored_keys(store, advocate.account_id)[0].refused_on is not None


def test_a_reset_link_changes_nothing_for_a_disabled_key_locked_account(
    store: Store, portal: Portal, advocate: Person, admin: Person
) -> None:
    """A reset link of an account that only her keys opened makes a new key; once the
    account is disabled, the link makes none and her grants stay."""
    portal.enrol(advocate, SoftwareKey(ORIGIN))
    before = stored_account(store, advocate.account_id)
    held = _grants_of(store, advocate.account_id)
    with store.session() as session:
        account = session.get(Account, advocate.account_id)
        assert account is not None
        token = authenticators.reset(session, account, actor=admin.name)
        accounts.disable_account(session, account, actor=admin.name)
    with pytest.raises((LoginFailed, AccountError)):
        _set_up_new(store, token, advocate)
    assert stored_account(store, advocate.account_id).public_key == before.public_key
    assert _grants_of(store, advocate.account_id) == held


def test_with_the_most_keys_an_account_may_have_she_can_still_remove_one(
    store: Store, portal: Portal, advocate: Person
) -> None:
    """With MAX_KEYS keys no more can be added, and one can still be removed: the touch
    of another key answers the check options, which are made at any number of keys."""
    portal.enrol(advocate, first := SoftwareKey(ORIGIN), "key 0")
    for number in range(1, key_challenges.MAX_KEYS):
        portal.enrol(advocate, SoftwareKey(ORIGIN), f"key {number}", check=first)
    last = stored_keys(store, advocate.account_id)[-1]
    assert portal.remove(advocate, last.id, portal.check(advocate, first)) == last.label
