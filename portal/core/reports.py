"""Reports as the survivor and the advocates share them: content, thread, files, consent.

Every function here takes the report's data key from its caller (the
survivor's codename session or an advocate's group key); the server never
has it otherwise. Each field is encrypted under that key and bound to its
record and field, so nothing can be moved between reports unnoticed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from crypto.envelope import (
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    new_key,
    unwrap_key,
    wrap_key,
)
from crypto.errors import TamperedCiphertext
from crypto.keys import PrivateKey, open_sealed
from crypto.stream import StreamDecryptor
from portal.core import bindings
from portal.core.group_keys import seal_report_key, seal_statistics
from portal.core.plaintext import account_from, facts_from, file_details_from
from portal.store.models import (
    Attachment,
    AttachmentSegment,
    Author,
    ConsentRecord,
    Group,
    GroupKey,
    Message,
    MessageKind,
    Report,
    ReportKeySeal,
    ReportTag,
    today,
)

STATISTICS_PADDED_SIZE = 1024  # every force and every kind of harm fit well within it


@dataclass(frozen=True)
class Consent:
    """A survivor's choices about who may read and export their report."""

    advocates_may_read: bool = True
    export_legal: bool = False
    export_iopc: bool = False
    export_statistics: bool = False
    # The survivor's messages with the advocates go with an export only where
    # she chose so for that purpose; her account and files go with any export.
    messages_legal: bool = False
    messages_iopc: bool = False
    # Sealed to the recovery key only until enough reports name the same
    # officer (`core/escrow`); the choices above apply from the match on.
    wait_for_match: bool = False

    @property
    def exports_cases(self) -> bool:
        """True when staff may export the whole case, for the legal team or the IOPC."""
        return self.export_legal or self.export_iopc

    def groups(self) -> tuple[Group, ...]:
        """The groups the report's data key is sealed to under this consent.

        Consent to statistics alone does not give staff the data key: they get
        only the force and kinds of harm, sealed apart (`statistics_facts`).
        """
        groups = [Group.RECOVERY]
        if self.wait_for_match:
            return tuple(groups)
        if self.advocates_may_read:
            groups.append(Group.ADVOCATES)
        if self.exports_cases:
            groups.append(Group.EXPORTERS)
        return tuple(groups)

    @classmethod
    def of(cls, report: Report) -> Consent:
        """The consent a report carries now."""
        return cls(
            report.advocates_may_read,
            report.export_legal,
            report.export_iopc,
            report.export_statistics,
            report.messages_legal,
            report.messages_iopc,
            report.wait_for_match,
        )


@dataclass(frozen=True)
class FileDetails:
    """What is known about an attachment besides its bytes (stored encrypted)."""

    name: str
    media_type: str
    size: int
    sha256: str
    metadata_removed: bool


@dataclass(frozen=True)
class ThreadEntry:
    """One decrypted message or addition."""

    author: Author
    kind: MessageKind
    sent_on: str
    text: str


def new_id() -> str:
    """A random 128-bit record id: ids reveal neither order nor count."""
    return secrets.token_hex(16)


def reference_of(report_id: str) -> str:
    """The short reference a survivor and advocates can quote: not secret."""
    return report_id[:8].upper()


def encrypt_account(data_key: bytes, report_id: str, account: dict[str, Any]) -> bytes:
    """The account as padded, encrypted JSON."""
    return encrypt_field(
        data_key, json.dumps(account).encode("utf-8"), bindings.report(report_id, "content")
    )


def decrypt_account(data_key: bytes, report: Report) -> dict[str, Any]:
    """Decrypt a report's account; TamperedCiphertext unless it is one (`plaintext.py`)."""
    return account_from(
        decrypt_field(data_key, report.content, bindings.report(report.id, "content"))
    )


