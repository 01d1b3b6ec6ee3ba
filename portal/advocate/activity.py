"""What changed on a case since an advocate last opened it, and the day of its last activity.

What a survivor sends (a message, more information, a file, a change of
consent) each leaves a row, and she can take none of them back one by one:
so their count only grows. An advocate's "seen" mark is that count as it
was when they last opened the case, so "new since you last looked" needs
no time at all, not even a day, and two things sent on the day an advocate
looked are still told apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.store.models import Attachment, Author, CaseSeen, ConsentRecord, Message, Report


@dataclass(frozen=True)
class Activity:
    """A case's survivor changes so far and the day of its last activity."""

    survivor_changes: int
    last_on: datetime.date


def of_reports(session: Session, reports: Sequence[Report]) -> dict[str, Activity]:
    """For each report, what its survivor has sent so far and its last day of activity."""
    ids = [report.id for report in reports]
    counts = dict.fromkeys(ids, 0)
    last = {report.id: report.updated_on for report in reports}
    messages = (
        select(Message.report_id, func.count())
        .where(Message.report_id.in_(ids), Message.author == Author.SURVIVOR)
        .group_by(Message.report_id)
    )
    files = (
        select(Attachment.report_id, func.count())
        .where(Attachment.report_id.in_(ids))
        .group_by(Attachment.report_id)
    )
    for query in (messages, files):
        for report_id, count in session.execute(query):
            counts[str(report_id)] += count
    consents = session.execute(
        select(ConsentRecord.report_id, func.count(), func.max(ConsentRecord.recorded_on))
        .where(ConsentRecord.report_id.in_(ids))
        .group_by(ConsentRecord.report_id)
    )
    for report_id, count, recorded_on in consents:
        counts[report_id] += count
        # A change of consent is activity the advocates should see, though it
        # does not move the retention day.
        last[report_id] = max(last[report_id], recorded_on)
    return {report_id: Activity(counts[report_id], last[report_id]) for report_id in ids}


def seen_by(session: Session, account_id: int, report_ids: Sequence[str]) -> dict[str, int]:
    """The survivor changes each case had when this advocate last opened it."""
    rows = session.execute(
        select(CaseSeen.report_id, CaseSeen.survivor_changes).where(
            CaseSeen.account_id == account_id, CaseSeen.report_id.in_(report_ids)
        )
    )
    return {report_id: changes for report_id, changes in rows}


def mark_seen(session: Session, account_id: int, report: Report) -> None:
    """Remember that this advocate has now seen everything the survivor sent (not committed)."""
    changes = of_reports(session, [report])[report.id].survivor_changes
    seen = session.get(CaseSeen, (account_id, report.id))
    if seen is None:
        session.add(CaseSeen(account_id=account_id, report_id=report.id, survivor_changes=changes))
    elif seen.survivor_changes != changes:
        seen.survivor_changes = changes
