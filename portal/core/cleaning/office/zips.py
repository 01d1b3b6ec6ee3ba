"""Reading an office document's ZIP file, and writing it anew entry by entry.

A document is a ZIP file whose directory is at its end, so it is read
through a seekable view that decrypts on demand. The ZIP is written anew:
every part not replaced is copied as it was stored (still compressed, byte
for byte), the replaced parts are added, and every entry gets the same
neutral date (entries otherwise carry the time of saving).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from typing import IO, cast

from portal.core.cleaning.common import Source, TooLargeToClean, Unreadable, Write

# What to put in place of a part, given the part as stored.
Replacement = Callable[[bytes], bytes]

MAX_ENTRIES = 20_000
ENCRYPTED = 0x1  # the flag bit of an entry locked with a password
_MAX_PART = 12 * 1024 * 1024  # a replaced part or picture is held in memory: bounded
_COPY = 1024 * 1024
# Every entry's date and time: 1980-01-01 00:00, the earliest a ZIP can say
# (Word writes the same; LibreOffice writes the time of saving).
_DOS_TIME, _DOS_DATE = 0, (1 << 5) | 1
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_UTF8_NAME = 0x800
# What zipfile and zlib raise on a damaged entry, besides BadZipFile.
_DAMAGED = (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError)


def open_zip(source: Source) -> zipfile.ZipFile:
    """The ZIP file's directory, read; Unreadable if it is not a ZIP file we can read."""
    source.seek(0)
    try:
        return zipfile.ZipFile(cast(IO[bytes], source))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,  # a ZIP version or feature the module does not read
    ):
        raise Unreadable("the document's ZIP structure could not be read") from None


def read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    """A part, whole and checked against its CRC; TooLargeToClean above the memory bound."""
    info = archive.getinfo(name)
    if info.file_size > _MAX_PART:
        raise TooLargeToClean("a part of the document is too large to clean")
    try:
        return archive.read(info)
    except _DAMAGED:
        raise Unreadable("a part of the document is damaged") from None


def head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part's first 16 bytes: enough to tell a picture, a video or an OLE object."""
    try:
        with archive.open(info) as part:
            return part.read(16)
    except _DAMAGED:
        raise Unreadable("a part of the document is damaged") from None


class _Writer:
    """Writes a ZIP file entry by entry, straight through, and its directory at the end."""

    def __init__(self, write: Write):
        self._write = write
        self.offset = 0
        self._directory: list[bytes] = []

    def _emit(self, data: bytes) -> None:
        self._write(data)
        self.offset += len(data)

    def entry(self, name: bytes, flags: int, method: int, crc: int, sizes: tuple[int, int]) -> None:
        """Write an entry's local header; its data follows through `data`."""
        compressed, size = sizes
        if max(compressed, size, self.offset) >= 0xFFFFFFFF:
            raise Unreadable("the document is too large for a plain ZIP")
        version = 20
        # What the local header and the central directory both say of the entry.
        shared = (flags, method, _DOS_TIME, _DOS_DATE, crc, compressed, size, len(name))
        self._directory.append(
            _CENTRAL.pack(b"PK\x01\x02", version, version, *shared, 0, 0, 0, 0, 0, self.offset)
            + name
        )
        self._emit(_LOCAL.pack(b"PK\x03\x04", version, *shared, 0) + name)

    def data(self, chunk: bytes) -> None:
        """Write part of the current entry's data."""
        self._emit(chunk)

    def close(self) -> None:
        """Write the central directory and its end record (no archive comment)."""
        start = self.offset
        for record in self._directory:
            self._emit(record)
        count = len(self._directory)
        self._emit(_END.pack(b"PK\x05\x06", 0, 0, count, count, self.offset - start, start, 0))


def _raw_data_start(source: Source, info: zipfile.ZipInfo) -> int:
    source.seek(info.header_offset)
    header = source.read(_LOCAL.size)
    if len(header) != _LOCAL.size or header[:4] != b"PK\x03\x04":
        raise Unreadable("an entry of the document is not where its directory says")
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    return int(info.header_offset + _LOCAL.size + name_length + extra_length)


def _encoded_name(info: zipfile.ZipInfo) -> bytes:
    name = info.orig_filename
    try:
        return name.encode("utf-8" if info.flag_bits & _UTF8_NAME else "cp437")
    except UnicodeEncodeError:
        return name.encode("utf-8")


def rewrite(
    source: Source,
    archive: zipfile.ZipFile,
    replaced: Mapping[str, Replacement],
    write: Write,
) -> None:
    """Write the ZIP anew: each replaced part as its replacement makes it, all else as stored."""
    writer = _Writer(write)
    for info in archive.infolist():
        if info.flag_bits & ENCRYPTED:
            raise Unreadable("the document is locked with a password")
        name = _encoded_name(info)
        flags = _UTF8_NAME if info.flag_bits & _UTF8_NAME else 0
        change = replaced.get(info.filename)
        if change is not None:
            _write_new(writer, name, flags, change(read_part(archive, info.filename)), info)
        else:
            _copy_stored(source, writer, name, flags, info)
    writer.close()


def _write_new(
    writer: _Writer, name: bytes, flags: int, data: bytes, info: zipfile.ZipInfo
) -> None:
    """A replaced part, deflated (or stored, as a picture or ODF's mimetype was)."""
    crc = zlib.crc32(data)
    if info.compress_type == zipfile.ZIP_STORED:
        writer.entry(name, flags, zipfile.ZIP_STORED, crc, (len(data), len(data)))
        writer.data(data)
        return
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(data) + packer.flush()
    writer.entry(name, flags, zipfile.ZIP_DEFLATED, crc, (len(packed), len(data)))
    writer.data(packed)


def _copy_stored(
    source: Source, writer: _Writer, name: bytes, flags: int, info: zipfile.ZipInfo
) -> None:
    """Copy an entry's compressed bytes as they are, under a fresh local header."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Unreadable("the document uses a compression we do not read")
    start = _raw_data_start(source, info)
    writer.entry(name, flags, info.compress_type, info.CRC, (info.compress_size, info.file_size))
    source.seek(start)
    remaining = info.compress_size
    while remaining:
        chunk = source.read(min(_COPY, remaining))
        if not chunk:
            raise Unreadable("the document ends inside one of its parts")
        writer.data(chunk)
        remaining -= len(chunk)