def apply_consent(
    session: Session,
    report: Report,
    data_key: bytes,
    consent: Consent,
    account: dict[str, Any] | None = None,
) -> None:
    """Record consent and make the keys match it: seal to groups consented to,
    delete the seals of groups no longer consented to. `account` spares a new
    report's decryption when its statistics facts are sealed."""
    wanted = set(consent.groups())
    if Group.ADVOCATES not in wanted and report.indexed:
        # Advocates may no longer read it: drop its blind-index tags too.
        session.execute(delete(ReportTag).where(ReportTag.report_id == report.id))
        report.indexed = False
    for seal in list(report.seals):
        if seal.group_key.group not in wanted:
            report.seals.remove(seal)
            session.delete(seal)
    present = {seal.group_key.group for seal in report.seals}
    report.seals.extend(
        seal_report_key(
            session, report.id, data_key, [g for g in consent.groups() if g not in present]
        )
    )
    if not consent.export_statistics or consent.wait_for_match:
        report.statistics_seal = report.statistics_key_id = None
    elif report.statistics_seal is None:
        account = account if account is not None else decrypt_account(data_key, report)
        facts = json.dumps(statistics_facts(account)).encode()
        # Padded with spaces (JSON ignores them) so the length tells no force or harm.
        facts += b" " * max(0, STATISTICS_PADDED_SIZE - len(facts))
        report.statistics_seal, report.statistics_key_id = seal_statistics(
            session, report.id, facts
        )
    record_consent(report, consent)


def record_consent(report: Report, consent: Consent) -> None:
    """Set the report's consent and add it to its history, unless it is unchanged
    (a new report's first consent is always recorded). Its keys are the caller's."""
    if consent != Consent.of(report) or not report.consent_history:
        for choice, value in asdict(consent).items():
            setattr(report, choice, value)
        # Two changes sent at the same instant would take the same number: the
        # second is refused by the key, and its request redoes its work.
        report.consent_history.append(
            ConsentRecord(sequence=len(report.consent_history), **asdict(consent))
        )


def statistics_facts(account: dict[str, Any]) -> dict[str, Any]:
    """What consent to statistics alone lets staff read: the force and kinds of harm."""
    harms = account.get("harms")
    return {
        "force": str(account.get("force") or ""),
        "harms": [str(h) for h in harms] if isinstance(harms, list) else [],
    }


def open_statistics(report: Report, holder: KeyHolder) -> dict[str, Any] | None:
    """The report's statistics facts, through the holder's exporters key; None without one.

    A seal that fails to open raises TamperedCiphertext, as for a report's key.
    """
    group_key = report.statistics_key
    if report.statistics_seal is None or group_key is None:
        return None
    private = holder.group_key(Group.EXPORTERS, group_key.version)
    if private is None:
        return None
    sealed = open_sealed(
        private, report.statistics_seal, bindings.statistics_seal(report.id, group_key)
    )
    return facts_from(sealed)


def withdraws(report: Report, consent: Consent) -> bool:
    """True when the new choices take a group away that could open the report's key."""
    return bool({seal.group_key.group for seal in report.seals} - set(consent.groups()))


def rekey(session: Session, report: Report, data_key: bytes) -> bytes:
    """Put everything of a report under a new data key; return it. Its seals are dropped.

    After consent is withdrawn, a copy of the old key (opened from an old
    backup's seal by someone who may no longer read) must open nothing the
    survivor writes later. The files' contents stay where they are: each
    has its own key, which is wrapped anew; what it opened, it opened.
    The caller seals the new key to the groups consent allows.
    """
    fresh = new_key()
    report.content = encrypt_field(
        fresh,
        decrypt_field(data_key, report.content, bindings.report(report.id, "content")),
        bindings.report(report.id, "content"),
    )
    if report.tags is not None:
        tags = decrypt_field(data_key, report.tags, bindings.report(report.id, "tags"))
        report.tags = encrypt_field(fresh, tags, bindings.report(report.id, "tags"))
    for message in report.messages:
        binding = bindings.message_body(report.id, message.id, message.author, message.kind)
        message.body = encrypt_text(fresh, decrypt_text(data_key, message.body, binding), binding)
    for attachment in report.attachments:
        if attachment.file_key is None or attachment.details is None:
            raise TamperedCiphertext("attachment has no key")
        file_key = unwrap_key(
            data_key, attachment.file_key, bindings.attachment(attachment.id, "file_key")
        )
        attachment.file_key = wrap_key(
            fresh, file_key, bindings.attachment(attachment.id, "file_key")
        )
        details = decrypt_field(
            data_key, attachment.details, bindings.attachment(attachment.id, "details")
        )
        attachment.details = encrypt_field(
            fresh, details, bindings.attachment(attachment.id, "details")
        )
    for seal in list(report.seals):
        report.seals.remove(seal)
        session.delete(seal)
    return fresh


