"""The declarative base every table shares, and the one date a survivor's rows are given."""

from __future__ import annotations

import datetime

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table."""


# Table options of a survivor's rows: stored by primary key, never by arrival.
WITHOUT_ROWID = {"sqlite_with_rowid": False}


def today() -> datetime.date:
    """The current day in UTC: the only precision at which survivor activity is dated."""
    return datetime.datetime.now(datetime.UTC).date()
