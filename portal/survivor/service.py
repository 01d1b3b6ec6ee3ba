"""What survivors do, as functions over a database session.

A report's data key is random; everything the survivor writes is encrypted
under it, and the key is sealed to the groups their consent allows and
wrapped under a key only their codename can derive. The codename itself is
never stored: the server keeps only an HMAC of it to find the report.

Whatever she sends (a report, a message, a consent change, a deletion) is
recorded with its form's submission token in the same transaction
(`core/submissions`), so a repeated request raises `AlreadySent` and sends
nothing twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from config import Config
from crypto.envelope import new_key, unwrap_key, wrap_key
from crypto.errors import CryptoError, InvalidPhrase
from crypto.words import (
    codename_lookup_id,
    codename_lookup_secret,
    codename_wrap_key,
    lookup_id_from_secret,
    new_codename,
)
from portal.core import audit, bindings, escrow, retention, submissions
from portal.core.evidence import PreparedFile
from portal.core.reports import (
    Consent,
    FileDetails,
    ThreadEntry,
    add_message,
    apply_consent,
    claim_attachment,
    decrypt_account,
    encrypt_account,
    file_details,
    new_id,
    read_thread,
    reference_of,
)
from portal.core.submissions import AlreadySent, Receipt, Submission
from portal.core.survivor_sessions import SurvivorAccess
from portal.store import forget_deleted, redo_if_raced
from portal.store.group_commit import new_report_rows, table_of, write_together
from portal.store.models import (
    Attachment,
    Author,
    EscrowEntry,
    MessageKind,
    Report,
    ReportStatus,
    SubmissionToken,
)

__all__ = ["AlreadySent", "Receipt", "Submission"]  # what views catch and read, from here


class UnknownCodename(Exception):
    """No report answers to this codename (or it is not a codename at all)."""


@dataclass(frozen=True)
class SurvivorView:
    """Everything a signed-in survivor sees about their report."""

    reference: str
    status: ReportStatus
    received_on: str
    account: dict[str, Any]
    thread: list[ThreadEntry]
    files: list[FileDetails]
    consent: Consent
    released_on: str | None = None  # the day a match released it


def _attach(
    session: Session, report: Report, data_key: bytes, files: Sequence[PreparedFile]
) -> None:
    # Cleaned files are numbered in the order the report received them.
    already = len(report.attachments) if inspect(report).persistent else 0
    for number, prepared in enumerate(files, start=already + 1):
        upload = prepared.upload
        attachment = session.get(Attachment, upload.id)
        if attachment is None or attachment.report_id is not None:
            raise LookupError("an upload vanished before it could be attached")
        details = FileDetails(
            name=prepared.stored_name(number),
            media_type=upload.media_type,
            size=upload.size,
            sha256=upload.sha256,
            metadata_removed=prepared.metadata_removed,
        )
        claim_attachment(report, data_key, attachment, upload.file_key, details)


def _mark_claimed(files: Sequence[PreparedFile]) -> None:
    for prepared in files:
        prepared.upload.claimed = True


def submit_report(
    session: Session,
    pepper: bytes,
    account: dict[str, Any],
    consent: Consent,
    files: Sequence[PreparedFile],
    submission: Submission,
    escrow_seed: bytes,
    in_danger: bool = False,
) -> Receipt:
    """Encrypt and store a new report; it is committed before this returns.

    A report sealed to a group key that another request retired meanwhile (the
    first advocate joining replaces the bootstrap key) is refused by the
    database, and sealed and stored again under the current keys. A report
    whose token another request recorded meanwhile is refused the same way,
    and then found sent: AlreadySent, with the receipt that request stored.
    """
    sent = _Sent(submission, in_danger, escrow_seed)
    return redo_if_raced(session, lambda: _submit(session, pepper, account, consent, files, sent))


@dataclass(frozen=True)
class _Sent:
    submission: Submission
    in_danger: bool
    escrow_seed: bytes


def _submit(
    session: Session,
    pepper: bytes,
    account: dict[str, Any],
    consent: Consent,
    files: Sequence[PreparedFile],
    sent: _Sent,
) -> Receipt:
    submissions.refuse_repeat(session, sent.submission)
    codename = new_codename()
    report_id = new_id()
    data_key = new_key()
    report = Report(
        id=report_id,
        lookup_id=codename_lookup_id(pepper, codename),
        survivor_key=wrap_key(
            codename_wrap_key(codename, report_id),
            data_key,
            bindings.report(report_id, "survivor_key"),
        ),
        content=encrypt_account(data_key, report_id, account),
        next_sequence=0,
    )
    apply_consent(session, report, data_key, consent, account)
    # The same work whether or not others name the officer: a match is found later.
    entry = escrow.new_entry(session, report, data_key, account, sent.escrow_seed)
    receipt = Receipt(codename, reference_of(report_id), sent.in_danger)
    token_row = sent.submission.row(receipt)
    if files:
        session.add(report)
        session.add(SubmissionToken(**token_row))
        if entry is not None:
            session.add(entry)
        _attach(session, report, data_key, files)
        session.commit()
        _mark_claimed(files)
    else:  # the surge case: committed together with other reports sent at the same time
        rows = [*new_report_rows(report), (table_of(SubmissionToken), [token_row])]
        if entry is not None:
            rows.append((table_of(EscrowEntry), [escrow.entry_row(entry)]))
        write_together(session, rows)
    return receipt


def sign_in(session: Session, pepper: bytes, codename: str) -> SurvivorAccess:
    """Check a codename and unlock its report's data key.

    A report sealed in her browser is found by HMAC(pepper, label + lookup secret), one
    sent before by HMAC(pepper, codename). Both are computed and looked up in
    one query whichever kind she has, so the time taken does not tell them apart.
    """
    try:
        sealed_lookup = lookup_id_from_secret(pepper, codename_lookup_secret(codename))
        server_lookup = codename_lookup_id(pepper, codename)
    except InvalidPhrase:
        raise UnknownCodename from None
    found = {
        report.lookup_id: report
        for report in session.scalars(
            select(Report).where(Report.lookup_id.in_((sealed_lookup, server_lookup)))
        )
    }
    # The kinds never collide, so both are found only when someone who knew a
    # codename the server made filed a sealed report under it, to take its place:
    # the report the server made is hers.
    report = found.get(server_lookup) or found.get(sealed_lookup)
    if report is None:
        raise UnknownCodename
    access = SurvivorAccess(report.id, codename_wrap_key(codename, report.id))
    try:
        _data_key(report, access)
    except CryptoError:  # a key her browser wrapped that does not open: counted as a miss
        raise UnknownCodename from None
    return access


def _report(session: Session, access: SurvivorAccess) -> Report:
    report = session.get(Report, access.report_id)
    if report is None:
        raise UnknownCodename
    return report


def _data_key(report: Report, access: SurvivorAccess) -> bytes:
    """The report's data key as it is now (replaced when consent is withdrawn)."""
    return unwrap_key(
        access.codename_key, report.survivor_key, bindings.report(report.id, "survivor_key")
    )


