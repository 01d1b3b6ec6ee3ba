"""Anonymised statistics for staff: counts by force, harm, year and status.

Only reports whose survivor consented to statistics are counted, and only
through the exporters' key. Consent to statistics seals just the report's
force and kinds of harm to that key, never the report's data key (which
staff get only with consent to export the case), so counting opens nothing
else. Reports consented before those facts were sealed apart are counted
through their data key, as then.

Small numbers identify people, so every count from 1 to 4 is shown as
"fewer than 5". Suppression alone is not enough: the force, year and status
tables each count every report exactly once, so they share one total, and a
total known from one table would give away a suppressed cell of another by
subtraction. Wherever that could narrow down a suppressed cell, the total is
published only as "at least N" and, where needed, further cells are withheld
(secondary suppression) until every suppressed cell could still be any of
1 to 4 as far as the published figures tell.

The tables are written out as CSV and text by statistics_formats.py, and
drawn by charts.py.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crypto.errors import CryptoError
from portal.core import audit
from portal.core.principal import Principal
from portal.core.reports import decrypt_account, open_report_key, open_statistics, sealed_to
from portal.core.vocabulary import FORCES, HARMS
from portal.store.models import Group, Report, ReportKeySeal, ReportStatus, Role

# Counts below this are never published: a common threshold for small-number
# suppression in published statistics.
SUPPRESS_BELOW = 5
NOT_GIVEN = "Not given"
FEWER = f"fewer than {SUPPRESS_BELOW}"
FEWER_CSV = f"<{SUPPRESS_BELOW}"
WITHHELD = "withheld"
TOO_FEW = "Too few reports to show this table without risk of identifying someone."
_FORCE_LABELS = {**dict(FORCES), "": NOT_GIVEN}
_HARM_LABELS = dict(HARMS)
_STATUS_ORDER = {status.value: i for i, status in enumerate(ReportStatus)}
_HARM_ORDER = {value: i for i, (value, _label) in enumerate(HARMS)}


class StaffOnly(Exception):
    """Statistics are computed only for a staff account."""


class Suppression(enum.Enum):
    """Why a cell's number is not shown."""

    NONE = "none"
    SMALL = "small"  # the count is from 1 to 4
    SECONDARY = "secondary"  # 5 or more, withheld so a small cell cannot be worked out


@dataclass(frozen=True)
class Cell:
    """One category of a table; the count is None whenever it is suppressed."""

    category: str
    count: int | None
    suppression: Suppression = Suppression.NONE

    @property
    def shown(self) -> str:
        """The count as the page shows it."""
        if self.suppression is Suppression.SMALL:
            return FEWER
        if self.suppression is Suppression.SECONDARY:
            return WITHHELD
        return str(self.count)

    @property
    def in_csv(self) -> str:
        """The count as the CSV file gives it."""
        return FEWER_CSV if self.suppression is Suppression.SMALL else self.shown


@dataclass(frozen=True)
class Table:
    """One published table: its cells, and its total when it may be given exactly."""

    key: str
    title: str
    cells: tuple[Cell, ...]
    total: int | None = None  # exact, only when nothing in the shared tables is suppressed
    at_least: int | None = None  # a lower bound, when the exact total would reveal a cell
    note: str = ""

    @property
    def total_shown(self) -> str:
        """The total as published: exact, "at least N", or empty for no total."""
        if self.total is not None:
            return str(self.total)
        if self.at_least is not None:
            return f"at least {self.at_least}"
        return ""


@dataclass(frozen=True)
class Statistics:
    """Every published table, and whether some consented reports could not be opened."""

    tables: tuple[Table, ...]
    unreadable: bool = False

    @property
    def empty(self) -> bool:
        """True when no consented report was counted."""
        return all(not table.cells for table in self.tables)


