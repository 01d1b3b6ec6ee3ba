"""Charity accounts: creation, passphrases, sign-in with TOTP, and group-key grants.

Each account has a personal key pair; the private half is wrapped under
Argon2id(passphrase), so one Argon2id call at sign-in unlocks it and, with it,
the TOTP secret and every group key sealed to the account. An admin account
never holds a group key, so an admin can never decrypt a report.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from crypto.envelope import unwrap_key, wrap_key
from crypto.errors import CryptoError, WrongPassphrase
from crypto.keys import PrivateKey, PublicKey, open_private_key, seal_private_key
from crypto.passphrase import Argon2Params, derive_key, unwrap_with_passphrase, wrap_with_passphrase
from crypto.words import key_fingerprint, same_fingerprint
from portal.core import audit, bindings
from portal.core.group_keys import current_group_key, forget_index, move_seals, new_group_key
from portal.core.guessing import strong_enough
from portal.core.instance import bootstrap_secret_path
from portal.store import forget_deleted
from portal.store.models import (
    Account,
    AccountSession,
    Group,
    GroupKey,
    GroupKeyGrant,
    Holder,
    Invitation,
    Role,
    today,
)

MIN_PASSPHRASE_LENGTH = 12
# Guesses a chosen passphrase must need (see check_passphrase).
MIN_GUESSES = 10**14
MAX_PASSPHRASE_LENGTH = 1024
_ADVICE = "Use five or more unrelated words, for example six picked at random."
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_FAILED_LOGINS = 5
LOCKOUT = datetime.timedelta(minutes=15)
TOTP_STEP_SECONDS = 30
ROLE_GROUP = {Role.ADVOCATE: Group.ADVOCATES, Role.STAFF: Group.EXPORTERS}


class AccountError(Exception):
    """An account could not be created or changed; the message says why, plainly."""


class LoginFailed(Exception):
    """Sign-in failed. Deliberately says nothing about which part was wrong."""


class AccountLocked(LoginFailed):
    """Too many failed sign-ins: the account is locked for a while."""


@dataclass(frozen=True)
class Enrolment:
    """A new account and the otpauth:// URI to put in an authenticator app."""

    account_id: int
    name: str
    otpauth_uri: str


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


def check_name(name: str) -> str:
    """Account names: letters, digits, dot, dash and underscore, up to 64 characters."""
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            "Names use letters, digits, dots, dashes and underscores, up to 64 characters."
        )
    return name


def _totp_key(personal: PrivateKey) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/v1/totp-secret"
    ).derive(personal.seed)


def create_account(
    session: Session,
    name: str,
    role: Role,
    passphrase: str,
    argon2: Argon2Params,
    secrets_path: Path,
    actor: str,
    issuer: str = "Reporting portal",
    invitation: Invitation | None = None,
) -> Enrolment:
    """Create an account; the first advocate or staff member takes the bootstrap key.

    An invitation, if given, is spent in the same transaction.
    """
    check_name(name)
    check_passphrase(passphrase, name)
    if session.scalars(select(Account.id).where(Account.name == name)).first() is not None:
        raise AccountError("That name is already taken.")
    # Invitations made before any account existed are first-admin links from
    # `portal serve`: the first account, however it is made, ends them all.
    first_account = session.scalars(select(Account.id)).first() is None
    personal = PrivateKey.generate()
    secret = pyotp.random_base32()
    account = Account(
        name=name,
        role=role,
        public_key=personal.public_key.to_bytes(),
        wrapped_private_key=wrap_with_passphrase(
            personal.seed, passphrase, argon2, bindings.account_private_key(name)
        ),
        totp_secret=wrap_key(
            _totp_key(personal), secret.encode(), bindings.account_totp_secret(name)
        ),
        last_totp_step=0,
        failed_logins=0,
    )
    session.add(account)
    session.flush()
    audit.record(session, actor=actor, action="account created", subject=name, detail=role.value)
    bootstrap_file = _take_bootstrap_grant(session, account, secrets_path)
    if invitation is not None:
        session.delete(invitation)
    if first_account:
        session.execute(delete(Invitation))
    session.commit()
    if bootstrap_file is not None:
        forget_deleted(session)  # the bootstrap version's seals, gone from the log too
        _destroy(bootstrap_file)
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)
    return Enrolment(account.id, name, uri)


