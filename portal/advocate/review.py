"""The advocates' review list: filtered, sorted and paged; only the page shown is decrypted.

Filters on force, harm and danger go through the blind index (core/search.py),
so the database is searched without holding the words; so does the default
order, reports whose survivor said she was in danger now first. Every page
decrypted is recorded in the audit log. Each row says the day of the case's
last activity and whether the survivor sent anything since the signed-in
advocate last opened it (activity.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from crypto.errors import CryptoError
from portal.advocate import activity
from portal.core import audit
from portal.core.principal import Principal
from portal.core.reports import decrypt_account, open_report_key, reference_of, sealed_to
from portal.core.search import index_reports, open_index_key, tag
from portal.core.vocabulary import FORCES, HARMS, label
from portal.store.models import (
    Account,
    Group,
    Priority,
    Report,
    ReportKeySeal,
    ReportStatus,
    ReportTag,
)

PER_PAGE = 25
SORTS: dict[str, Any] = {
    "danger": Report.received_on.desc(),  # after the reports in danger (see _order)
    "received": Report.received_on.desc(),
    "oldest": Report.received_on.asc(),
    "status": Report.status.asc(),
    "priority": Report.priority.asc(),
    "review": Report.review_on.asc(),
}


def small_number(text: str) -> bool:
    """Plain ASCII digits of a size an id can have (isdigit also accepts "²")."""
    return text.isascii() and text.isdecimal() and len(text) < 10


@dataclass(frozen=True)
class Filters:
    """What the review list is narrowed to; empty means no filter."""

    status: str = ""
    priority: str = ""
    assignee: str = ""
    force: str = ""
    harm: str = ""
    danger: bool = False
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    sort: str = "danger"
    page: int = 1

    def clean(self) -> Filters:
        """The same filters with unknown values (a doctored address) dropped."""
        forces = {value for value, _ in FORCES if value}
        harms = {value for value, _ in HARMS}
        return replace(
            self,
            status=self.status if self.status in {s.value for s in ReportStatus} else "",
            priority=self.priority if self.priority in {p.value for p in Priority} else "",
            assignee=self.assignee
            if self.assignee == "none" or small_number(self.assignee)
            else "",
            force=self.force if self.force in forces else "",
            harm=self.harm if self.harm in harms else "",
            sort=self.sort if self.sort in SORTS else "danger",
        )

    def summary(self, names: dict[int, str]) -> list[str]:
        """What is set, in words, for the line the filters fold into; empty if nothing."""
        clean = self.clean()
        said = []
        if clean.status:
            said.append(label("status", clean.status))
        if clean.priority:
            said.append(f"{label('priority', clean.priority)} priority")
        if clean.assignee:
            who = "nobody" if clean.assignee == "none" else names.get(int(clean.assignee), "?")
            said.append(f"assigned to {who}")
        said += [label("force", clean.force)] if clean.force else []
        said += [label("harm", clean.harm)] if clean.harm else []
        said += ["in danger now"] if clean.danger else []
        if clean.received_from:
            said.append(f"received from {clean.received_from}")
        if clean.received_to:
            said.append(f"received to {clean.received_to}")
        return said

    def query(self) -> dict[str, str]:
        """The filters and order as the list's address carries them (not the page)."""
        clean = self.clean()
        pairs = {
            "status": clean.status,
            "priority": clean.priority,
            "assignee": clean.assignee,
            "force": clean.force,
            "harm": clean.harm,
            "danger": "y" if clean.danger else "",
            "received_from": str(clean.received_from or ""),
            "received_to": str(clean.received_to or ""),
            "sort": "" if clean.sort == "danger" else clean.sort,
        }
        return {name: value for name, value in pairs.items() if value}


@dataclass(frozen=True)
class Row:
    """One report on the review list, decrypted for this page only."""

    id: str
    reference: str
    received_on: datetime.date
    status: ReportStatus
    priority: Priority
    assignee: str | None
    force: str = ""
    harms: tuple[str, ...] = ()
    in_danger: bool = False
    linked: int = 0
    intact: bool = True
    last_activity: datetime.date | None = None
    new_to_me: bool = False
    position: int = 0  # its place in the whole list, from 0


