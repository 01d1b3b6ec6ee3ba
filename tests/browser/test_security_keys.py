"""Security keys in a real Chromium, with its virtual authenticators: a member adds a
key, signs out and signs in with it; adds a spare and leaves the first at home;
changes her passphrase with one key missing; a key without PRF only signs in.

Each test makes its own member with `portal user add`, so that the accounts
other files sign in with (alice, sam, ada) keep their authenticator apps. The
stored rows are read with the database key, as someone who seized the server
would: before a key is added her key opens with her passphrase alone; after,
nothing stored opens with it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select

import config
from crypto.errors import CryptoError
from crypto.passphrase import (
    passphrase_key_of,
    unwrap_with_passphrase,
    unwrap_with_passphrase_and_key,
)
from portal.core import bindings
from portal.store import make_engine
from portal.store.models import Account, Role, SecurityKey
from tests.browser.conftest import Portal, Visit, check_page, totp_code
from tests.support.people import Person, read_set_up_page
from tests.support.security_keys import VirtualKey, plug, swap_before_creating
from tests.support.serving import add_person, portal_environment

LAPTOP, PHONE = 1280, 375


@pytest.fixture
def engine(portal: Portal) -> Iterator[Engine]:
    """The portal's database, opened with its key, as a seizure would."""
    opened = make_engine(config.load(portal.instance, environ={}))
    yield opened
    opened.dispose()


@pytest.fixture
def member(portal: Portal) -> Person:
    """A new advocate of her own, made as an operator would."""
    port = urlsplit(portal.url).port
    assert port is not None
    name = f"kim{secrets.token_hex(3)}"
    person = add_person(portal_environment(portal.instance, port), name, Role.ADVOCATE)
    portal.people[name] = person
    return person


def _sign_in_with_code(page: Page, portal: Portal, person: Person) -> None:
    page.goto(f"{portal.url}/advocate/login")
    page.get_by_label("Name").fill(person.name)
    page.get_by_label("Passphrase").fill(person.passphrase)
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(person))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal.url}/advocate/")


def _sign_in_with_key(page: Page, portal: Portal, person: Person) -> None:
    page.goto(f"{portal.url}/advocate/login")
    page.get_by_label("Name").fill(person.name)
    page.get_by_label("Passphrase").fill(person.passphrase)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal.url}/advocate/")


def _add_key(page: Page, portal: Portal, person: Person, label: str) -> None:
    page.goto(f"{portal.url}/advocate/security-keys")
    page.get_by_label("A name for this key").fill(label)
    page.get_by_label("Your passphrase").fill(person.passphrase)
    page.get_by_role("button", name="Add a security key").click()
    expect(page.locator(".notice[role=status]").first).to_contain_text(f"“{label}” is added")


