"""What advocates do with a case: open it, triage, reply, download files, find linked cases.

The review list is in review.py; giving a newly joined advocate the group
keys is at the end here.

Every function that reads a case takes the signed-in Principal; data keys
are opened through the group keys its session holds, so an account without
the advocates' key cannot read anything whatever the code path. Every
decryption is audited.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crypto.envelope import decrypt_field, encrypt_field
from crypto.errors import CryptoError, TamperedCiphertext
from portal.advocate import activity
from portal.advocate.trail import Entry, entries
from portal.core import accounts, audit, authentication, bindings, grants
from portal.core.principal import Principal
from portal.core.reports import (
    Consent,
    FileDetails,
    ThreadEntry,
    add_message,
    decrypt_account,
    file_details,
    open_report_key,
    read_attachment,
    read_thread,
    reference_of,
)
from portal.core.search import open_index_key, tag, tag_values
from portal.store import redo_if_raced
from portal.store.models import (
    Account,
    Attachment,
    AuditEvent,
    Author,
    ConsentRecord,
    Group,
    MessageKind,
    Priority,
    Report,
    ReportStatus,
    ReportTag,
    Role,
    today,
)


class CaseNotFound(Exception):
    """No such case, or not one this account may read: the two look the same."""


class IntegrityFailure(Exception):
    """A case's ciphertext failed its integrity check (it was altered or moved)."""


class MemberNotFound(Exception):
    """No advocate account by that id."""


@dataclass(frozen=True)
class Case:
    """Everything an advocate sees on a case."""

    id: str
    reference: str
    report: Report
    account: dict[str, Any]
    thread: list[ThreadEntry]
    files: list[tuple[str, FileDetails]]
    consent: Consent
    consent_history: list[ConsentRecord]
    tags: list[str]
    trail: list[Entry]
    last_activity: datetime.date
    linked: dict[str, list[str]] = field(default_factory=dict)


def _load(session: Session, principal: Principal, report_id: str) -> tuple[Report, bytes]:
    """The report and its data key, or CaseNotFound; IntegrityFailure if tampered."""
    report = session.get(Report, report_id) if len(report_id) == 32 else None
    if report is None or principal.role is not Role.ADVOCATE:
        raise CaseNotFound
    try:
        data_key = open_report_key(report, principal, Group.ADVOCATES)
    except CryptoError:
        audit.record(session, actor=principal.name, action="integrity failure", subject=report.id)
        session.commit()
        raise IntegrityFailure from None
    if data_key is None:
        raise CaseNotFound
    return report, data_key


def _decrypt_tags(report: Report, data_key: bytes) -> list[str]:
    if report.tags is None:
        return []
    tags = json.loads(decrypt_field(data_key, report.tags, bindings.report(report.id, "tags")))
    return [str(t) for t in tags]


def linked_cases(session: Session, report: Report) -> dict[str, list[str]]:
    """Other reports naming each officer of this one, by officer tag."""
    mine, other = aliased(ReportTag), aliased(ReportTag)
    rows = session.execute(
        select(mine.tag, other.report_id)
        .join(other, (other.tag == mine.tag) & (other.report_id != mine.report_id))
        .where(mine.report_id == report.id, mine.kind == "officer")
    )
    linked: dict[str, list[str]] = {}
    for found_tag, report_id in rows:
        linked.setdefault(found_tag.hex(), []).append(report_id)
    return linked


def officer_links(
    session: Session, principal: Principal, report: Report, account: dict[str, Any]
) -> list[list[str]]:
    """For each officer named in the account, the other reports naming them."""
    index_key = open_index_key(session, principal)
    if index_key is None:
        return [[] for _ in account.get("officers") or []]
    links = linked_cases(session, report)
    force = str(account.get("force") or "")
    result = []
    for officer in account.get("officers") or []:
        others: set[str] = set()
        single = {"force": force, "officers": [officer]}
        for kind, value in tag_values(single):
            if kind == "officer":
                others.update(links.get(tag(index_key, kind, value).hex(), []))
        result.append(sorted(others))
    return result


def open_case(session: Session, principal: Principal, report_id: str) -> Case:
    """Decrypt a case for an advocate, and record that they viewed it."""
    report, data_key = _load(session, principal, report_id)
    try:
        account = decrypt_account(data_key, report)
        thread = read_thread(report, data_key, include_notes=True)
        files = [(a.id, file_details(a, data_key)) for a in report.attachments]
        tags = _decrypt_tags(report, data_key)
    except CryptoError:
        audit.record(session, actor=principal.name, action="integrity failure", subject=report.id)
        session.commit()
        raise IntegrityFailure from None
    audit.record(session, actor=principal.name, action="case viewed", subject=report.id)
    session.commit()
    redo_if_raced(session, lambda: _mark_seen(session, principal, report))
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.subject == report.id).order_by(AuditEvent.id)
    ).all()
    names = {
        account_id: name for account_id, name in session.execute(select(Account.id, Account.name))
    }
    file_names = {attachment_id: details.name for attachment_id, details in files}
    return Case(
        id=report.id,
        reference=reference_of(report.id),
        report=report,
        account=account,
        thread=thread,
        files=files,
        consent=Consent.of(report),
        consent_history=list(report.consent_history),
        tags=tags,
        trail=entries(list(events), names, file_names),
        last_activity=activity.of_reports(session, [report])[report.id].last_on,
    )


def _mark_seen(session: Session, principal: Principal, report: Report) -> None:
    # Two tabs opening the case at once may both insert the mark: the loser redoes it.
    activity.mark_seen(session, principal.account_id, report)
    session.commit()


