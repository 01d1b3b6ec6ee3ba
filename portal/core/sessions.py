"""Sessions whose state only the client's cookie can open, for every audience.

A session's state is encrypted under a random key that exists only in the
client's cookie (`<row id>.<key>`); the server's row holds nothing but that
ciphertext, bound to its row (`bindings`). Without the cookie the row is
useless, and the cookie opens nothing once the row is gone: an ended
session's row is deleted when its cookie is next presented, on sign-out, and
by `sweep` (at every sign-in, when the server starts and every few minutes,
see `sweeper`), and the write-ahead log is emptied of it (`forget_deleted`).
So a seized database and a cookie kept from an old session open nothing.

The audiences differ only in their limits and in which times the database may
hold in clear, which their `Clock` decides (`ClearClock` for charity accounts,
`HourClock` for survivors). When the session started and was last used are
always sealed inside the state as well, and a session has ended when either
the sealed or the clear times say so.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crypto.envelope import new_key, unwrap_key, wrap_key
from crypto.errors import CryptoError
from crypto.format import Binding
from portal.store import forget_deleted
from portal.store.models import AccountSession, SurvivorSession

HOUR = 60 * 60

Row = TypeVar("Row", AccountSession, SurvivorSession)
State = dict[str, Any]


def _now() -> int:
    return int(time.time())


class Clock(ABC, Generic[Row]):
    """Which times a kind of session keeps in clear in its row, so it can be swept."""

    @abstractmethod
    def columns(self, now: int, idle: int, absolute: int) -> dict[str, object]:
        """The clear time columns of a row started at `now`."""

    @abstractmethod
    def touch(self, row: Row, now: int) -> None:
        """Record in clear that the session was used at `now`, if this clock does."""

    @abstractmethod
    def ended(self, table: type[Row], now: int, idle: int, absolute: int) -> ColumnElement[bool]:
        """The rows whose clear times say the session has ended."""

    @abstractmethod
    def has_ended(self, row: Row, now: int, idle: int, absolute: int) -> bool:
        """Whether this row's clear times say the session has ended."""


class ClearClock(Clock[AccountSession]):
    """Start and last use to the second, so an idle session's row goes within minutes.

    For charity accounts: when a staff member works is no secret from their employer.
    """

    def columns(self, now: int, idle: int, absolute: int) -> dict[str, object]:
        """Started and seen now."""
        return {"started_at": _datetime(now), "seen_at": _datetime(now)}

    def touch(self, row: AccountSession, now: int) -> None:
        """Seen now."""
        row.seen_at = _datetime(now)

    def ended(
        self, table: type[AccountSession], now: int, idle: int, absolute: int
    ) -> ColumnElement[bool]:
        """Idle too long, or started too long ago."""
        return (table.seen_at < _datetime(now - idle)) | (
            table.started_at < _datetime(now - absolute)
        )

    def has_ended(self, row: AccountSession, now: int, idle: int, absolute: int) -> bool:
        """Idle too long, or started too long ago."""
        started, seen = (_seconds(t) for t in (row.started_at, row.seen_at))
        return now - seen > idle or now - started > absolute


