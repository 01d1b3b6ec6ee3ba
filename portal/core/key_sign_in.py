"""Security keys, the answers: reading an assertion, checking it, and signing in with it.

py_webauthn checks the signature, the origin and RP id of `public_url` and
the user-verification flag; this module checks what it does not: that the
challenge is one of ours for this purpose and person, unspent, and that the
credential is one of this account's keys. The counter is compared and stored
as soon as the signature is good, whatever follows: a copy of the key that
signs (even one that cannot open her key, having no PRF secret) moves it, and
the real key, then behind, is refused from then on. `security_keys` explains
the whole.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from webauthn import (
    verify_authentication_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    parse_authentication_credential_json,
    parse_client_data_json,
)

from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from crypto.passphrase import (
    PRF_SIZE,
    Argon2Params,
    passphrase_key_of,
    unwrap_with_passphrase_and_key,
    wrap_with_passphrase_and_key,
)
from portal.core import audit
from portal.core.authentication import (
    AccountLocked,
    LoginFailed,
    Unlocked,
    dummy_argon2,
    failed,
    personal_seed,
)
from portal.core.key_challenges import (
    MAX_RESPONSE_LENGTH,
    Challenges,
    Purpose,
    RelyingParty,
    key_locked,
    next_salt,
    protects,
    wrap_binding,
)
from portal.store.models import Account, SecurityKey

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


def parsed_assertion(answer: Answer) -> tuple[Any, bytes]:
    """The parsed assertion and the challenge it answers; ValueError if malformed."""
    try:
        parsed = parse_authentication_credential_json(answer.credential)
        client = parse_client_data_json(parsed.response.client_data_json)
    except Exception as error:  # py_webauthn raises many kinds for malformed input
        raise ValueError("not an assertion") from error
    return parsed, client.challenge


@dataclass(frozen=True)
class Checked:
    """A key of hers whose assertion is good, and whose new count is stored."""

    key: SecurityKey
    new_count: int


def check_assertion(
    session: Session,
    challenges: Challenges,
    rp: RelyingParty,
    account: Account,
    answer: Answer,
    purpose: Purpose,
    subject: str,
    now: datetime.datetime,
) -> Checked | None:
    """The key of hers that made this assertion for a challenge of ours, or None.

    The counter is compared after the signature is checked, and stored at once
    (flushed with the caller's transaction, which a failure after this still
    commits, as it counts the failure): a copy of the key that signs moves it
    even if it cannot open her key. A count that does not move forward (unless
    the key keeps none) means a copy signed in somewhere: the key is refused
    from then on.
    """
    try:
        parsed, challenge = parsed_assertion(answer)
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
    # One conditional UPDATE: of two answers from one key at the same instant, one goes on.
    claimed = session.execute(
        update(SecurityKey)
        .where(SecurityKey.id == key.id, SecurityKey.sign_count == key.sign_count)
        .values(sign_count=count)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return None
    session.refresh(key)
    return Checked(key, count)


def mark_used(session: Session, key: SecurityKey, now: datetime.datetime, **values: Any) -> None:
    """Note the day a key was last used (and store `values`, a new wrap and salt)."""
    session.execute(
        update(SecurityKey)
        .where(SecurityKey.id == key.id)
        .values(last_used_on=now.date(), **values)
        .execution_options(synchronize_session=False)
    )


def open_with(
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
        wrap_binding(account, key.credential_id),
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
    checked = check_assertion(session, challenges, rp, account, answer, "sign-in", name, now)
    if checked is None:
        dummy_argon2(argon2)
        failed(session, account, now)
        raise LoginFailed
    key = checked.key
    values: dict[str, Any] = {}
    try:
        if protects(key):
            seed, (derived, salt, cost) = open_with(account, key, passphrase, answer.first)
            if answer.second is not None:
                values["wrapped_private_key"] = wrap_with_passphrase_and_key(
                    seed,
                    derived,
                    salt,
                    cost,
                    answer.second,
                    account.name,
                    key.credential_id,
                    wrap_binding(account, key.credential_id),
                )
                values["prf_salt"] = next_salt(challenges, parsed_assertion(answer)[1], key)
        elif not key_locked(account):
            seed = personal_seed(account, passphrase)
        else:
            raise CryptoError("a key without a wrap on an account only keys open")
    except (CryptoError, ValueError):  # ValueError: a PRF output of the wrong size
        failed(session, account, now)
        raise LoginFailed from None
    personal = PrivateKey.from_bytes(seed)
    if personal.public_key.to_bytes() != account.public_key:
        failed(session, account, now)
        raise LoginFailed
    mark_used(session, key, now, **values)
    account.failed_logins = 0
    account.locked_until = None
    audit.record(session, actor=account.name, action="signed in with a security key")
    session.commit()
    return Unlocked(account.id, account.name, account.role, personal)
