"""One-time invitation links for new accounts; only a hash of each token is stored."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.core import audit
from portal.store.models import Account, Invitation, Role, today

VALID_DAYS = 7


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create(session: Session, role: Role, actor: str) -> str:
    """A new invitation; the token is returned once and only its hash is kept."""
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            token_hash=_hash(token),
            role=role,
            expires_on=today() + datetime.timedelta(days=VALID_DAYS),
        )
    )
    audit.record(session, actor=actor, action="invitation created", detail=role.value)
    session.commit()
    return token


def find(session: Session, token: str) -> Invitation | None:
    """The valid invitation a token names, if any."""
    invitation = session.scalars(
        select(Invitation).where(Invitation.token_hash == _hash(token))
    ).first()
    if invitation is None or invitation.expires_on < today():
        return None
    return invitation


def setup_needed(session: Session) -> bool:
    """True on a fresh instance: no account exists yet."""
    return session.scalars(select(Account.id)).first() is None


def first_admin_link(session: Session) -> str:
    """A fresh one-time link for creating the first admin, replacing any older one."""
    session.execute(delete(Invitation).where(Invitation.role == Role.ADMIN))
    return create(session, Role.ADMIN, actor="setup")