@dataclass(frozen=True)
class ListPage:
    """One page of the review list."""

    rows: list[Row]
    total: int
    page: int
    pages: int
    unindexed: int = 0


def priority_shown(report: Report, in_danger: bool) -> Priority:
    """The priority an advocate sees: a new report not yet triaged arrives as urgent
    when its survivor said she is in danger now.

    Worked out from the decrypted account (or the blind index) at each view and
    never written back: the priority column is in clear, so storing it would
    tell someone holding the database which new reports said so.
    """
    if in_danger and report.status == ReportStatus.NEW and report.priority == Priority.NORMAL:
        return Priority.URGENT
    return report.priority


def _by_priority(wanted: Priority, index_key: bytes | None) -> ColumnElement[bool]:
    """The reports an advocate sees at a priority (see priority_shown)."""
    if index_key is None or wanted not in (Priority.URGENT, Priority.NORMAL):
        return Report.priority == wanted
    danger = select(ReportTag.report_id).where(ReportTag.tag == tag(index_key, "danger", "yes"))
    arriving = and_(
        Report.status == ReportStatus.NEW,
        Report.priority == Priority.NORMAL,
        Report.id.in_(danger),
    )
    if wanted == Priority.URGENT:
        return or_(Report.priority == Priority.URGENT, arriving)
    return and_(Report.priority == Priority.NORMAL, not_(arriving))


def _filtered(query: Select[Any], filters: Filters, index_key: bytes | None) -> Select[Any]:
    if filters.status:
        query = query.where(Report.status == ReportStatus(filters.status))
    if filters.priority:
        query = query.where(_by_priority(Priority(filters.priority), index_key))
    if filters.assignee == "none":
        query = query.where(Report.assignee_id.is_(None))
    elif filters.assignee:
        query = query.where(Report.assignee_id == int(filters.assignee))
    if filters.received_from:
        query = query.where(Report.received_on >= filters.received_from)
    if filters.received_to:
        query = query.where(Report.received_on <= filters.received_to)
    wanted = [("force", filters.force), ("harm", filters.harm)]
    wanted += [("danger", "yes")] if filters.danger else []
    for kind, value in wanted:
        if value:
            found = tag(index_key, kind, value) if index_key else b""
            # "id IN (reports with this tag)" lets SQLite start from the tag's
            # index; a correlated EXISTS made it test every report in turn
            # (26 ms against 1.5 ms for 10,000 reports).
            query = query.where(
                Report.id.in_(select(ReportTag.report_id).where(ReportTag.tag == found))
            )
    return query


def _order(filters: Filters, index_key: bytes | None) -> list[Any]:
    """The order of the list: by the sort chosen, and by id where that ties."""
    order = [SORTS[filters.sort]]
    if filters.sort == "danger" and index_key is not None:
        danger = select(ReportTag.report_id).where(ReportTag.tag == tag(index_key, "danger", "yes"))
        order.insert(0, case((Report.id.in_(danger), 0), else_=1))
    return [*order, Report.id]


def _linked_counts(session: Session, report_ids: list[str]) -> dict[str, int]:
    """For each report, how many other reports name one of the same officers."""
    mine, other = aliased(ReportTag), aliased(ReportTag)
    rows = session.execute(
        select(mine.report_id, func.count(func.distinct(other.report_id)))
        .join(other, (other.tag == mine.tag) & (other.report_id != mine.report_id))
        .where(mine.report_id.in_(report_ids), mine.kind == "officer")
        .group_by(mine.report_id)
    )
    return {report_id: count for report_id, count in rows}


