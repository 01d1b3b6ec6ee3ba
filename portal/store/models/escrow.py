"""The matching escrow's tables: sealed entries, and the matches found among them.

An entry is sealed to the escrow group's key and the same size whatever it
holds (`crypto/matching.py`); nothing outside it names an officer. A match
row exists only once reports were released by it: which reports named the
same officer is then what the advocates were told, and it links them.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.store.models.base import WITHOUT_ROWID, Base, today
from portal.store.models.reports import GroupKey


class EscrowEntry(Base):
    """A report's escrow entry: its tags, shares and wrapped key, sealed to the escrow key."""

    __tablename__ = "escrow_entries"
    __table_args__ = WITHOUT_ROWID

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_keys.id"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    group_key: Mapped[GroupKey] = relationship()


class EscrowMatch(Base):
    """Reports found to name one officer, at least one of them released by it."""

    __tablename__ = "escrow_matches"
    __table_args__ = WITHOUT_ROWID

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    found_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    size: Mapped[int] = mapped_column(Integer)  # how many reports named the officer
    # Set when an advocate, having read the reports, found they name different officers.
    disputed_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)

    reports: Mapped[list[EscrowMatchReport]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class EscrowMatchReport(Base):
    """One report of a match; `released` when the match is what freed it."""

    __tablename__ = "escrow_match_reports"
    __table_args__ = WITHOUT_ROWID

    match_id: Mapped[str] = mapped_column(
        ForeignKey("escrow_matches.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    released: Mapped[bool] = mapped_column(default=False)
