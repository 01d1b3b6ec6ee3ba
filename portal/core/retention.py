"""Retention: reports are deleted once nobody has touched them for long enough.

A report is kept for `retention_days` after its last activity (a closed case
for `closed_retention_days`), or until a day a survivor or advocate chose to
keep it to, whichever is later. `portal purge` deletes what is past that day.
Deleting a report row removes its ciphertext, every sealed copy of its key,
its thread, files and tags through the database's ON DELETE CASCADE, and
secure_delete overwrites the freed pages. The audit log records how many
reports a run deleted, never which: an id would outlive the report it names.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from config import Config
from portal.core import audit
from portal.store import forget_deleted
from portal.store.models import Attachment, Message, Report, ReportStatus
from portal.store.models import today as current_day


@dataclass(frozen=True)
class PurgeResult:
    """How much a purge run deleted (counts only, never which reports)."""

    reports: int
    messages: int
    attachments: int


def _period(status: ReportStatus, config: Config) -> int:
    if status is ReportStatus.CLOSED:
        return config.closed_retention_days
    return config.retention_days


def delete_after(report: Report, config: Config) -> datetime.date:
    """The last day a report is kept; from the day after, `purge` deletes it."""
    deadline = report.updated_on + datetime.timedelta(days=_period(report.status, config))
    if report.keep_until is not None and report.keep_until > deadline:
        return report.keep_until
    return deadline


def _due(config: Config, today: datetime.date) -> Any:
    """The SQL form of `today > delete_after(report)`, portable to SQLite and PostgreSQL."""
    idle = or_(
        and_(
            Report.status != ReportStatus.CLOSED,
            Report.updated_on < today - datetime.timedelta(days=config.retention_days),
        ),
        and_(
            Report.status == ReportStatus.CLOSED,
            Report.updated_on < today - datetime.timedelta(days=config.closed_retention_days),
        ),
    )
    return and_(idle, or_(Report.keep_until.is_(None), Report.keep_until < today))


def due(session: Session, config: Config, today: datetime.date | None = None) -> list[str]:
    """The ids of the reports past their retention period."""
    return list(session.scalars(select(Report.id).where(_due(config, today or current_day()))))


def _count(session: Session, model: type[Message] | type[Attachment], due_ids: Any) -> int:
    query = select(func.count()).select_from(model).where(model.report_id.in_(due_ids))
    return int(session.scalar(query) or 0)


def purge(session: Session, config: Config, today: datetime.date | None = None) -> PurgeResult:
    """Delete every report past its retention period, audit the count, and commit."""
    today = today or current_day()
    due_ids = select(Report.id).where(_due(config, today)).scalar_subquery()
    messages = _count(session, Message, due_ids)
    attachments = _count(session, Attachment, due_ids)
    # One statement with the rule in its WHERE clause: a report that gains
    # activity between the counts above and this delete is not deleted.
    deleted = session.execute(
        delete(Report).where(_due(config, today)),
        execution_options={"synchronize_session": "fetch"},
    )
    reports = int(getattr(deleted, "rowcount", 0) or 0)
    audit.record(session, actor="retention", action="reports purged", detail=f"{reports} report(s)")
    session.commit()
    if reports:
        forget_deleted(session)
    return PurgeResult(reports=reports, messages=messages, attachments=attachments)


def keep_longer(
    session: Session, report: Report, days: int, today: datetime.date | None = None
) -> datetime.date:
    """Keep a report at least `days` from today (a later chosen day stays); the caller commits."""
    wanted = (today or current_day()) + datetime.timedelta(days=days)
    if report.keep_until is None or report.keep_until < wanted:
        report.keep_until = wanted
    return report.keep_until
