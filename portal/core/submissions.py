"""Submissions that are safe to repeat: each survivor's form names its one submission.

A form page carries a token issued with it: the hour it was issued, 128
random bits, and a MAC under a key derived from the instance's session
secret, bound to the kind of form, so only the portal can issue one. When the
form is sent, a keyed hash of the token goes into `submission_tokens` in the
same transaction as what it sends (a report, a message, a consent change, a
deletion). The hash is the row's primary key: of two requests carrying one
token only one can commit, and a repeat (a reload, Back then Forward, a
double click) finds the row and sends nothing twice.

The database holds neither the token nor when it was used, nor which report
it concerned: only the hash and the day whose start the row is deleted at,
the first after the token has expired on every host (`TOKEN_HOURS` after the
hour the form was issued, and `CLOCK_HOURS` more for hosts whose clocks
differ). A day, not an hour: survivors' actions are dated to the day, and an
hour would tell, on a quiet day, when a report was written.

For a report the row also holds what she was shown (her codename and
reference), sealed under a key derived from the token: a repeated request,
which carries the token, is shown the same page (even when the browser never
received the first answer), while a seized database, which holds only the
hash, opens nothing. It is erased once she says she has saved the codename.

A report sealed in her browser takes its id from the token
(`Submission.report_id`), and each file it seals its id from the token and the
file's number (`Submission.attachment_id`): the browser, which has the token,
can bind what it seals to the report and its files before the server has
answered, and a repeat of the same token names the same report. A seized
database cannot tie a token's row to its report: the row holds only a keyed
hash of the token, and the report id is an unkeyed hash of the token itself,
so going from either to the other needs the token, which is never stored.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any, Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crypto.envelope import decrypt_field, encrypt_field
from crypto.errors import CryptoError
from portal.core import bindings
from portal.store import forget_deleted
from portal.store.models import SubmissionToken

HOUR = 60 * 60
# A survivor may take hours over a report: a form stays sendable for a day.
TOKEN_HOURS = 24
# A repeated report shows her codename again only this soon after it was sent.
RECEIPT_SECONDS = 2 * HOUR
# Hosts' clocks may differ by this much (see `check`): a row outlives its token
# by as much, or a host whose clock is ahead would sweep it while another host
# still accepts the token, and a replay (an old consent choice) would send again.
CLOCK_HOURS = 1
Purpose = Literal["report", "message", "consent", "delete"]

_RANDOM, _MAC = 16, 16
_ISSUED = 4  # the hour, big-endian
_LENGTH = _ISSUED + _RANDOM + _MAC
_REPORT_ID = b"portal/v1/report-id"
_ATTACHMENT_ID = b"portal/v1/attachment-id"


class TokenRefused(Exception):
    """The token was not issued by this portal for this form, or has expired."""


@dataclass(frozen=True)
class Receipt:
    """What a survivor is shown after sending a report."""

    codename: str
    reference: str
    in_danger: bool = False


class AlreadySent(Exception):
    """This form's submission was carried out before; nothing was sent again."""

    def __init__(self, receipt: Receipt | None = None) -> None:
        super().__init__("already sent")
        self.receipt = receipt


