"""Evidence uploads, encrypted as they arrive, never written anywhere in clear.

Werkzeug normally spools an uploaded file to a temporary file. Instead, the
portal's request class (web/uploads.py) hands the multipart parser an
`EncryptedUpload`: each 64 KiB segment is encrypted under a fresh file key
as soon as it is complete and stored in the database, in small committed
batches so a slow upload never holds the database's write lock. The batches
are stored by a thread of the upload's own, so the next megabyte is read and
encrypted while the last is written (SQLite lets go of the interpreter lock
while it writes); at most `_BATCHES_IN_FLIGHT` wait, so memory stays
bounded, and the upload is finished only once all are stored. The file key
lives only in this object until a service function wraps it under a
report's data key (`reports.claim_attachment`); uploads never claimed are
deleted at the end of the request, and any left by a crash are swept later
(`evidence.sweep_abandoned`), useless without their key.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from crypto.envelope import new_key
from crypto.stream import SeekableStream, StreamDecryptor, StreamEncryptor
from portal.core import bindings
from portal.core.reports import new_id
from portal.store.models import Attachment, AttachmentSegment

_BATCH_SEGMENTS = 16  # commit every 1 MiB
_BATCHES_IN_FLIGHT = 2  # waiting for the writer, besides the one it is storing
MAX_NAME_LENGTH = 200


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


class SegmentBatches:
    """One stream's sealed segments, numbered in order and stored in committed batches
    by a writer thread of their own (started with the first batch)."""

    def __init__(self, engine: Engine, attachment_id: str):
        self._engine = engine
        self._attachment_id = attachment_id
        self._batch: list[dict[str, Any]] = []
        self._writer: _SegmentWriter | None = None
        self.count = 0

    def add(self, sealed: bytes) -> None:
        """Number the next segment and store it with its batch."""
        self._batch.append(
            {"attachment_id": self._attachment_id, "index": self.count, "data": sealed}
        )
        self.count += 1
        if len(self._batch) >= _BATCH_SEGMENTS:
            self.flush()

    def flush(self) -> None:
        """Hand the batch begun to the writer; raise if an earlier batch could not be stored."""
        if self._batch:
            if self._writer is None:
                self._writer = _SegmentWriter(self._engine)
            if self._writer.error is not None:
                self.close()  # raises what went wrong
            self._writer.put(self._batch)
            self._batch = []

    def close(self) -> None:
        """Wait until every batch handed over is stored; raise if one could not be."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def drop(self) -> None:
        """Forget the batch begun and stop the writer; its row is being deleted anyway."""
        self._batch = []
        with contextlib.suppress(Exception):  # what it could not store is deleted anyway
            self.close()


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
        self._encryptor = StreamEncryptor(self.file_key, bindings.attachment(self.id, "content"))
        self._segments = SegmentBatches(engine, self.id)
        self.media_type = "application/octet-stream"  # known once the file is read whole
        self._sha256 = hashlib.sha256()
        with engine.begin() as connection:
            connection.execute(
                insert(Attachment).values(id=self.id, stream_header=self._encryptor.header)
            )

    def another(self) -> EncryptedUpload:
        """A new, empty upload of the same name and limit, deleted with this one unless claimed."""
        upload = EncryptedUpload(self._engine, self.filename, self.max_bytes, self.request_uploads)
        if self.request_uploads is not None:
            self.request_uploads.append(upload)
        return upload

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
            self._segments.add(sealed)
        return len(view)

    def finish(self) -> None:
        """Encrypt the last segment and store it; the upload is then complete."""
        if not self.finished and not self.too_large:
            for sealed in self._encryptor.finish():  # the end, padding and length record
                self._segments.add(sealed)
            self._segments.flush()
        self.finished = True
        self._segments.close()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Werkzeug rewinds a file once it is fully parsed: that is the end."""
        self.finish()
        return 0

    def discard(self) -> None:
        """Delete whatever was stored of this upload."""
        self.finished = True
        self._segments.drop()
        with self._engine.begin() as connection:
            connection.execute(delete(Attachment).where(Attachment.id == self.id))

    def _decryptor(self) -> StreamDecryptor:
        return StreamDecryptor(
            self.file_key, bindings.attachment(self.id, "content"), self._encryptor.header
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
        return SeekableStream(self._decryptor(), self._segments.count, self._fetch)

    def _fetch(self, start: int, stop: int) -> list[bytes]:
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
