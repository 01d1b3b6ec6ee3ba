"""The hash-chained audit log.

Each entry's hash covers the previous entry's hash and its own fields, so
changing, removing or reordering any entry breaks every hash after it.
Entries are dated to the day and never name an address or a survivor's words.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from sqlalchemy import false, select, text, update
from sqlalchemy.orm import Session

from portal.store.models import AuditEvent, today

GENESIS = bytes(32)


def _hash(previous: bytes, event: AuditEvent) -> bytes:
    digest = hashlib.sha256(b"portal/v1/audit\x00" + previous)
    for part in (
        event.recorded_on.isoformat(),
        event.actor,
        event.action,
        event.subject,
        event.detail,
    ):
        encoded = b"\xff" if part is None else part.encode("utf-8")
        digest.update(len(encoded).to_bytes(4, "big") + encoded)
    return digest.digest()


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
    event.entry_hash = _hash(previous, event)
    session.add(event)
    return event


@dataclass(frozen=True)
class Verification:
    """The result of checking the chain: entries checked and the first bad one."""

    checked: int
    first_broken_id: int | None

    @property
    def intact(self) -> bool:
        """True when every entry links to the one before and hashes correctly."""
        return self.first_broken_id is None


def verify(session: Session) -> Verification:
    """Walk the chain from the start and report the first entry that does not hold."""
    previous, checked = GENESIS, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000):
        if event.previous_hash != previous or event.entry_hash != _hash(previous, event):
            return Verification(checked, event.id)
        previous, checked = event.entry_hash, checked + 1
    return Verification(checked, None)
