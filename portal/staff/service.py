"""What staff do: list consented cases and export them, only as consent allows.

Staff decrypt through the exporters' group key, and a report's data key is
sealed to that group only while its survivor consents to an export, so
unconsented cases are unreadable to staff whatever the code path. Consent is
checked again, case by case, at the moment of export, and every export is
audited with its purpose, the cases and the hashes of the files.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import pyrage
import pyzipper
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crypto.errors import CryptoError
from portal import audit
from portal.auth import Principal
from portal.reports import (
    decrypt_account,
    file_details,
    open_report_key,
    read_attachment,
    read_thread,
    sealed_to,
)
from portal.staff.bundle import PURPOSES, case_record
from portal.store.models import Group, Report, Role
from portal.survivor.service import reference_of

_COPY = 64 * 1024


class ConsentMissing(Exception):
    """The survivor has not consented (or no longer consents) to this export."""


class CaseNotFound(Exception):
    """No such case, or not one staff may see: the two look the same."""


@dataclass(frozen=True)
class StaffRow:
    """A consented case as staff see it in the list: no content."""

    id: str
    reference: str
    received_on: str
    status: str
    legal: bool
    iopc: bool
    statistics: bool


def consented_cases(session: Session) -> list[StaffRow]:
    """Cases whose survivor consented to at least one kind of export, and whose key
    staff hold (consent to statistics alone seals no key: those are only counted)."""
    reports = session.scalars(
        select(Report)
        .where(sealed_to(Group.EXPORTERS))
        .where(Report.export_legal | Report.export_iopc | Report.export_statistics)
        .order_by(Report.received_on.desc(), Report.id)
    )
    return [
        StaffRow(
            r.id,
            reference_of(r.id),
            r.received_on.isoformat(),
            r.status.value,
            r.export_legal,
            r.export_iopc,
            r.export_statistics,
        )
        for r in reports
    ]


def find_by_reference(session: Session, references: Sequence[str]) -> list[str]:
    """Report ids for short references (or full ids); CaseNotFound for any unknown."""
    ids = []
    for reference in references:
        wanted = reference.strip().lower()
        matches = (
            session.scalars(select(Report.id).where(Report.id.startswith(wanted)).limit(2)).all()
            if len(wanted) >= 8
            else []
        )
        if len(matches) != 1:
            raise CaseNotFound(reference)
        ids.append(matches[0])
    return ids


def _consented(report: Report, purpose: str) -> bool:
    return bool(getattr(report, f"export_{purpose}"))


def check_purpose(purpose: str) -> None:
    """Refuse a purpose that is not an export purpose."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")


def _write_case(
    zip_file: pyzipper.AESZipFile,
    session: Session,
    principal: Principal,
    report: Report,
    purpose: str,
) -> tuple[str, list[str]]:
    """Write one case's folder into the ZIP; return its reference and file hashes."""
    if not _consented(report, purpose):
        raise ConsentMissing(reference_of(report.id))
    data_key = open_report_key(report, principal, Group.EXPORTERS)
    if data_key is None:
        raise ConsentMissing(reference_of(report.id))
    reference = reference_of(report.id)
    account = decrypt_account(data_key, report)
    thread = read_thread(report, data_key)
    files = [(a, file_details(a, data_key)) for a in report.attachments]
    record = case_record(
        reference,
        purpose,
        report,
        account,
        thread,
        [details for _, details in files],
        list(report.consent_history),
    )
    zip_file.writestr(f"{reference}/case.json", json.dumps(record, indent=2, ensure_ascii=False))
    from portal.staff.summary import summary_pdf  # loaded by the first export only

    zip_file.writestr(f"{reference}/summary.pdf", summary_pdf(record))
    for (attachment, _details), entry in zip(files, record["files"], strict=True):
        with zip_file.open(f"{reference}/{entry['path']}", "w") as target:
            for chunk in read_attachment(session, attachment, data_key):
                target.write(chunk)
    return reference, [details.sha256 for _, details in files]


def export_cases(
    session: Session,
    principal: Principal,
    report_ids: Sequence[str],
    purpose: str,
    out: BinaryIO,
    zip_passphrase: str | None = None,
    age_recipient: str | None = None,
    progress: Callable[[int], None] = lambda _done: None,
) -> list[str]:
    """Write an encrypted ZIP of the cases to `out`, one case at a time; return references.

    Either an AES-256 ZIP under `zip_passphrase` (opens in 7-Zip), or a plain
    ZIP encrypted to an age public key as it is written. Nothing is written in
    clear to disk. ConsentMissing stops the export if any case lacks consent.
    """
    check_purpose(purpose)
    if principal.role is not Role.STAFF:
        raise CaseNotFound("staff only")
    if (zip_passphrase is None) == (age_recipient is None):
        raise ValueError("give either a ZIP passphrase or an age recipient")
    recipient = pyrage.x25519.Recipient.from_str(age_recipient) if age_recipient else None
    if recipient is None:
        return _export_zip(session, principal, report_ids, purpose, out, zip_passphrase, progress)
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def encrypt() -> None:
        with os.fdopen(read_end, "rb") as plain:
            try:
                pyrage.encrypt_io(plain, out, [recipient])
            except BaseException as error:  # reported by the caller's thread
                failure.append(error)

    worker = threading.Thread(target=encrypt, daemon=True)
    worker.start()
    try:
        with os.fdopen(write_end, "wb") as plain:
            references = _export_zip(session, principal, report_ids, purpose, plain, None, progress)
    finally:
        worker.join()
    if failure:
        raise failure[0]
    return references


def _export_zip(
    session: Session,
    principal: Principal,
    report_ids: Sequence[str],
    purpose: str,
    out: BinaryIO,
    passphrase: str | None,
    progress: Callable[[int], None],
) -> list[str]:
    references: list[str] = []
    encryption = {"encryption": pyzipper.WZ_AES} if passphrase else {}
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, **encryption) as zf:
        if passphrase:
            zf.setpassword(passphrase.encode("utf-8"))
        for done, report_id in enumerate(report_ids, start=1):
            report = session.scalars(
                select(Report)
                .where(Report.id == report_id)
                .options(selectinload(Report.seals), selectinload(Report.attachments))
            ).one_or_none()
            if report is None:
                raise CaseNotFound(report_id)
            try:
                reference, hashes = _write_case(zf, session, principal, report, purpose)
            except CryptoError:
                raise ConsentMissing(reference_of(report_id)) from None
            audit.record(
                session,
                actor=principal.name,
                action="case exported",
                subject=report.id,
                detail=f"purpose={purpose}; files={','.join(h[:16] for h in hashes)}",
            )
            session.commit()
            references.append(reference)
            session.expunge(report)  # keep memory bounded over a thousand cases
            progress(done)
    return references


def consented_ids(session: Session, purpose: str) -> list[str]:
    """Every case consented for this purpose, as of now."""
    check_purpose(purpose)
    column = Report.export_legal if purpose == "legal" else Report.export_iopc
    return list(
        session.scalars(
            select(Report.id)
            .where(column.is_(True), sealed_to(Group.EXPORTERS))
            .order_by(Report.received_on, Report.id)
        )
    )