def _take_bootstrap_grant(session: Session, account: Account, secrets_path: Path) -> Path | None:
    """Give the group's first member a new version of its key, retiring the bootstrap one.

    The bootstrap version's private key sits wrapped under a secret file that
    any copy of instance/ made since `portal init` holds. So the first member
    does not take that key: a new version is made, sealed to them and to
    recovery, everything sealed to the bootstrap version is moved to the new
    one, and the bootstrap version is deleted with all its copies, in one
    transaction. A copy of the secret then opens nothing stored.
    """
    group = ROLE_GROUP.get(account.role)
    if group is None:
        return None
    path = bootstrap_secret_path(secrets_path, group)
    grant = session.scalars(
        select(GroupKeyGrant)
        .join(GroupKey)
        .where(GroupKey.group == group, GroupKeyGrant.holder == Holder.BOOTSTRAP)
    ).first()
    if grant is None or not path.exists():
        return None
    old = grant.group_key
    secret = bytes.fromhex(path.read_text())
    old_private = PrivateKey(
        unwrap_key(
            secret, grant.sealed_key, bindings.group_key_grant(group, old.version, Holder.BOOTSTRAP)
        )
    )
    newest = session.scalar(select(func.max(GroupKey.version)).where(GroupKey.group == group))
    new_key, new_private = new_group_key(session, group, (newest or old.version) + 1)
    _seal_to(session, account, new_key, new_private)
    moved = move_seals(session, old, old_private, new_key)
    # A report sealed to the old version by a request racing this one now
    # fails its foreign key and is refused, never stored unreadable.
    session.delete(old)
    audit.record(
        session,
        actor="bootstrap",
        action="group key rotated",
        detail=f"{group.value}/{new_key.version}; {moved} report keys moved; "
        f"{group.value}/{old.version} deleted",
    )
    audit.record(
        session,
        actor="bootstrap",
        action="key granted",
        subject=account.name,
        detail=f"{group.value}/{new_key.version}",
    )
    return path


def _destroy(path: Path) -> None:
    """Overwrite a secret file, then remove it."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(bytes(size))
    path.unlink()


def account_holder(account_id: int) -> str:
    """The holder name that binds a grant to one account."""
    return f"account/{account_id}"


def _seal_to(session: Session, account: Account, group_key: GroupKey, private: PrivateKey) -> None:
    binding = bindings.group_key_grant(
        group_key.group, group_key.version, account_holder(account.id)
    )
    session.add(
        GroupKeyGrant(
            group_key=group_key,
            holder=Holder.ACCOUNT,
            account_id=account.id,
            sealed_key=seal_private_key(PublicKey.from_bytes(account.public_key), private, binding),
        )
    )


def held_group_keys(session: Session, unlocked: Unlocked) -> dict[str, PrivateKey]:
    """Open every group key sealed to this account, by "group/version"."""
    keys: dict[str, PrivateKey] = {}
    grants = session.scalars(
        select(GroupKeyGrant).where(GroupKeyGrant.account_id == unlocked.account_id)
    )
    for grant in grants:
        group_key = grant.group_key
        binding = bindings.group_key_grant(
            group_key.group, group_key.version, account_holder(unlocked.account_id)
        )
        keys[f"{group_key.group.value}/{group_key.version}"] = open_private_key(
            unlocked.personal_key, grant.sealed_key, binding
        )
    return keys


def own_fingerprint(unlocked: Unlocked) -> str:
    """The words naming the account's public key as its passphrase opened it (what members see)."""
    return key_fingerprint(unlocked.personal_key.public_key.to_bytes())


def stored_fingerprint(account: Account) -> str:
    """The words naming the public key the database holds for an account (grants seal to it)."""
    return key_fingerprint(account.public_key)


