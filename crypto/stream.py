"""Segmented encryption of large files in bounded memory (STREAM construction).

A file is cut into fixed-size segments, each sealed with AES-256-GCM under a
per-file key. The nonce of segment i is prefix (7) | i (4, big-endian) |
last-flag (1), as in Hoang, Reyhanitabar, Rogaway and Vizár's STREAM: segments
cannot be reordered, dropped from the end, or followed by extra ones without
detection, and only one segment is ever held in memory.

Stream header: version (1) | kind (1) | segment size (4) | salt (32) |
nonce prefix (7). The per-file key is HKDF(data key, salt, binding), and the
header is the associated data of every segment.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.envelope import KEY_SIZE, TAG_SIZE
from crypto.errors import TamperedCiphertext
from crypto.format import HEADER_SIZE, Binding, Kind, check_header, header

SEGMENT_SIZE = 64 * 1024
_SALT_SIZE = 32
_PREFIX_SIZE = 7
_SIZE = struct.Struct(">I")
STREAM_HEADER_SIZE = HEADER_SIZE + _SIZE.size + _SALT_SIZE + _PREFIX_SIZE
_MIN_SEGMENT, _MAX_SEGMENT = 1024, 16 * 1024 * 1024
_MAX_SEGMENTS = 2**32


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
    """Encrypts one file, segment by segment, in order."""

    def __init__(self, key: bytes, binding: Binding, segment_size: int = SEGMENT_SIZE):
        if not _MIN_SEGMENT <= segment_size <= _MAX_SEGMENT:
            raise ValueError("segment size is out of range")
        self.segment_size = segment_size
        self.header = (
            header(Kind.STREAM)
            + _SIZE.pack(segment_size)
            + os.urandom(_SALT_SIZE)
            + os.urandom(_PREFIX_SIZE)
        )
        salt = self.header[HEADER_SIZE + _SIZE.size : -_PREFIX_SIZE]
        self._aead = _file_key(key, salt, binding, self.header[:HEADER_SIZE])
        self._prefix = self.header[-_PREFIX_SIZE:]
        self._index = 0
        self._finished = False

    def encrypt_segment(self, chunk: bytes, *, last: bool) -> bytes:
        """Encrypt the next segment; every segment but the last is full-size."""
        if self._finished:
            raise ValueError("the last segment has already been written")
        if len(chunk) > self.segment_size or (not last and len(chunk) != self.segment_size):
            raise ValueError("only the last segment may be shorter than the segment size")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), chunk, self.header)
        self._index += 1
        self._finished = last
        return sealed

    def encrypt_file(self, readable: BinaryIO) -> Iterator[bytes]:
        """Read a file to its end, yielding encrypted segments (at least one)."""
        chunk = _read_full(readable, self.segment_size)
        while True:
            following = _read_full(readable, self.segment_size) if chunk else b""
            last = len(chunk) < self.segment_size or not following
            yield self.encrypt_segment(chunk, last=last)
            if last:
                return
            chunk = following


def _read_full(readable: BinaryIO, size: int) -> bytes:
    """Read exactly size bytes unless the file ends first."""
    parts, remaining = [], size
    while remaining:
        part = readable.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


class StreamDecryptor:
    """Decrypts the segments of one file, checking order and completeness."""

    def __init__(self, key: bytes, binding: Binding, stream_header: bytes):
        check_header(stream_header, Kind.STREAM, STREAM_HEADER_SIZE)
        if len(stream_header) != STREAM_HEADER_SIZE:
            raise TamperedCiphertext("stream header has the wrong length")
        (self.segment_size,) = _SIZE.unpack_from(stream_header, HEADER_SIZE)
        if not _MIN_SEGMENT <= self.segment_size <= _MAX_SEGMENT:
            raise TamperedCiphertext("stream header names an impossible segment size")
        self.header = stream_header
        salt = stream_header[HEADER_SIZE + _SIZE.size : -_PREFIX_SIZE]
        self._aead = _file_key(key, salt, binding, stream_header[:HEADER_SIZE])
        self._prefix = stream_header[-_PREFIX_SIZE:]

    def decrypt_segment(self, index: int, sealed: bytes, *, last: bool) -> bytes:
        """Decrypt segment number index; TamperedCiphertext if it is not that segment."""
        if len(sealed) > self.segment_size + TAG_SIZE:
            raise TamperedCiphertext("segment is longer than the segment size")
        try:
            return self._aead.decrypt(_nonce(self._prefix, index, last), sealed, self.header)
        except InvalidTag:
            raise TamperedCiphertext(
                f"segment {index} failed authentication: altered, reordered or truncated"
            ) from None

    def decrypt_segments(self, segments: Iterable[bytes]) -> Iterator[bytes]:
        """Yield the plaintext of each segment; a missing end raises TamperedCiphertext."""
        iterator = iter(segments)
        current = next(iterator, None)
        if current is None:
            raise TamperedCiphertext("stream has no segments")
        index = 0
        for following in iterator:
            yield self.decrypt_segment(index, current, last=False)
            current, index = following, index + 1
        yield self.decrypt_segment(index, current, last=True)
