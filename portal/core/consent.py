"""Consent to an export, decided in one place: may a report, and its messages, go out?

A survivor consents to an export for each purpose on its own: the charity's
legal team, or the IOPC and professional standards. Her account, what she
added to it later and her files go with any export she consented to; her
messages with the advocates, and their replies, only where she also chose to
include them for that purpose (a conversation says where she stays and when
it is safe to call, which the account need not); advocates' internal notes
never. The staff page, `portal export` and the bundle all ask
`export_consent`; a query picking cases asks its SQL twin, `consented_for`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import InstrumentedAttribute

from portal.store.models import Author, MessageKind, Report

PURPOSES = {"legal": "The charity's legal team", "iopc": "IOPC or professional standards"}
# Who an export is for, in words that follow "Prepared for" in a bundle's summary.
PREPARED_FOR = {
    "legal": "the charity's legal team",
    "iopc": "the IOPC or a police force's professional standards department",
}
# Each purpose as it appears in a bundle's file name: case-DACD6D7C-legal-team.zip.
FILE_NAME_PURPOSE = {"legal": "legal-team", "iopc": "iopc"}
# Each purpose's consent to the case, and to its messages, as the report holds them.
_COLUMNS = {
    "legal": ("export_legal", "messages_legal"),
    "iopc": ("export_iopc", "messages_iopc"),
}


class ConsentMissing(Exception):
    """The survivor has not consented (or no longer consents) to this export."""


@dataclass(frozen=True)
class ExportConsent:
    """What the survivor's consent lets go out for one purpose, as it stands now."""

    purpose: str
    case: bool  # her account, her additions and her files
    messages: bool  # her messages with the advocates, and their replies

    def shares(self, author: Author, kind: MessageKind) -> bool:
        """Whether a thread entry may go: her additions with the case, messages if she chose."""
        if not self.case:
            return False
        if kind is MessageKind.ADDITION:
            return author is Author.SURVIVOR
        return kind is MessageKind.MESSAGE and self.messages

    def narrowed(self, messages: bool) -> ExportConsent:
        """The same consent, without the messages unless `messages` too (what was checked)."""
        return ExportConsent(self.purpose, self.case, self.messages and messages)


def check_purpose(purpose: str) -> None:
    """Refuse a purpose that is not an export purpose."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")


def export_consent(report: Report, purpose: str) -> ExportConsent:
    """May this report, and its messages, go out for this purpose: the one place deciding."""
    check_purpose(purpose)
    case_column, messages_column = _COLUMNS[purpose]
    case = bool(getattr(report, case_column))
    return ExportConsent(purpose, case, case and bool(getattr(report, messages_column)))


def exportable(report: Report) -> bool:
    """True while the report may go out for at least one purpose."""
    return any(export_consent(report, purpose).case for purpose in PURPOSES)


def consented_for(purpose: str) -> InstrumentedAttribute[bool]:
    """The column holding `export_consent(report, purpose).case`, for a query."""
    check_purpose(purpose)
    column: InstrumentedAttribute[bool] = getattr(Report, _COLUMNS[purpose][0])
    return column