def add_message(
    report: Report, data_key: bytes, author: Author, kind: MessageKind, text: str
) -> Message:
    """Append an encrypted message or addition to a report's thread."""
    message_id = new_id()
    message = Message(
        id=message_id,
        author=author,
        kind=kind,
        sequence=report.next_sequence,
        body=encrypt_text(
            data_key, text, bindings.message_body(report.id, message_id, author, kind)
        ),
    )
    report.next_sequence += 1
    report.messages.append(message)
    report.updated_on = today()
    return message


def read_thread(report: Report, data_key: bytes, include_notes: bool = False) -> list[ThreadEntry]:
    """Decrypt a report's thread, oldest first; advocates' notes only when asked."""
    return [
        ThreadEntry(
            author=m.author,
            kind=m.kind,
            sent_on=m.sent_on.isoformat(),
            text=decrypt_text(
                data_key, m.body, bindings.message_body(report.id, m.id, m.author, m.kind)
            ),
        )
        for m in report.messages
        if include_notes or m.kind is not MessageKind.NOTE
    ]


def file_details(attachment: Attachment, data_key: bytes) -> FileDetails:
    """Decrypt an attachment's name, type, size and hash."""
    if attachment.details is None:
        raise TamperedCiphertext("attachment has no details")
    raw = decrypt_field(data_key, attachment.details, bindings.attachment(attachment.id, "details"))
    return FileDetails(**file_details_from(raw))


def claim_attachment(
    report: Report, data_key: bytes, attachment: Attachment, file_key: bytes, details: FileDetails
) -> None:
    """Attach an uploaded file to a report: wrap its key under the report's data key."""
    attachment.report_id = report.id
    attachment.file_key = wrap_key(
        data_key, file_key, bindings.attachment(attachment.id, "file_key")
    )
    attachment.details = encrypt_field(
        data_key,
        json.dumps(asdict(details)).encode(),
        bindings.attachment(attachment.id, "details"),
    )
    report.updated_on = today()


def read_attachment(session: Session, attachment: Attachment, data_key: bytes) -> Iterator[bytes]:
    """Decrypt an attachment segment by segment, never holding all of it."""
    if attachment.file_key is None:
        raise TamperedCiphertext("attachment has no key")
    file_key = unwrap_key(
        data_key, attachment.file_key, bindings.attachment(attachment.id, "file_key")
    )
    decryptor = StreamDecryptor(
        file_key, bindings.attachment(attachment.id, "content"), attachment.stream_header
    )
    segments = session.scalars(
        select(AttachmentSegment.data)
        .where(AttachmentSegment.attachment_id == attachment.id)
        .order_by(AttachmentSegment.index)
    )
    return decryptor.decrypt_segments(segments.yield_per(16))


def sealed_to(group: Group) -> ColumnElement[bool]:
    """A query condition: the report's data key is sealed to this group."""
    # Through the (group key, report) index: the seals themselves are not read.
    return Report.id.in_(
        select(ReportKeySeal.report_id).where(
            ReportKeySeal.group_key_id.in_(select(GroupKey.id).where(GroupKey.group == group))
        )
    )


class KeyHolder(Protocol):
    """Anything that may hold group private keys (a signed-in session, the recovery key)."""

    def group_key(self, group: Group, version: int) -> PrivateKey | None:
        """The private key of one version of a group, if held."""


def open_report_key(report: Report, holder: KeyHolder, group: Group) -> bytes | None:
    """The report's data key, through the holder's key of this group; None if not sealed to it.

    A seal that fails to open raises TamperedCiphertext: the caller says so plainly.
    """
    for seal in report.seals:
        group_key = seal.group_key
        if group_key.group is not group:
            continue
        private = holder.group_key(group, group_key.version)
        if private is not None:
            return open_sealed(
                private, seal.sealed_key, bindings.report_key_seal(report.id, group_key)
            )
    return None
