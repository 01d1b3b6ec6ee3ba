"""Evidence uploads, encrypted as they arrive, never written anywhere in clear.

Werkzeug normally spools an uploaded file to a temporary file. Instead, the
portal's request class (web/uploads.py) hands the multipart parser an
`EncryptedUpload`: each
64 KiB segment is encrypted under a fresh file key as soon as it is complete
and stored in the database, in small committed batches so a slow upload never
holds the database's write lock. The batches are stored by a thread of the
upload's own, so the next megabyte is read and encrypted while the last is
written (SQLite lets go of the interpreter lock while it writes); at most
`_BATCHES_IN_FLIGHT` wait, so memory stays bounded, and the upload is
finished only once all are stored. The file key lives only in this object
until a service function wraps it under a report's data key (`claim`);
uploads never claimed are deleted at the end of the request, and any left by
a crash are swept later, useless without their key.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import queue
import re
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from crypto.envelope import new_key
from crypto.stream import SeekableStream, StreamDecryptor, StreamEncryptor
from portal.core import bindings
from portal.core.cleaning import (
    FileType,
    HoldsUncleanableFile,
    TooLargeToClean,
    Unreadable,
    identify,
)
from portal.core.reports import new_id
from portal.store.models import Attachment, AttachmentSegment, today

_BATCH_SEGMENTS = 16  # commit every 1 MiB
_BATCHES_IN_FLIGHT = 2  # waiting for the writer, besides the one it is storing
MAX_NAME_LENGTH = 200
_log = logging.getLogger(__name__)


_RAW_FILENAME = re.compile(r'filename="([^"]*)"')


def sent_filename(storage: FileStorage) -> str | None:
    """The file name exactly as the browser sent it.

    Werkzeug reads the name as a quoted string and drops the backslashes, so
    an old browser's "C:\\Users\\Jane\\photo.jpg" would arrive as
    "C:UsersJanephoto.jpg", keeping the user name. Browsers do not escape
    backslashes, so reading the raw header keeps them as separators.
    """
    match = _RAW_FILENAME.search(storage.headers.get("Content-Disposition", ""))
    return match.group(1) if match else storage.filename


def clean_filename(name: str | None) -> str:
    """The last part of a path, without control characters, of bounded length."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if base in ("", ".", ".."):
        return "file"
    return base[:MAX_NAME_LENGTH]


