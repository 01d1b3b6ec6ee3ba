"""The tables of reports and their keys: what a survivor sent, sealed, tagged and consented to.

Rows that belong to a survivor have random or report-scoped keys and, on
SQLite, no rowid (`WITHOUT_ROWID`): a rowid counts up as rows are inserted,
so it would put reports, seals and consent changes in the order they came.
"""

from __future__ import annotations

import datetime
import enum

from sqlalchemy import (
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.store.models.base import WITHOUT_ROWID, Base, today


class Group(enum.StrEnum):
    """Who a group key lets read: advocates, exporters, or the offline recovery key."""

    ADVOCATES = "advocates"
    EXPORTERS = "exporters"
    RECOVERY = "recovery"
    ESCROW = "escrow"  # opens matching-escrow entries: designated advocates


class Holder(enum.StrEnum):
    """Who holds a copy of a group's private key."""

    BOOTSTRAP = "bootstrap"  # wrapped under the one-time secret left by `portal init`
    RECOVERY = "recovery"  # sealed to the offline recovery key
    ACCOUNT = "account"  # sealed to one member's personal key


class GroupKey(Base):
    """One version of a group's key pair; only the public half is stored in clear."""

    __tablename__ = "group_keys"
    __table_args__ = (UniqueConstraint("group", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group: Mapped[Group] = mapped_column(Enum(Group, native_enum=False, length=16))
    version: Mapped[int] = mapped_column(Integer)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    retired_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)

    grants: Mapped[list[GroupKeyGrant]] = relationship(
        back_populates="group_key", cascade="all, delete-orphan"
    )


class GroupKeyGrant(Base):
    """A copy of a group's private key, sealed or wrapped for one holder."""

    __tablename__ = "group_key_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_keys.id", ondelete="CASCADE"))
    holder: Mapped[Holder] = mapped_column(Enum(Holder, native_enum=False, length=16))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE", name="fk_group_key_grants_account_id"),
        default=None,
        index=True,
    )
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)

    group_key: Mapped[GroupKey] = relationship(back_populates="grants")


class ReportStatus(enum.StrEnum):
    """Where a report is in the advocates' triage."""

    NEW = "new"
    IN_REVIEW = "in review"
    AWAITING_SURVIVOR = "awaiting survivor"
    REFERRED = "referred"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    """How urgently a report needs attention."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Report(Base):
    """One survivor's report: metadata in clear, everything they wrote encrypted."""

    __tablename__ = "reports"
    __table_args__ = WITHOUT_ROWID

    # 128 random bits as hex: ids reveal neither order nor count.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # HMAC-SHA256(pepper, codename): finds the report; the codename is never stored.
    lookup_id: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=24), default=ReportStatus.NEW
    )
    received_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    updated_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    # The report's data key, wrapped under the key derived from the codename.
    survivor_key: Mapped[bytes] = mapped_column(LargeBinary)
    # The account as encrypted, padded JSON under the data key.
    content: Mapped[bytes] = mapped_column(LargeBinary)

    # Consent as it stands now; every change is also kept in consent_records.
    advocates_may_read: Mapped[bool] = mapped_column(default=True)
    export_legal: Mapped[bool] = mapped_column(default=False)
    export_iopc: Mapped[bool] = mapped_column(default=False)
    export_statistics: Mapped[bool] = mapped_column(default=False)
    # Whether the survivor's messages with the advocates go with each export.
    messages_legal: Mapped[bool] = mapped_column(default=False)
    messages_iopc: Mapped[bool] = mapped_column(default=False)
    # Sealed to the recovery key only until enough reports name the same officer
    # (an escrow entry), or she releases it; released_on is the day it was freed.
    wait_for_match: Mapped[bool] = mapped_column(default=False)
    released_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    # With consent to statistics: only the force and kinds of harm, sealed to
    # the exporters' key, so staff can count the report without its data key.
    statistics_seal: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    statistics_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_keys.id", name="fk_reports_statistics_key_id"), default=None
    )
    next_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Triage, set by advocates: workflow metadata, kept in clear to sort and filter.
    priority: Mapped[Priority] = mapped_column(
        Enum(Priority, native_enum=False, length=16), default=Priority.NORMAL
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL", name="fk_reports_assignee_id"),
        default=None,
        index=True,
    )
    review_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    # Advocates' tags for the case, encrypted under the data key.
    tags: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # A survivor or advocate chose to keep the report at least until this day.
    keep_until: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    # True once an advocate's session has computed the report's blind index.
    indexed: Mapped[bool] = mapped_column(default=False, index=True)
    # Counts every change to the row. An update says which version it read,
    # so one made with a data key replaced meanwhile (consent withdrawn), or
    # two messages taking the same place in the thread, fail instead of
    # storing what no key opens; the loser redoes its work (redo_if_raced).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read once by the mapper

    seals: Mapped[list[ReportKeySeal]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True
    )
    statistics_key: Mapped[GroupKey | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Message.sequence"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    consent_history: Mapped[list[ConsentRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ConsentRecord.sequence"
    )


