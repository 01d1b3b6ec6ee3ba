"""What staff do: list consented cases and export them, only as consent allows.

Staff decrypt through the exporters' group key, and a report's data key is
sealed to that group only while its survivor consents to an export, so
unconsented cases are unreadable to staff whatever the code path.

An export runs in two passes. The first (`prepare_export`) checks consent for
every case, opens each one, checks the integrity of every part that is to go
(the account, the additions and messages, each evidence file against its
recorded SHA-256), and commits one audit entry per case: purpose, whether
messages go, and keyed digests of the files' hashes. Only then does the
second (`write_bundle`) write the first byte, checking consent again case by
case. A client that hangs up half-way has therefore been recorded, and a case
without consent stops the export before anything is written.

A part that fails its integrity check (altered, truncated or moved) is named
as such, recorded in the audit log, and left out; everything else still goes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crypto.envelope import decrypt_text
from crypto.errors import CryptoError, TamperedCiphertext
from portal.core import audit, bindings
from portal.core.principal import Principal
from portal.core.reports import (
    ThreadEntry,
    decrypt_account,
    file_details,
    open_report_key,
    read_attachment,
    reference_of,
    sealed_to,
)
from portal.staff.archive import Bundle, open_bundle
from portal.staff.bundle import (
    PURPOSES,
    EvidenceFile,
    case_folder,
    case_record,
)
from portal.store.models import (
    Attachment,
    Author,
    Group,
    Message,
    MessageKind,
    Report,
    ReportKeySeal,
    Role,
)

Progress = Callable[[int], None]
_CHUNK = 100  # cases loaded at a time


class ConsentMissing(Exception):
    """The survivor has not consented (or no longer consents) to this export."""


class CaseNotFound(Exception):
    """No such case, or not one staff may see: the two look the same."""


class IntegrityFailure(Exception):
    """Something failed an integrity check after the export began (it changed since it
    was checked); the bundle is not finished. The message names the case."""


class NeedsConfirmation(Exception):
    """Parts of the cases failed an integrity check: export without them only if asked.

    Carries the plan, whose `problems` say plainly what failed.
    """

    def __init__(self, plan: ExportPlan) -> None:
        super().__init__("; ".join(plan.problems))
        self.plan = plan


class NothingToExport(NeedsConfirmation):
    """Every case asked for failed an integrity check: there is nothing to export."""


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
    messages_legal: bool
    messages_iopc: bool


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
            r.export_legal and r.messages_legal,
            r.export_iopc and r.messages_iopc,
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


def check_purpose(purpose: str) -> None:
    """Refuse a purpose that is not an export purpose."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")


def consented(report: Report, purpose: str) -> bool:
    """True while the survivor consents to export the report for this purpose."""
    return bool(report.export_legal if purpose == "legal" else report.export_iopc)


def messages_consented(report: Report, purpose: str) -> bool:
    """True while she also chose to send her messages with the advocates for it."""
    wanted = report.messages_legal if purpose == "legal" else report.messages_iopc
    return consented(report, purpose) and bool(wanted)


def purpose_choices(report: Report) -> list[tuple[str, str]]:
    """The export purposes, each saying what the survivor agreed would go."""
    choices = []
    for purpose, label in PURPOSES.items():
        if not consented(report, purpose):
            said = "the survivor did not agree"
        elif messages_consented(report, purpose):
            said = "the account, files and messages with the advocates"
        else:
            said = "the account and files; not the messages (the survivor did not agree)"
        choices.append((purpose, f"{label}: {said}"))
    return choices


def _loaded(session: Session, report_ids: Sequence[str]) -> Iterator[Report]:
    """The reports, in the order given, loaded a chunk at a time with what an export reads.

    A few queries per chunk rather than per case, and each chunk is let go of
    once read, so a thousand cases take bounded memory. CaseNotFound for a
    report that is gone.
    """
    for start in range(0, len(report_ids), _CHUNK):
        chunk = report_ids[start : start + _CHUNK]
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
            )
        }
        for report_id in chunk:
            if report_id not in found:
                raise CaseNotFound(report_id)
            yield found[report_id]
        for report in found.values():
            session.expunge(report)  # with its seals, files, messages and consent records


