"""An export's first pass: every case opened and checked before a byte of the bundle.

A case is opened through the exporters' key only while its survivor consents
to the purpose; every part that is to go (the account, the additions and
messages, each evidence file against its recorded SHA-256) is decrypted and
checked, and a part that fails (altered, truncated or moved) is named and
left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crypto.envelope import decrypt_text
from crypto.errors import CryptoError, TamperedCiphertext
from portal.core import bindings
from portal.core.consent import ConsentMissing, ExportConsent, export_consent
from portal.core.principal import Principal
from portal.core.reports import (
    ThreadEntry,
    decrypt_account,
    file_details,
    open_report_key,
    read_attachment,
    reference_of,
)
from portal.store.models import Attachment, Group, Message, MessageKind, Report, ReportKeySeal

CHUNK = 100  # cases loaded at a time


class CaseNotFound(Exception):
    """No such case, or not one staff may see: the two look the same."""


@dataclass(frozen=True)
class PlannedFile:
    """An evidence file that passed its check, with its number in the case."""

    attachment_id: str
    number: int
    sha256: str


@dataclass(frozen=True)
class PlannedCase:
    """One case as checked: what goes, and what failed its integrity check."""

    report_id: str
    reference: str
    messages: bool
    entries: tuple[str, ...] = ()  # ids of the additions and messages that go
    files: tuple[PlannedFile, ...] = ()
    left_out: tuple[str, ...] = ()  # parts that failed, as "evidence 2", "message 3"
    failed: bool = False  # the case itself (its key or account) failed: nothing goes


@dataclass(frozen=True)
class ExportPlan:
    """Every case of an export, checked and audited; the bundle is written from it."""

    purpose: str
    cases: tuple[PlannedCase, ...]

    @property
    def exported(self) -> list[PlannedCase]:
        """The cases that go into the bundle."""
        return [c for c in self.cases if not c.failed]

    @property
    def problems(self) -> list[str]:
        """What failed an integrity check, in plain words."""
        said = []
        for case in self.cases:
            if case.failed:
                said.append(
                    f"Case {case.reference} failed an integrity check: its stored record was "
                    "altered or moved, so it cannot be exported."
                )
            elif case.left_out:
                parts = " and ".join(case.left_out)
                it = "it was" if len(case.left_out) == 1 else "they were"
                said.append(
                    f"In case {case.reference}, {parts} failed an integrity check: {it} "
                    "altered or moved after being stored. Only what passed is exported, and "
                    "the bundle names what was left out."
                )
        return said


def loaded(
    session: Session, report_ids: Sequence[str], chunk_size: int = CHUNK
) -> Iterator[Report]:
    """The reports, in the order given, loaded a chunk at a time with what an export reads.

    A few queries per chunk rather than per case, and each chunk is let go of
    once read, so a thousand cases take bounded memory. Each load reads the
    rows as they are now, never an earlier copy. CaseNotFound for a report
    that is gone.
    """
    for start in range(0, len(report_ids), chunk_size):
        chunk = report_ids[start : start + chunk_size]
        found = {
            r.id: r
            for r in session.scalars(
                select(Report)
                .where(Report.id.in_(chunk))
                .options(
                    selectinload(Report.seals).joinedload(ReportKeySeal.group_key),
                    selectinload(Report.attachments),
                    selectinload(Report.messages),
                    selectinload(Report.consent_history),
                )
                .execution_options(populate_existing=True)
            )
        }
        for report_id in chunk:
            if report_id not in found:
                raise CaseNotFound(report_id)
            yield found[report_id]
        for report in found.values():
            session.expunge(report)  # with its seals, files, messages and consent records


def opened(report: Report, principal: Principal, purpose: str) -> tuple[ExportConsent, bytes]:
    """The consent for this export and the report's data key; ConsentMissing without either.

    A seal that does not open raises CryptoError: an integrity failure, not a
    missing consent.
    """
    consent = export_consent(report, purpose)
    data_key = open_report_key(report, principal, Group.EXPORTERS) if consent.case else None
    if data_key is None:
        raise ConsentMissing(reference_of(report.id))
    return consent, data_key


def decrypt_entry(report: Report, data_key: bytes, message: Message) -> ThreadEntry:
    """One addition or message; only those that may go are ever decrypted."""
    binding = bindings.message_body(report.id, message.id, message.author, message.kind)
    return ThreadEntry(
        author=message.author,
        kind=message.kind,
        sent_on=message.sent_on.isoformat(),
        text=decrypt_text(data_key, message.body, binding),
    )


def _evidence(report: Report) -> list[Attachment]:
    """A case's files in a stable order, so they keep their numbers between passes."""
    return sorted(report.attachments, key=lambda a: (a.uploaded_on, a.id))


def _verify_file(session: Session, attachment: Attachment, data_key: bytes) -> str:
    """Decrypt a file in full and compare it with its recorded size and SHA-256.

    Returns the hash; CryptoError if any part fails, including the comparison.
    """
    details = file_details(attachment, data_key)
    digest, size = hashlib.sha256(), 0
    for chunk in read_attachment(session, attachment, data_key):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != details.sha256 or size != details.size:
        raise TamperedCiphertext("the file does not match its recorded hash")
    return details.sha256


def check_case(session: Session, principal: Principal, report: Report, purpose: str) -> PlannedCase:
    """Open one case and check every part that is to go; name what fails."""
    reference = reference_of(report.id)
    messages = export_consent(report, purpose).messages
    try:
        consent, data_key = opened(report, principal, purpose)
        decrypt_account(data_key, report)
    except CryptoError:
        return PlannedCase(report.id, reference, messages, failed=True)
    entries, files, left_out = [], [], []
    counts = {MessageKind.ADDITION: 0, MessageKind.MESSAGE: 0}
    for message in report.messages:
        if not consent.shares(message.author, message.kind):
            continue
        counts[message.kind] += 1
        try:
            decrypt_entry(report, data_key, message)
            entries.append(message.id)
        except CryptoError:
            left_out.append(f"{message.kind.value} {counts[message.kind]}")
    for number, attachment in enumerate(_evidence(report), start=1):
        try:
            files.append(
                PlannedFile(attachment.id, number, _verify_file(session, attachment, data_key))
            )
        except CryptoError:
            left_out.append(f"evidence {number}")
    return PlannedCase(
        report.id, reference, consent.messages, tuple(entries), tuple(files), tuple(left_out)
    )