def _row(report: Report, principal: Principal, names: dict[int, str], linked: int) -> Row:
    base = Row(
        id=report.id,
        reference=reference_of(report.id),
        received_on=report.received_on,
        status=report.status,
        priority=report.priority,
        assignee=names.get(report.assignee_id) if report.assignee_id else None,
        linked=linked,
    )
    try:
        data_key = open_report_key(report, principal, Group.ADVOCATES)
        account = decrypt_account(data_key, report) if data_key else {}
    except CryptoError:
        return replace(base, intact=False)
    in_danger = account.get("in_danger") == "yes"
    return replace(
        base,
        priority=priority_shown(report, in_danger),
        force=str(account.get("force") or ""),
        harms=tuple(account.get("harms") or ()),
        in_danger=in_danger,
    )


def review_list(session: Session, principal: Principal, filters: Filters) -> ListPage:
    """One page of reports advocates may read; only this page is decrypted."""
    filters = filters.clean()
    index_key = open_index_key(session, principal)
    unindexed = index_reports(session, principal, index_key) if index_key is not None else 0
    # Counted, sorted and cut to a page by id alone: sorting whole rows would
    # carry every report's encrypted account through the sort.
    query = _filtered(select(Report.id).where(sealed_to(Group.ADVOCATES)), filters, index_key)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(filters.page, 1), pages)
    page_ids = list(
        session.scalars(
            query.order_by(*_order(filters, index_key))
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    found = session.scalars(
        select(Report)
        .where(Report.id.in_(page_ids))
        .options(selectinload(Report.seals).joinedload(ReportKeySeal.group_key))
    ).all()
    by_id = {report.id: report for report in found}
    reports = [by_id[report_id] for report_id in page_ids if report_id in by_id]
    names = {
        account_id: name for account_id, name in session.execute(select(Account.id, Account.name))
    }
    linked = _linked_counts(session, [r.id for r in reports])
    changes = activity.of_reports(session, reports)
    seen = activity.seen_by(session, principal.account_id, [r.id for r in reports])
    rows = [
        replace(
            _row(r, principal, names, linked.get(r.id, 0)),
            last_activity=changes[r.id].last_on,
            new_to_me=changes[r.id].survivor_changes > seen.get(r.id, -1),
            position=(page - 1) * PER_PAGE + number,
        )
        for number, r in enumerate(reports)
    ]
    # The page decrypted these summaries: that is a view, and it is recorded.
    audit.record(
        session,
        actor=principal.name,
        action="list viewed",
        detail=f"{len(rows)} report(s) on page {page}",
    )
    session.commit()
    return ListPage(rows, total, page, pages, unindexed)


@dataclass(frozen=True)
class Neighbours:
    """The cases before and after one in the list, with their places in it."""

    previous: str | None = None
    next: str | None = None
    at: int | None = None  # this case's place in the list, from 0


def neighbours(
    session: Session, principal: Principal, filters: Filters, report_id: str, at: int | None
) -> Neighbours:
    """The cases either side of this one, near the place `at` the list showed it (ids only).

    Only a window around that place is read: the whole list's ids, for ten
    thousand reports, took longer than the case page may. Reports advocates
    may read are found by their consent column here, which keeps the query
    to the reports table; the list itself asks for the seal.
    """
    if at is None:
        return Neighbours()
    filters = filters.clean()
    index_key = open_index_key(session, principal)
    query = _filtered(
        select(Report.id).where(Report.advocates_may_read.is_(True)), filters, index_key
    ).order_by(*_order(filters, index_key))
    for reach in (2, PER_PAGE):  # the place shown, or nearby if the list moved since
        start = max(at - reach, 0)
        ids = list(session.scalars(query.offset(start).limit(2 * reach + 1)))
        here = ids.index(report_id) if report_id in ids else -1
        # Found at the window's edge, a neighbour may lie outside it: look wider.
        known_before = here > 0 or (here == 0 and start == 0)
        known_after = 0 <= here < len(ids) - 1 or (here >= 0 and len(ids) < 2 * reach + 1)
        if known_before and known_after:
            return Neighbours(
                ids[here - 1] if here > 0 else None,
                ids[here + 1] if here + 1 < len(ids) else None,
                start + here,
            )
    return Neighbours()
