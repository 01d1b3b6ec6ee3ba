"""Evidence uploads, encrypted as they arrive, never written anywhere in clear.

Werkzeug normally spools an uploaded file to a temporary file. Instead, the
portal's request class hands the multipart parser an `EncryptedUpload`: each
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
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask import Flask, Request, current_app, g, has_request_context
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from crypto.envelope import new_key
from crypto.stream import StreamDecryptor, StreamEncryptor
from portal.logs import describe_exception
from portal.metadata import CLEANABLE, STRIPPERS, UNCLEANABLE, UnreadableImage, sniff_media_type
from portal.reports import new_id, stream_binding
from portal.store.models import Attachment, AttachmentSegment, today

_BATCH_SEGMENTS = 16  # commit every 1 MiB
_BATCHES_IN_FLIGHT = 2  # waiting for the writer, besides the one it is storing
_SNIFF_BYTES = 16
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

    def __init__(self, engine: Engine, filename: str | None, max_bytes: int):
        super().__init__()
        self.id = new_id()
        self.file_key = new_key()
        self.filename = clean_filename(filename)
        self.max_bytes = max_bytes
        self.size = 0
        self.too_large = False
        self.claimed = False
        self.finished = False
        self._engine = engine
        self._encryptor = StreamEncryptor(self.file_key, stream_binding(self.id))
        self._batch: list[dict[str, Any]] = []
        self._writer: _SegmentWriter | None = None
        self._index = 0
        self._head = b""
        self._sha256 = hashlib.sha256()
        with engine.begin() as connection:
            connection.execute(
                insert(Attachment).values(id=self.id, stream_header=self._encryptor.header)
            )

    @property
    def media_type(self) -> str:
        """The type sniffed from the file's first bytes."""
        return sniff_media_type(self._head)

    @property
    def sha256(self) -> str:
        """SHA-256 of the stored bytes, hex."""
        return self._sha256.hexdigest()

    def writable(self) -> bool:
        """This file only takes writes."""
        return True

    def write(self, data: Any) -> int:
        """Encrypt and store whole segments as soon as they are complete."""
        view = bytes(data)
        if self.too_large or self.finished:
            return len(view)
        self.size += len(view)
        if self.size > self.max_bytes:
            self.too_large = True
            self.discard()
            return len(view)
        if len(self._head) < _SNIFF_BYTES:
            self._head += view[: _SNIFF_BYTES - len(self._head)]
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

    def plaintext(self) -> Iterator[bytes]:
        """Decrypt the stored upload again (to clean a picture's metadata)."""
        decryptor = StreamDecryptor(self.file_key, stream_binding(self.id), self._encryptor.header)
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(AttachmentSegment.data)
                .where(AttachmentSegment.attachment_id == self.id)
                .order_by(AttachmentSegment.index)
            ).scalars()
            yield from decryptor.decrypt_segments(rows)


class _IteratorReader:
    """Read(n) over an iterator of byte strings, holding at most one piece."""

    def __init__(self, pieces: Iterable[bytes]):
        self._pieces = iter(pieces)
        self._buffer = b""

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            piece = next(self._pieces, None)
            if piece is None:
                break
            self._buffer += piece
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def without_metadata(upload: EncryptedUpload) -> EncryptedUpload:
    """A new upload holding the same picture without its hidden metadata.

    The original is deleted. UnreadableImage if the picture cannot be parsed
    (then the original is deleted too: it may carry the very data to remove).
    """
    strip = STRIPPERS[upload.media_type]
    cleaned = _track(EncryptedUpload(upload._engine, upload.filename, upload.max_bytes))
    try:
        for piece in strip(_IteratorReader(upload.plaintext()).read):
            cleaned.write(piece)
        cleaned.finish()
    except UnreadableImage:
        cleaned.discard()
        raise
    finally:
        upload.discard()
    return cleaned


def _track(upload: EncryptedUpload) -> EncryptedUpload:
    """Remember an upload so that it is deleted unless claimed by the end of the request."""
    if has_request_context():
        g.setdefault("uploads", []).append(upload)
    return upload


@dataclass(frozen=True)
class PreparedFile:
    """An upload ready to attach, and whether its hidden metadata was removed."""

    upload: EncryptedUpload
    metadata_removed: bool


def prepare_files(
    storages: Iterable[FileStorage | str], keep_metadata: bool, limit_mb: int
) -> tuple[list[PreparedFile], list[str]]:
    """Check each uploaded file and clean pictures; return the files and plain-word problems.

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
        name, kind = upload.filename, upload.media_type
        if upload.too_large:
            problems.append(f"“{name}” is larger than the {limit_mb} MB limit.")
        elif upload.size == 0:
            problems.append(f"“{name}” is empty.")
        elif keep_metadata or kind not in CLEANABLE | UNCLEANABLE:
            prepared.append(PreparedFile(upload, metadata_removed=False))
        elif kind in UNCLEANABLE:
            problems.append(
                f"We cannot remove hidden details, such as where it was taken, from “{name}”. "
                "To send it as it is, tick “Keep hidden details in my photos”."
            )
        else:
            try:
                prepared.append(PreparedFile(without_metadata(upload), metadata_removed=True))
            except UnreadableImage:
                problems.append(
                    f"We could not read the picture “{name}” to remove hidden details such as "
                    "where it was taken. To send it as it is, tick “Keep hidden details in my "
                    "photos”."
                )
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


# Only these forms take files; anywhere else a file part is dropped unread,
# so no one can make the portal store files by posting to another address.
UPLOAD_ENDPOINTS = frozenset({"survivor.report", "survivor.add"})
FILES_PER_REQUEST = 5


class PortalRequest(Request):
    """Flask's request, with uploads encrypted as they are parsed."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        if self.endpoint not in UPLOAD_ENDPOINTS or not filename:
            return RefusedUpload(filename, "")  # type: ignore[return-value]
        received = g.get("files_received", 0) + 1
        g.files_received = received
        if received > FILES_PER_REQUEST:
            reason = f"Only {FILES_PER_REQUEST} files can be sent at once."
            return RefusedUpload(filename, reason)  # type: ignore[return-value]
        store = current_app.extensions["store"]
        limit = current_app.config["PORTAL"].max_upload_bytes
        return _track(EncryptedUpload(store.engine, filename, limit))  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """Use the encrypting request class and delete unclaimed uploads after each request."""
    app.request_class = PortalRequest

    @app.teardown_request
    def _discard_unclaimed(_error: BaseException | None) -> None:
        for upload in g.pop("uploads", []):
            if not upload.claimed:
                try:
                    upload.discard()
                except Exception as error:  # the others are still discarded; the sweep gets it
                    _log.error("unclaimed upload not deleted: %s", describe_exception(error))


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
