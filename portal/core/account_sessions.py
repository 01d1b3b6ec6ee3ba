"""Charity accounts' sessions, whose keys live only in the cookie.

After sign-in, the account's unlocked group keys (and the fingerprint of its
own public key, taken from the private key it unlocked) are encrypted under a
random per-session key; the server stores only that ciphertext and the cookie
holds the key. Flask's own session cookie is signed, not encrypted, so no secret
ever goes into it. Sessions end after 15 minutes idle, 8 hours at most, on
sign-out, and when the account is disabled or removed; an ended session's row
is deleted (`sweep`: at every sign-in, at start and every few minutes), so
a seized database and an old cookie open nothing.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crypto.envelope import new_key, unwrap_key, wrap_key
from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from portal.core import bindings
from portal.core.principal import Principal
from portal.store import forget_deleted
from portal.store.models import Account, AccountSession

IDLE = datetime.timedelta(minutes=15)
ABSOLUTE = datetime.timedelta(hours=8)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def sweep(session: Session) -> int:
    """Delete every session that has passed its idle or absolute limit, and empty
    the write-ahead log of them when there were any (`forget_deleted`)."""
    now = _now()
    result = session.execute(
        delete(AccountSession).where(
            (AccountSession.seen_at < now - IDLE) | (AccountSession.started_at < now - ABSOLUTE)
        )
    )
    session.commit()
    swept = int(getattr(result, "rowcount", 0) or 0)
    if swept:
        forget_deleted(session)
    return swept


def start(
    session: Session, account_id: int, keys: dict[str, PrivateKey], fingerprint: str = ""
) -> str:
    """Store a new session holding these keys; return the cookie value that opens it."""
    sweep(session)
    session_id, key = secrets.token_hex(16), new_key()
    seeds = {name: private.seed.hex() for name, private in keys.items()}
    state = json.dumps({"keys": seeds, "fingerprint": fingerprint}).encode()
    now = _now()
    session.add(
        AccountSession(
            id=session_id,
            account_id=account_id,
            state=wrap_key(key, state, bindings.account_session(session_id)),
            started_at=now,
            seen_at=now,
        )
    )
    session.commit()
    return f"{session_id}.{base64.urlsafe_b64encode(key).decode()}"


def _parse(cookie: str | None) -> tuple[str, bytes] | None:
    session_id, _, encoded = (cookie or "").partition(".")
    try:
        key = base64.urlsafe_b64decode(encoded.encode())
    except (binascii.Error, ValueError):
        return None
    return (session_id, key) if len(session_id) == 32 and len(key) == 32 else None


def resume(session: Session, cookie: str | None) -> Principal | None:
    """The principal a cookie opens, or None (missing, expired, altered, or disabled)."""
    parsed = _parse(cookie)
    if parsed is None:
        return None
    row = session.get(AccountSession, parsed[0])
    if row is None:
        return None
    now = _now()
    started, seen = (t.replace(tzinfo=datetime.UTC) for t in (row.started_at, row.seen_at))
    account = session.get(Account, row.account_id)
    if now - seen > IDLE or now - started > ABSOLUTE or account is None or account.disabled:
        session.delete(row)
        session.commit()
        return None
    try:
        state = json.loads(unwrap_key(parsed[1], row.state, bindings.account_session(row.id)))
    except (CryptoError, ValueError):
        return None
    row.seen_at = now
    session.commit()
    if "keys" not in state:  # a session started before fingerprints: keys only
        state = {"keys": state, "fingerprint": ""}
    seeds = {name: bytes.fromhex(seed) for name, seed in state["keys"].items()}
    return Principal(account.id, account.name, account.role, seeds, state["fingerprint"])


def end(session: Session, cookie: str | None) -> None:
    """Destroy the server side of a session."""
    parsed = _parse(cookie)
    if parsed is not None:
        session.execute(delete(AccountSession).where(AccountSession.id == parsed[0]))
        session.commit()
        forget_deleted(session)
