"""Segmented encryption of large files in bounded memory (STREAM construction).

A file is cut into fixed-size segments, each sealed with AES-256-GCM under a
per-file key. The nonce of segment i is prefix (7) | i (4, big-endian) |
last-flag (1), as in Hoang, Reyhanitabar, Rogaway and Vizár's STREAM: segments
cannot be reordered, dropped from the end, or followed by extra ones without
detection, and only one segment is ever held in memory.

Stream header: version (1) | kind (1) | segment size (4) | salt (32) |
nonce prefix (7). The per-file key is HKDF(data key, salt, binding), and the
header is the associated data of every segment.

Version 2 (written now) hides the file's exact size. What is encrypted is the
file, then zero bytes, then the file's length (8 bytes, big-endian), together
exactly `padded_size(length + 8)` bytes (Padmé, as fields are padded): the
stored ciphertext shows only that bucket. The length record sits in the last
segment, sealed with the last flag, so it is authenticated like the data; a
reader checks that it agrees with the number of bytes stored and that the
padding is zero. Version 1 streams (no padding) are still read.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.envelope import KEY_SIZE, TAG_SIZE, padded_size
from crypto.errors import TamperedCiphertext
from crypto.format import HEADER_SIZE, Binding, Kind, check_header, header

SEGMENT_SIZE = 64 * 1024
UNPADDED_VERSION = 1  # still read: attachments stored before sizes were padded
PADDED_VERSION = 2
_VERSIONS = (UNPADDED_VERSION, PADDED_VERSION)
_SALT_SIZE = 32
_PREFIX_SIZE = 7
_SIZE = struct.Struct(">I")
_LENGTH = struct.Struct(">Q")
STREAM_HEADER_SIZE = HEADER_SIZE + _SIZE.size + _SALT_SIZE + _PREFIX_SIZE
_MIN_SEGMENT, _MAX_SEGMENT = 1024, 16 * 1024 * 1024
_MAX_SEGMENTS = 2**32


def padded_stream_size(length: int) -> int:
    """How many bytes a file of this length is encrypted as: data, zeros, length record."""
    return padded_size(length + _LENGTH.size)


def _file_key(key: bytes, salt: bytes, binding: Binding, head: bytes) -> AESGCM:
    if len(key) != KEY_SIZE:
        raise ValueError("keys are 32 bytes")
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_SIZE,
        salt=salt,
        info=binding.associated_data(b"stream", head),
    ).derive(key)
    return AESGCM(derived)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if index >= _MAX_SEGMENTS:
        raise ValueError("stream is too long")
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class StreamEncryptor:
    """Encrypts one file, in order, padding its end so that its exact size does not show.

    `update` returns the segments completed by the bytes given; `finish`
    yields the rest: the file's end, the padding and the length record.
    """

    def __init__(self, key: bytes, binding: Binding, segment_size: int = SEGMENT_SIZE):
        if not _MIN_SEGMENT <= segment_size <= _MAX_SEGMENT:
            raise ValueError("segment size is out of range")
        self.segment_size = segment_size
        self.header = (
            header(Kind.STREAM, PADDED_VERSION)
            + _SIZE.pack(segment_size)
            + os.urandom(_SALT_SIZE)
            + os.urandom(_PREFIX_SIZE)
        )
        salt = self.header[HEADER_SIZE + _SIZE.size : -_PREFIX_SIZE]
        self._aead = _file_key(key, salt, binding, self.header[:HEADER_SIZE])
        self._prefix = self.header[-_PREFIX_SIZE:]
        self._index = 0
        self._length = 0
        self._buffer = bytearray()
        self._finished = False

    def _seal(self, chunk: bytes | memoryview, *, last: bool) -> bytes:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), chunk, self.header)
        self._index += 1
        return sealed

    def update(self, data: bytes) -> list[bytes]:
        """Take more of the file; return the segments it completed (often none).

        A full segment can be sealed at once: the length record always
        follows it, so it is never the last.
        """
        if self._finished:
            raise ValueError("the stream is already finished")
        self._length += len(data)
        size = self.segment_size
        sealed: list[bytes] = []
        incoming = memoryview(data)
        if self._buffer:  # complete the segment begun earlier
            taken = incoming[: size - len(self._buffer)]
            self._buffer += taken
            incoming = incoming[len(taken) :]
            if len(self._buffer) < size:
                return sealed
            sealed.append(self._seal(bytes(self._buffer), last=False))
            self._buffer.clear()
        # Whole segments are sealed straight from the caller's bytes, never copied.
        whole = len(incoming) - len(incoming) % size
        sealed += [self._seal(incoming[i : i + size], last=False) for i in range(0, whole, size)]
        self._buffer += incoming[whole:]
        return sealed

    def finish(self) -> Iterator[bytes]:
        """Yield the last segments: the file's end, zero padding, then its length."""
        if self._finished:
            raise ValueError("the stream is already finished")
        self._finished = True
        size = self.segment_size
        total = padded_stream_size(self._length)
        remaining = total - (self._length - len(self._buffer))  # bytes still to seal
        record = _LENGTH.pack(self._length)
        zeros = remaining - len(self._buffer) - len(record)
        pending = bytes(self._buffer)
        self._buffer.clear()
        while remaining > size:
            # Padding is made one segment at a time: up to 12% of a large file.
            take = min(zeros, size - len(pending))
            chunk = pending + bytes(take)
            zeros -= take
            if len(chunk) < size:  # the record begins in this segment
                cut = size - len(chunk)
                chunk, record = chunk + record[:cut], record[cut:]
            yield self._seal(chunk, last=False)
            remaining -= size
            pending = b""
        yield self._seal(pending + bytes(zeros) + record, last=True)

    def encrypt_file(self, readable: BinaryIO) -> Iterator[bytes]:
        """Read a file to its end, yielding encrypted segments (at least one)."""
        while chunk := readable.read(self.segment_size):
            yield from self.update(chunk)
        yield from self.finish()


