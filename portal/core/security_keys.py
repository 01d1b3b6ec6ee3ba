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
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from crypto.passphrase import (
    PRF_SIZE,
    SALT_SIZE,
    Argon2Params,
    derive_key,
    passphrase_key_of,
    unwrap_with_passphrase_and_key,
    wrap_with_passphrase_and_key,
)
from portal.core import audit, bindings
from portal.core.authentication import (
    AccountError,
    AccountLocked,
    LoginFailed,
    Unlocked,
    check_passphrase,
    dummy_argon2,
    failed,
    personal_seed,
)
from portal.store import forget_deleted
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


def _wrap_binding(account: Account, credential_id: bytes) -> Any:
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
    usable = [
        key
        for key in (keys_of(session, account.id) if account is not None else [])
        if key.refused_on is None and (protects(key) or not key_locked(account))  # type: ignore[arg-type]
    ]
    salts: dict[bytes, tuple[bytes, bytes]] = {}
    for key in usable:
        salts[key.credential_id] = (key.prf_salt or b"", _next_salt(challenges, challenge, key))
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


def _next_salt(challenges: Challenges, challenge: bytes, key: SecurityKey) -> bytes:
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


# Answers the page sends back.


@dataclass(frozen=True)
class Answer:
    """An assertion as the page sent it: py_webauthn's JSON, and the PRF outputs."""

    credential: str
    first: bytes | None = None
    second: bytes | None = None

    @classmethod
    def from_form(cls, credential: str, first: str, second: str = "") -> Answer:
        """Read from the fields a form posts (base64url); ValueError if malformed."""
        if not credential or len(credential) > MAX_RESPONSE_LENGTH:
            raise ValueError("no assertion, or one too long")
        return cls(credential, _prf_output(first), _prf_output(second))


def _prf_output(text: str) -> bytes | None:
    if not text:
        return None
    try:
        value = base64url_to_bytes(text)
    except ValueError:
        raise ValueError("a PRF output is not base64url") from None
    if len(value) != PRF_SIZE:
        raise ValueError("a PRF output is 32 bytes")
    return value


def _parsed_assertion(answer: Answer) -> tuple[Any, bytes]:
    """The parsed assertion and the challenge it answers; ValueError if malformed."""
    try:
        parsed = parse_authentication_credential_json(answer.credential)
        client = parse_client_data_json(parsed.response.client_data_json)
    except Exception as error:  # py_webauthn raises many kinds for malformed input
        raise ValueError("not an assertion") from error
    return parsed, client.challenge


@dataclass(frozen=True)
class _Checked:
    key: SecurityKey
    new_count: int


def _check_assertion(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account: Account,
    answer: Answer,
    purpose: Purpose,
    subject: str,
    now: datetime.datetime,
) -> _Checked | None:
    """The key of hers that made this assertion for a challenge of ours, or None.

    The counter is checked here, after the signature: a count that does not
    move forward (unless the key keeps none) means a copy of the credential
    signed in somewhere, and the key is refused from then on.
    """
    try:
        parsed, challenge = _parsed_assertion(answer)
    except ValueError:
        return None
    if not challenges.spend(session, challenge, purpose, subject, now):
        return None
    key = session.scalars(
        select(SecurityKey).where(
            SecurityKey.account_id == account.id,
            SecurityKey.credential_id == parsed.raw_id,
        )
    ).first()
    if key is None or key.refused_on is not None:
        return None
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=0,  # compared below, to refuse a clone for good
            require_user_verification=True,
        )
    except Exception:  # a bad signature, origin, RP id, flag or structure: all refused alike
        return None
    count = verified.new_sign_count
    if (count > 0 or key.sign_count > 0) and count <= key.sign_count:
        key.refused_on = now.date()
        audit.record(
            session,
            actor="system",
            action="security key refused",
            subject=account.name,
            detail="its counter went backwards: a copy of it was used",
        )
        session.commit()
        return None
    return _Checked(key, count)


