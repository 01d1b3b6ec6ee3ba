"""The charity's side: accounts and their sessions, invitations, the audit log, notices.

Of all the tables, only accounts and their sessions hold times of day (see
the package's docstring): the times of staff, never of survivors.
"""

from __future__ import annotations

import datetime
import enum

from sqlalchemy import Date, DateTime, Enum, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.store.models.base import Base, today


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


class Role(enum.StrEnum):
    """What an account is for. Only advocates and staff ever hold group keys."""

    ADVOCATE = "advocate"
    STAFF = "staff"
    ADMIN = "admin"


class Account(Base):
    """A charity account: its personal key pair, wrapped under its passphrase.

    The TOTP secret is encrypted under a key derived from the personal private
    key, so it too is unreadable without the passphrase. It is empty while an
    admin's reset of the authenticator waits for the member to set up a new one
    (`portal.core.authenticators`): the old secret is destroyed, not kept.

    Once a security key that protects the personal key is enrolled
    (`portal.core.security_keys`), the passphrase-only wrap and the TOTP secret
    are both empty: only a wrap in `security_keys`, under the passphrase and
    that key together, opens the personal key. `webauthn_user_id` is the
    WebAuthn user handle her keys hold (random, never her name or id); it is
    set while she has keys.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    totp_secret: Mapped[bytes] = mapped_column(LargeBinary)
    # The last TOTP time step accepted: a code is never accepted twice.
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    webauthn_user_id: Mapped[bytes | None] = mapped_column(LargeBinary(16), default=None)


class SecurityKey(Base):
    """A WebAuthn authenticator enrolled for an account (`portal.core.security_keys`).

    With a PRF output at enrolment it holds the account's personal key,
    wrapped under her passphrase and that key's PRF output for `prf_salt`
    (`crypto.passphrase.wrap_with_passphrase_and_key`); without, both are
    empty and the key only signs in. Dates only, never times of day.
    """

    __tablename__ = "security_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    prf_salt: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    wrapped_private_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    label: Mapped[str] = mapped_column(String(64))
    backed_up: Mapped[bool] = mapped_column(default=False)
    added_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    last_used_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    # Set when its counter went backwards: a copy of it signed in somewhere.
    refused_on: Mapped[datetime.date | None] = mapped_column(Date, default=None)


class SpentChallenge(Base):
    """A WebAuthn challenge already answered: the same answer is never taken twice.

    Only its SHA-256 and the minute (since 1970, UTC) after which it would be
    refused anyway, when the row is swept.
    """

    __tablename__ = "spent_challenges"

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_minute: Mapped[int] = mapped_column(Integer, index=True)


class AccountSession(Base):
    """A signed-in account: its unlocked keys encrypted under a key in its cookie."""

    __tablename__ = "account_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[bytes] = mapped_column(LargeBinary)
    started_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    """A one-time link to create an account; only the token's hash is stored.

    With an `account_id`, it is instead a link for that account's holder to set
    up a new authenticator after an admin reset it: it creates no account.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    created_on: Mapped[datetime.date] = mapped_column(Date, default=today)
    expires_on: Mapped[datetime.date] = mapped_column(Date)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), default=None
    )


class Notice(Base):
    """The last slot at which a kind of notification e-mail was claimed.

    Every worker of every host shares these rows: the one whose conditional
    UPDATE moves `last_slot` forward sends the e-mail, the others do not.
    A slot is minutes since 1970 (UTC), always a fixed slot time, never the
    time of anything a survivor did.
    """

    __tablename__ = "notices"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_slot: Mapped[int] = mapped_column(Integer, default=0)
