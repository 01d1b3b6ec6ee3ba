"""Limits every worker and host shares: recent failures and reports, per client bucket.

A row holds a count and nothing else about its clients: a 16-bit bucket of a
keyed hash (see `portal.core.limits`), never an address, and the number of
the window it counts in. It is deleted once that window and the next have
ended, so the table holds only the current and the previous window.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.models.base import WITHOUT_ROWID, Base


class LimitCount(Base):
    """How many failures (or reports) one client bucket, or everyone, had in one window."""

    __tablename__ = "limit_counts"
    # Stored by key, not by arrival: a rowid would order the clients' first failures.
    __table_args__ = WITHOUT_ROWID

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # 0 to 65535, a bucket of clients; `portal.core.limits.OVERALL` for everyone.
    client: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unix time divided by the window's length: which window of this kind.
    window_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # Unix time at which the window after this one ends: the row counts no more.
    sweep_at: Mapped[int] = mapped_column(BigInteger, index=True)