def sweep_hour(issued_hour: int) -> int:
    """The start of the first day (in hours since 1970, UTC) at which a token issued
    in this hour has expired on every host: its row is deleted then."""
    expired = issued_hour + TOKEN_HOURS + CLOCK_HOURS
    return -(-expired // 24) * 24


@dataclass(frozen=True)
class Submission:
    """A checked token: the one submission a form names."""

    token: bytes = b""
    digest: bytes = b""
    issued_hour: int = 0

    def row(self, receipt: Receipt | None = None) -> dict[str, Any]:
        """The row recording that this submission was carried out."""
        return {
            "digest": self.digest,
            "sweep_at_hour": sweep_hour(self.issued_hour),
            "receipt": None if receipt is None else self._seal(receipt),
        }

    def report_id(self) -> str:
        """The id of the report this submission sends: the first 16 bytes of
        SHA-256("portal/v1/report-id" || token) in hex, as the browser computes it
        from the form's token (the bytes its URL-safe base64 text decodes to)."""
        if len(self.token) != _LENGTH:
            raise ValueError("only a checked token names a report")
        return hashlib.sha256(_REPORT_ID + self.token).digest()[:16].hex()

    def attachment_id(self, number: int) -> str:
        """The id of this report's file number `number` (from 1) when the browser seals it:
        the first 16 bytes of SHA-256("portal/v1/attachment-id" || token || number as 4
        bytes, big-endian) in hex, so the browser binds each file before the server answers."""
        if len(self.token) != _LENGTH:
            raise ValueError("only a checked token names a report's files")
        if not 1 <= number < 2**32:
            raise ValueError("files are numbered from 1")
        digest = hashlib.sha256(_ATTACHMENT_ID + self.token + number.to_bytes(4, "big"))
        return digest.digest()[:16].hex()

    def to_report(self, report_id: str) -> Submission:
        """This submission as sent to one report: the same token sent from the session
        of another report (another survivor's) is another submission, so whoever saw
        her page cannot send its token first and have hers refused as a repeat."""
        bound = hmac.new(self.digest, b"report\x00" + report_id.encode(), hashlib.sha256)
        return replace(self, digest=bound.digest())

    def _receipt_key(self) -> bytes:
        # Derived from the token alone, which the database never holds.
        kdf = HKDF(hashes.SHA256(), 32, salt=b"portal/v1/submission-receipt", info=b"")
        return kdf.derive(self.token)

    def _seal(self, receipt: Receipt) -> bytes:
        plain = json.dumps({**receipt.__dict__, "sent": int(time.time())}).encode()
        return encrypt_field(self._receipt_key(), plain, bindings.submission_receipt(self.digest))

    def open(self, sealed: bytes, now: float | None = None) -> Receipt | None:
        """The receipt sealed in this submission's row; None if too old or altered."""
        try:
            opened = json.loads(
                decrypt_field(self._receipt_key(), sealed, bindings.submission_receipt(self.digest))
            )
        except (CryptoError, ValueError):
            return None
        if (now or time.time()) - opened.pop("sent", 0) > RECEIPT_SECONDS:
            return None
        return Receipt(**opened)


@functools.cache
def _keys(secret: bytes) -> tuple[bytes, bytes]:
    """The key that signs tokens and the key that hashes them, from the instance secret."""

    def derive(purpose: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=b"portal/v1/submission-token", info=purpose).derive(
            secret
        )

    return derive(b"sign"), derive(b"digest")


def _mac(secret: bytes, purpose: Purpose, body: bytes) -> bytes:
    sign = _keys(secret)[0]
    return hmac.new(sign, purpose.encode() + b"\x00" + body, hashlib.sha256).digest()[:_MAC]


def issue(secret: bytes, purpose: Purpose, now: float | None = None) -> str:
    """A new token for one form of this kind."""
    hour = int(now or time.time()) // HOUR
    body = hour.to_bytes(_ISSUED, "big") + secrets.token_bytes(_RANDOM)
    return base64.urlsafe_b64encode(body + _mac(secret, purpose, body)).decode()


def check(
    secret: bytes, purpose: Purpose, text: str | None, now: float | None = None
) -> Submission:
    """The submission a form's token names; TokenRefused if forged, of another form, or expired."""
    try:
        token = base64.urlsafe_b64decode((text or "").encode("ascii"))
    except (binascii.Error, ValueError):
        raise TokenRefused from None
    if len(token) != _LENGTH:
        raise TokenRefused
    body, mac = token[:-_MAC], token[-_MAC:]
    if not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise TokenRefused
    issued, current = int.from_bytes(body[:_ISSUED], "big"), int(now or time.time()) // HOUR
    # Issued up to CLOCK_HOURS ahead is allowed for hosts whose clocks differ a little.
    if not issued - CLOCK_HOURS <= current < issued + TOKEN_HOURS:
        raise TokenRefused
    digest = hmac.new(_keys(secret)[1], token, hashlib.sha256).digest()
    return Submission(token, digest, issued)


def refuse_repeat(session: Session, submission: Submission) -> None:
    """Raise AlreadySent (with her receipt, if it is still to be shown) if this
    submission was carried out before."""
    row = session.get(SubmissionToken, submission.digest)
    if row is not None:
        sealed = row.receipt
        raise AlreadySent(None if sealed is None else submission.open(sealed))


def record(session: Session, submission: Submission, receipt: Receipt | None = None) -> None:
    """Record, in the caller's transaction, that this submission is carried out."""
    session.add(SubmissionToken(**submission.row(receipt)))


def receipt(session: Session, submission: Submission) -> Receipt | None:
    """The receipt of a report sent with this token, while it may still be shown."""
    sealed = session.scalars(
        select(SubmissionToken.receipt).where(SubmissionToken.digest == submission.digest)
    ).one_or_none()
    return None if sealed is None else submission.open(sealed)


def erase_receipt(session: Session, submission: Submission) -> None:
    """Forget what she was shown: the row stays, so a repeat still sends nothing."""
    session.execute(
        update(SubmissionToken)
        .where(SubmissionToken.digest == submission.digest)
        .values(receipt=None)
    )
    session.commit()
    forget_deleted(session)  # the log keeps the page as it was until emptied


def sweep(session: Session, now: float | None = None) -> int:
    """Delete the rows of every token that has expired; how many went."""
    hour = int(now or time.time()) // HOUR
    result = session.execute(delete(SubmissionToken).where(SubmissionToken.sweep_at_hour <= hour))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