def _data_key(report: Report, principal: Principal, purpose: str) -> bytes:
    """The report's data key for this export; ConsentMissing without consent or key.

    A seal that does not open raises CryptoError: an integrity failure, not a
    missing consent.
    """
    if not consented(report, purpose):
        raise ConsentMissing(reference_of(report.id))
    data_key = open_report_key(report, principal, Group.EXPORTERS)
    if data_key is None:
        raise ConsentMissing(reference_of(report.id))
    return data_key


def _shared(message: Message, messages: bool) -> bool:
    """Whether a thread entry may go: her additions always, messages with consent."""
    if message.kind is MessageKind.ADDITION:
        return message.author is Author.SURVIVOR
    return message.kind is MessageKind.MESSAGE and messages


def _decrypt_entry(report: Report, data_key: bytes, message: Message) -> ThreadEntry:
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


def _check_case(
    session: Session, principal: Principal, report: Report, purpose: str
) -> PlannedCase:
    """Open one case and check every part that is to go; name what fails."""
    reference = reference_of(report.id)
    messages = messages_consented(report, purpose)
    try:
        data_key = _data_key(report, principal, purpose)
        decrypt_account(data_key, report)
    except CryptoError:
        return PlannedCase(report.id, reference, messages, failed=True)
    entries, files, left_out = [], [], []
    counts = {MessageKind.ADDITION: 0, MessageKind.MESSAGE: 0}
    for message in report.messages:
        if not _shared(message, messages):
            continue
        counts[message.kind] += 1
        try:
            _decrypt_entry(report, data_key, message)
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
        report.id, reference, messages, tuple(entries), tuple(files), tuple(left_out)
    )


def _record_failure(session: Session, principal: Principal, case: PlannedCase) -> None:
    parts = "the case" if case.failed else ", ".join(case.left_out)
    audit.record(
        session,
        actor=principal.name,
        action="integrity failure",
        subject=case.report_id,
        detail=f"export: {parts}",
    )


def _record_export(session: Session, principal: Principal, case: PlannedCase, purpose: str) -> None:
    # Keyed digests, not the hashes themselves: a hash names a file to anyone
    # holding it (a photo the abuser took); a keyed digest needs the audit key.
    digests = ",".join(audit.keyed_digest(session, f.sha256) for f in case.files)
    detail = f"purpose={purpose}; messages={'yes' if case.messages else 'no'}; files={digests}"
    if case.left_out:
        detail += f"; left out: {', '.join(case.left_out)}"
    audit.record(
        session, actor=principal.name, action="case exported", subject=case.report_id, detail=detail
    )


def prepare_export(
    session: Session,
    principal: Principal,
    report_ids: Sequence[str],
    purpose: str,
    leave_out_damaged: bool = True,
    progress: Progress = lambda _done: None,
) -> ExportPlan:
    """Check consent and integrity of every case, and audit the export: before any byte.

    Raises ConsentMissing (or CaseNotFound) before anything is decrypted or
    recorded if any case may not be exported. Integrity failures are recorded
    as such; unless `leave_out_damaged`, any of them stops here with
    NeedsConfirmation, and NothingToExport when no case is left.
    """
    check_purpose(purpose)
    if principal.role is not Role.STAFF:
        raise CaseNotFound("staff only")
    report_ids = list(dict.fromkeys(report_ids))  # a case named twice is exported once
    column = Report.export_legal if purpose == "legal" else Report.export_iopc
    for start in range(0, len(report_ids), _CHUNK):  # consent first, for all: no half-made export
        chunk = report_ids[start : start + _CHUNK]
        rows = session.execute(select(Report.id, column).where(Report.id.in_(chunk)))
        given = {report_id: bool(agreed) for report_id, agreed in rows}
        for report_id in chunk:
            if report_id not in given:
                raise CaseNotFound(report_id)
            if not given[report_id]:
                raise ConsentMissing(reference_of(report_id))
    cases = []
    for done, report in enumerate(_loaded(session, report_ids), start=1):
        cases.append(_check_case(session, principal, report, purpose))
        progress(done)
    plan = ExportPlan(purpose, tuple(cases))
    for case in plan.cases:
        if case.failed or case.left_out:
            _record_failure(session, principal, case)
    if not plan.exported or (plan.problems and not leave_out_damaged):
        session.commit()
        raise (NothingToExport if not plan.exported else NeedsConfirmation)(plan)
    for case in plan.exported:
        _record_export(session, principal, case, purpose)
    session.commit()
    return plan


