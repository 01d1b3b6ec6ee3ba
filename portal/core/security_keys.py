"""Security keys: WebAuthn authenticators that sign a member in and lock her personal key.

A key enrolled with WebAuthn's PRF extension (CTAP's `hmac-secret`) gives
the page a 32-byte output for a salt the portal chooses. Her personal key is
wrapped under Argon2id(passphrase) and that output together, one wrap per
key (`crypto.passphrase.wrap_with_passphrase_and_key`), and once one such key
is enrolled the passphrase-only wrap and the TOTP secret are deleted: a copy
of the database and her passphrase then open nothing without one of her keys,
and no passphrase guess can be tested against it. A key without PRF only
signs in, in place of the TOTP code, while her passphrase-only wrap remains.

The server checks every registration and assertion with py_webauthn (user
verification required, the origin and RP id of `public_url`, the counter)
and checks what py_webauthn does not: that the credential is one of this
account's keys. Challenges are stateless: random bytes, the minute they
expire and a MAC under the instance's secret, bound to what they are for and
whose they are; an answered challenge is recorded (`spent_challenges`), so an
assertion is never taken twice, even from a key that keeps no counter. The
PRF outputs are used for one request and never stored. docs/security-keys.md
has the design and what each copy of the portal yields.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from webauthn import (
    verify_registration_response,
)
from webauthn.helpers import (
    parse_client_data_json,
    parse_registration_credential_json,
)

from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from crypto.passphrase import (
    SALT_SIZE,
    Argon2Params,
    derive_key,
    unwrap_with_passphrase_and_key,
    wrap_with_passphrase_and_key,
)
from portal.core import audit
from portal.core.authentication import (
    AccountError,
    check_passphrase,
    failed,
    personal_seed,
    refuse_while_locked,
)
from portal.core.key_challenges import (
    MAX_KEYS,
    MAX_LABEL_LENGTH,
    MAX_RESPONSE_LENGTH,
    Challenges,
    KeyRefused,
    RelyingParty,
    key_locked,
    keys_of,
    protects,
    wrap_binding,
)
from portal.core.key_sign_in import (
    Answer,
    check_assertion,
    mark_used,
    open_with,
)
from portal.store import forget_deleted
from portal.store.models import Account, SecurityKey


def _label(label: str) -> str:
    cleaned = " ".join(label.split())
    if not cleaned:
        raise KeyRefused("Give the key a name, such as “blue key” or “spare in the safe”.")
    if len(cleaned) > MAX_LABEL_LENGTH:
        raise KeyRefused(f"A key's name can be at most {MAX_LABEL_LENGTH} characters.")
    return cleaned


@dataclass(frozen=True)
class Enrolled:
    """What enrolment did: the key, whether it protects her key, and keys it removed."""

    key: SecurityKey
    protects: bool
    removed: tuple[str, ...]


def _personal_seed_for_enrolment(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account: Account,
    passphrase: str,
    check: Answer | None,
    now: datetime.datetime,
) -> bytes:
    """Her personal seed, by her passphrase and, if only keys open it, a touch of one."""
    wrong = AccountError(
        "Your passphrase, or the key you touched first, was not right. Nothing was added."
    )
    if not key_locked(account):
        try:
            return personal_seed(account, passphrase)
        except CryptoError:
            failed(session, account, now)
            raise wrong from None
    if check is None:
        raise KeyRefused("Touch one of your security keys first: it opens your key.")
    checked = check_assertion(
        session, challenges, rp, account, check, "check", str(account.id), now
    )
    if checked is None or not protects(checked.key):
        failed(session, account, now)
        raise wrong
    try:
        seed, _derived = open_with(account, checked.key, passphrase, check.first)
    except (CryptoError, ValueError):
        failed(session, account, now)
        raise wrong from None
    mark_used(session, checked.key, now)
    return seed


def _wrapped(
    account: Account,
    key: SecurityKey,
    seed: bytes,
    passphrase: str,
    prf: bytes | None,
    argon2: Argon2Params,
) -> bytes:
    """Her personal seed wrapped for a key (one Argon2id call, with a salt of its own),
    opened again before it is used, so no wrap that fails to open is ever stored."""
    if prf is None:
        raise KeyRefused("That key gave no answer to open your key with. Nothing was changed.")
    salt = os.urandom(SALT_SIZE)
    derived = derive_key(passphrase, salt, argon2)
    binding = wrap_binding(account, key.credential_id)
    wrap = wrap_with_passphrase_and_key(
        seed, derived, salt, argon2, prf, account.name, key.credential_id, binding
    )
    opened = unwrap_with_passphrase_and_key(
        wrap, derived, prf, account.name, key.credential_id, binding
    )
    if opened != seed:  # pragma: no cover - AES-GCM either opens what it sealed or raises
        raise CryptoError("a new wrap did not open")
    return wrap


def enrol(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account_id: int,
    passphrase: str,
    label: str,
    registration: str,
    confirm: Answer | None,
    argon2: Argon2Params,
    check: Answer | None = None,
    now: datetime.datetime | None = None,
) -> Enrolled:
    """Add a key: her passphrase (and a touch of a key she has, when keys lock hers)
    opens her personal key; the new key's registration is checked, and its first
    assertion (`confirm`), with its PRF output, wraps her key for it. The first
    key that protects her key deletes the passphrase-only wrap, the TOTP secret
    and any key without PRF, in the same transaction."""
    now = now or datetime.datetime.now(datetime.UTC)
    account = session.get(Account, account_id)
    if account is None or account.disabled:
        raise AccountError("The account no longer exists.")
    name = _label(label)
    refuse_while_locked(account, now)
    if len(registration) > MAX_RESPONSE_LENGTH or len(keys_of(session, account.id)) >= MAX_KEYS:
        raise KeyRefused("That key could not be added.")
    seed = _personal_seed_for_enrolment(session, challenges, rp, account, passphrase, check, now)
    if PrivateKey.from_bytes(seed).public_key.to_bytes() != account.public_key:
        raise AccountError("Your key does not match this account. Nothing was added.")
    refused = KeyRefused(
        "The key was not added: the browser's answer was not one this page asked for. "
        "Reload the page and try again, and touch the key when it blinks."
    )
    try:
        parsed = parse_registration_credential_json(registration)
        challenge = parse_client_data_json(parsed.response.client_data_json).challenge
    except Exception:  # py_webauthn raises many kinds for malformed input
        raise refused from None
    if not challenges.spend(session, challenge, "enrol", str(account.id), now):
        raise refused
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except Exception:  # any failed check
        raise refused from None
    if session.scalar(
        select(SecurityKey.id).where(SecurityKey.credential_id == verified.credential_id)
    ):
        raise KeyRefused("That key is already added.")
    key = SecurityKey(
        account_id=account.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        label=name,
        backed_up=verified.credential_backed_up,
        added_on=now.date(),
    )
    session.add(key)
    session.flush()
    if confirm is not None and confirm.first is not None:
        checked = check_assertion(
            session, challenges, rp, account, confirm, "confirm", str(account.id), now
        )
        if checked is None or checked.key.id != key.id:
            session.delete(key)  # the challenges stay spent
            session.commit()
            raise refused
        key.prf_salt = challenges.derived(b"new-prf-salt", challenge)
        key.wrapped_private_key = _wrapped(account, key, seed, passphrase, confirm.first, argon2)
    removed: tuple[str, ...] = ()
    if protects(key) and not key_locked(account):
        # Her first key that locks her key: nothing else may open it now.
        others = [k for k in keys_of(session, account.id) if k.id != key.id and not protects(k)]
        removed = tuple(k.label for k in others)
        for other in others:
            session.delete(other)
        account.wrapped_private_key = b""
        account.totp_secret = b""
    elif not protects(key) and key_locked(account):
        session.delete(key)
        session.commit()
        raise KeyRefused(
            "That key cannot be added: it does not support “PRF”, and your key is locked by "
            "your security keys, so it could not open it."
        )
    audit.record(
        session,
        actor=account.name,
        action="security key added",
        subject=account.name,
        detail="protects the key" if protects(key) else "signs in only",
    )
    session.commit()
    forget_deleted(session)  # the passphrase-only wrap and TOTP secret, gone from the log too
    return Enrolled(key, protects(key), removed)


def remove(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account_id: int,
    key_id: int,
    passphrase: str,
    check: Answer | None,
    now: datetime.datetime | None = None,
) -> str:
    """Remove one of her keys; its label. The last key that locks her key cannot go
    (an admin's reset is the way, and it loses her key); another key's touch, or,
    on an account her passphrase still opens, the passphrase, is needed."""
    now = now or datetime.datetime.now(datetime.UTC)
    account = session.get(Account, account_id)
    key = session.get(SecurityKey, key_id)
    if account is None or key is None or key.account_id != account.id:
        raise KeyRefused("That key is not one of yours, or it was removed already.")
    refuse_while_locked(account, now)
    if key_locked(account):
        remaining = [k for k in keys_of(session, account.id) if k.id != key.id and protects(k)]
        if not remaining:
            raise KeyRefused(
                "This is your only key that opens your key, so it cannot be removed here. "
                "Add a spare first. If it is lost, an admin can reset your keys."
            )
        checked = (
            check_assertion(session, challenges, rp, account, check, "check", str(account.id), now)
            if check is not None
            else None
        )
        if checked is None or checked.key.id == key.id:
            failed(session, account, now)
            raise KeyRefused("Touch another of your keys to remove this one. Nothing was removed.")
        mark_used(session, checked.key, now)
    else:
        try:
            personal_seed(account, passphrase)
        except CryptoError:
            failed(session, account, now)
            raise AccountError("Your passphrase was not right. Nothing was removed.") from None
    label = key.label
    session.delete(key)
    audit.record(session, actor=account.name, action="security key removed", subject=account.name)
    session.commit()
    forget_deleted(session)
    return label


def forget_all(session: Session, account: Account) -> int:
    """Delete every key of hers and its wrap (an admin's reset); how many went.

    If her keys locked her key, nothing opens it any more: the caller gives
    her a new one (`authenticators.set_up_new`), and her group keys must be
    granted again.
    """
    gone = session.execute(delete(SecurityKey).where(SecurityKey.account_id == account.id))
    account.webauthn_user_id = None
    return int(getattr(gone, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Rewrapped:
    """A passphrase change on an account only keys open: the keys wrapped again under
    the new passphrase, and those removed because she did not bring them."""

    kept: tuple[str, ...]
    removed: tuple[str, ...]


def change_passphrase(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account_id: int,
    current: str,
    new: str,
    touches: list[Answer],
    argon2: Argon2Params,
    now: datetime.datetime | None = None,
) -> Rewrapped:
    """Change the passphrase of an account only keys open: each key she touched is
    wrapped again under the new passphrase (two Argon2id calls a key), and every
    other key is removed, so the old passphrase opens nothing with a key left behind.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    account = session.get(Account, account_id)
    if account is None or not key_locked(account):
        raise AccountError("The account no longer exists.")
    refuse_while_locked(account, now)
    check_passphrase(new, account.name)
    wrong = AccountError(
        "Your current passphrase, or a key you touched, was not right. Nothing was changed."
    )
    rewrapped: dict[int, bytes] = {}
    for touch in touches[:MAX_KEYS]:
        checked = check_assertion(
            session, challenges, rp, account, touch, "check", str(account.id), now
        )
        if checked is None or not protects(checked.key) or checked.key.id in rewrapped:
            failed(session, account, now)
            raise wrong
        try:
            seed, _derived = open_with(account, checked.key, current, touch.first)
        except (CryptoError, ValueError):
            failed(session, account, now)
            raise wrong from None
        rewrapped[checked.key.id] = _wrapped(account, checked.key, seed, new, touch.first, argon2)
        mark_used(session, checked.key, now)
    if not rewrapped:
        raise KeyRefused("Touch at least one of your security keys to change your passphrase.")
    kept, removed = [], []
    for key in keys_of(session, account.id):
        if key.id in rewrapped:
            key.wrapped_private_key = rewrapped[key.id]
            kept.append(key.label)
        else:
            removed.append(key.label)
            session.delete(key)
    audit.record(session, actor=account.name, action="passphrase changed", subject=account.name)
    session.commit()
    forget_deleted(session)
    return Rewrapped(tuple(kept), tuple(removed))
