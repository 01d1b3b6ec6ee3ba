"""Security keys, the ground: the relying party, stateless challenges, her keys, and the
options the page passes to navigator.credentials.

Challenges are random bytes, the minute they expire and a MAC under the
instance's secret, bound to what they are for (signing in, adding a key,
confirming it, touching one she has) and whose they are (a name or an
account id): nothing is stored until one is answered, and then its digest is
(`spent_challenges`), so no answer is taken twice, even from a key that keeps
no counter. The PRF salts offered with a challenge are derived from it, and
made again when it comes back. `security_keys` explains the whole.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
)
from webauthn.helpers import (
    bytes_to_base64url,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.core import bindings
from portal.core.authentication import (
    AccountError,
)
from portal.store.models import Account, SecurityKey, SpentChallenge

MAX_LABEL_LENGTH = 64
MAX_KEYS = 10  # each key is one wrap and one Argon2id call at enrolment
MAX_RESPONSE_LENGTH = 16 * 1024  # a registration with attestation "none" is well under this
CHALLENGE_MINUTES = 5
_RANDOM = 16
_MAC = 16
Purpose = Literal["sign-in", "enrol", "confirm", "check"]

NO_PRF = (
    "This key signs you in, but it does not protect your key: the database and your "
    "passphrase still open it. Use a key that supports “PRF” or “hmac-secret” for that."
)


class KeyRefused(AccountError):
    """A registration or assertion was not accepted; the message says what to do."""


@dataclass(frozen=True)
class RelyingParty:
    """Who the keys are for: the host of `public_url` and its origin, never a request's Host."""

    id: str
    origin: str
    name: str = "Reporting portal"

    @classmethod
    def of(cls, public_url: str) -> RelyingParty:
        parts = urlsplit(public_url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return cls(id=host, origin=f"{parts.scheme}://{host}{port}")


class Challenges:
    """Challenges the server can recognise later without storing them until answered."""

    def __init__(self, server_secret: bytes) -> None:
        self._key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal/v1/webauthn-challenge"
        ).derive(server_secret)

    def _mac(self, purpose: Purpose, subject: str, body: bytes) -> bytes:
        message = b"".join(
            len(part).to_bytes(4, "big") + part
            for part in (purpose.encode(), subject.encode(), body)
        )
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC]

    def new(self, purpose: Purpose, subject: str, now: datetime.datetime) -> bytes:
        """A challenge for `purpose` by `subject` (a name or an account id), valid for minutes."""
        expires = _minute(now) + CHALLENGE_MINUTES
        body = os.urandom(_RANDOM) + expires.to_bytes(4, "big")
        return body + self._mac(purpose, subject, body)

    def derived(self, label: bytes, challenge: bytes, size: int = 32) -> bytes:
        """Bytes tied to a challenge (a PRF salt offered with it), made again at its answer."""
        return hmac.new(self._key, label + b"\x00" + challenge, hashlib.sha256).digest()[:size]

    def spend(
        self,
        session: Session,
        challenge: bytes,
        purpose: Purpose,
        subject: str,
        now: datetime.datetime,
    ) -> bool:
        """True once for a challenge made here for this purpose and subject and not expired."""
        if len(challenge) != _RANDOM + 4 + _MAC:
            return False
        body, mac = challenge[:-_MAC], challenge[-_MAC:]
        if not hmac.compare_digest(mac, self._mac(purpose, subject, body)):
            return False
        expires = int.from_bytes(body[_RANDOM:], "big")
        if expires < _minute(now):
            return False
        digest = hashlib.sha256(challenge).digest()
        try:
            with session.begin_nested():
                session.add(SpentChallenge(digest=digest, expires_minute=expires))
        except IntegrityError:
            return False  # answered before, or by another request at this instant
        return True


def _minute(now: datetime.datetime) -> int:
    return int(now.timestamp()) // 60


def sweep(session: Session, now: datetime.datetime | None = None) -> int:
    """Forget spent challenges that would be refused anyway (expired); how many went."""
    now = now or datetime.datetime.now(datetime.UTC)
    gone = session.execute(
        delete(SpentChallenge).where(SpentChallenge.expires_minute < _minute(now))
    )
    session.commit()
    return int(getattr(gone, "rowcount", 0) or 0)


# What her account holds.


def keys_of(session: Session, account_id: int) -> list[SecurityKey]:
    """Her keys, oldest first."""
    return list(
        session.scalars(
            select(SecurityKey).where(SecurityKey.account_id == account_id).order_by(SecurityKey.id)
        )
    )


def has_keys(session: Session, account_id: int) -> bool:
    """Whether any security key is enrolled for the account."""
    count = session.scalar(
        select(func.count()).select_from(SecurityKey).where(SecurityKey.account_id == account_id)
    )
    return bool(count)


def protects(key: SecurityKey) -> bool:
    """Whether the key holds a wrap of her personal key (it gave a PRF output)."""
    return bool(key.wrapped_private_key)


def key_locked(account: Account) -> bool:
    """Whether only her security keys open her personal key (no passphrase-only wrap)."""
    return not account.wrapped_private_key


