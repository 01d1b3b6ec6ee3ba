"""Sniffing file types and removing hidden metadata from pictures, losslessly.

Photos carry EXIF and XMP blocks that can give the place and time a picture
was taken and the phone that took it. For JPEG, PNG and WebP those blocks are
dropped without re-encoding the picture (re-encoding would alter evidence),
streaming, so memory stays bounded whatever the size. Other picture formats
that can hide such data (HEIC, AVIF, TIFF) are refused unless the survivor
asks to keep the original.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

Read = Callable[[int], bytes]
_COPY_CHUNK = 64 * 1024
# WebP's RIFF header states the total size, so cleaning needs the whole file;
# WebP pictures are small, and anything larger is refused rather than held.
MAX_WEBP_BYTES = 32 * 1024 * 1024


class UnreadableImage(Exception):
    """The picture's structure could not be read, so its metadata cannot be removed."""


_HEIF_BRANDS = (
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
    b"avci",
)


def sniff_media_type(head: bytes) -> str:
    """The media type from a file's first bytes (never from its name or the browser)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "image/avif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "image/jxl"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return "application/octet-stream"


# Formats whose hidden details we remove, and those we cannot.
CLEANABLE = frozenset({"image/jpeg", "image/png", "image/webp"})
# GIF can carry XMP in an application extension; JPEG XL in its Exif and xml boxes.
UNCLEANABLE = frozenset({"image/heic", "image/avif", "image/tiff", "image/gif", "image/jxl"})


class _Reader:
    """A reader that can give back bytes it read too far."""

    def __init__(self, read: Read):
        self._read = read
        self._buffer = b""

    def chunk(self) -> bytes:
        """The next bytes available (empty at the end)."""
        if self._buffer:
            data, self._buffer = self._buffer, b""
            return data
        return self._read(_COPY_CHUNK)

    def exactly(self, size: int) -> bytes:
        """Exactly size bytes, or UnreadableImage if the file ends first."""
        parts, wanted = [], size
        while wanted:
            if self._buffer:
                part, self._buffer = self._buffer[:wanted], self._buffer[wanted:]
            else:
                part = self._read(wanted)
            if not part:
                raise UnreadableImage("the picture ends too early")
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def copy(self, size: int) -> Iterator[bytes]:
        """Yield the next size bytes in bounded pieces."""
        while size:
            part = self.exactly(min(size, _COPY_CHUNK))
            size -= len(part)
            yield part

    def unread(self, data: bytes) -> None:
        """Put bytes back to be read again first."""
        self._buffer = data + self._buffer


# JPEG markers kept: APP0 (JFIF), APP2 only as an ICC colour profile, APP14
# (Adobe, needed to decode CMYK). Dropped: every other APPn (EXIF, XMP, IPTC,
# maker notes), JFXX thumbnails and COM comments.
_APP0, _APP2, _APP14, _COM, _SOS, _EOI = 0xE0, 0xE2, 0xEE, 0xFE, 0xDA, 0xD9


def _keep_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == _COM:
        return False
    if 0xE0 <= marker <= 0xEF:
        if marker == _APP0:
            return payload.startswith(b"JFIF\x00")
        return marker == _APP14 or (marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"))
    return True


def strip_jpeg(read: Read) -> Iterator[bytes]:
    """Yield the JPEG without its metadata segments; UnreadableImage if malformed."""
    reader = _Reader(read)
    if reader.exactly(2) != b"\xff\xd8":
        raise UnreadableImage("not a JPEG picture")
    yield b"\xff\xd8"
    while True:
        if reader.exactly(1) != b"\xff":
            raise UnreadableImage("a JPEG marker was expected")
        marker = reader.exactly(1)[0]
        while marker == 0xFF:  # fill bytes before a marker
            marker = reader.exactly(1)[0]
        if marker == _EOI:
            yield b"\xff\xd9"
            return  # anything after the end of the picture is dropped
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            yield bytes((0xFF, marker))
            continue
        length = int.from_bytes(reader.exactly(2), "big")
        if length < 2:
            raise UnreadableImage("a JPEG segment length is impossible")
        payload = reader.exactly(length - 2)
        if _keep_jpeg_segment(marker, payload):
            yield bytes((0xFF, marker)) + length.to_bytes(2, "big") + payload
        if marker == _SOS:
            yield from _entropy_coded_data(reader)


def _entropy_coded_data(reader: _Reader) -> Iterator[bytes]:
    """Copy scan data up to the next marker that is not a restart or a stuffed 0xFF00."""
    carry = b""
    while True:
        chunk = reader.chunk()
        if not chunk:
            raise UnreadableImage("the picture ends inside its image data")
        data, carry, position = carry + chunk, b"", 0
        while True:
            found = data.find(b"\xff", position)
            if found == -1:
                yield data
                break
            if found == len(data) - 1:
                yield data[:found]
                carry = data[found:]
                break
            following = data[found + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                position = found + 2
                continue
            if following == 0xFF:
                position = found + 1
                continue
            yield data[:found]
            reader.unread(data[found:])
            return


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text chunks (which cameras and editors fill with EXIF, XMP and comments),
# the EXIF chunk, and the last-modified time.
_PNG_DROPPED = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})


def strip_png(read: Read) -> Iterator[bytes]:
    """Yield the PNG without its text, EXIF and time chunks; UnreadableImage if malformed."""
    reader = _Reader(read)
    if reader.exactly(8) != _PNG_SIGNATURE:
        raise UnreadableImage("not a PNG picture")
    yield _PNG_SIGNATURE
    while True:
        header = reader.exactly(8)
        length, kind = int.from_bytes(header[:4], "big"), header[4:]
        if length > 2**31 - 1 or not kind.isalpha():
            raise UnreadableImage("a PNG chunk is malformed")
        if kind in _PNG_DROPPED:
            for _ in reader.copy(length + 4):
                pass
        else:
            yield header
            yield from reader.copy(length + 4)
        if kind == b"IEND":
            return


def strip_webp(read: Read) -> Iterator[bytes]:
    """Yield the WebP without its EXIF and XMP chunks; UnreadableImage if malformed."""
    reader = _Reader(read)
    header = reader.exactly(12)
    if header[:4] != b"RIFF" or header[8:] != b"WEBP":
        raise UnreadableImage("not a WebP picture")
    declared = int.from_bytes(header[4:8], "little")
    if declared > MAX_WEBP_BYTES:
        raise UnreadableImage("the WebP picture is too large to clean")
    remaining, kept = declared - 4, []
    while remaining > 0:
        chunk_header = reader.exactly(8)
        size = int.from_bytes(chunk_header[4:], "little")
        padded = size + (size & 1)
        if padded + 8 > remaining:
            raise UnreadableImage("a WebP chunk runs past the end of the file")
        body = reader.exactly(padded)
        remaining -= padded + 8
        kind = chunk_header[:4]
        if kind in (b"EXIF", b"XMP "):
            continue
        if kind == b"VP8X" and body:
            # Clear the "has EXIF" (0x08) and "has XMP" (0x04) flags.
            body = bytes((body[0] & ~0x0C,)) + body[1:]
        kept.append(chunk_header + body)
    total = 4 + sum(len(chunk) for chunk in kept)
    yield b"RIFF" + total.to_bytes(4, "little") + b"WEBP"
    yield from kept


STRIPPERS: dict[str, Callable[[Read], Iterator[bytes]]] = {
    "image/jpeg": strip_jpeg,
    "image/png": strip_png,
    "image/webp": strip_webp,
}
