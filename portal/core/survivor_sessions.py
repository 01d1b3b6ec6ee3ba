"""A survivor's signed-in session after entering their codename.

The server keeps only ciphertext (`sessions`): the session's state (which
report, the key her codename derives, which opens the report's data key, when
it started and was last used) is encrypted under a random key that lives only
in the survivor's cookie. Without the cookie the row is useless, and the
database records no time of day beyond the hour at which the row is
deleted (`sweep`), within an hour after the session's end at the latest: a
seized database and a cookie kept from an old session open nothing. Sessions
end after 15 minutes idle, two hours at most, on sign-out, and on "Exit
this page"; the cookie itself is gone from the browser after two hours.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.core import bindings
from portal.core.sessions import HourClock, Sessions
from portal.store.models import SurvivorSession

IDLE_SECONDS = 15 * 60
ABSOLUTE_SECONDS = 2 * 60 * 60

# Only the hour by which the session has ended is kept in clear.
SESSIONS = Sessions(
    SurvivorSession, bindings.survivor_session, IDLE_SECONDS, ABSOLUTE_SECONDS, HourClock()
)


@dataclass(frozen=True)
class SurvivorAccess:
    """What a signed-in survivor holds: their report and the key her codename derives.

    The codename's key unwraps the report's data key at each request, so a
    data key replaced on withdrawal (`reports.rekey`) reaches every session.
    """

    report_id: str
    codename_key: bytes


def start(session: Session, access: SurvivorAccess) -> str:
    """Store a new session and return the cookie value that unlocks it."""
    state = {"report_id": access.report_id, "codename_key": access.codename_key.hex()}
    return SESSIONS.start(session, state)


def resume(session: Session, cookie: str | None) -> SurvivorAccess | None:
    """The access a cookie unlocks, refreshed; None if missing, expired or altered."""
    opened = SESSIONS.resume(session, cookie)
    if opened is None:
        return None
    state = opened[1]
    return SurvivorAccess(state["report_id"], bytes.fromhex(state["codename_key"]))


def end(session: Session, cookie: str | None) -> None:
    """Delete the session a cookie names, if any."""
    SESSIONS.end(session, cookie)


def sweep(session: Session) -> int:
    """Delete every survivor session whose sweep hour has begun; how many went."""
    return SESSIONS.sweep(session)
