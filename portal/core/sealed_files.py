"""Evidence files sealed in the survivor's browser: stored as they stream in, checked, claimed.

The browser cleans each file, seals it as a padded stream under a file key of
its own (`crypto/stream.py`'s layout, bound to `attachments/<id>/content`),
wraps that key under the report's data key (`attachments/<id>/file_key`) and
encrypts the file's details (`FileDetails` JSON, `attachments/<id>/details`),
where `<id>` is `Submission.attachment_id(number)`, numbered from 1 in the
order the files are sent. The form sends, beside the report's own fields:

- `sealed_file` parts, in order, at most FILES_PER_REQUEST: the stream header
  and its segments as they are stored, and as the part's file name the
  attachment id (her own file name is sealed in the details, never sent);
- `sealed_file_key` and `sealed_file_details`, one of each for every file in
  the same order, in standard base64.

A part is stored segment by segment while the request is parsed
(`SealedUpload`), never held whole nor written anywhere else, and never
encrypted again: the server has no key to it. It checks what it can without
one: the stream header's version, kind and segment size, that the stream is
cut into whole segments and its size is a padded bucket no larger than the
upload limit allows, and the key wrap's and details' envelopes. Anything
else refuses the whole report, nothing stored; what the request stored of
its files is deleted when it ends unless the report claimed them.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto.envelope import (
    KEY_SIZE,
    MIN_PADDED_SIZE,
    TAG_SIZE,
    field_size,
    is_field_size,
    padded_size,
    wrapped_size,
)
from crypto.format import FORMAT_VERSION, HEADER_SIZE, Kind
from crypto.stream import PADDED_VERSION, SEGMENT_SIZE, STREAM_HEADER_SIZE, padded_stream_size
from portal.core.encrypted_uploads import MAX_NAME_LENGTH, RefusedUpload, SegmentBatches
from portal.core.evidence import FILES_PER_REQUEST
from portal.core.sealed_reports import NOT_WHOLE, SealedReportRefused
from portal.core.submissions import Submission
from portal.store.models import Attachment, Report

FILE_KEY_SIZE = wrapped_size(KEY_SIZE)
# A FileDetails' JSON: a name of MAX_NAME_LENGTH characters, each at most 12 bytes
# (an astral character escaped as two \uXXXX), a media type, a size, a SHA-256 in
# hex and a flag, with their keys: 512 bytes leaves room for all but the name.
MAX_DETAILS_SIZE = field_size(MAX_NAME_LENGTH * 12 + 512)
_SEALED_SEGMENT = SEGMENT_SIZE + TAG_SIZE
_ATTACHMENT_ID = re.compile(r"[0-9a-f]{32}")
_MIB = 1024 * 1024

TOO_MANY_FILES = (
    f"Only {FILES_PER_REQUEST} files can be sent at once, so your report was not kept. "
    "Please remove some and send it again."
)


def too_large(limit_mb: int) -> str:
    """What she reads when a file is over the upload limit."""
    return (
        f"A file is larger than the {limit_mb} MB limit, so your report was not kept. "
        "Please remove it and send your report again."
    )


def sealed_stream_size(length: int) -> int:
    """How many bytes a file of this length is sent as: the stream header and its segments."""
    padded = padded_stream_size(length)
    return STREAM_HEADER_SIZE + padded + TAG_SIZE * -(-padded // SEGMENT_SIZE)


class SealedUpload(io.RawIOBase):
    """A write-only file that stores a stream sealed in the browser, segment by segment.

    Its row is written once the stream header has arrived and been checked;
    then every whole sealed segment is stored as it completes, so at most one
    segment and a parser's chunk are held. `problem` says, in her words, what
    is wrong with it (nothing is then kept); it is empty while it is whole.
    A part whose id is taken stores nothing and is refused when claimed: the
    same form sent again finds its report sent before that.
    """

    def __init__(self, engine: Engine, filename: str | None, max_bytes: int):
        super().__init__()
        self.id = filename or ""
        self.problem = "" if _ATTACHMENT_ID.fullmatch(self.id) else NOT_WHOLE
        self.claimed = False
        self.finished = False
        self.taken = False
        self._engine = engine
        self._max_bytes = max_bytes
        self._most = sealed_stream_size(max_bytes)
        self._received = 0
        self._pending = bytearray()
        self._segments: SegmentBatches | None = None  # once its row is written

    def writable(self) -> bool:
        """This file only takes writes."""
        return True

    def write(self, data: Any) -> int:
        """Store each sealed segment as soon as it is whole."""
        view = data if isinstance(data, bytes) else bytes(data)
        if self.problem or self.finished or self.taken:
            return len(view)
        self._received += len(view)
        if self._received > self._most:
            self._refuse(too_large(self._max_bytes // _MIB))
            return len(view)
        self._pending += view
        if self._segments is None:
            if len(self._pending) < STREAM_HEADER_SIZE:
                return len(view)
            self._begin(bytes(self._pending[:STREAM_HEADER_SIZE]))
            del self._pending[:STREAM_HEADER_SIZE]
        while self._segments is not None and len(self._pending) >= _SEALED_SEGMENT:
            self._segments.add(bytes(self._pending[:_SEALED_SEGMENT]))
            del self._pending[:_SEALED_SEGMENT]
        return len(view)

    def _begin(self, header: bytes) -> None:
        """Check the stream header and write the row its segments belong to."""
        version, kind = header[0], header[1]
        segment_size = int.from_bytes(header[HEADER_SIZE : HEADER_SIZE + 4], "big")
        if version != PADDED_VERSION or kind != Kind.STREAM or segment_size != SEGMENT_SIZE:
            self._refuse(NOT_WHOLE)
            return
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(Attachment).values(id=self.id, stream_header=header))
        except IntegrityError:  # stored by another request: a repeat, or not hers
            self.taken = True
            return
        self._segments = SegmentBatches(self._engine, self.id)

    def finish(self) -> None:
        """Store the last segment and check the stream's size; the part is then complete."""
        if self.finished or self.problem or self.taken:
            self.finished = True
            return
        self.finished = True
        segments, rest = self._segments, len(self._pending)
        if segments is None or (rest and rest <= TAG_SIZE) or (segments.count == 0 and not rest):
            self._refuse(NOT_WHOLE)  # no header, or a segment without a byte of its file
            return
        if rest:
            segments.add(bytes(self._pending))
            self._pending.clear()
        segments.flush()
        segments.close()
        padded = self._received - STREAM_HEADER_SIZE - TAG_SIZE * segments.count
        if padded > padded_stream_size(self._max_bytes):
            self._refuse(too_large(self._max_bytes // _MIB))
        elif padded < MIN_PADDED_SIZE or padded_size(padded) != padded:
            self._refuse(NOT_WHOLE)  # not a size the browser's padding makes: cut short

    @property
    def stored(self) -> bool:
        """Whether this part is stored whole, by this request."""
        return self.finished and self._segments is not None and not self.problem

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Werkzeug rewinds a file once it is fully parsed: that is the end."""
        self.finish()
        return 0

    def _refuse(self, problem: str) -> None:
        self.problem = problem
        self.discard()

    def discard(self) -> None:
        """Delete whatever was stored of this part (never a row another request wrote)."""
        self._pending.clear()
        self.finished = True
        segments, self._segments = self._segments, None
        if segments is not None:
            segments.drop()
            with self._engine.begin() as connection:
                connection.execute(
                    delete(Attachment).where(
                        Attachment.id == self.id, Attachment.report_id.is_(None)
                    )
                )


@dataclass(frozen=True)
class SealedFile:
    """One file as the browser sent it: its stored stream, its wrapped key, its details."""

    upload: SealedUpload
    file_key: bytes
    details: bytes


def _envelope(text: str, kind: Kind, size_ok: Callable[[int], bool]) -> bytes:
    """A base64 field's envelope; SealedReportRefused unless its kind and size are right."""
    if len(text) > 4 * -(-MAX_DETAILS_SIZE // 3):
        raise SealedReportRefused(NOT_WHOLE)
    try:
        blob = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise SealedReportRefused(NOT_WHOLE) from None
    if len(blob) < HEADER_SIZE or blob[0] != FORMAT_VERSION or blob[1] != kind:
        raise SealedReportRefused(NOT_WHOLE)
    if not size_ok(len(blob)):
        raise SealedReportRefused(NOT_WHOLE)
    return blob


def parse_sealed_files(
    parts: Sequence[object], keys: Sequence[str], details: Sequence[str]
) -> SealedFiles:
    """The files a form sent, in order, checked as this module's docstring says;
    SealedReportRefused, in her words, if any is not whole, too large or one too many."""
    # The request refuses a part past FILES_PER_REQUEST with a reason, one without a name without.
    if len(parts) > FILES_PER_REQUEST or any(
        isinstance(p, RefusedUpload) and p.reason for p in parts
    ):
        raise SealedReportRefused(TOO_MANY_FILES)
    if not len(parts) == len(keys) == len(details):
        raise SealedReportRefused(NOT_WHOLE)
    files = []
    for part, key, detail in zip(parts, keys, details, strict=True):
        if not isinstance(part, SealedUpload) or not part.finished:
            raise SealedReportRefused(NOT_WHOLE)
        if part.problem:
            raise SealedReportRefused(part.problem)
        files.append(
            SealedFile(
                part,
                _envelope(key, Kind.KEY_WRAP, lambda size: size == FILE_KEY_SIZE),
                _envelope(
                    detail,
                    Kind.FIELD,
                    lambda size: size <= MAX_DETAILS_SIZE and is_field_size(size),
                ),
            )
        )
    return SealedFiles(tuple(files))


@dataclass(frozen=True)
class SealedFiles:
    """A report's files as the browser sent them, in order, each checked."""

    files: tuple[SealedFile, ...] = ()

    def __len__(self) -> int:
        """How many."""
        return len(self.files)

    def claim(self, session: Session, report: Report, submission: Submission) -> None:
        """Attach them to the new report in the caller's transaction (not yet flushed).

        SealedReportRefused, changing nothing, unless each is the report's file of
        its number (`Submission.attachment_id`), stored by this request, unclaimed.
        """
        found = []
        for number, sealed in enumerate(self.files, start=1):
            attachment = session.get(Attachment, sealed.upload.id)
            if (
                sealed.upload.id != submission.attachment_id(number)
                or not sealed.upload.stored
                or attachment is None
                or attachment.report_id is not None
            ):
                raise SealedReportRefused(NOT_WHOLE)
            found.append(attachment)
        for attachment, sealed in zip(found, self.files, strict=True):
            attachment.report_id = report.id
            attachment.file_key = sealed.file_key
            attachment.details = sealed.details

    def claimed(self) -> None:
        """Once the report is committed: its files are kept when the request ends."""
        for sealed in self.files:
            sealed.upload.claimed = True
