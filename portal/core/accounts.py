"""Charity accounts' lifecycle: names, creation, disabling, removal, waiting for keys.

Signing in and passphrases are in `authentication`; the group keys an account
holds, in `grants`. An admin account never holds a group key, so an admin can
never decrypt a report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto.keys import PrivateKey
from crypto.passphrase import Argon2Params, wrap_with_passphrase
from portal.core import audit, bindings, invitations
from portal.core.authentication import AccountError, check_passphrase, seal_totp_secret
from portal.core.grants import (
    ROLE_GROUP,
    destroy_secret_file,
    rotate_group_key,
    take_bootstrap_grants,
)
from portal.core.group_keys import current_group_key
from portal.store import forget_deleted
from portal.store.models import Account, AccountSession, GroupKeyGrant, Invitation, Role

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_TAKEN = "That name is already taken."


@dataclass(frozen=True)
class Enrolment:
    """A new account and the otpauth:// URI to put in an authenticator app."""

    account_id: int
    name: str
    otpauth_uri: str


def check_name(name: str) -> str:
    """Account names: letters, digits, dot, dash and underscore, up to 64 characters."""
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            "Names use letters, digits, dots, dashes and underscores, up to 64 characters."
        )
    return name


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
    totp_secret: str | None = None,
    confirmed_step: int = 0,
) -> Enrolment:
    """Create an account; the first advocate or staff member takes the bootstrap key.

    An invitation, if given, is spent in the same transaction, before anything
    is written (LinkSpent if another request spent it meanwhile). `totp_secret` is
    one the holder's app already gave a code for (at `confirmed_step`, which is
    then not accepted again); without it a new secret is made.
    """
    check_name(name)
    check_passphrase(passphrase, name)
    if session.scalars(select(Account.id).where(Account.name == name)).first() is not None:
        raise AccountError(NAME_TAKEN)
    # Invitations made before any account existed are first-admin links from
    # `portal serve`: the first account, however it is made, ends them all.
    first_account = session.scalars(select(Account.id)).first() is None
    personal = PrivateKey.generate()
    secret = totp_secret or pyotp.random_base32()
    account = Account(
        name=name,
        role=role,
        public_key=personal.public_key.to_bytes(),
        wrapped_private_key=wrap_with_passphrase(
            personal.to_bytes(), passphrase, argon2, bindings.account_secret(name, "private_key")
        ),
        totp_secret=seal_totp_secret(personal, name, secret),
        last_totp_step=confirmed_step,
        failed_logins=0,
    )
    # Spent after the Argon2id call above, so no other writer waits for it.
    if invitation is not None:
        invitations.spend(session, invitation)
    session.add(account)
    try:
        session.flush()
    except IntegrityError:
        # Another request took the name since the check above (two at the same instant).
        session.rollback()
        raise AccountError(NAME_TAKEN) from None
    audit.record(session, actor=actor, action="account created", subject=name, detail=role.value)
    bootstrap_files = take_bootstrap_grants(session, account, secrets_path)
    if first_account:
        session.execute(delete(Invitation))
    session.commit()
    if bootstrap_files:
        forget_deleted(session)  # the bootstrap versions' seals, gone from the log too
    for path in bootstrap_files:
        destroy_secret_file(path)
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)
    return Enrolment(account.id, name, uri)


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