def wrap_binding(account: Account, credential_id: bytes) -> Any:
    return bindings.security_key_wrap(account.name, bytes_to_base64url(credential_id))


# Options the page passes to navigator.credentials.


def _descriptors(keys: list[SecurityKey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=key.credential_id) for key in keys]


def _request_options(rp: RelyingParty, challenge: bytes, ids: list[bytes]) -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge,
        allow_credentials=[PublicKeyCredentialDescriptor(id=i) for i in ids],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    loaded: dict[str, Any] = json.loads(options_to_json(options))
    return loaded


def _fake_credential(challenges: Challenges, name: str) -> tuple[bytes, bytes]:
    """A credential id and salt, stable for a name, that no key holds."""
    made = challenges.derived(b"no-such-credential", name.encode(), 32)
    return made, challenges.derived(b"no-such-salt", name.encode(), 32)


def sign_in_options(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    name: str,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """What the sign-in page passes to navigator.credentials.get for this name.

    `publicKey` is py_webauthn's options; `prf` gives, per credential id, the
    salt her key's wrap is under (`first`) and the salt the next wrap will be
    under (`second`). A name with no key, or none at all, gets one credential
    that no key holds, stable for that name: the answer does not say whether
    the name exists or how it signs in.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    challenge = challenges.new("sign-in", name, now)
    account = session.scalars(select(Account).where(Account.name == name)).first()
    if account is not None and account.disabled:
        account = None  # answered as an unknown name: a disabled account signs nobody in
    usable = [
        key
        for key in (keys_of(session, account.id) if account is not None else [])
        if key.refused_on is None and (protects(key) or not key_locked(account))  # type: ignore[arg-type]
    ]
    salts: dict[bytes, tuple[bytes, bytes]] = {}
    for key in usable:
        # A key without PRF gets a salt it never uses: nulls would show the name exists.
        first = key.prf_salt or challenges.derived(b"no-such-salt", key.credential_id)
        salts[key.credential_id] = (first, next_salt(challenges, challenge, key))
    if not salts:
        fake, salt = _fake_credential(challenges, name)
        salts[fake] = (salt, challenges.derived(b"next-prf-salt", challenge + fake))
    return {
        "publicKey": _request_options(rp, challenge, list(salts)),
        "prf": {
            bytes_to_base64url(i): {
                "first": bytes_to_base64url(first) if first else None,
                "second": bytes_to_base64url(second) if first else None,
            }
            for i, (first, second) in salts.items()
        },
    }


def next_salt(challenges: Challenges, challenge: bytes, key: SecurityKey) -> bytes:
    return challenges.derived(b"next-prf-salt", challenge + key.credential_id)


def _user_id(session: Session, account: Account) -> bytes:
    if account.webauthn_user_id is None:
        account.webauthn_user_id = os.urandom(16)
        session.commit()
    return account.webauthn_user_id


def enrol_options(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account_id: int,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """What the enrolment page needs: registration options with the new key's PRF salt,
    a challenge to confirm the new key, and, when her key is locked by keys she
    has, sign-in options to touch one of them first (the server needs its PRF
    output to open her key and wrap it for the new one)."""
    now = now or datetime.datetime.now(datetime.UTC)
    account = session.get(Account, account_id)
    if account is None:
        raise AccountError("The account no longer exists.")
    subject = str(account.id)
    keys = keys_of(session, account.id)
    if len(keys) >= MAX_KEYS:
        raise KeyRefused(
            f"You have {MAX_KEYS} keys, the most an account can have. Remove one first."
        )
    challenge = challenges.new("enrol", subject, now)
    creation = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=_user_id(session, account),
        user_name=account.name,
        challenge=challenge,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(keys),
    )
    confirm = challenges.new("confirm", subject, now)
    locking = locking_keys(session, account)
    return {
        "publicKey": json.loads(options_to_json(creation)),
        "prfSalt": bytes_to_base64url(challenges.derived(b"new-prf-salt", challenge)),
        "confirm": bytes_to_base64url(confirm),
        "check": check_options(challenges, rp, account, locking, now) if locking else None,
    }


def locking_keys(session: Session, account: Account) -> list[SecurityKey]:
    """Her keys that open her key, when only keys do (none otherwise)."""
    if not key_locked(account):
        return []
    return [k for k in keys_of(session, account.id) if protects(k) and k.refused_on is None]


def check_options(
    challenges: Challenges,
    rp: RelyingParty,
    account: Account,
    keys: list[SecurityKey],
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Sign-in options, for a signed-in member, to touch one of `keys` (each with its
    PRF salt): before adding or removing a key, or changing her passphrase."""
    now = now or datetime.datetime.now(datetime.UTC)
    check = challenges.new("check", str(account.id), now)
    return {
        "publicKey": _request_options(rp, check, [key.credential_id for key in keys]),
        "prf": {
            bytes_to_base64url(key.credential_id): {
                "first": bytes_to_base64url(key.prf_salt or b""),
                "second": None,
            }
            for key in keys
        },
    }