@dataclass(frozen=True)
class Triage:
    """An advocate's triage decisions on a case."""

    status: ReportStatus
    priority: Priority
    assignee_id: int | None
    review_on: datetime.date | None
    tags: list[str]
    keep_until: datetime.date | None = None


def update_triage(session: Session, principal: Principal, report_id: str, triage: Triage) -> None:
    """Change status, priority, assignee, review date, retention and tags; all audited."""
    redo_if_raced(session, lambda: _update_triage(session, principal, report_id, triage))


def _update_triage(session: Session, principal: Principal, report_id: str, triage: Triage) -> None:
    report, data_key = _load(session, principal, report_id)
    changes = []
    if triage.status is not report.status:
        # A change of status is activity: a case's retention runs from its closing.
        report.updated_on = today()
    for name in ("status", "priority", "review_on"):
        new = getattr(triage, name)
        if getattr(report, name) != new:
            setattr(report, name, new)
            changes.append(f"{name}={getattr(new, 'value', new)}")
    if report.assignee_id != triage.assignee_id:
        report.assignee_id = triage.assignee_id
        # The name, not the id: an id freed by a removed account may be given again.
        assignee = session.get(Account, triage.assignee_id) if triage.assignee_id else None
        changes.append(f"assignee={assignee.name if assignee else ''}")
    # Only ever later: the day kept to may be the survivor's own choice.
    if triage.keep_until and (report.keep_until is None or triage.keep_until > report.keep_until):
        report.keep_until = triage.keep_until
        changes.append(f"keep_until={triage.keep_until}")
    if triage.tags != _decrypt_tags(report, data_key):
        report.tags = encrypt_field(
            data_key, json.dumps(triage.tags).encode(), bindings.report(report.id, "tags")
        )
        changes.append("tags changed")
    if changes:
        # Tags are encrypted: the log says only that they changed.
        audit.record(
            session,
            actor=principal.name,
            action="triage changed",
            subject=report.id,
            detail="; ".join(changes)[:500],
        )
    session.commit()


def add_note(session: Session, principal: Principal, report_id: str, text: str) -> None:
    """Add an internal note to a case: advocates read it, the survivor never does."""
    redo_if_raced(session, lambda: _add_note(session, principal, report_id, text))


def _add_note(session: Session, principal: Principal, report_id: str, text: str) -> None:
    report, data_key = _load(session, principal, report_id)
    add_message(report, data_key, Author.ADVOCATE, MessageKind.NOTE, text)
    audit.record(session, actor=principal.name, action="note added", subject=report.id)
    session.commit()


def reply(
    session: Session,
    principal: Principal,
    report_id: str,
    text: str,
    status: ReportStatus | None = None,
) -> None:
    """Send a reply the survivor reads, and set the case's status if one is given."""
    redo_if_raced(session, lambda: _reply(session, principal, report_id, text, status))


def _reply(
    session: Session,
    principal: Principal,
    report_id: str,
    text: str,
    status: ReportStatus | None,
) -> None:
    report, data_key = _load(session, principal, report_id)
    add_message(report, data_key, Author.ADVOCATE, MessageKind.MESSAGE, text)
    if status is None and report.status is ReportStatus.NEW:
        status = ReportStatus.IN_REVIEW
    detail = None
    if status is not None and status is not report.status:
        report.status = status
        detail = f"status={status.value}"
    audit.record(
        session, actor=principal.name, action="reply sent", subject=report.id, detail=detail
    )
    session.commit()


def reference(session: Session, principal: Principal, report_id: str) -> str:
    """The reference of a case this advocate may read; CaseNotFound otherwise."""
    report, _ = _load(session, principal, report_id)
    return reference_of(report.id)


def download(
    session: Session, principal: Principal, report_id: str, attachment_id: str
) -> tuple[FileDetails, Iterator[bytes]]:
    """Decrypt one evidence file, streamed; the download is audited."""
    report, data_key = _load(session, principal, report_id)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.report_id != report.id:
        raise CaseNotFound
    try:
        details = file_details(attachment, data_key)
    except TamperedCiphertext:
        raise IntegrityFailure from None
    audit.record(
        session,
        actor=principal.name,
        action="file downloaded",
        subject=report.id,
        detail=f"attachment={attachment.id}",
    )
    session.commit()
    return details, read_attachment(session, attachment, data_key)


def assignable(session: Session) -> list[tuple[int, str]]:
    """Advocates a case can be assigned to."""
    rows = session.execute(
        select(Account.id, Account.name)
        .where(Account.role == Role.ADVOCATE, Account.disabled.is_(False))
        .order_by(Account.name)
    )
    return [(account_id, name) for account_id, name in rows]


def waiting_members(session: Session) -> list[tuple[Account, str]]:
    """Advocates waiting for the group keys, each with their key's fingerprint words."""
    waiting = accounts.waiting_for_keys(session, Role.ADVOCATE)
    return [(account, grants.stored_fingerprint(account)) for account in waiting]


def grant_keys(session: Session, principal: Principal, account_id: int, fingerprint: str) -> None:
    """Give another advocate the advocates' keys, if their key still has the words compared.

    MemberNotFound if there is no such advocate; AccountError, with nothing
    changed, if the words differ or the keys cannot be given.
    """
    member = session.get(Account, account_id)
    if member is None or member.role is not Role.ADVOCATE:
        raise MemberNotFound
    try:
        grants.grant_group_keys(
            session, principal.keys(), member, actor=principal.name, fingerprint=fingerprint
        )
    except authentication.AccountError:
        session.rollback()
        raise