class _SegmentWriter:
    """Stores batches of sealed segments, in order, on a thread of its own."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._batches: queue.Queue[list[dict[str, Any]] | None] = queue.Queue(
            maxsize=_BATCHES_IN_FLIGHT
        )
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="upload-writer", daemon=True)
        self._thread.start()

    def put(self, batch: list[dict[str, Any]]) -> None:
        """Hand over a batch, waiting while too many are in flight."""
        self._batches.put(batch)

    def close(self) -> None:
        """Wait until every batch handed over is stored; raise if one could not be."""
        self._batches.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        while (batch := self._batches.get()) is not None:
            if self.error is not None:
                continue  # one failed: the upload fails, so the rest are dropped
            try:
                with self._engine.begin() as connection:
                    connection.execute(insert(AttachmentSegment), batch)
            except Exception as error:  # raised again in the request's thread
                self.error = error


class EncryptedUpload(io.RawIOBase):
    """A write-only file that encrypts and stores what is written to it."""

    def __init__(
        self,
        engine: Engine,
        filename: str | None,
        max_bytes: int,
        request_uploads: list[EncryptedUpload] | None = None,
    ):
        super().__init__()
        # The list of its request's uploads, which deletes those never claimed
        # when the request ends; a clean copy joins the same list.
        self.request_uploads = request_uploads
        self.id = new_id()
        self.file_key = new_key()
        self.filename = clean_filename(filename)
        self.max_bytes = max_bytes
        self.size = 0
        self.too_large = False
        self.claimed = False
        self.finished = False
        self._engine = engine
        self._encryptor = StreamEncryptor(self.file_key, bindings.attachment_content(self.id))
        self._batch: list[dict[str, Any]] = []
        self._writer: _SegmentWriter | None = None
        self._index = 0
        self.media_type = "application/octet-stream"  # known once the file is read whole
        self._sha256 = hashlib.sha256()
        with engine.begin() as connection:
            connection.execute(
                insert(Attachment).values(id=self.id, stream_header=self._encryptor.header)
            )

    @property
    def sha256(self) -> str:
        """SHA-256 of the stored bytes, hex."""
        return self._sha256.hexdigest()

    def writable(self) -> bool:
        """This file only takes writes."""
        return True

    def write(self, data: Any) -> int:
        """Encrypt and store whole segments as soon as they are complete."""
        view = data if isinstance(data, bytes) else bytes(data)
        if self.too_large or self.finished:
            return len(view)
        self.size += len(view)
        if self.size > self.max_bytes:
            self.too_large = True
            self.discard()
            return len(view)
        self._sha256.update(view)
        for sealed in self._encryptor.update(view):
            self._store(sealed)
        return len(view)

    def _store(self, sealed: bytes) -> None:
        self._batch.append({"attachment_id": self.id, "index": self._index, "data": sealed})
        self._index += 1
        if len(self._batch) >= _BATCH_SEGMENTS:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            if self._writer is None:
                self._writer = _SegmentWriter(self._engine)
            if self._writer.error is not None:
                self._stop_writer()  # raises what went wrong
            self._writer.put(self._batch)
            self._batch = []

    def _stop_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def finish(self) -> None:
        """Encrypt the last segment and store it; the upload is then complete."""
        if not self.finished and not self.too_large:
            for sealed in self._encryptor.finish():  # the end, padding and length record
                self._store(sealed)
            self._flush()
        self.finished = True
        self._stop_writer()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Werkzeug rewinds a file once it is fully parsed: that is the end."""
        self.finish()
        return 0

    def discard(self) -> None:
        """Delete whatever was stored of this upload."""
        self._batch = []
        self.finished = True
        with contextlib.suppress(Exception):  # what it could not store is deleted anyway
            self._stop_writer()
        with self._engine.begin() as connection:
            connection.execute(delete(Attachment).where(Attachment.id == self.id))

    def _decryptor(self) -> StreamDecryptor:
        return StreamDecryptor(
            self.file_key, bindings.attachment_content(self.id), self._encryptor.header
        )

    def plaintext(self) -> Iterator[bytes]:
        """Decrypt the stored upload again, from start to end."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(AttachmentSegment.data)
                .where(AttachmentSegment.attachment_id == self.id)
                .order_by(AttachmentSegment.index)
            ).scalars()
            yield from self._decryptor().decrypt_segments(rows)

    def view(self) -> SeekableStream:
        """The finished upload as a read-only file that decrypts segments as they are read.

        Nothing is written anywhere in clear: a few decrypted segments are
        held in memory at a time.
        """
        if not self.finished or self.too_large:
            raise ValueError("only a finished upload can be read")
        return SeekableStream(self._decryptor(), self._index, self._segments)

    def _segments(self, start: int, stop: int) -> list[bytes]:
        with self._engine.connect() as connection:
            return list(
                connection.execute(
                    select(AttachmentSegment.data)
                    .where(
                        AttachmentSegment.attachment_id == self.id,
                        AttachmentSegment.index >= start,
                        AttachmentSegment.index < stop,
                    )
                    .order_by(AttachmentSegment.index)
                ).scalars()
            )


def _track(upload: EncryptedUpload) -> EncryptedUpload:
    """Add an upload to its request's list, so it is deleted unless claimed by the end."""
    if upload.request_uploads is not None:
        upload.request_uploads.append(upload)
    return upload


# What a cleaner may raise on a file built to confuse it, besides Unreadable:
# each means the same, that the file is not what it seems.
_PARSE_ERRORS = (Unreadable, struct.error, ValueError, IndexError, EOFError, OSError, zlib.error)


def without_metadata(upload: EncryptedUpload, file_type: FileType) -> EncryptedUpload:
    """A new upload holding the same file without its hidden details.

    The original is read through a view that decrypts on demand, and the
    clean copy is encrypted under a new key as it is written; the original is
    then deleted, and its key, which lived only in memory, is forgotten.
    Unreadable if the file cannot be read as its type (the original is
    deleted then too: it may carry the very details to remove).
    """
    cleaned = _track(
        EncryptedUpload(upload._engine, upload.filename, upload.max_bytes, upload.request_uploads)
    )
    try:
        file_type.clean(upload.view(), cleaned.write)
        cleaned.finish()
        if cleaned.too_large:
            raise Unreadable("the clean copy is larger than the limit")
        file_type.check(cleaned.view())
    except (TooLargeToClean, HoldsUncleanableFile):
        cleaned.discard()
        raise
    except _PARSE_ERRORS as error:
        cleaned.discard()
        raise Unreadable(str(error)) from None
    finally:
        upload.discard()
    cleaned.media_type = file_type.media_type
    return cleaned