def grant_group_keys(
    session: Session, keys: dict[str, PrivateKey], member: Account, actor: str, fingerprint: str
) -> int:
    """Seal every key of the member's group that the granter holds to the member.

    `fingerprint` is what the granter compared with the member: the grant is
    sealed only if the stored public key still has it, so a key swapped in the
    database, even after the comparison, receives nothing.
    """
    group = ROLE_GROUP.get(member.role)
    if group is None or member.disabled:
        raise AccountError("Only active advocates and staff can be given keys.")
    if not same_fingerprint(fingerprint, stored_fingerprint(member)):
        raise AccountError(
            f"The key of {member.name} does not match the words that were compared. "
            "Nothing was granted. Compare the words with them again, in person or by phone."
        )
    current = current_group_key(session, group)
    if f"{group.value}/{current.version}" not in keys:
        raise AccountError(
            "The key changed after you signed in. Sign out and in again, then grant access."
        )
    held = {
        g.group_key_id
        for g in session.scalars(select(GroupKeyGrant).where(GroupKeyGrant.account_id == member.id))
    }
    granted = 0
    for group_key in session.scalars(select(GroupKey).where(GroupKey.group == group)):
        private = keys.get(f"{group.value}/{group_key.version}")
        if private is None or group_key.id in held:
            continue
        _seal_to(session, member, group_key, private)
        audit.record(
            session,
            actor=actor,
            action="key granted",
            subject=member.name,
            detail=f"{group.value}/{group_key.version}",
        )
        granted += 1
    session.commit()
    return granted


def recovery_group_keys(
    session: Session, recovery: PrivateKey, group: Group
) -> dict[str, PrivateKey]:
    """Open every version of a group's key with the recovery key."""
    keys = {}
    grants = session.scalars(
        select(GroupKeyGrant)
        .join(GroupKey)
        .where(GroupKey.group == group, GroupKeyGrant.holder == Holder.RECOVERY)
    )
    for grant in grants:
        group_key = grant.group_key
        binding = bindings.group_key_grant(group, group_key.version, Holder.RECOVERY)
        keys[f"{group.value}/{group_key.version}"] = open_private_key(
            recovery, grant.sealed_key, binding
        )
    return keys


def _dummy_argon2(argon2: Argon2Params) -> None:
    """Spend what a real sign-in spends, so timing does not reveal unknown names."""
    derive_key("not a real passphrase", bytes(16), argon2)


def _open_personal_key(
    session: Session, name: str, passphrase: str, now: datetime.datetime, argon2: Argon2Params
) -> tuple[Account, PrivateKey]:
    """The account and its personal key: one Argon2id call; failures count to the lockout."""
    account = session.scalars(select(Account).where(Account.name == name)).first()
    if account is None or account.disabled:
        _dummy_argon2(argon2)
        raise LoginFailed
    locked_until = account.locked_until
    if locked_until is not None and locked_until.replace(tzinfo=datetime.UTC) > now:
        _dummy_argon2(argon2)  # a quick refusal would show that the name exists
        raise AccountLocked
    try:
        seed = unwrap_with_passphrase(
            account.wrapped_private_key, passphrase, bindings.account_private_key(account.name)
        )
    except (WrongPassphrase, CryptoError):
        _failed(session, account, now)
        raise LoginFailed from None
    return account, PrivateKey(seed)


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
    account, personal = _open_personal_key(session, name, passphrase, now, argon2)
    try:
        secret = unwrap_key(
            _totp_key(personal), account.totp_secret, bindings.account_totp_secret(account.name)
        )
    except CryptoError:
        _failed(session, account, now)
        raise LoginFailed from None
    step = _accepted_step(secret.decode(), code, account.last_totp_step, now)
    if step is None or not _claim_step(session, account, step):
        _failed(session, account, now)
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
    account, personal = _open_personal_key(session, name, passphrase, now, argon2)
    audit.record(session, actor=account.name, action="unlocked on the command line")
    session.commit()
    return Unlocked(account.id, account.name, account.role, personal)


