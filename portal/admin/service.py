"""What admins do, as functions over a database session. Admins never hold keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.passphrase import Argon2Params
from portal.core import accounts, grants
from portal.core.accounts import Enrolment
from portal.core.authentication import AccountError
from portal.core.principal import Principal
from portal.store.models import Account, Invitation, Role

ACTIONS = ("disable", "enable", "remove")


class NoSuchChange(Exception):
    """No such account, no such action, or an admin acting on their own account."""


@dataclass(frozen=True)
class Overview:
    """Every account, by role then name, and the ids of those waiting for a key."""

    accounts: list[Account]
    waiting: set[int]


def overview(session: Session) -> Overview:
    """Every account, and which active members lack their group's current key."""
    everyone = session.scalars(select(Account).order_by(Account.role, Account.name)).all()
    waiting = {
        account.id
        for role in (Role.ADVOCATE, Role.STAFF)
        for account in accounts.waiting_for_keys(session, role)
    }
    return Overview(list(everyone), waiting)


def change_account(session: Session, principal: Principal, account_id: int, action: str) -> None:
    """Disable, enable or remove another account (removal rotates its group's key)."""
    account = session.get(Account, account_id)
    if account is None or account.id == principal.account_id or action not in ACTIONS:
        raise NoSuchChange
    if action == "remove":
        accounts.remove_account(session, account, principal.name)
    else:
        accounts.disable_account(session, account, principal.name, disabled=action == "disable")


def join(
    session: Session,
    invitation: Invitation,
    name: str,
    passphrase: str,
    argon2: Argon2Params,
    secrets_path: Path,
) -> Enrolment:
    """Create an account from an invitation, spending it; AccountError says why not."""
    try:
        return accounts.create_account(
            session,
            name,
            invitation.role,
            passphrase,
            argon2,
            secrets_path,
            actor="invitation",
            invitation=invitation,
        )
    except AccountError:
        session.rollback()  # the invitation stays, for another try
        raise


def enrolled_fingerprint(session: Session, enrolment: Enrolment, role: Role) -> str:
    """The new account's key fingerprint, for members of a group (granters compare it)."""
    account = session.get(Account, enrolment.account_id)
    if account is None or role not in grants.ROLE_GROUP:
        return ""
    return grants.stored_fingerprint(account)
