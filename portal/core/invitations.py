"""One-time links: invitations for new accounts, and links to set up a new authenticator.

Only a hash of each token is stored. A link to set up a new authenticator
names its account and never creates one; `find` and `find_reset` each
return only their own kind, so neither link works on the other's page.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.core import audit
from portal.core.authentication import AccountError
from portal.store.models import Account, Invitation, Role, today

VALID_DAYS = 7


class LinkSpent(AccountError):
    """The link was used meanwhile (two tries at once): only the first counts."""

    def __init__(self) -> None:
        super().__init__("This link has just been used. Sign in, or ask an admin for a new one.")


def token_hash(token: str) -> bytes:
    """What is stored of a link's token (and what an offered TOTP secret is bound to)."""
    return hashlib.sha256(token.encode()).digest()


def new_link(session: Session, role: Role, account: Account | None = None) -> str:
    """Add a one-time link valid for VALID_DAYS (not committed); return its token, once."""
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            token_hash=token_hash(token),
            role=role,
            expires_on=today() + datetime.timedelta(days=VALID_DAYS),
            account_id=None if account is None else account.id,
        )
    )
    return token


def create(session: Session, role: Role, actor: str) -> str:
    """A new invitation; the token is returned once and only its hash is kept."""
    token = new_link(session, role)
    audit.record(session, actor=actor, action="invitation created", detail=role.value)
    session.commit()
    return token


def _valid(session: Session, token: str) -> Invitation | None:
    invitation = session.scalars(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).first()
    if invitation is None or invitation.expires_on < today():
        return None
    return invitation


def spend(session: Session, link: Invitation) -> None:
    """Delete a one-time link as part of the caller's transaction; LinkSpent (rolled
    back) if it is gone already.

    One conditional DELETE, so of two uses of a link at the same instant only
    one goes on: both found the link valid before either wrote. It is matched
    by its token's hash, never its id alone: SQLite gives a deleted row's id
    to the next row, so the id of a link spent or replaced meanwhile may
    already name another link.
    """
    spent = session.execute(
        delete(Invitation)
        .where(Invitation.token_hash == link.token_hash)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        session.rollback()
        raise LinkSpent


def find(session: Session, token: str) -> Invitation | None:
    """The valid invitation to create an account a token names, if any."""
    invitation = _valid(session, token)
    return invitation if invitation is not None and invitation.account_id is None else None


def find_reset(session: Session, token: str) -> Invitation | None:
    """The valid link to set up a new authenticator a token names, if any."""
    invitation = _valid(session, token)
    return invitation if invitation is not None and invitation.account_id is not None else None


def setup_needed(session: Session) -> bool:
    """True on a fresh instance: no account exists yet."""
    return session.scalars(select(Account.id)).first() is None


def first_admin_link(session: Session) -> str:
    """A fresh one-time link for creating the first admin, replacing any older one."""
    session.execute(
        delete(Invitation).where(Invitation.role == Role.ADMIN, Invitation.account_id.is_(None))
    )
    return create(session, Role.ADMIN, actor="setup")