def _accepted_step(secret: str, code: str, last_step: int, now: datetime.datetime) -> int | None:
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


def _failed(session: Session, account: Account, now: datetime.datetime) -> None:
    account.failed_logins += 1
    if account.failed_logins >= MAX_FAILED_LOGINS:
        account.locked_until = now + LOCKOUT
        account.failed_logins = 0
        audit.record(session, actor="system", action="account locked", subject=account.name)
    session.commit()


def change_passphrase(
    session: Session, account_id: int, current: str, new: str, argon2: Argon2Params
) -> None:
    """Rewrap the personal key under a new passphrase (the current one unlocks it)."""
    account = session.get(Account, account_id)
    if account is None:
        raise AccountError("The account no longer exists.")
    try:
        seed = unwrap_with_passphrase(
            account.wrapped_private_key, current, bindings.account_private_key(account.name)
        )
    except (WrongPassphrase, CryptoError):
        raise AccountError("Your current passphrase was not right.") from None
    check_passphrase(new, account.name)
    account.wrapped_private_key = wrap_with_passphrase(
        seed, new, argon2, bindings.account_private_key(account.name)
    )
    audit.record(session, actor=account.name, action="passphrase changed", subject=account.name)
    session.commit()


def disable_account(session: Session, account: Account, actor: str, disabled: bool = True) -> None:
    """Stop (or allow again) an account signing in; its sessions end at once."""
    account.disabled = disabled
    if disabled:
        session.execute(delete(AccountSession).where(AccountSession.account_id == account.id))
    action = "account disabled" if disabled else "account enabled"
    audit.record(session, actor=actor, action=action, subject=account.name)
    session.commit()
    forget_deleted(session)


def remove_account(session: Session, account: Account, actor: str) -> None:
    """Delete an account and its keys; rotate each group it held for future reports."""
    groups = {
        grant.group_key.group
        for grant in session.scalars(
            select(GroupKeyGrant).where(GroupKeyGrant.account_id == account.id)
        )
    }
    name = account.name
    session.delete(account)
    session.flush()
    audit.record(session, actor=actor, action="account removed", subject=name)
    for group in sorted(groups):
        rotate_group_key(session, group, actor)
    session.commit()
    forget_deleted(session)


def rotate_group_key(session: Session, group: Group, actor: str) -> GroupKey:
    """Retire a group's key and seal a new one to the remaining active members and recovery.

    Only public keys are needed, so an admin can rotate without ever holding
    the group's private key; the new private key leaves memory when this returns.
    A disabled member gets no copy: if enabled again, they need a grant.
    """
    current = current_group_key(session, group)
    current.retired_on = today()
    new_key, private = new_group_key(session, group, current.version + 1)
    members = session.scalars(
        select(Account)
        .join(GroupKeyGrant, GroupKeyGrant.account_id == Account.id)
        .join(GroupKey, GroupKey.id == GroupKeyGrant.group_key_id)
        .where(GroupKey.group == group, Account.disabled.is_(False))
        .distinct()
    ).all()
    for member in members:
        _seal_to(session, member, new_key, private)
    if group is Group.ADVOCATES:
        forget_index(session)
    audit.record(
        session, actor=actor, action="group key rotated", detail=f"{group.value}/{new_key.version}"
    )
    return new_key


def waiting_for_keys(session: Session, role: Role) -> list[Account]:
    """Active accounts of a role that lack the current version of their group's key."""
    group = ROLE_GROUP[role]
    current = current_group_key(session, group)
    # NOT IN over a NULL would match nothing: recovery and bootstrap grants have no account.
    holders = select(GroupKeyGrant.account_id).where(
        GroupKeyGrant.group_key_id == current.id, GroupKeyGrant.account_id.is_not(None)
    )
    return list(
        session.scalars(
            select(Account)
            .where(Account.role == role, Account.disabled.is_(False), Account.id.not_in(holders))
            .order_by(Account.name)
        )
    )