def _write_case(
    bundle: Bundle,
    session: Session,
    principal: Principal,
    case: PlannedCase,
    report: Report,
    purpose: str,
) -> None:
    """Write one checked case's folder: what was checked and audited, and nothing else."""
    data_key = _data_key(report, principal, purpose)
    messages = case.messages and messages_consented(report, purpose)
    account = decrypt_account(data_key, report)
    wanted = set(case.entries)
    thread = [
        _decrypt_entry(report, data_key, m)
        for m in report.messages
        if m.id in wanted and _shared(m, messages)
    ]
    by_id = {a.id: a for a in report.attachments}
    files = [
        (
            by_id[f.attachment_id],
            EvidenceFile(f.number, file_details(by_id[f.attachment_id], data_key)),
        )
        for f in case.files
        if f.attachment_id in by_id
    ]
    record = case_record(
        case.reference,
        purpose,
        report,
        account,
        thread,
        [evidence for _, evidence in files],
        list(report.consent_history),
        messages,
        list(case.left_out),
    )
    from portal.staff.summary import summary_pdf  # loaded by the first export only

    folder = case_folder(case.reference)
    bundle.add(f"{folder}/case.json", json.dumps(record, indent=2, ensure_ascii=False).encode())
    bundle.add(f"{folder}/summary.pdf", summary_pdf(record))
    for attachment, evidence in files:
        bundle.add_stream(
            f"{folder}/{evidence.path}", read_attachment(session, attachment, data_key)
        )


def write_bundle(
    session: Session,
    principal: Principal,
    plan: ExportPlan,
    out: BinaryIO,
    zip_passphrase: str | None = None,
    age_recipient: str | None = None,
    progress: Progress = lambda _done: None,
) -> list[str]:
    """Write the bundle of a prepared export to `out`, one case at a time; return references.

    Either an AES-256 ZIP under `zip_passphrase` (opens in 7-Zip) whose one
    entry is the inner ZIP, or the inner ZIP encrypted to an age public key.
    Consent is checked again for every case: ConsentMissing, or
    IntegrityFailure if a part changed since it was checked, stops the bundle
    unfinished.
    """
    references = []
    cases = plan.exported
    reports = _loaded(session, [case.report_id for case in cases])
    with open_bundle(out, zip_passphrase, age_recipient) as bundle:
        for done, (case, report) in enumerate(zip(cases, reports, strict=True), start=1):
            try:
                _write_case(bundle, session, principal, case, report, plan.purpose)
            except CryptoError:
                raise IntegrityFailure(case.reference) from None
            references.append(case.reference)
            progress(done)
    return references


def export_cases(
    session: Session,
    principal: Principal,
    report_ids: Sequence[str],
    purpose: str,
    out: BinaryIO,
    zip_passphrase: str | None = None,
    age_recipient: str | None = None,
) -> ExportPlan:
    """Prepare (check and audit) and write an export in one call; return its plan."""
    if (zip_passphrase is None) == (age_recipient is None):
        raise ValueError("give either a ZIP passphrase or an age recipient")
    plan = prepare_export(session, principal, report_ids, purpose)
    write_bundle(session, principal, plan, out, zip_passphrase, age_recipient)
    return plan


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
