"""Key fingerprints: a grant goes to the key the member really holds, or to nobody.

A grant seals the group's key to whatever public key the database holds for
the member. Someone who can write to the database (the accused, holding a
seized server) could put their own public key in a waiting member's place
and be granted everything. So each side of a grant sees the key's
fingerprint as six words: the member's own, taken from the private key their
passphrase opened, and the granter's, taken from the database. They compare
them in person or by phone; a grant is sealed only to the key whose words
were compared.
"""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crypto.keys import PrivateKey
from crypto.words import word_list
from portal.cli import recovery
from portal.core import grants, invitations
from portal.store import Store
from portal.store.models import Account, GroupKeyGrant, Role
from tests.advocate.members import grant_on_page, members_fingerprint, own_fingerprint
from tests.support.command import portal
from tests.support.instance import Instance
from tests.support.people import PASSPHRASE, Person, create_person, join, signed_in_as


def _grants_of(store: Store, account_id: int) -> int:
    with store.session() as session:
        grants = session.scalars(
            select(GroupKeyGrant).where(GroupKeyGrant.account_id == account_id)
        )
        return len(grants.all())


def _swap_in_an_attackers_key(store: Store, account_id: int) -> PrivateKey:
    """What someone with write access to the database does: their key in the member's place."""
    attacker = PrivateKey.generate()
    with store.session() as session:
        account = session.get(Account, account_id)
        assert account is not None
        account.public_key = attacker.public_key.to_bytes()
        session.commit()
    return attacker


@pytest.fixture
def bob(store: Store, instance: Instance, advocate: Person) -> Person:
    """An advocate who joined after alice and waits for access."""
    return create_person(store, instance, "bob", Role.ADVOCATE)


def test_the_member_and_the_granter_see_the_same_six_words(
    app: Flask, advocate_client: FlaskClient, bob: Person
) -> None:
    mine = own_fingerprint(signed_in_as(app, bob))
    assert len(mine.split(" ")) == 6
    assert set(mine.split(" ")) <= set(word_list())
    assert members_fingerprint(advocate_client, bob.account_id) == mine


def test_the_members_page_tells_the_granter_to_compare_in_person_or_by_phone(
    advocate_client: FlaskClient, bob: Person
) -> None:
    page = " ".join(advocate_client.get("/advocate/members").get_data(as_text=True).split())
    assert "compare its words with the person, in person or by phone" in page
    assert "Grant access only if they are exactly the words shown here" in page


def test_a_swapped_key_shows_the_granter_words_the_member_does_not_recognise(
    app: Flask, store: Store, advocate_client: FlaskClient, bob: Person
) -> None:
    bobs_session = signed_in_as(app, bob)
    before = own_fingerprint(bobs_session)
    _swap_in_an_attackers_key(store, bob.account_id)

    shown_to_granter = members_fingerprint(advocate_client, bob.account_id)
    assert shown_to_granter != before
    # The member's words come from the key their passphrase opened, not from the
    # database: neither the session open at the swap nor a new sign-in follows it.
    assert own_fingerprint(bobs_session) == before
    fresh = signed_in_as(app, bob)
    assert own_fingerprint(fresh) == before
    page = fresh.get("/advocate/passphrase").get_data(as_text=True)
    assert "The key this service holds for you is not yours" in page
    assert shown_to_granter in " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_member_is_not_warned_while_the_stored_key_is_theirs(app: Flask, bob: Person) -> None:
    page = signed_in_as(app, bob).get("/advocate/passphrase").get_data(as_text=True)
    assert "not yours" not in page


def test_a_grant_is_refused_when_the_key_changed_after_the_words_were_compared(
    app: Flask, store: Store, advocate_client: FlaskClient, bob: Person
) -> None:
    compared = members_fingerprint(advocate_client, bob.account_id)
    assert compared == own_fingerprint(signed_in_as(app, bob))
    _swap_in_an_attackers_key(store, bob.account_id)  # between the call and the click
    refused = grant_on_page(advocate_client, bob.account_id, fingerprint=compared)
    assert refused.status_code == 200
    assert "Nothing was granted" in refused.get_data(as_text=True)
    assert _grants_of(store, bob.account_id) == 0


def test_a_grant_with_the_words_compared_reaches_the_member(
    app: Flask, store: Store, advocate_client: FlaskClient, bob: Person
) -> None:
    compared = own_fingerprint(signed_in_as(app, bob))
    granted = grant_on_page(advocate_client, bob.account_id, fingerprint=compared.upper())
    assert granted.status_code == 303
    assert _grants_of(store, bob.account_id) == 1


