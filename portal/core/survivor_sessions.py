"""A survivor's signed-in session after entering their codename.

The server keeps only ciphertext: the session's state (which report, the key
her codename derives, which opens the report's data key, when it started and
was last used) is encrypted under a random key that lives only in the
survivor's cookie. Without the cookie the row is useless, and the database
records no time of day beyond the hour at which the row is
deleted (`sweep`), within an hour after the session's end at the latest: a
seized database and a cookie kept from an old session open nothing. Sessions
end after 15 minutes idle, two hours at most, on sign-out, and on "Exit
this page"; the cookie itself is gone from the browser after two hours.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crypto.envelope import new_key, unwrap_key, wrap_key
from crypto.errors import CryptoError
from portal.core import bindings
from portal.store import forget_deleted
from portal.store.models import SurvivorSession

IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 2 * 60 * 60
_HOUR = 60 * 60


@dataclass(frozen=True)
class SurvivorAccess:
    """What a signed-in survivor holds: their report and the key her codename derives.

    The codename's key unwraps the report's data key at each request, so a
    data key replaced on withdrawal (`reports.rekey`) reaches every session.
    """

    report_id: str
    codename_key: bytes


def _seal_state(key: bytes, session_id: str, access: SurvivorAccess, started: int) -> bytes:
    state = {
        "report_id": access.report_id,
        "codename_key": access.codename_key.hex(),
        "started": started,
        "seen": int(time.time()),
    }
    return wrap_key(key, json.dumps(state).encode(), bindings.survivor_session(session_id))


def start(session: Session, access: SurvivorAccess) -> str:
    """Store a new session and return the cookie value that unlocks it."""
    sweep(session)
    session_id, key, now = secrets.token_hex(16), new_key(), int(time.time())
    state = _seal_state(key, session_id, access, now)
    # The first whole hour after the absolute limit: no finer time is stored.
    sweep_at = (now + ABSOLUTE_SECONDS) // _HOUR + 1
    session.add(SurvivorSession(id=session_id, sweep_at_hour=sweep_at, state=state))
    session.commit()
    return f"{session_id}.{base64.urlsafe_b64encode(key).decode()}"


def _parse(cookie: str) -> tuple[str, bytes] | None:
    session_id, _, encoded = cookie.partition(".")
    try:
        key = base64.urlsafe_b64decode(encoded.encode())
    except (binascii.Error, ValueError):
        return None
    if len(session_id) != 32 or len(key) != 32:
        return None
    return session_id, key


def resume(session: Session, cookie: str | None) -> SurvivorAccess | None:
    """The access a cookie unlocks, refreshed; None if missing, expired or altered."""
    parsed = _parse(cookie or "")
    if parsed is None:
        return None
    session_id, key = parsed
    row = session.get(SurvivorSession, session_id)
    if row is None:
        return None
    try:
        state = json.loads(unwrap_key(key, row.state, bindings.survivor_session(session_id)))
    except (CryptoError, ValueError):
        return None
    now = int(time.time())
    if now - state["seen"] > IDLE_SECONDS or now - state["started"] > ABSOLUTE_SECONDS:
        session.delete(row)
        session.commit()
        return None
    access = SurvivorAccess(state["report_id"], bytes.fromhex(state["codename_key"]))
    row.state = _seal_state(key, session_id, access, state["started"])
    session.commit()
    return access


def end(session: Session, cookie: str | None) -> None:
    """Delete the session a cookie names, if any."""
    parsed = _parse(cookie or "")
    if parsed is not None:
        session.execute(delete(SurvivorSession).where(SurvivorSession.id == parsed[0]))
        session.commit()
        forget_deleted(session)


def sweep(session: Session) -> int:
    """Delete every session whose absolute limit has passed (none can still be valid),
    and empty the write-ahead log of them when there were any."""
    current_hour = int(time.time()) // _HOUR
    result = session.execute(
        delete(SurvivorSession).where(SurvivorSession.sweep_at_hour <= current_hour)
    )
    session.commit()
    swept = int(getattr(result, "rowcount", 0) or 0)
    if swept:
        forget_deleted(session)
    return swept
