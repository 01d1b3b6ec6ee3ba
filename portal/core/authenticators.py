"""Authenticator apps (TOTP): one is set up before it counts, and an admin may reset it.

A set-up page (joining, or after a reset) offers a new secret, as a QR code
and as text, and stores it only with a current code from the app, so a key
copied wrongly never locks anyone out. Between the page and its answer the
secret is kept nowhere on the server: it goes back with the form, sealed
under a key derived from the instance's session secret and bound to that
page's one-time link (`bindings.totp_offer`), so it can be neither altered
nor carried to another link.

An admin who resets a member's authenticator destroys her TOTP secret, ends
her sessions and gets a one-time link for her that expires like an
invitation. The link alone opens nothing and takes nothing: the new secret is
sealed under her personal key, which only her passphrase unlocks (failures
count towards the same lockout as signing in), and her keys, her grants and
her passphrase are not touched. Until she uses the link she cannot sign in.

A reset also deletes her security keys. If they were what locked her key
(`security_keys`), nothing opens it any more: the link then makes her a new
personal key under the passphrase she gives, her old grants go (they were
sealed to the old key), and another member of her group, or `portal
recover`, must grant her the group keys again after comparing the new key's
fingerprint with her. The admin holds no group key and reads nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete
from sqlalchemy.orm import Session

from crypto.envelope import unwrap_key, wrap_key
from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from crypto.passphrase import Argon2Params, wrap_with_passphrase
from portal.core import audit, bindings, invitations, key_challenges, security_keys
from portal.core.authentication import (
    AccountError,
    LoginFailed,
    accepted_step,
    check_passphrase,
    open_personal_key,
    seal_totp_secret,
)
from portal.core.invitations import LinkSpent
from portal.store import forget_deleted
from portal.store.models import Account, AccountSession, GroupKeyGrant, Invitation

ISSUER = "Reporting portal"
GROUP = 4  # characters per group of the key shown as text, as authenticator apps show it


class WrongCode(AccountError):
    """The code typed is not one the offered secret gives now."""

    def __init__(self) -> None:
        super().__init__(
            "That code is not the one your authenticator app shows now. Check that you "
            "added the key shown on this page, then type the six digits it shows."
        )


class OfferChanged(AccountError):
    """The form came back without the secret it offered (altered, or from another page)."""

    def __init__(self) -> None:
        super().__init__(
            "The key on this page has changed. Add the new key below to your "
            "authenticator app, then type the code it shows."
        )


@dataclass(frozen=True)
class Offer:
    """A TOTP secret offered on a set-up page, and the sealed form of it the form carries."""

    secret: str
    sealed: str

    @property
    def grouped(self) -> str:
        """The secret in groups of four, for typing into an app by hand."""
        return " ".join(self.secret[i : i + GROUP] for i in range(0, len(self.secret), GROUP))

    def uri(self, label: str) -> str:
        """The otpauth:// URI a QR code carries, named `label` in the app."""
        return pyotp.TOTP(self.secret).provisioning_uri(name=label, issuer_name=ISSUER)


def _offer_key(server_secret: bytes) -> bytes:
    # A key of its own, so that nothing sealed for a form opens anything else.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/v1/totp-offer"
    ).derive(server_secret)


def new_offer(server_secret: bytes, link_hash: bytes) -> Offer:
    """A fresh secret for the page of the link whose token hashes to `link_hash`."""
    secret = pyotp.random_base32()
    sealed = wrap_key(_offer_key(server_secret), secret.encode(), bindings.totp_offer(link_hash))
    return Offer(secret, base64.urlsafe_b64encode(sealed).decode())


def returned_offer(server_secret: bytes, link_hash: bytes, sealed: str) -> Offer | None:
    """The offer a form sent back, if it was sealed for this link; None otherwise."""
    try:
        blob = base64.urlsafe_b64decode(sealed.encode())
        secret = unwrap_key(_offer_key(server_secret), blob, bindings.totp_offer(link_hash))
    except (binascii.Error, ValueError, CryptoError):
        return None
    return Offer(secret.decode(), sealed)


def confirmed_step(offer: Offer, code: str, now: datetime.datetime | None = None) -> int:
    """The time step of a current code for the offered secret; WrongCode if it is not one."""
    step = accepted_step(offer.secret, code, 0, now or datetime.datetime.now(datetime.UTC))
    if step is None:
        raise WrongCode
    return step


def reset(session: Session, account: Account, actor: str) -> str:
    """Destroy an account's TOTP secret and end its sessions; return a one-time link's
    token for setting up a new one (any older such link is replaced)."""
    session.execute(delete(Invitation).where(Invitation.account_id == account.id))
    session.execute(delete(AccountSession).where(AccountSession.account_id == account.id))
    account.totp_secret = b""
    keys = security_keys.forget_all(session, account)
    token = invitations.new_link(session, account.role, account)
    audit.record(
        session,
        actor=actor,
        action="authenticator reset",
        subject=account.name,
        detail=f"{keys} security key(s) removed" if keys else None,
    )
    session.commit()
    forget_deleted(session)  # the old secret and the sessions' keys, gone from the log too
    return token


def set_up_new(
    session: Session,
    link: Invitation,
    passphrase: str,
    offer: Offer,
    code: str,
    argon2: Argon2Params,
) -> Account:
    """Seal the offered secret under the member's personal key, which her passphrase
    unlocks, and spend the link. WrongCode, or LoginFailed for a wrong passphrase
    (counted towards the lockout, as at sign-in), change nothing."""
    now = datetime.datetime.now(datetime.UTC)
    step = confirmed_step(offer, code, now)
    member = session.get(Account, link.account_id)
    if member is None:
        raise LinkSpent
    if key_challenges.key_locked(member):
        if member.disabled:  # as open_personal_key refuses one
            raise LoginFailed
        account, personal = member, _new_personal_key(session, member, passphrase, argon2)
    else:
        account, personal = open_personal_key(session, member.name, passphrase, now, argon2)
    # Of two uses at once only one goes on; and a link replaced by a newer reset
    # meanwhile, whose id the new link may have taken, is not spent in its place.
    invitations.spend(session, link)
    account.totp_secret = seal_totp_secret(personal, account.name, offer.secret)
    account.last_totp_step = max(account.last_totp_step, step)  # this code is not accepted again
    session.execute(delete(AccountSession).where(AccountSession.account_id == account.id))
    audit.record(session, actor=account.name, action="authenticator set up", subject=account.name)
    session.commit()
    forget_deleted(session)
    return account


def _new_personal_key(
    session: Session, account: Account, passphrase: str, argon2: Argon2Params
) -> PrivateKey:
    """A new key pair for an account whose old key only its (reset) security keys opened.

    The grants sealed to the old key are deleted: they open nothing now, and
    her group lists her as waiting for access until someone grants it again.
    """
    check_passphrase(passphrase, account.name)
    personal = PrivateKey.generate()
    account.public_key = personal.public_key.to_bytes()
    account.wrapped_private_key = wrap_with_passphrase(
        personal.to_bytes(),
        passphrase,
        argon2,
        bindings.account_secret(account.name, "private_key"),
    )
    session.execute(delete(GroupKeyGrant).where(GroupKeyGrant.account_id == account.id))
    audit.record(session, actor=account.name, action="new personal key", subject=account.name)
    return personal