def _sign_out(page: Page, portal: Portal) -> None:
    page.goto(f"{portal.url}/advocate/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))


def _account(engine: Engine, name: str) -> tuple[Account, list[SecurityKey]]:
    with engine.connect() as connection:
        account = connection.execute(select(Account).where(Account.name == name)).one()
        keys = connection.execute(
            select(SecurityKey).where(SecurityKey.account_id == account.id)
        ).all()
    return account, keys  # type: ignore[return-value]


def _opened_with_passphrase_alone(engine: Engine, person: Person) -> list[str]:
    """What a seizer holding the database and her passphrase (but no key) opens."""
    account, keys = _account(engine, person.name)
    opened = []
    try:
        unwrap_with_passphrase(
            account.wrapped_private_key,
            person.passphrase,
            bindings.account_secret(person.name, "private_key"),
        )
        opened.append("accounts.wrapped_private_key")
    except CryptoError:
        pass
    for key in keys:
        if key.wrapped_private_key is None:
            continue
        # The best a seizer can do without the key: guess its PRF output.
        derived, _salt, _cost = passphrase_key_of(key.wrapped_private_key, person.passphrase)
        for guess in (bytes(32), secrets.token_bytes(32)):
            try:
                unwrap_with_passphrase_and_key(
                    key.wrapped_private_key,
                    derived,
                    guess,
                    person.name,
                    key.credential_id,
                    bindings.security_key_wrap(person.name, _b64u(key.credential_id)),
                )
                opened.append(f"security_keys {key.label}")
            except CryptoError:
                pass
    return opened


def _b64u(raw: bytes) -> str:
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(raw)


def _screens(page: Page, name: str) -> None:
    for width in (PHONE, LAPTOP):
        page.set_viewport_size({"width": width, "height": 900})
        check_page(page, f"{name}-{width}")


def test_member_adds_a_key_signs_out_and_signs_in_with_it(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    key = plug(page)
    _sign_in_with_code(page, portal, member)
    assert _opened_with_passphrase_alone(engine, member) == ["accounts.wrapped_private_key"]

    page.goto(f"{portal.url}/advocate/security-keys")
    _screens(page, "security-keys-none")
    _add_key(page, portal, member, "blue key")
    _screens(page, "security-keys-added")
    expect(page.locator("main")).to_contain_text("Protects your key.")

    account, keys = _account(engine, member.name)
    assert account.wrapped_private_key == b"" and account.totp_secret == b""
    assert [k.label for k in keys] == ["blue key"] and keys[0].prf_salt
    assert _opened_with_passphrase_alone(engine, member) == []
    assert len(key.credentials()) == 1

    _sign_out(page, portal)
    page.goto(f"{portal.url}/advocate/login")
    _screens(page, "sign-in-with-key")
    _sign_in_with_key(page, portal, member)
    expect(page.locator("h1")).to_be_visible()
    _, after = _account(engine, member.name)
    assert after[0].prf_salt != keys[0].prf_salt  # the sign-in moved the salt
    assert after[0].sign_count > keys[0].sign_count

    # Her code no longer signs her in: her authenticator app's secret is gone.
    _sign_out(page, portal)
    page.get_by_label("Name").fill(member.name)
    page.get_by_label("Passphrase").fill(member.passphrase)
    page.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(member))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_contain_text("Those details did not work")


def _first_and_spare(
    page: Page, portal: Portal, person: Person, spare_label: str
) -> tuple[VirtualKey, VirtualKey]:
    """She signs in with her code, adds "first", then a spare with a touch of the first,
    which opens her key; the spare is the key answering from then on."""
    first = plug(page)
    _sign_in_with_code(page, portal, person)
    _add_key(page, portal, person, "first")
    spare = plug(page, present=False)
    swap_before_creating(page, first, spare)
    _add_key(page, portal, person, spare_label)
    return first, spare


@pytest.mark.sqlcipher_only
def test_spare_key_signs_in_when_the_first_is_left_at_home(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    first, _spare = _first_and_spare(page, portal, member, "spare in the safe")
    _, keys = _account(engine, member.name)
    assert [k.label for k in keys] == ["first", "spare in the safe"]
    assert all(k.wrapped_private_key for k in keys)
    assert _opened_with_passphrase_alone(engine, member) == []

    _sign_out(page, portal)
    first.unplug()  # left at home
    _sign_in_with_key(page, portal, member)
    _, used = _account(engine, member.name)
    assert used[0].last_used_on is not None and used[1].prf_salt != keys[1].prf_salt
    assert used[0].prf_salt == keys[0].prf_salt  # the key left at home was not used


@pytest.mark.sqlcipher_only
def test_passphrase_change_wraps_again_for_the_keys_touched_and_removes_the_other(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    _first_and_spare(page, portal, member, "spare")
    # The first key is in a drawer: the page asks for each key, and only the spare answers.
    page.goto(f"{portal.url}/advocate/passphrase")
    new = "quietly amber lantern orbit velvet thimble"
    page.get_by_label("Current passphrase").fill(member.passphrase)
    page.get_by_label("New passphrase", exact=True).fill(new)
    page.get_by_label("New passphrase again").fill(new)
    page.get_by_role("button", name="Change passphrase").click()
    expect(page.locator(".notice[role=status]").first).to_contain_text(
        "Your passphrase has been changed"
    )
    expect(page.locator("main")).to_contain_text("are removed: first")
    _screens(page, "passphrase-changed-with-keys")
    _, keys = _account(engine, member.name)
    assert [k.label for k in keys] == ["spare"]

    old_passphrase, member.passphrase = member.passphrase, new
    assert _opened_with_passphrase_alone(engine, member) == []
    _sign_out(page, portal)
    _sign_in_with_key(page, portal, member)
    member.passphrase = old_passphrase
    assert page.url.endswith("/advocate/")


@pytest.mark.sqlcipher_only
def test_key_without_prf_signs_in_but_does_not_protect_her_key(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    plug(page, prf=False)
    _sign_in_with_code(page, portal, member)
    page.goto(f"{portal.url}/advocate/security-keys")
    page.get_by_label("A name for this key").fill("old key")
    page.get_by_label("Your passphrase").fill(member.passphrase)
    page.get_by_role("button", name="Add a security key").click()
    expect(page.locator(".error-summary")).to_contain_text("does not protect your key")
    expect(page.locator("main")).to_contain_text("Signs you in, but does not protect your key.")
    _screens(page, "security-keys-without-prf")
    account, keys = _account(engine, member.name)
    assert account.wrapped_private_key and not keys[0].wrapped_private_key
    # The seizer's attack still works: this key adds a check at the door, not a lock.
    assert _opened_with_passphrase_alone(engine, member) == ["accounts.wrapped_private_key"]

    _sign_out(page, portal)
    _sign_in_with_key(page, portal, member)  # in place of the code
    assert page.url.endswith("/advocate/")


@pytest.mark.sqlcipher_only
def test_a_cloned_credential_whose_counter_lags_is_refused_and_so_is_the_key_after(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    real = plug(page)
    _sign_in_with_code(page, portal, member)
    _add_key(page, portal, member, "blue key")
    _sign_out(page, portal)
    # A copy of its signing key (not of its PRF secret) taken when it had signed once.
    copied = real.credentials()[0] | {"signCount": 0}
    real.unplug()
    clone = plug(page)
    clone.cdp.send("WebAuthn.addCredential", {"authenticatorId": clone.id, "credential": copied})
    _try_sign_in_with_key(page, portal, member)
    expect(page.locator(".error-summary")).to_contain_text("Those details did not work")
    _, keys = _account(engine, member.name)
    assert keys[0].refused_on is not None  # its counter went backwards: a copy exists
    # From now on the key itself is refused too, until she removes it or an admin resets.
    clone.unplug()
    real_again = plug(page)
    real_again.cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": real_again.id, "credential": copied | {"signCount": 100}},
    )
    _try_sign_in_with_key(page, portal, member)
    expect(page.locator(".error-summary, .notice[role=status]").first).to_be_visible()
    assert not page.url.endswith("/advocate/")


def _try_sign_in_with_key(page: Page, portal: Portal, person: Person) -> None:
    page.goto(f"{portal.url}/advocate/login")
    page.get_by_label("Name").fill(person.name)
    page.get_by_label("Passphrase").fill(person.passphrase)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


@pytest.mark.sqlcipher_only
def test_losing_the_only_key_an_admins_reset_gives_her_a_new_key_to_be_granted_again(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    plug(page)
    _sign_in_with_code(page, portal, member)
    _add_key(page, portal, member, "only key")
    old_account, _ = _account(engine, member.name)
    page.context.close()  # the key is lost with the bag it was in

    admin = visit().page()
    admin_person = portal.people["ada"]
    admin.goto(f"{portal.url}/admin/login")
    admin.get_by_label("Name").fill(admin_person.name)
    admin.get_by_label("Passphrase").fill(admin_person.passphrase)
    admin.get_by_label(re.compile("code", re.IGNORECASE)).fill(totp_code(admin_person))
    admin.get_by_role("button", name="Sign in").click()
    admin.wait_for_url(f"{portal.url}/admin/")
    row = admin.locator("tr", has_text=member.name)
    expect(row).to_contain_text("security keys")
    row.get_by_role("button", name="Reset security keys").click()
    link = admin.locator(".codename-box code").inner_text().strip()

    again = visit().page()
    again.goto(link)
    expect(again.locator("main")).to_contain_text("Only they could open your key")
    _screens(again, "security-keys-reset-link")
    set_up = read_set_up_page(again.content())
    member.totp = set_up.totp
    again.get_by_label("Your passphrase", exact=True).fill(member.passphrase)
    again.get_by_label("Your passphrase again").fill(member.passphrase)
    again.locator("#code").fill(totp_code(member))
    again.get_by_role("button", name=re.compile("Set up")).click()
    again.wait_for_load_state("load")
    new_account, keys = _account(engine, member.name)
    assert keys == [] and new_account.public_key != old_account.public_key
    _sign_in_with_code(again, portal, member)
    admin.goto(f"{portal.url}/admin/")
    expect(admin.locator("tr", has_text=member.name)).to_contain_text("waiting for access")


@pytest.mark.sqlcipher_only
def test_a_recorded_sign_in_sent_again_and_another_members_key_open_nothing(
    portal: Portal, visit: Callable[..., Visit], engine: Engine, member: Person
) -> None:
    page = visit().page()
    plug(page)
    _sign_in_with_code(page, portal, member)
    _add_key(page, portal, member, "blue key")
    _sign_out(page, portal)
    page.goto(f"{portal.url}/advocate/login")
    page.get_by_label("Name").fill(member.name)
    page.get_by_label("Passphrase").fill(member.passphrase)
    with page.expect_request(
        lambda request: request.method == "POST" and request.url.endswith("/advocate/login")
    ) as sent:
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{portal.url}/advocate/")
    _sign_out(page, portal)
    # What a proxy recorded, sent again: the same passphrase, assertion and PRF outputs.
    again = visit().page()
    replayed = again.request.fetch(sent.value)
    assert "Those details did not work" in replayed.text()
    assert not [c for c in again.context.cookies() if c["name"] == "staff"]  # no session

    # Another member's own key, on a page signing in as her: the browser finds none of
    # her credentials on it, and nothing is sent.
    other_page = visit().page()
    other = add_person(
        portal_environment(portal.instance, urlsplit(portal.url).port or 0),
        f"lee{secrets.token_hex(3)}",
        Role.ADVOCATE,
    )
    plug(other_page)
    _sign_in_with_code(other_page, portal, other)
    _add_key(other_page, portal, other, "lee's key")
    _sign_out(other_page, portal)
    _try_sign_in_with_key(other_page, portal, member)
    expect(other_page.locator("#key-status")).to_contain_text("No security key answered")
    assert other_page.url.endswith("/advocate/login")
