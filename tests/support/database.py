"""Reading and rewriting the database directly, as a test or someone holding it would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, func, select

from portal.core import audit
from portal.store import Store
from portal.store.models import AuditEvent, Report

Rehash = Callable[[bytes, AuditEvent], bytes]


def count_rows(store: Store, model: type[Any]) -> int:
    """How many rows the model's table holds."""
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def only_report_id(store: Store) -> str:
    """The id of the single report in the database."""
    with store.session() as session:
        return session.scalars(select(Report.id)).one()


def rewrite_audit_without(store: Store, action: str, rehash: Rehash) -> None:
    """Delete the audit entries of one action and recompute every hash after them."""
    with store.session() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.action == action))
        previous = audit.GENESIS
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
            event.previous_hash = previous
            event.entry_hash = previous = rehash(previous, event)
            session.flush()
        session.commit()