@dataclass(frozen=True)
class PreparedFile:
    """An upload ready to attach, and whether its hidden details were removed."""

    upload: EncryptedUpload
    metadata_removed: bool
    extension: str = ""

    def stored_name(self, number: int) -> str:
        """The name to store: neutral once cleaned, the survivor's own if she kept the details."""
        if self.metadata_removed:
            return f"evidence-{number}{self.extension}"
        return self.upload.filename


KEEP_BOX = "“Keep hidden details in my files”"
CLEANED_KINDS = (
    "photos (JPEG, PNG, WebP), videos and recordings (MP4, MOV, 3GP, M4A), PDFs, and Word, "
    "Excel, PowerPoint or LibreOffice documents"
)


def _label(media_type: str) -> str:
    if media_type.startswith("image/"):
        return "the picture"
    if media_type.startswith("video/"):
        return "the video"
    if media_type.startswith("audio/"):
        return "the recording"
    if media_type == "application/pdf":
        return "the PDF"
    return "the document"


def _prepare(upload: EncryptedUpload, keep_metadata: bool) -> PreparedFile | str:
    """One upload, cleaned or kept as sent; or a message saying why it cannot be attached."""
    name = upload.filename
    found = identify(upload.view())
    if keep_metadata:
        upload.media_type = found.media_type if isinstance(found, FileType) else found
        return PreparedFile(upload, metadata_removed=False)
    if isinstance(found, str):
        what = ", such as where it was taken," if found.startswith("image/") else ""
        return (
            f"We cannot remove hidden details{what} from “{name}”, so it was not attached. "
            f"We can remove them from {CLEANED_KINDS}. To send it as it is, tick {KEEP_BOX}."
        )
    try:
        cleaned = without_metadata(upload, found)
    except TooLargeToClean:
        return (
            f"“{name}” has a part too large for us to remove its hidden details safely. "
            f"To send it as it is, tick {KEEP_BOX}."
        )
    except HoldsUncleanableFile:
        return (
            f"“{name}” has a file inside it (an attachment or an embedded object) whose hidden "
            f"details we cannot remove, so it was not attached. To send it as it is, tick "
            f"{KEEP_BOX}."
        )
    except Unreadable:
        return (
            f"We could not read {_label(found.media_type)} “{name}” to remove its hidden details "
            f"(it may be damaged). To send it as it is, tick {KEEP_BOX}."
        )
    return PreparedFile(cleaned, metadata_removed=True, extension=found.extension)


def prepare_files(
    storages: Iterable[FileStorage | str], keep_metadata: bool, limit_mb: int
) -> tuple[list[PreparedFile], list[str]]:
    """Check each uploaded file and clean it; return the files and plain-word problems.

    A file with a problem is not attached; the message says why and what to do.
    """
    prepared: list[PreparedFile] = []
    problems: list[str] = []
    for storage in storages:
        if not isinstance(storage, FileStorage):
            continue  # a text field sent under the files' name: there is no file in it
        upload = storage.stream
        if isinstance(upload, RefusedUpload) and upload.reason:
            problems.append(f"“{upload.filename}” was not attached. {upload.reason}")
            continue
        if not storage.filename or not isinstance(upload, EncryptedUpload):
            continue  # "no file chosen" still sends an empty part
        upload.filename = clean_filename(sent_filename(storage))
        if upload.too_large:
            problems.append(f"“{upload.filename}” is larger than the {limit_mb} MB limit.")
        elif upload.size == 0:
            problems.append(f"“{upload.filename}” is empty.")
        else:
            result = _prepare(upload, keep_metadata)
            if isinstance(result, str):
                problems.append(result)
            else:
                prepared.append(result)
    return prepared, problems


class RefusedUpload(io.RawIOBase):
    """A file part the portal will not keep: what is written goes nowhere."""

    def __init__(self, filename: str | None, reason: str):
        super().__init__()
        self.filename = clean_filename(filename)
        self.reason = reason

    def writable(self) -> bool:
        """Writes are accepted and dropped."""
        return True

    def write(self, data: Any) -> int:
        """Drop the bytes."""
        return len(bytes(data))

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Nothing to rewind."""
        return 0


def sweep_abandoned(session: Session) -> int:
    """Delete uploads never attached to a report (a crash mid-upload) from before today.

    Their keys died with the process that received them, so they were
    unreadable already; this reclaims the space.
    """
    result = session.execute(
        delete(Attachment).where(Attachment.report_id.is_(None), Attachment.uploaded_on < today())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
