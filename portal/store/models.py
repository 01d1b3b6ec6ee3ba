"""The database schema. Everything a survivor wrote is ciphertext here.

Columns hold either metadata the portal must sort and filter on (statuses,
dates) or ciphertext produced by `crypto/`. Dates are days, never times of
day, so stored records cannot be matched against network logs. The models use
only portable types so the same code runs on SQLCipher and PostgreSQL.
"""

from __future__ import annotations

import datetime
import enum

from sqlalchemy import Date, Enum, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every table."""


def today() -> datetime.date:
    """The current day in UTC: the only precision at which survivor activity is dated."""
    return datetime.datetime.now(datetime.UTC).date()


class Group(enum.StrEnum):
    """Who a group key lets read: advocates, exporters, or the offline recovery key."""

    ADVOCATES = "advocates"
    EXPORTERS = "exporters"
    RECOVERY = "recovery"


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
    account_id: Mapped[int | None] = mapped_column(Integer, default=None)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)

    group_key: Mapped[GroupKey] = relationship(back_populates="grants")


class ReportStatus(enum.StrEnum):
    """Where a report is in the advocates' triage."""

    NEW = "new"
    IN_REVIEW = "in review"
    AWAITING_SURVIVOR = "awaiting survivor"
    REFERRED = "referred"
    CLOSED = "closed"


class Report(Base):
    """One survivor's report: metadata in clear, everything they wrote encrypted."""

    __tablename__ = "reports"

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
    next_sequence: Mapped[int] = mapped_column(Integer, default=0)

    seals: Mapped[list[ReportKeySeal]] = relationship(
        back_populates="report", cascade="all, delete-orphan", passive_deletes=True
    )
    messages: Mapped[list[Message]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Message.sequence"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    consent_history: Mapped[list[ConsentRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ConsentRecord.id"
    )


class ReportKeySeal(Base):
    """A report's data key sealed to one version of one group's public key."""

    __tablename__ = "report_key_seals"
    __table_args__ = (UniqueConstraint("report_id", "group_key_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_keys.id"))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="seals")
    group_key: Mapped[GroupKey] = relationship()


class Author(enum.StrEnum):
    """Who wrote a message on a report."""

    SURVIVOR = "survivor"
    ADVOCATE = "advocate"


class MessageKind(enum.StrEnum):
    """A message to the other side, or more information added to the account."""

    MESSAGE = "message"
    ADDITION = "addition"


class Message(Base):
    """One entry in a report's thread, encrypted under the report's data key."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author: Mapped[Author] = mapped_column(Enum(Author, native_enum=False, length=16))
    kind: Mapped[MessageKind] = mapped_column(Enum(MessageKind, native_enum=False, length=16))
    # Messages are dated to the day; their order is kept by `sequence`.
    sent_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    sequence: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Base):
    """An evidence file: its own key, wrapped under the report's data key.

    While the upload is still arriving the file has no report yet (`report_id`
    is null) and its key exists only in the uploading process's memory.
    """

    __tablename__ = "attachments"

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

    attachment_id: Mapped[str] = mapped_column(
        ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True
    )
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ConsentRecord(Base):
    """The survivor's consent choices as of one day: the history is kept for exports."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    recorded_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    advocates_may_read: Mapped[bool]
    export_legal: Mapped[bool]
    export_iopc: Mapped[bool]
    export_statistics: Mapped[bool]


class SurvivorSession(Base):
    """A survivor's signed-in session: only ciphertext, its key in their cookie.

    The state (report id, data key, last activity) is encrypted under a key
    that exists only in the survivor's cookie, so the database holds no time
    of activity and no usable key. Rows older than a day are swept.
    """

    __tablename__ = "survivor_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    state: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEvent(Base):
    """One entry of the hash-chained audit log (dated to the day, no addresses)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recorded_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64), default=None)
    detail: Mapped[str | None] = mapped_column(String(512), default=None)
    # Unique: two writers that read the same last entry cannot both append,
    # so the chain can never fork.
    previous_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