@dataclass
class _Draft:
    """A shared-total table while suppression is decided: real counts, kept private."""

    counts: dict[str, int]
    order: list[str]
    small: set[str]
    withheld: set[str]

    def exact(self) -> list[str]:
        return [c for c in self.order if c not in self.small and c not in self.withheld]

    def range_of_total(self) -> tuple[int, float]:
        """What the published cells say about the table's total: [lowest, highest]."""
        exact = self.exact()
        known = sum(self.counts[c] for c in exact)
        # Withheld cells were chosen smallest first, so none exceeds a cell still shown.
        cap = min((self.counts[c] for c in exact), default=math.inf)
        low = known + len(self.small) + SUPPRESS_BELOW * len(self.withheld)
        high: float = known + (SUPPRESS_BELOW - 1) * len(self.small)
        if self.withheld:  # (inf * 0 would be nan, which compares false with everything)
            high += cap * len(self.withheld)
        return low, high

    def floor_of_total(self) -> int:
        """The fewest reports a table of harms allows: a report names each harm at most once.

        Harm cells are withheld largest first, so a withheld one is at least every
        count still shown, and at least 5.
        """
        exact = [self.counts[c] for c in self.exact()]
        withheld = SUPPRESS_BELOW if self.withheld else 0
        return max([*exact, withheld, 1 if self.small else 0])


def _readable_reports(session: Session) -> Iterable[Report]:
    return session.scalars(
        select(Report)
        .where(
            Report.export_statistics.is_(True),
            Report.statistics_seal.is_not(None) | sealed_to(Group.EXPORTERS),
        )
        .options(
            selectinload(Report.statistics_key),
            selectinload(Report.seals).selectinload(ReportKeySeal.group_key),
        )
        .order_by(Report.id)
    ).yield_per(500)


def _facts_of(report: Report, principal: Principal) -> dict[str, object] | None:
    """The force and harms of a report: from its statistics seal, or, for a report
    consented before statistics were sealed apart, from its account."""
    if report.statistics_seal is not None:
        return open_statistics(report, principal)
    data_key = open_report_key(report, principal, Group.EXPORTERS)
    return decrypt_account(data_key, report) if data_key is not None else None


def _offered(account: dict[str, object]) -> bool:
    """Whether its force and harms are answers the report form offers. Facts sealed in a
    browser may hold any text, which must never become a published category."""
    force, harms = account.get("force"), account.get("harms")
    return (force is None or (isinstance(force, str) and force in _FORCE_LABELS)) and (
        harms is None
        or (
            isinstance(harms, list) and all(isinstance(h, str) and h in _HARM_LABELS for h in harms)
        )
    )


def _force_of(account: dict[str, object]) -> str:
    force = account.get("force")
    value = force if isinstance(force, str) else ""
    return _FORCE_LABELS.get(value, value)


def _harms_of(account: dict[str, object]) -> list[str]:
    harms = account.get("harms")
    if not isinstance(harms, list):
        return []
    return sorted({h for h in harms if isinstance(h, str)}, key=lambda h: _HARM_ORDER.get(h, 99))


def _small(counts: dict[str, int]) -> set[str]:
    return {category for category, n in counts.items() if 0 < n < SUPPRESS_BELOW}


def _protected(drafts: Sequence[_Draft], harm_floor: int) -> bool:
    """True when every small cell could still be any of 1 to 4, given all tables together."""
    ranges = [d.range_of_total() for d in drafts]
    for i, draft in enumerate(drafts):
        if not draft.small:
            continue
        others_low = max([harm_floor, *(r[0] for j, r in enumerate(ranges) if j != i)])
        others_high = min((r[1] for j, r in enumerate(ranges) if j != i), default=math.inf)
        low, high = ranges[i]
        # Tables' totals move in steps of one, so a cell may take value v exactly when
        # this table's total, with that cell fixed at v, can meet the other tables' range.
        for v in range(1, SUPPRESS_BELOW):
            mine_low, mine_high = low - 1 + v, high - (SUPPRESS_BELOW - 1) + v
            if max(mine_low, others_low) > min(mine_high, others_high):
                return False
    return True


def _withhold_until_protected(drafts: Sequence[_Draft], harms: _Draft) -> bool:
    """Withhold the smallest shown cells, preferring tables that give their total away.

    A count of one harm is a floor under the number of reports, so when that floor
    is what narrows a small cell down, the largest harm counts are withheld instead.
    False when nothing more can be withheld and a small cell can still be narrowed.
    """
    while not _protected(drafts, harms.floor_of_total()):
        candidates = [d for d in drafts if d.exact()]
        if harms.exact() and (not candidates or _protected(drafts, 0)):
            harms.withheld.add(max(harms.exact(), key=lambda c: harms.counts[c]))
            continue
        if not candidates:
            return False

        def cost(d: _Draft) -> tuple[bool, bool, int]:
            smallest = min(d.counts[c] for c in d.exact())
            return (bool(d.small), bool(d.withheld), smallest)

        draft = min(candidates, key=cost)
        draft.withheld.add(min(draft.exact(), key=lambda c: draft.counts[c]))
    return True