class HourClock(Clock[SurvivorSession]):
    """Only the hour by which the session has certainly ended, never updated.

    For survivors: the database must not tell when she wrote or came back,
    beyond the hour her session is deleted (within an hour of its absolute limit).
    """

    def columns(self, now: int, idle: int, absolute: int) -> dict[str, object]:
        """The first whole hour after the absolute limit: no finer time is stored."""
        return {"sweep_at_hour": (now + absolute) // HOUR + 1}

    def touch(self, row: SurvivorSession, now: int) -> None:
        """Nothing: a use is recorded only inside the sealed state."""

    def ended(
        self, table: type[SurvivorSession], now: int, idle: int, absolute: int
    ) -> ColumnElement[bool]:
        """The sweep hour has begun (no session can still be valid then)."""
        return table.sweep_at_hour <= now // HOUR

    def has_ended(self, row: SurvivorSession, now: int, idle: int, absolute: int) -> bool:
        """The sweep hour has begun."""
        return row.sweep_at_hour <= now // HOUR


class Sessions(Generic[Row]):
    """One kind of session: its table, its binding, its limits (seconds) and its clock."""

    def __init__(
        self,
        table: type[Row],
        binding: Callable[[str], Binding],
        idle: int,
        absolute: int,
        clock: Clock[Row],
    ) -> None:
        self.table: type[Row] = table
        self.binding = binding
        self.clock: Clock[Row] = clock
        self.idle, self.absolute = idle, absolute

    def start(self, session: Session, state: State, **columns: object) -> str:
        """Store a new session sealing `state`; return the cookie value that opens it.

        `columns` are the row's other clear columns (a charity session's account).
        """
        self.sweep(session)
        session_id, key, now = secrets.token_hex(16), new_key(), _now()
        row = self.table(
            id=session_id,
            state=self._seal(key, session_id, state, now, now),
            **self.clock.columns(now, self.idle, self.absolute),
            **columns,
        )
        session.add(row)
        session.commit()
        return f"{session_id}.{base64.urlsafe_b64encode(key).decode()}"

    def resume(self, session: Session, cookie: str | None) -> tuple[Row, State] | None:
        """The row and state a cookie opens, marked as used now; None if missing,
        altered or ended (an ended session's row is deleted)."""
        parsed = _parse(cookie)
        if parsed is None:
            return None
        session_id, key = parsed
        row = session.get(self.table, session_id)
        if row is None:
            return None
        try:
            state = json.loads(unwrap_key(key, row.state, self.binding(session_id)))
        except (CryptoError, ValueError):
            return None
        now = _now()
        # A charity session started before its times were sealed has none: it ends.
        started, seen = state.pop("started", 0), state.pop("seen", 0)
        if (
            now - seen > self.idle
            or now - started > self.absolute
            or self.clock.has_ended(row, now, self.idle, self.absolute)
        ):
            self._delete(session, row)
            return None
        row.state = self._seal(key, session_id, state, started, now)
        self.clock.touch(row, now)
        try:
            session.commit()
        except StaleDataError:
            # Ended by another request meanwhile (her deletion or Exit, a double click).
            session.rollback()
            return None
        return row, state

    def end(self, session: Session, cookie: str | None) -> None:
        """Delete the session a cookie names, if any, and empty the log of it."""
        parsed = _parse(cookie)
        if parsed is not None:
            session.execute(delete(self.table).where(self.table.id == parsed[0]))
            session.commit()
            forget_deleted(session)

    def id_of(self, cookie: str | None) -> str | None:
        """The id of the session a cookie names (whether or not it still exists)."""
        parsed = _parse(cookie)
        return parsed[0] if parsed is not None else None

    def end_row(self, session: Session, row: Row) -> None:
        """Delete a session found ended by its owner's state (a disabled account)."""
        self._delete(session, row)

    def sweep(self, session: Session) -> int:
        """Delete every session whose clear times say it has ended, and empty the
        write-ahead log of them when there were any; how many went."""
        ended = self.clock.ended(self.table, _now(), self.idle, self.absolute)
        result = session.execute(delete(self.table).where(ended))
        session.commit()
        swept = int(getattr(result, "rowcount", 0) or 0)
        if swept:
            forget_deleted(session)
        return swept

    def _seal(self, key: bytes, session_id: str, state: State, started: int, seen: int) -> bytes:
        plain = json.dumps({**state, "started": started, "seen": seen}).encode()
        return wrap_key(key, plain, self.binding(session_id))

    def _delete(self, session: Session, row: Row) -> None:
        session.delete(row)
        session.commit()
        forget_deleted(session)


def _parse(cookie: str | None) -> tuple[str, bytes] | None:
    session_id, _, encoded = (cookie or "").partition(".")
    try:
        key = base64.urlsafe_b64decode(encoded.encode())
    except (binascii.Error, ValueError):
        return None
    return (session_id, key) if len(session_id) == 32 and len(key) == 32 else None


def _datetime(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _seconds(moment: datetime.datetime) -> int:
    # SQLite returns the stored UTC time without its zone.
    return int(moment.replace(tzinfo=datetime.UTC).timestamp())