def _claim_count(session: Session, checked: _Checked, values: dict[str, Any]) -> bool:
    """Store the new counter (and `values`) only if no other sign-in moved it first."""
    claimed = session.execute(
        update(SecurityKey)
        .where(SecurityKey.id == checked.key.id, SecurityKey.sign_count == checked.key.sign_count)
        .values(sign_count=checked.new_count, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _open_with(
    account: Account, key: SecurityKey, passphrase: str, prf: bytes | None
) -> tuple[bytes, tuple[bytes, bytes, Argon2Params]]:
    """Her personal seed from this key's wrap (one Argon2id call), and that call's output."""
    if prf is None or not key.wrapped_private_key:
        raise CryptoError("no PRF output for a key that holds a wrap")
    derived = passphrase_key_of(key.wrapped_private_key, passphrase)
    seed = unwrap_with_passphrase_and_key(
        key.wrapped_private_key,
        derived[0],
        prf,
        account.name,
        key.credential_id,
        _wrap_binding(account, key.credential_id),
    )
    return seed, derived


def authenticate(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    name: str,
    passphrase: str,
    answer: Answer,
    argon2: Argon2Params,
    now: datetime.datetime | None = None,
) -> Unlocked:
    """Sign in with name, passphrase and a key: one Argon2id call; LoginFailed if anything
    is wrong, and failures count towards the lockout as with a code.

    With a key that holds a wrap, its PRF output and the passphrase open her
    key, and the wrap is made again under the next salt's output, so a PRF
    output seen today opens no copy of the database made after this.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    account = session.scalars(select(Account).where(Account.name == name)).first()
    if account is None or account.disabled:
        dummy_argon2(argon2)
        raise LoginFailed
    locked_until = account.locked_until
    if locked_until is not None and locked_until.replace(tzinfo=datetime.UTC) > now:
        dummy_argon2(argon2)
        raise AccountLocked
    checked = _check_assertion(session, challenges, rp, account, answer, "sign-in", name, now)
    if checked is None:
        dummy_argon2(argon2)
        failed(session, account, now)
        raise LoginFailed
    key = checked.key
    values: dict[str, Any] = {"last_used_on": now.date()}
    try:
        if protects(key):
            seed, (derived, salt, cost) = _open_with(account, key, passphrase, answer.first)
            if answer.second is not None:
                values["wrapped_private_key"] = wrap_with_passphrase_and_key(
                    seed,
                    derived,
                    salt,
                    cost,
                    answer.second,
                    account.name,
                    key.credential_id,
                    _wrap_binding(account, key.credential_id),
                )
                values["prf_salt"] = _next_salt(challenges, _parsed_assertion(answer)[1], key)
        elif not key_locked(account):
            seed = personal_seed(account, passphrase)
        else:
            raise CryptoError("a key without a wrap on an account only keys open")
    except CryptoError:
        failed(session, account, now)
        raise LoginFailed from None
    personal = PrivateKey.from_bytes(seed)
    if personal.public_key.to_bytes() != account.public_key or not _claim_count(
        session, checked, values
    ):
        failed(session, account, now)
        raise LoginFailed
    account.failed_logins = 0
    account.locked_until = None
    audit.record(session, actor=account.name, action="signed in with a security key")
    session.commit()
    return Unlocked(account.id, account.name, account.role, personal)


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
    checked = _check_assertion(
        session, challenges, rp, account, check, "check", str(account.id), now
    )
    if checked is None or not protects(checked.key):
        session.commit()
        raise wrong
    try:
        seed, _derived = _open_with(account, checked.key, passphrase, check.first)
    except CryptoError:
        failed(session, account, now)
        raise wrong from None
    if not _claim_count(session, checked, {"last_used_on": now.date()}):
        raise wrong
    return seed


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
        checked = _check_assertion(
            session, challenges, rp, account, confirm, "confirm", str(account.id), now
        )
        if checked is None or checked.key.id != key.id:
            session.delete(key)  # the challenges stay spent
            session.commit()
            raise refused
        salt = challenges.derived(b"new-prf-salt", challenge)
        argon2_salt = os.urandom(SALT_SIZE)
        binding = _wrap_binding(account, key.credential_id)
        wrap = wrap_with_passphrase_and_key(
            seed,
            derive_key(passphrase, argon2_salt, argon2),
            argon2_salt,
            argon2,
            confirm.first,
            account.name,
            key.credential_id,
            binding,
        )
        key.sign_count = checked.new_count
        key.prf_salt = salt
        key.wrapped_private_key = wrap
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
    if key_locked(account):
        remaining = [k for k in keys_of(session, account.id) if k.id != key.id and protects(k)]
        if not remaining:
            raise KeyRefused(
                "This is your only key that opens your key, so it cannot be removed here. "
                "Add a spare first. If it is lost, an admin can reset your keys."
            )
        checked = (
            _check_assertion(session, challenges, rp, account, check, "check", str(account.id), now)
            if check is not None
            else None
        )
        if (
            checked is None
            or checked.key.id == key.id
            or not _claim_count(session, checked, {"last_used_on": now.date()})
        ):
            session.commit()
            raise KeyRefused("Touch another of your keys to remove this one. Nothing was removed.")
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
    check_passphrase(new, account.name)
    wrong = AccountError(
        "Your current passphrase, or a key you touched, was not right. Nothing was changed."
    )
    rewrapped: dict[int, bytes] = {}
    for touch in touches[:MAX_KEYS]:
        checked = _check_assertion(
            session, challenges, rp, account, touch, "check", str(account.id), now
        )
        if checked is None or not protects(checked.key) or checked.key.id in rewrapped:
            session.commit()
            raise wrong
        try:
            seed, _derived = _open_with(account, checked.key, current, touch.first)
        except CryptoError:
            failed(session, account, now)
            raise wrong from None
        salt = os.urandom(SALT_SIZE)
        rewrapped[checked.key.id] = wrap_with_passphrase_and_key(
            seed,
            derive_key(new, salt, argon2),
            salt,
            argon2,
            touch.first or b"",
            account.name,
            checked.key.credential_id,
            _wrap_binding(account, checked.key.credential_id),
        )
        if not _claim_count(session, checked, {"last_used_on": now.date()}):
            session.rollback()
            raise wrong
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
