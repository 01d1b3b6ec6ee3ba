"""Signing in to a charity account: passphrase rules, TOTP, lockout, unlocking the key.

Each account has a personal key pair; the private half is wrapped under
Argon2id(passphrase), so one Argon2id call at sign-in unlocks it and, with it,
the TOTP secret (and, see `grants`, every group key sealed to the account).
Failures say nothing about what was wrong, and five in a row lock the account
for 15 minutes.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crypto.envelope import unwrap_key, wrap_key
from crypto.errors import CryptoError, WrongPassphrase
from crypto.keys import PrivateKey
from crypto.passphrase import Argon2Params, derive_key, unwrap_with_passphrase, wrap_with_passphrase
from portal.core import audit, bindings
from portal.core.guessing import strong_enough
from portal.store.models import Account, Role

MIN_PASSPHRASE_LENGTH = 12
# Guesses a chosen passphrase must need (see check_passphrase).
MIN_GUESSES = 10**14
MAX_PASSPHRASE_LENGTH = 1024
_ADVICE = "Use five or more unrelated words, for example six picked at random."
MAX_FAILED_LOGINS = 5
LOCKOUT = datetime.timedelta(minutes=15)
TOTP_STEP_SECONDS = 30


class AccountError(Exception):
    """An account could not be created or changed; the message says why, plainly."""


class LoginFailed(Exception):
    """Sign-in failed. Deliberately says nothing about which part was wrong."""


class AccountLocked(LoginFailed):
    """Too many failed sign-ins: the account is locked for a while."""


class LockedByKeys(LoginFailed):
    """A command on the server cannot open an account that only its security keys open."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name}'s key is locked by security keys, which a command on the server cannot "
            "use. Run this as a member without security keys, or use the web pages."
        )


class TooManyTries(AccountError):
    """The account's sign-in pauses after failures: so does every page that takes her
    passphrase or a key, or a stolen session could guess on past the lockout."""

    def __init__(self) -> None:
        super().__init__(
            "Too many tries were not right, so this waits 15 minutes, as signing in does. "
            "Nothing was changed."
        )


@dataclass(frozen=True)
class Unlocked:
    """A signed-in account with its personal key unlocked."""

    account_id: int
    name: str
    role: Role
    personal_key: PrivateKey


# zxcvbn's word lists take about 12 MB of memory: they are imported when a
# passphrase is first checked, not by every server process when it starts.


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_passphrase(passphrase: str, name: str) -> None:
    """Refuse a passphrase an attacker would guess in fewer than MIN_GUESSES tries.

    The TOTP secret is unwrapped by the same key as the private key, so against
    a seized database the passphrase is the only barrier: each guess costs one
    Argon2id call (64 MiB, 3 passes), and 10^14 of them take a rack of GPUs
    decades. `portal.core.guessing` judges words by how common they are, and
    refuses famous phrases and sequences, where zxcvbn alone would accept
    "correct horse battery staple". No character-class rules: they make
    passphrases weaker, not stronger. Signing in never calls this, so an
    older passphrase still works.
    """
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise AccountError(
            f"That passphrase is too short: use at least {MIN_PASSPHRASE_LENGTH} characters. "
            f"{_ADVICE}"
        )
    if len(passphrase) > MAX_PASSPHRASE_LENGTH:
        raise AccountError(f"Passphrases can be at most {MAX_PASSPHRASE_LENGTH} characters.")
    # The name with no letter either side: "ann" refuses "Ann1990" but not a suggested "annex".
    if re.search(rf"(?<![^\W\d_]){re.escape(name.casefold())}(?![^\W\d_])", passphrase.casefold()):
        raise AccountError(f"That passphrase contains the account name. {_ADVICE}")
    if passphrase.casefold() in _common_passwords():
        raise AccountError(f"That passphrase is too common: it is on lists of passwords. {_ADVICE}")
    if not strong_enough(passphrase, MIN_GUESSES, [name]):
        raise AccountError(
            f"That passphrase is too easy to guess. {_ADVICE} A well-known phrase, words in "
            "order (days, numbers) or a number or symbol added to a name or a word does not "
            "make it safe."
        )


def _totp_key(personal: PrivateKey) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/v1/totp-secret"
    ).derive(personal.seed)


def seal_totp_secret(personal: PrivateKey, name: str, secret: str) -> bytes:
    """A new account's TOTP secret, sealed under a key derived from its personal key."""
    return wrap_key(
        _totp_key(personal), secret.encode(), bindings.account_secret(name, "totp_secret")
    )


def dummy_argon2(argon2: Argon2Params) -> None:
    """Spend what a real sign-in spends, so timing does not reveal unknown names."""
    derive_key("not a real passphrase", bytes(16), argon2)


def personal_seed(account: Account, passphrase: str) -> bytes:
    """The account's personal private key, unlocked by its passphrase (one Argon2id call)."""
    return unwrap_with_passphrase(
        account.wrapped_private_key,
        passphrase,
        bindings.account_secret(account.name, "private_key"),
    )