def _published(key: str, title: str, draft: _Draft, labels: dict[str, str]) -> Table:
    """A table's cells: shown counts largest first (forces, harms), then the suppressed.

    Suppressed cells keep the table's natural order: sorting them by their real
    counts would tell which of them is larger.
    """
    by_count = key in {"force", "harm"}
    shown = sorted(draft.exact(), key=lambda c: -draft.counts[c]) if by_count else []
    cells = []
    for category in shown + [c for c in draft.order if c not in shown]:
        label = labels.get(category, category)
        if category in draft.small:
            cells.append(Cell(label, None, Suppression.SMALL))
        elif category in draft.withheld:
            cells.append(Cell(label, None, Suppression.SECONDARY))
        else:
            cells.append(Cell(label, draft.counts[category]))
    return Table(key, title, tuple(cells))


def _draft(counts: Counter[str], order: dict[str, int] | None = None) -> _Draft:
    ranked = sorted(counts, key=lambda c: (order.get(c, 99), c)) if order else sorted(counts)
    return _Draft(dict(counts), ranked, _small(counts), set())


def tabulate(
    forces: Counter[str], years: Counter[str], statuses: Counter[str], harms: Counter[str]
) -> tuple[Table, ...]:
    """The published tables for these counts: small numbers suppressed, totals protected."""
    drafts = [_draft(forces), _draft(years), _draft(statuses, _STATUS_ORDER)]
    harm_draft = _draft(harms, _HARM_ORDER)
    if not _withhold_until_protected(drafts, harm_draft):
        # So few reports that even "fewer than 5" per category would tell too much
        # (for example that every one of them names the same force): publish none.
        drafts = [_Draft({}, [], set(), set()) for _ in drafts]
    exact = not any(d.small or d.withheld for d in drafts)
    # Every published cell is consistent with any total from this floor up: give the floor.
    lowest = max([harm_draft.floor_of_total(), *(int(d.range_of_total()[0]) for d in drafts)])
    force, year, status = (
        replace(
            _published(key, title, draft, {}),
            total=sum(forces.values()) if exact and draft.counts else None,
            at_least=None if exact or not draft.counts else lowest,
            note="" if draft.counts or not forces else TOO_FEW,
        )
        for key, title, draft in zip(
            ("force", "year", "status"),
            ("Reports by police force", "Reports by year received", "Reports by status"),
            drafts,
            strict=True,
        )
    )
    harm = replace(
        _published("harm", "Reports by kind of harm", harm_draft, _HARM_LABELS),
        note="A report may name several kinds of harm, or none, so this table has no total.",
    )
    return (force, harm, year, status)


def compute(session: Session, principal: Principal) -> Statistics:
    """Count consented reports, opened through the exporters' key, with small numbers hidden."""
    if principal.role is not Role.STAFF:
        raise StaffOnly
    forces: Counter[str] = Counter()
    years: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    harms: Counter[str] = Counter()
    unreadable = False
    for report in _readable_reports(session):
        try:
            account = _facts_of(report, principal)
        except CryptoError:
            account = None
        if account is None or not _offered(account):
            # Sealed to a version of the key this account does not hold, tampered with,
            # or sealed in a browser with answers the form does not offer.
            unreadable = True
            continue
        forces[_force_of(account)] += 1
        harms.update(_harms_of(account))
        years[str(report.received_on.year)] += 1
        statuses[report.status.value] += 1
    return Statistics(tabulate(forces, years, statuses, harms), unreadable)


def audited(session: Session, principal: Principal, action: str) -> Statistics:
    """Compute the statistics and record in the audit log that this account did so."""
    statistics = compute(session, principal)
    audit.record(session, actor=principal.name, action=action)
    session.commit()
    return statistics