class ReportKeySeal(Base):
    """A report's data key sealed to one version of one group's public key."""

    __tablename__ = "report_key_seals"
    # Which reports a group's keys open, read without the sealed keys (migration 0014).
    __table_args__ = (
        Index("ix_report_key_seals_group_key_id_report_id", "group_key_id", "report_id"),
        WITHOUT_ROWID,
    )

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_keys.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="seals")
    group_key: Mapped[GroupKey] = relationship()


class Author(enum.StrEnum):
    """Who wrote a message on a report."""

    SURVIVOR = "survivor"
    ADVOCATE = "advocate"


class MessageKind(enum.StrEnum):
    """A message to the other side, more information, or an advocates' internal note."""

    MESSAGE = "message"
    ADDITION = "addition"
    NOTE = "note"  # never shown to the survivor


class Message(Base):
    """One entry in a report's thread, encrypted under the report's data key."""

    __tablename__ = "messages"
    __table_args__ = WITHOUT_ROWID

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author: Mapped[Author] = mapped_column(Enum(Author, native_enum=False, length=16))
    kind: Mapped[MessageKind] = mapped_column(Enum(MessageKind, native_enum=False, length=16))
    # Messages are dated to the day; their order is kept by `sequence`.
    sent_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    sequence: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class CaseSeen(Base):
    """How much of a case one advocate had seen when they last opened it: a count, not a time.

    `survivor_changes` counts what the survivor had sent by then (messages,
    files, consent changes); while the report holds more, the case is new to
    that advocate. Which advocate read which case, and on which day, is in
    the audit log already; this row adds no day and no time to it.
    """

    __tablename__ = "case_seen"
    __table_args__ = WITHOUT_ROWID

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    survivor_changes: Mapped[int] = mapped_column(Integer)


class Attachment(Base):
    """An evidence file: its own key, wrapped under the report's data key.

    While the upload is still arriving the file has no report yet (`report_id`
    is null) and its key exists only in the uploading process's memory.
    """

    __tablename__ = "attachments"
    __table_args__ = WITHOUT_ROWID

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True, default=None
    )
    uploaded_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    stream_header: Mapped[bytes] = mapped_column(LargeBinary)
    # The file key wrapped under the report's data key, once claimed.
    file_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # Name, media type, size and SHA-256, as encrypted JSON under the data key.
    details: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class AttachmentSegment(Base):
    """One encrypted 64 KiB segment of an attachment."""

    __tablename__ = "attachment_segments"
    __table_args__ = WITHOUT_ROWID

    attachment_id: Mapped[str] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ConsentRecord(Base):
    """The survivor's consent choices as of one day: the history is kept for exports.

    Numbered within its report, not across reports: a counter shared by every
    report would show in which order survivors changed their minds.
    """

    __tablename__ = "consent_records"
    __table_args__ = WITHOUT_ROWID

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True)
    recorded_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    advocates_may_read: Mapped[bool]
    export_legal: Mapped[bool]
    export_iopc: Mapped[bool]
    export_statistics: Mapped[bool]
    messages_legal: Mapped[bool] = mapped_column(default=False)
    messages_iopc: Mapped[bool] = mapped_column(default=False)
    wait_for_match: Mapped[bool] = mapped_column(default=False)


class SurvivorSession(Base):
    """A survivor's signed-in session: only ciphertext, its key in their cookie.

    The state (report id, data key, last activity) is encrypted under a key
    that exists only in the survivor's cookie, so the database records no
    time of activity and no usable key. Only the hour by which the session
    has certainly ended is kept in clear, so that the row can be deleted then.
    """

    __tablename__ = "survivor_sessions"
    __table_args__ = WITHOUT_ROWID

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Hours since 1970 (UTC): the session is deleted once this hour has begun.
    sweep_at_hour: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)


class SubmissionToken(Base):
    """A form's submission that has been carried out: a report, a message, a consent
    change or a deletion (see core/submissions).

    The primary key is a keyed hash of the form's token, so a second request
    with the same token cannot commit; the token itself, and which report it
    concerned, are not stored.
    """

    __tablename__ = "submission_tokens"
    __table_args__ = WITHOUT_ROWID

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    # Hours since 1970 (UTC), always the start of a day: the row is deleted once
    # this day has begun, when its token has expired on every host.
    sweep_at_hour: Mapped[int] = mapped_column(Integer, index=True)
    # For a report: what she was shown (codename, reference), sealed under a key
    # only the token derives; erased once she says she has saved her codename.
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class IndexKey(Base):
    """The advocates' blind-index key, sealed to one version of their group key.

    Tags are HMACs under this key, so the database can be searched for "reports
    naming force X" or "this officer" without holding the words themselves.
    """

    __tablename__ = "index_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_keys.id"), unique=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)

    group_key: Mapped[GroupKey] = relationship()


class ReportTag(Base):
    """One blind-index tag of a report (its force, a harm, danger, or an officer)."""

    __tablename__ = "report_tags"
    __table_args__ = WITHOUT_ROWID

    report_id: Mapped[str] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True, index=True)
    # What the tag is about (force, harm, danger, officer), never its value.
    kind: Mapped[str] = mapped_column(String(16))