def open_personal_key(
    session: Session, name: str, passphrase: str, now: datetime.datetime, argon2: Argon2Params
) -> tuple[Account, PrivateKey]:
    """The account and its personal key: one Argon2id call; failures count to the lockout."""
    account = session.scalars(select(Account).where(Account.name == name)).first()
    if account is None or account.disabled:
        dummy_argon2(argon2)
        raise LoginFailed
    locked_until = account.locked_until
    if locked_until is not None and locked_until.replace(tzinfo=datetime.UTC) > now:
        dummy_argon2(argon2)  # a quick refusal would show that the name exists
        raise AccountLocked
    if not account.wrapped_private_key:
        # Only her security keys open her key (`security_keys`): no passphrase alone
        # does. As slow as a real try, so the answer does not say which kind she is.
        dummy_argon2(argon2)
        failed(session, account, now)
        raise LoginFailed
    try:
        seed = personal_seed(account, passphrase)
    except (WrongPassphrase, CryptoError):
        failed(session, account, now)
        raise LoginFailed from None
    return account, PrivateKey.from_bytes(seed)


def authenticate(
    session: Session,
    name: str,
    passphrase: str,
    code: str,
    argon2: Argon2Params,
    now: datetime.datetime | None = None,
) -> Unlocked:
    """Check passphrase and TOTP code with one Argon2id call; LoginFailed if anything is wrong."""
    now = now or datetime.datetime.now(datetime.UTC)
    account, personal = open_personal_key(session, name, passphrase, now, argon2)
    if not account.totp_secret:
        # An admin reset the authenticator: only the link for a new one lets her in.
        # The right passphrase is not counted as a failure, or she would be locked
        # out of that link too.
        raise LoginFailed
    try:
        secret = unwrap_key(
            _totp_key(personal),
            account.totp_secret,
            bindings.account_secret(account.name, "totp_secret"),
        )
    except CryptoError:
        failed(session, account, now)
        raise LoginFailed from None
    step = accepted_step(secret.decode(), code, account.last_totp_step, now)
    if step is None or not _claim_step(session, account, step):
        failed(session, account, now)
        raise LoginFailed
    audit.record(session, actor=account.name, action="signed in")
    session.commit()
    return Unlocked(account.id, account.name, account.role, personal)


def unlock(session: Session, name: str, passphrase: str, argon2: Argon2Params) -> Unlocked:
    """Unlock an account's key with its passphrase alone (for commands run on the server).

    Whoever runs a command already has a shell on the server; the web sign-in
    also asks for a TOTP code. Failures count towards the lockout all the same.
    """
    now = datetime.datetime.now(datetime.UTC)
    keyed = session.scalars(select(Account).where(Account.name == name)).first()
    if keyed is not None and not keyed.wrapped_private_key:
        raise LockedByKeys(name)
    account, personal = open_personal_key(session, name, passphrase, now, argon2)
    audit.record(session, actor=account.name, action="unlocked on the command line")
    session.commit()
    return Unlocked(account.id, account.name, account.role, personal)


def accepted_step(secret: str, code: str, last_step: int, now: datetime.datetime) -> int | None:
    """The time step a code belongs to (allowing one step of clock drift), if not used before."""
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP_SECONDS
    cleaned = code.strip().replace(" ", "")
    for step in (current, current - 1, current + 1):
        if step > last_step and totp.at(step * TOTP_STEP_SECONDS) == cleaned:
            return step
    return None


def _claim_step(session: Session, account: Account, step: int) -> bool:
    """Mark a code's time step used, unless another sign-in has used it (or a later one).

    One conditional UPDATE, so of several sign-ins sent at the same instant
    with the same code, whichever writes first wins and the rest fail: a
    code seen over someone's shoulder cannot open a second session.
    """
    claimed = session.execute(
        update(Account)
        .where(Account.id == account.id, Account.last_totp_step < step)
        .values(last_totp_step=step, failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.refresh(account)
    return bool(getattr(claimed, "rowcount", 0) == 1)


def refuse_while_locked(account: Account, now: datetime.datetime) -> None:
    """TooManyTries while the account is locked, before any Argon2id call, so that a
    right guess and a wrong one get the same answer."""
    locked_until = account.locked_until
    if locked_until is not None and locked_until.replace(tzinfo=datetime.UTC) > now:
        raise TooManyTries


def failed(session: Session, account: Account, now: datetime.datetime) -> None:
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILED_LOGINS:
        account.locked_until = now + LOCKOUT
        account.failed_logins = 0
        audit.record(session, actor="system", action="account locked", subject=account.name)
    session.commit()


def change_passphrase(
    session: Session, account_id: int, current: str, new: str, argon2: Argon2Params
) -> None:
    """Rewrap the personal key under a new passphrase (the current one unlocks it); a
    wrong current passphrase counts towards the lockout, as at sign-in."""
    now = datetime.datetime.now(datetime.UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise AccountError("The account no longer exists.")
    refuse_while_locked(account, now)
    try:
        seed = personal_seed(account, current)
    except (WrongPassphrase, CryptoError):
        failed(session, account, now)
        raise AccountError("Your current passphrase was not right.") from None
    check_passphrase(new, account.name)
    wrapped = wrap_with_passphrase(
        seed, new, argon2, bindings.account_secret(account.name, "private_key")
    )
    # One conditional UPDATE: if her first security key locked her key meanwhile (and
    # deleted this wrap), no passphrase-only wrap is written back beside it.
    changed = session.execute(
        update(Account)
        .where(
            Account.id == account.id,
            Account.wrapped_private_key == account.wrapped_private_key,
        )
        .values(wrapped_private_key=wrapped)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) != 1:
        session.rollback()
        raise AccountError("Your account changed meanwhile. Nothing was changed: try again.")
    audit.record(session, actor=account.name, action="passphrase changed", subject=account.name)
    session.commit()