def test_the_new_members_page_shows_the_fingerprint_the_granter_sees(
    app: Flask, store: Store, advocate_client: FlaskClient
) -> None:
    with store.session() as session:
        path = f"/admin/join/{invitations.create(session, Role.ADVOCATE, actor='test')}"
    page, _ = join(app.test_client(), path, "dana", PASSPHRASE)
    shown = re.search(r'<p class="fingerprint">(.*?)</p>', page.get_data(as_text=True), re.S)
    assert shown
    words = " ".join(re.sub(r"<[^>]+>", " ", shown.group(1)).split())
    with store.session() as session:
        dana_id = session.scalars(select(Account.id).where(Account.name == "dana")).one()
    assert members_fingerprint(advocate_client, dana_id) == words


# The command line


def test_portal_user_add_prints_the_fingerprint_the_member_sees(
    app: Flask, store: Store, cli_instance: Instance
) -> None:
    result = portal(
        "user", "add", "bob", "--role", "advocate", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.output
    printed = re.search(r"Key fingerprint: ([a-z ]+)\n", result.output)
    assert printed, result.output
    secret = re.search(r"secret=([A-Z2-7]+)", result.output)
    assert secret
    with store.session() as session:
        bob_id = session.scalars(select(Account.id).where(Account.name == "bob")).one()
    bob = Person("bob", Role.ADVOCATE, PASSPHRASE, pyotp.TOTP(secret.group(1)), bob_id)
    assert own_fingerprint(signed_in_as(app, bob)) == printed.group(1)


def test_portal_user_add_prints_no_fingerprint_for_an_admin(
    store: Store, cli_instance: Instance
) -> None:
    result = portal(
        "user", "add", "root", "--role", "admin", "--passphrase-stdin", stdin=PASSPHRASE + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "fingerprint" not in result.output


def _recover(*arguments: str, stdin: str) -> tuple[int, str]:
    result = portal("recover", *arguments, stdin=stdin)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_recover_with_the_right_fingerprint_grants(
    app: Flask, store: Store, cli_instance: Instance, bob: Person
) -> None:
    words = own_fingerprint(signed_in_as(app, bob))
    code, output = _recover(
        "--user", "bob", "--fingerprint", words, stdin=cli_instance.recovery_phrase + "\n"
    )
    assert code == 0, output
    assert _grants_of(store, bob.account_id) == 1


def test_recover_with_a_wrong_fingerprint_grants_nothing(
    app: Flask, store: Store, cli_instance: Instance, bob: Person
) -> None:
    words = own_fingerprint(signed_in_as(app, bob))
    _swap_in_an_attackers_key(store, bob.account_id)
    code, output = _recover(
        "--user", "bob", "--fingerprint", words, stdin=cli_instance.recovery_phrase + "\n"
    )
    assert code == 1
    assert "Nothing was granted" in output
    assert _grants_of(store, bob.account_id) == 0


def test_recover_without_a_terminal_or_a_fingerprint_grants_nothing(
    store: Store, cli_instance: Instance, bob: Person
) -> None:
    code, output = _recover("--user", "bob", stdin=cli_instance.recovery_phrase + "\n")
    assert code == 1
    assert "--fingerprint" in output
    assert _grants_of(store, bob.account_id) == 0


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """`portal recover` as an operator runs it, typing at a terminal."""
    monkeypatch.setattr(recovery, "at_terminal", lambda stream: True)


def test_recover_at_a_terminal_shows_the_fingerprint_and_a_no_grants_nothing(
    store: Store, cli_instance: Instance, bob: Person, at_a_terminal: None
) -> None:
    code, output = _recover("--user", "bob", stdin="n\n" + cli_instance.recovery_phrase + "\n")
    with store.session() as session:
        account = session.scalars(select(Account).where(Account.name == "bob")).one()
        assert grants.stored_fingerprint(account) in output
    assert code == 1
    assert "Nothing was granted" in output
    assert _grants_of(store, bob.account_id) == 0


def test_recover_at_a_terminal_grants_once_the_words_are_confirmed(
    store: Store, cli_instance: Instance, bob: Person, at_a_terminal: None
) -> None:
    code, output = _recover("--user", "bob", stdin="y\n" + cli_instance.recovery_phrase + "\n")
    assert code == 0, output
    assert "Granted 1 key(s) to bob." in output
    assert _grants_of(store, bob.account_id) == 1
