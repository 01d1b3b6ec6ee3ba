"""Charity accounts' sessions: the account's unlocked keys, opened only by its cookie.

After sign-in, the account's unlocked group keys (and the fingerprint of its
own public key, taken from the private key it unlocked) are sealed in a
session (`sessions`), so the server stores only ciphertext and the cookie
holds the key. Flask's own session cookie is signed, not encrypted, so no secret
ever goes into it. Sessions end after 15 minutes idle, 8 hours at most, on
sign-out, when the account is disabled or removed, and while its authenticator
is reset (until the new one is set up, which ends them all); an ended session's row
is deleted (`sweep`: at every sign-in, at start and every few minutes), so
a seized database and an old cookie open nothing.
"""

from __future__ import annotations

import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crypto.keys import PrivateKey
from crypto.passphrase import Argon2Params
from portal.core import authentication, bindings, grants, key_challenges, key_sign_in
from portal.core.principal import Principal
from portal.core.sessions import ClearClock, Sessions
from portal.store import forget_deleted
from portal.store.models import Account, AccountSession, Role

IDLE = datetime.timedelta(minutes=15)
ABSOLUTE = datetime.timedelta(hours=8)

# The account's start and last use are kept in clear, so that an idle
# session's row is deleted within minutes rather than hours.
SESSIONS = Sessions(
    AccountSession,
    bindings.account_session,
    int(IDLE.total_seconds()),
    int(ABSOLUTE.total_seconds()),
    ClearClock(),
)


def sweep(session: Session) -> int:
    """Delete every charity session that has ended; how many went."""
    return SESSIONS.sweep(session)


def start(
    session: Session, account_id: int, keys: dict[str, PrivateKey], fingerprint: str = ""
) -> str:
    """Store a new session holding these keys; return the cookie value that opens it."""
    seeds = {name: private.to_bytes().hex() for name, private in keys.items()}
    state = {"keys": seeds, "fingerprint": fingerprint}
    return SESSIONS.start(session, state, account_id=account_id)


def sign_in(
    session: Session, name: str, passphrase: str, code: str, argon2: Argon2Params
) -> tuple[Role, str]:
    """Check name, passphrase and TOTP code (one Argon2id call) and start a session
    holding the account's group keys: its role and the cookie value; LoginFailed if wrong."""
    return _started(session, authentication.authenticate(session, name, passphrase, code, argon2))


def sign_in_with_key(
    session: Session,
    challenges: key_challenges.Challenges,
    rp: key_challenges.RelyingParty,
    name: str,
    passphrase: str,
    answer: key_sign_in.Answer,
    argon2: Argon2Params,
) -> tuple[Role, str]:
    """As `sign_in`, with a security key's assertion (and PRF output) in place of a code."""
    unlocked = key_sign_in.authenticate(session, challenges, rp, name, passphrase, answer, argon2)
    return _started(session, unlocked)


def _started(session: Session, unlocked: authentication.Unlocked) -> tuple[Role, str]:
    keys = grants.held_group_keys(session, unlocked)
    cookie = start(session, unlocked.account_id, keys, grants.own_fingerprint(unlocked))
    return unlocked.role, cookie


def resume(session: Session, cookie: str | None) -> Principal | None:
    """The principal a cookie opens, or None (missing, expired, altered, disabled, or
    its authenticator reset)."""
    opened = SESSIONS.resume(session, cookie)
    if opened is None:
        return None
    row, state = opened
    account = session.get(Account, row.account_id)
    # A reset deletes the account's sessions, but a sign-in whose code was checked
    # before it landed (Argon2id takes a while) may store one just after.
    if account is None or account.disabled or not _can_sign_in(session, account):
        SESSIONS.end_row(session, row)
        return None
    seeds = {name: bytes.fromhex(seed) for name, seed in state["keys"].items()}
    return Principal(account.id, account.name, account.role, seeds, state["fingerprint"])


def _can_sign_in(session: Session, account: Account) -> bool:
    """A code or a key signs her in; with neither, an admin's reset waits for its link."""
    return bool(account.totp_secret) or key_challenges.has_keys(session, account.id)


def end_others(session: Session, account_id: int, cookie: str | None) -> None:
    """End every session of the account but the one this cookie opens: after a key
    that locks her key is added, a session begun before (on a device she lost, say)
    goes on no longer."""
    kept = SESSIONS.id_of(cookie) or ""
    session.execute(
        delete(AccountSession).where(
            AccountSession.account_id == account_id, AccountSession.id != kept
        )
    )
    session.commit()
    forget_deleted(session)


def end(session: Session, cookie: str | None) -> None:
    """Destroy the server side of a session."""
    SESSIONS.end(session, cookie)
