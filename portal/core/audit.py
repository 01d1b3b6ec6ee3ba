"""The keyed, hash-chained audit log.

Each entry's hash is an HMAC, under the instance's audit key, of the previous
entry's hash and its own fields, so changing, removing or reordering any
entry breaks every hash after it. The key lives in instance/secrets/, never
in the database: someone who can write only to the database (a seized copy,
a separate database host) cannot recompute the chain after deleting an entry.

Whoever holds the key as well could recompute it, and cutting off the newest
entries leaves a shorter chain that still holds. Both are caught by a head
witnessed outside the server: `portal audit head` prints "N:HASH" (the
number of entries and the newest hash), the admins' daily e-mail carries it,
and `verify(…, head=…)` fails if entry N no longer has that hash.

Entries are dated to the day and never name an address or a survivor's words.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import false, func, select, text, update
from sqlalchemy.orm import Session

from portal.store import audit_key
from portal.store.models import AuditEvent, today

GENESIS = bytes(32)
_LABEL = b"portal/v2/audit\x00"
_LEGACY_LABEL = b"portal/v1/audit\x00"  # the unkeyed chain of instances made before the key


class ChainBroken(Exception):
    """The audit log does not verify, so it cannot be re-keyed; the message says where."""


def _fields(event: AuditEvent) -> bytes:
    parts = []
    for part in (
        event.recorded_on.isoformat(),
        event.actor,
        event.action,
        event.subject,
        event.detail,
    ):
        encoded = b"\xff" if part is None else part.encode("utf-8")
        parts.append(len(encoded).to_bytes(4, "big") + encoded)
    return b"".join(parts)


def _hash(key: bytes, previous: bytes, event: AuditEvent) -> bytes:
    return hmac.digest(key, _LABEL + previous + _fields(event), "sha256")


def _legacy_hash(previous: bytes, event: AuditEvent) -> bytes:
    return hashlib.sha256(_LEGACY_LABEL + previous + _fields(event)).digest()


def keyed_digest(session: Session, value: str) -> str:
    """A keyed hash of a value an entry must not name outright (a file's SHA-256, say).

    Equal values give equal digests, so entries can still be matched against
    a file someone holds, but without the audit key a digest names nothing.
    """
    message = b"portal/v1/audit-digest\x00" + value.encode()
    return hmac.digest(audit_key(session), message, "sha256")[:16].hex()


def _lock_the_chain(session: Session) -> None:
    """Take the write lock before reading the last entry, so two writers never link
    to the same one (which the unique previous_hash would refuse with an error).

    SQLite: a write statement takes the database's write lock, even one that
    changes nothing. PostgreSQL: a table lock that lets readers through.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(AuditEvent).where(false()).values(actor=AuditEvent.actor))
    else:
        session.execute(text("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"))


def record(
    session: Session,
    actor: str,
    action: str,
    subject: str | None = None,
    detail: str | None = None,
    on: datetime.date | None = None,
) -> AuditEvent:
    """Append an entry to the chain (committed with the caller's transaction)."""
    _lock_the_chain(session)
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    previous = last.entry_hash if last else GENESIS
    event = AuditEvent(
        recorded_on=on or today(), actor=actor, action=action, subject=subject, detail=detail
    )
    event.previous_hash = previous
    event.entry_hash = _hash(audit_key(session), previous, event)
    session.add(event)
    return event


@dataclass(frozen=True)
class Head:
    """The newest entry as a witness writes it down: how many entries, and its hash."""

    count: int
    entry_hash: bytes

    def __str__(self) -> str:
        return f"{self.count}:{self.entry_hash.hex()}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """Read "N:HASH" as `portal audit head` prints it; ValueError if it is not that."""
        count, _, digest = text.strip().partition(":")
        entry_hash = bytes.fromhex(digest)
        if not count.isdigit() or int(count) < 1 or len(entry_hash) != 32:
            raise ValueError("a head is the number of entries, a colon and 64 hex digits")
        return cls(int(count), entry_hash)


def head(session: Session) -> Head | None:
    """The chain's head now; None while the log is empty."""
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    if last is None:
        return None
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return Head(count, last.entry_hash)


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain: entries checked, the first bad one, the head's fate."""

    checked: int
    first_broken_id: int | None
    head_matches: bool = True

    @property
    def intact(self) -> bool:
        """True when every entry links and hashes correctly, and a witnessed head still holds."""
        return self.first_broken_id is None and self.head_matches


def verify(session: Session, witnessed: Head | None = None) -> Verification:
    """Walk the chain from the start; report the first entry that does not hold, and
    whether entry `witnessed.count` still has the hash a witness wrote down."""
    key = audit_key(session)
    previous, checked = GENESIS, 0
    head_matches = witnessed is None
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.previous_hash != previous or event.entry_hash != _hash(key, previous, event):
            return Verification(checked, event.id, head_matches)
        previous, checked = event.entry_hash, checked + 1
        if witnessed is not None and checked == witnessed.count:
            head_matches = hmac.compare_digest(event.entry_hash, witnessed.entry_hash)
    return Verification(checked, None, head_matches)


def key_the_chain(session: Session) -> int:
    """Rewrite an instance's unkeyed chain (made before the audit key) as a keyed one.

    Run once, when `portal upgrade` creates the key; the old chain must verify
    first, or ChainBroken is raised and nothing changes. Someone who deletes
    the key file and rewrites the chain unkeyed gets it re-keyed: the entry
    this adds, and any head witnessed before, show that. Returns the entries
    re-keyed.
    """
    _lock_the_chain(session)
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    previous = GENESIS
    for event in events:
        if event.previous_hash != previous or event.entry_hash != _legacy_hash(previous, event):
            raise ChainBroken(
                f"The audit log was already broken at entry {event.id}; it was not re-keyed."
            )
        previous = event.entry_hash
    key, previous = audit_key(session), GENESIS
    for event in events:
        event.previous_hash = previous
        event.entry_hash = previous = _hash(key, previous, event)
        # Flush one by one: the unique hashes must never meet their old values.
        session.flush()
    # The re-keying is itself on the record: a head witnessed before it, and
    # this entry, show when the chain was last rewritten.
    record(session, actor="upgrade", action="audit log re-keyed", detail=f"{len(events)} entries")
    session.commit()
    return len(events)