class StreamDecryptor:
    """Decrypts the segments of one file, checking order, completeness and length."""

    def __init__(self, key: bytes, binding: Binding, stream_header: bytes):
        check_header(stream_header, Kind.STREAM, STREAM_HEADER_SIZE, _VERSIONS)
        if len(stream_header) != STREAM_HEADER_SIZE:
            raise TamperedCiphertext("stream header has the wrong length")
        self.segment_size: int = _SIZE.unpack_from(stream_header, HEADER_SIZE)[0]
        if not _MIN_SEGMENT <= self.segment_size <= _MAX_SEGMENT:
            raise TamperedCiphertext("stream header names an impossible segment size")
        self.header = stream_header
        self.padded = stream_header[0] == PADDED_VERSION
        salt = stream_header[HEADER_SIZE + _SIZE.size : -_PREFIX_SIZE]
        self._aead = _file_key(key, salt, binding, stream_header[:HEADER_SIZE])
        self._prefix = stream_header[-_PREFIX_SIZE:]

    def decrypt_segment(self, index: int, sealed: bytes, *, last: bool) -> bytes:
        """Decrypt segment number index; TamperedCiphertext if it is not that segment.

        This is the raw segment: in a padded stream the end holds padding and
        the length record (see `decrypt_segments` and `SeekableStream`).
        """
        if len(sealed) > self.segment_size + TAG_SIZE:
            raise TamperedCiphertext("segment is longer than the segment size")
        try:
            return self._aead.decrypt(_nonce(self._prefix, index, last), sealed, self.header)
        except InvalidTag:
            raise TamperedCiphertext(
                f"segment {index} failed authentication: altered, reordered or truncated"
            ) from None

    def _raw_segments(self, segments: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
        iterator = iter(segments)
        current = next(iterator, None)
        if current is None:
            raise TamperedCiphertext("stream has no segments")
        index = 0
        for following in iterator:
            yield self.decrypt_segment(index, current, last=False), False
            current, index = following, index + 1
        yield self.decrypt_segment(index, current, last=True), True

    def decrypt_segments(self, segments: Iterable[bytes]) -> Iterator[bytes]:
        """Yield the file's plaintext; a missing end or a wrong length raises TamperedCiphertext.

        Plaintext is yielded as it is authenticated, before the end is seen:
        a caller must treat the whole as failed if this raises.
        """
        raw = self._raw_segments(segments)
        if not self.padded:
            for plaintext, _last in raw:
                yield plaintext
            return
        yield from _Unpadder(self.segment_size).run(raw)

    def file_length(self, count: int, last_two: Sequence[bytes]) -> int:
        """The length of the file, from a stream's last one or two sealed segments.

        `count` is the number of segments stored; `last_two` holds the last
        segment, preceded by the one before it when there is one.
        """
        if count < 1 or not 1 <= len(last_two) <= 2 or (count == 1) != (len(last_two) == 1):
            raise TamperedCiphertext("stream has no segments")
        last = self.decrypt_segment(count - 1, last_two[-1], last=True)
        stored = (count - 1) * self.segment_size + len(last)
        if not self.padded:
            return stored
        tail = last
        if len(last) < _LENGTH.size and count > 1:
            tail = self.decrypt_segment(count - 2, last_two[0], last=False) + last
        return _check_length(tail, stored)


def _check_length(tail: bytes, stored: int) -> int:
    """The length recorded at the end of a padded stream, checked against its size."""
    if len(tail) < _LENGTH.size:
        raise TamperedCiphertext("the stream's length record is missing")
    (length,) = _LENGTH.unpack(tail[-_LENGTH.size :])
    if padded_stream_size(length) != stored:
        raise TamperedCiphertext("the stream's length record does not match its size")
    return int(length)


class _Unpadder:
    """Releases a padded stream's data, holding back what may yet prove to be padding.

    The length is known only at the end. Until then the latest segment is
    held (the length record may straddle two), and zero bytes at the end of
    what was released are only counted, so memory stays bounded even for a
    file that is all zeros.
    """

    def __init__(self, segment_size: int):
        self._size = segment_size
        self._released = 0
        self._zeros = 0  # zero bytes seen but not yet released

    def _zero_chunks(self, count: int) -> Iterator[bytes]:
        self._released += count
        while count:
            take = min(count, self._size)
            yield bytes(take)
            count -= take

    def _release(self, plaintext: bytes) -> Iterator[bytes]:
        data = plaintext.rstrip(b"\x00")
        if data:
            yield from self._zero_chunks(self._zeros)
            self._zeros = 0
            self._released += len(data)
            yield data
        self._zeros += len(plaintext) - len(data)

    def run(self, raw: Iterator[tuple[bytes, bool]]) -> Iterator[bytes]:
        held = b""
        for plaintext, last in raw:
            if not last:
                yield from self._release(held)
                held = plaintext
                continue
            tail = held + plaintext
            stored = self._released + self._zeros + len(tail)
            length = _check_length(tail, stored)
            body = tail[: -_LENGTH.size]
            owed = length - self._released  # data bytes not yet released
            if owed < 0:
                raise TamperedCiphertext("the stream's padding is not zero")
            from_zeros = min(owed, self._zeros)
            yield from self._zero_chunks(from_zeros)
            from_body = owed - from_zeros
            if from_body > len(body) or any(body[from_body:]):
                raise TamperedCiphertext("the stream's padding is not zero")
            if from_body:
                self._released += from_body
                yield body[:from_body]


Fetch = Callable[[int, int], Sequence[bytes]]


class SeekableStream(io.RawIOBase):
    """A read-only, seekable view of a stored stream that decrypts segments on demand.

    Formats whose structure is read from the end (PDF, ZIP) or by jumping
    around (MP4) are cleaned through this, without ever writing the
    plaintext anywhere: only a few decrypted segments are held at a time.
    `fetch(start, stop)` returns the sealed segments start..stop-1.
    """

    _READ_AHEAD = 16  # segments fetched at once when reading straight through
    _KEPT = 32  # decrypted segments kept (2 MiB at 64 KiB)

    def __init__(self, decryptor: StreamDecryptor, count: int, fetch: Fetch):
        super().__init__()
        self._decryptor = decryptor
        self._count = count
        self._fetch = fetch
        self._cache: dict[int, bytes] = {}
        last_two = fetch(max(0, count - 2), count) if count > 0 else []
        if len(last_two) != min(count, 2):
            raise TamperedCiphertext("stream segments are missing")
        self.length = decryptor.file_length(count, last_two)
        self._position = 0

    def readable(self) -> bool:
        """This view is read-only."""
        return True

    def seekable(self) -> bool:
        """Any position can be read."""
        return True

    def tell(self) -> int:
        """The current position."""
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move the position, as a file does."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _segment(self, index: int) -> bytes:
        plaintext = self._cache.get(index)
        if plaintext is None:
            stop = min(self._count, index + self._READ_AHEAD)
            sealed = self._fetch(index, stop)
            if len(sealed) != stop - index:
                raise TamperedCiphertext("stream segments are missing")
            if len(self._cache) + len(sealed) > self._KEPT:
                self._cache.clear()
            for offset, segment in enumerate(sealed):
                number = index + offset
                last = number == self._count - 1
                self._cache[number] = self._decryptor.decrypt_segment(number, segment, last=last)
            plaintext = self._cache[index]
        return plaintext

    def read(self, size: int = -1, /) -> bytes:
        """Up to size bytes from the current position (all the rest when size is negative)."""
        wanted = self.length - self._position if size < 0 else size
        wanted = max(0, min(wanted, self.length - self._position))
        pieces, segment_size = [], self._decryptor.segment_size
        while wanted:
            index, within = divmod(self._position, segment_size)
            piece = self._segment(index)[within : within + wanted]
            if len(piece) != min(wanted, segment_size - within):
                raise TamperedCiphertext("a segment is shorter than the stream says")
            pieces.append(piece)
            wanted -= len(piece)
            self._position += len(piece)
        return b"".join(pieces)

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill buffer from the current position, up to the file's end (never into padding)."""
        wanted = min(len(buffer), self.length - self._position)
        size, done = self._decryptor.segment_size, 0
        while done < wanted:
            index, within = divmod(self._position, size)
            piece = self._segment(index)[within : within + wanted - done]
            if len(piece) != min(wanted - done, size - within):
                raise TamperedCiphertext("a segment is shorter than the stream says")
            buffer[done : done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return max(done, 0)
