"""What staff do: list consented cases and export them, only as consent allows.

Staff decrypt through the exporters' group key, and a report's data key is
sealed to that group only while its survivor consents to an export, so
unconsented cases are unreadable to staff whatever the code path. What may
go out for a purpose is decided by `portal.core.consent` alone.

An export runs in two passes. The first (`prepare_export`) checks consent for
every case, opens each one, checks the integrity of every part that is to go
(plan.py), and commits one audit entry per case: purpose, whether messages
go, and keyed digests of the files' hashes. Only then does the second
(`write_bundle`) write the first byte, checking consent again case by case.
A client that hangs up half-way has therefore been recorded, and a case
without consent stops the export before anything is written.

A part that fails its integrity check (altered, truncated or moved) is named
as such, recorded in the audit log, and left out; everything else still goes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.errors import CryptoError
from portal.core import audit
from portal.core.consent import (
    FILE_NAME_PURPOSE,
    PURPOSES,
    ConsentMissing,
    check_purpose,
    consented_for,
    export_consent,
    exportable,
)
from portal.core.principal import Principal
from portal.core.reports import (
    decrypt_account,
    file_details,
    read_attachment,
    reference_of,
    sealed_to,
)
from portal.staff.archive import Bundle, open_bundle
from portal.staff.bundle import EvidenceFile, case_folder, case_record
from portal.staff.plan import (
    CHUNK,
    CaseNotFound,
    ExportPlan,
    PlannedCase,
    check_case,
    decrypt_entry,
    loaded,
    opened,
)
from portal.store.models import Group, Report, Role

Progress = Callable[[int], None]


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


def consented_cases(session: Session) -> list[StaffRow]:
    """Cases whose survivor consented to at least one kind of export, and whose key
    staff hold (consent to statistics alone seals no key: those are only counted)."""
    reports = session.scalars(
        select(Report)
        .where(sealed_to(Group.EXPORTERS))
        .where(consented_for("legal") | consented_for("iopc") | Report.export_statistics)
        .order_by(Report.received_on.desc(), Report.id)
    )
    rows = []
    for r in reports:
        legal, iopc = export_consent(r, "legal"), export_consent(r, "iopc")
        rows.append(
            StaffRow(
                r.id,
                reference_of(r.id),
                r.received_on.isoformat(),
                r.status.value,
                legal.case,
                iopc.case,
                r.export_statistics,
                legal.messages,
                iopc.messages,
            )
        )
    return rows


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


def exportable_case(session: Session, report_id: str) -> Report:
    """A case its survivor consented to export for some purpose; CaseNotFound otherwise."""
    report = session.get(Report, report_id)
    if report is None or not exportable(report):
        raise CaseNotFound(report_id)
    return report


def purpose_choices(report: Report) -> list[tuple[str, str]]:
    """The purposes the survivor consents to now, each saying what she agreed would go."""
    choices = []
    for purpose, label in PURPOSES.items():
        consent = export_consent(report, purpose)
        if not consent.case:
            continue  # not offered at all: she has not agreed to it
        if consent.messages:
            said = "the account, files and messages with the advocates"
        else:
            said = "the account and files; not the messages (the survivor did not agree)"
        choices.append((purpose, f"{label}: {said}"))
    return choices


def bundle_name(reference: str, purpose: str, age: bool) -> str:
    """A bundle's file name, saying whom it is for: case-DACD6D7C-legal-team.zip."""
    return f"{reference}-{FILE_NAME_PURPOSE[purpose]}.{'zip.age' if age else 'zip'}"


def _require_consent(session: Session, report_ids: Sequence[str], purpose: str) -> None:
    """ConsentMissing (or CaseNotFound) if any case may not go: checked for all, first,
    so that no export is ever half made."""
    for start in range(0, len(report_ids), CHUNK):
        chunk = report_ids[start : start + CHUNK]
        rows = session.execute(
            select(Report.id, consented_for(purpose)).where(Report.id.in_(chunk))
        )
        given = {report_id: bool(agreed) for report_id, agreed in rows}
        for report_id in chunk:
            if report_id not in given:
                raise CaseNotFound(report_id)
            if not given[report_id]:
                raise ConsentMissing(reference_of(report_id))


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
    _require_consent(session, report_ids, purpose)
    cases = []
    for done, report in enumerate(loaded(session, report_ids), start=1):
        cases.append(check_case(session, principal, report, purpose))
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
    consent, data_key = opened(report, principal, purpose)
    consent = consent.narrowed(case.messages)  # never more than was checked and audited
    account = decrypt_account(data_key, report)
    wanted = set(case.entries)
    thread = [
        decrypt_entry(report, data_key, m)
        for m in report.messages
        if m.id in wanted and consent.shares(m.author, m.kind)
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
        consent,
        report,
        account,
        thread,
        [evidence for _, evidence in files],
        list(report.consent_history),
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
    # One case loaded at a time, just before it is written: a survivor who
    # withdraws while earlier cases are written is not exported from a copy
    # read before she did.
    reports = loaded(session, [case.report_id for case in cases], chunk_size=1)
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
    return list(
        session.scalars(
            select(Report.id)
            .where(consented_for(purpose).is_(True), sealed_to(Group.EXPORTERS))
            .order_by(Report.received_on, Report.id)
        )
    )
