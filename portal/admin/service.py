"""What admins do, as functions over a database session. Admins never hold keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.passphrase import Argon2Params
from portal.core import accounts, authenticators, grants, invitations, key_challenges
from portal.core.accounts import Enrolment
from portal.core.authentication import AccountError, check_passphrase
from portal.core.authenticators import Offer
from portal.core.principal import Principal
from portal.store.models import Account, Invitation, Role

ACTIONS = ("disable", "enable", "remove")


class NoSuchChange(Exception):
    """No such account, no such action, or an admin acting on their own account."""


@dataclass(frozen=True)
class Overview:
    """Every account, by role then name; the ids of those waiting for a key, and of
    those waiting to set up a new authenticator."""

    accounts: list[Account]
    waiting: set[int]
    resetting: set[int]
    keyed: set[int]  # those with security keys: a reset removes them too


def overview(session: Session) -> Overview:
    """Every account, and which active members lack their group's current key."""
    everyone = session.scalars(select(Account).order_by(Account.role, Account.name)).all()
    waiting = {
        account.id
        for role in (Role.ADVOCATE, Role.STAFF)
        for account in accounts.waiting_for_keys(session, role)
    }
    keyed = {account.id for account in everyone if key_challenges.has_keys(session, account.id)}
    resetting = {a.id for a in everyone if not a.totp_secret and a.id not in keyed}
    return Overview(list(everyone), waiting, resetting, keyed)


def change_account(session: Session, principal: Principal, account_id: int, action: str) -> None:
    """Disable, enable or remove another account (removal rotates its group's key)."""
    account = session.get(Account, account_id)
    if account is None or account.id == principal.account_id or action not in ACTIONS:
        raise NoSuchChange
    if action == "remove":
        accounts.remove_account(session, account, principal.name)
    else:
        accounts.disable_account(session, account, principal.name, disabled=action == "disable")


@dataclass(frozen=True)
class Joining:
    """What a join page sent: the name and passphrase chosen, and the app's code."""

    name: str
    passphrase: str
    code: str
    sent_offer: str  # the sealed secret the form carried back


def offer_for(token: str, sent_back: str | None, server_secret: bytes) -> Offer:
    """The TOTP secret a set-up page offers: the one its form carried back, if it was
    sealed for this link, else a new one."""
    link_hash = invitations.token_hash(token)
    offer = authenticators.returned_offer(server_secret, link_hash, sent_back or "")
    return offer or authenticators.new_offer(server_secret, link_hash)


def join(
    session: Session,
    invitation: Invitation,
    joining: Joining,
    offer: Offer,
    argon2: Argon2Params,
    secrets_path: Path,
) -> Enrolment:
    """Create an account from an invitation, spending it, once the authenticator app
    gave a current code for the offered secret; AccountError says why not."""
    accounts.check_name(joining.name)
    check_passphrase(joining.passphrase, joining.name)
    if joining.sent_offer != offer.sealed:
        raise authenticators.OfferChanged
    step = authenticators.confirmed_step(offer, joining.code)
    try:
        return accounts.create_account(
            session,
            joining.name,
            invitation.role,
            joining.passphrase,
            argon2,
            secrets_path,
            actor="invitation",
            invitation=invitation,
            totp_secret=offer.secret,
            confirmed_step=step,
        )
    except AccountError:
        session.rollback()  # the invitation stays, for another try
        raise


def reset_authenticator(
    session: Session, principal: Principal, account_id: int
) -> tuple[Account, str]:
    """End another account's authenticator and sessions: the account, and the token of
    the one-time link for a new one. NoSuchChange for their own or an unknown one."""
    account = session.get(Account, account_id)
    if account is None or account.id == principal.account_id:
        raise NoSuchChange
    return account, authenticators.reset(session, account, actor=principal.name)


def gives_new_key(session: Session, link: Invitation) -> bool:
    """Whether a reset link is for someone whose old key only her (reset) security keys
    opened: it then makes her a new key, and she must be granted access again."""
    member = session.get(Account, link.account_id)
    return member is not None and key_challenges.key_locked(member)


@dataclass(frozen=True)
class NewAuthenticator:
    """What a reset link's page sent: the passphrase (twice, when it makes a new key)
    and the app's code."""

    passphrase: str
    confirm: str
    code: str
    sent_offer: str  # the sealed secret the form carried back


def new_authenticator(
    session: Session, link: Invitation, sent: NewAuthenticator, offer: Offer, argon2: Argon2Params
) -> Account:
    """Set up the new authenticator a reset link is for; AccountError or LoginFailed if not."""
    if sent.sent_offer != offer.sealed:
        raise authenticators.OfferChanged
    if gives_new_key(session, link) and sent.confirm != sent.passphrase:
        raise AccountError("The two passphrases do not match. Type the same one in both boxes.")
    return authenticators.set_up_new(session, link, sent.passphrase, offer, sent.code, argon2)


def enrolled_fingerprint(session: Session, enrolment: Enrolment, role: Role) -> str:
    """The new account's key fingerprint, for members of a group (granters compare it)."""
    account = session.get(Account, enrolment.account_id)
    if account is None or role not in grants.ROLE_GROUP:
        return ""
    return grants.stored_fingerprint(account)