def open_report(session: Session, access: SurvivorAccess) -> tuple[Report, bytes]:
    """Her report and its data key, as her codename opens them."""
    report = _report(session, access)
    return report, _data_key(report, access)


def view_report(session: Session, access: SurvivorAccess) -> SurvivorView:
    """Decrypt what the survivor may see of their report."""
    report, data_key = open_report(session, access)
    return SurvivorView(
        reference=reference_of(report.id),
        status=report.status,
        received_on=report.received_on.isoformat(),
        account=decrypt_account(data_key, report),
        thread=read_thread(report, data_key),
        files=[file_details(a, data_key) for a in report.attachments],
        consent=Consent.of(report),
        released_on=report.released_on.isoformat() if report.released_on else None,
    )


def add_to_report(
    session: Session,
    access: SurvivorAccess,
    text: str,
    kind: MessageKind,
    files: Sequence[PreparedFile],
    submission: Submission,
) -> None:
    """Add more information, a message, or files to the survivor's report (AlreadySent
    if this form was sent before)."""
    submission = submission.to_report(access.report_id)

    def add() -> None:
        submissions.refuse_repeat(session, submission)
        report, data_key = open_report(session, access)
        if text:
            add_message(report, data_key, Author.SURVIVOR, kind, text)
        _attach(session, report, data_key, files)
        submissions.record(session, submission)
        session.commit()

    redo_if_raced(session, add)
    _mark_claimed(files)


def kept_until(session: Session, access: SurvivorAccess, config: Config) -> datetime.date:
    """The last day the report is kept unless there is more activity."""
    return retention.delete_after(_report(session, access), config)


def keep_longer(session: Session, access: SurvivorAccess, config: Config) -> datetime.date:
    """Keep the report for another retention period from today; returns the new last day."""
    report = _report(session, access)
    retention.keep_longer(session, report, config.retention_days)
    session.commit()
    return retention.delete_after(report, config)


def delete_report(session: Session, access: SurvivorAccess, submission: Submission) -> None:
    """Delete the report with all its content, files and keys (AlreadySent if this
    form was sent before).

    The audit log records only that a deletion happened, not which report.
    """

    def delete() -> None:
        submissions.refuse_repeat(session, submission)
        report = _report(session, access)
        session.delete(report)
        submissions.record(session, submission)
        audit.record(session, actor="survivor", action="report deleted")
        session.commit()

    redo_if_raced(session, delete)
    forget_deleted(session)


def was_sent(
    session: Session, submission: Submission, access: SurvivorAccess | None = None
) -> bool:
    """Whether this form's submission was carried out before (to her report, for a
    form sent from her session)."""
    if access is not None:
        submission = submission.to_report(access.report_id)
    try:
        submissions.refuse_repeat(session, submission)
    except AlreadySent:
        return True
    return False


def refuse_repeat(session: Session, submission: Submission) -> None:
    """AlreadySent, with any receipt still to be shown, if this form was sent before."""
    submissions.refuse_repeat(session, submission)


def receipt(session: Session, submission: Submission) -> Receipt | None:
    """What she was shown after sending a report with this token, while it may be shown."""
    return submissions.receipt(session, submission)


def codename_saved(session: Session, submission: Submission) -> None:
    """She has saved her codename: erase the receipt that could show it again."""
    submissions.erase_receipt(session, submission)
