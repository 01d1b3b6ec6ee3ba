"""Removing hidden details from pictures, losslessly: JPEG, PNG and WebP.

Photos carry EXIF and XMP blocks that can give the place and time a picture
was taken and the phone that took it. Those blocks are dropped without
re-encoding the picture (re-encoding would alter evidence), streaming, so
memory stays bounded whatever the size. PNG and WebP keep only an
allow-list of chunks, and JPEG of segments: whatever a camera, an editor or
a private extension adds besides what is needed to show the picture is left
out, and so is a JFIF thumbnail (which can show the picture before it was
cropped). Anything after the picture's end is dropped too (a "motion photo"
keeps its video there).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import IO, cast

from PIL import Image, UnidentifiedImageError

from portal.core.cleaning.common import Source, Unreadable, Write

Read = Callable[[int], bytes]
_COPY_CHUNK = 64 * 1024
# WebP's RIFF header states the total size, so cleaning needs the whole file;
# WebP pictures are small, and anything larger is refused rather than held.
MAX_WEBP_BYTES = 32 * 1024 * 1024


class UnreadableImage(Unreadable):
    """The picture's structure could not be read, so its metadata cannot be removed."""


HEIF_BRANDS = (
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
# JFIF's APP0: "JFIF\0", version, density units and densities, then the width
# and height of an uncompressed thumbnail and its pixels. The thumbnail can
# show the picture as it was before it was cropped, so only the first 12 bytes
# are kept and the thumbnail's size is set to 0 by 0.
_JFIF_FIELDS = 12


def _jpeg_segment_kept(marker: int, payload: bytes) -> bytes | None:
    """The payload to write for a segment, or None to leave it out."""
    if marker == _COM:
        return None
    if marker == _APP0:
        if not payload.startswith(b"JFIF\x00") or len(payload) < _JFIF_FIELDS + 2:
            return None
        return payload[:_JFIF_FIELDS] + b"\x00\x00"
    if 0xE1 <= marker <= 0xEF:
        keep = marker == _APP14 or (marker == _APP2 and payload.startswith(b"ICC_PROFILE\x00"))
        return payload if keep else None
    return payload


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
        kept = _jpeg_segment_kept(marker, reader.exactly(length - 2))
        if kept is not None:
            yield bytes((0xFF, marker)) + (len(kept) + 2).to_bytes(2, "big") + kept
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


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The chunks kept: what a viewer needs to show the picture as it was made,
# and nothing else. The critical chunks (IHDR, PLTE, IDAT, IEND); how colours
# and transparency are to be read (tRNS, gAMA, cHRM, sRGB, iCCP, sBIT, and
# cICP, mDCV, cLLI for HDR pictures); the background colour (bKGD); the pixel
# size (pHYs), so the picture keeps its printed size; and the frames of an
# animated PNG (acTL, fcTL, fdAT). Left out: text (tEXt, zTXt, iTXt, where
# editors and phones put XMP, comments and software names), EXIF (eXIf), the
# time it was saved (tIME), content credentials (caBX), histograms and
# suggested palettes (hIST, sPLT), position and scale (oFFs, pCAL, sCAL), and
# every private or unknown chunk, which can hold anything.
_PNG_KEPT = frozenset(
    {
        *(b"IHDR", b"PLTE", b"IDAT", b"IEND"),
        *(b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP", b"mDCV", b"cLLI"),
        *(b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT"),
    }
)


def _critical(kind: bytes) -> bool:
    return not kind[0] & 0x20  # an upper-case first letter


# A colour profile's name (iCCP) is free text chosen by the program that
# wrote it, and some put the owner's or the device's name there. Only the
# profile is needed to show the colours: the name is replaced by a neutral one.
NEUTRAL_PROFILE_NAME = b"ICC profile"
_MAX_PROFILE_NAME = 79


def _renamed_profile(reader: _Reader, length: int) -> Iterator[bytes]:
    """Yield an iCCP chunk (after its length and type were read) under a neutral name."""
    head = reader.exactly(min(length, _MAX_PROFILE_NAME + 2))
    end = head.find(b"\x00")
    if end < 1:
        raise UnreadableImage("a PNG colour profile has no name")
    crc = zlib.crc32(b"iCCP" + head)
    renamed = NEUTRAL_PROFILE_NAME + head[end:]
    rest = length - len(head)
    new_crc = zlib.crc32(b"iCCP" + renamed)
    yield (len(renamed) + rest).to_bytes(4, "big") + b"iCCP" + renamed
    for piece in reader.copy(rest):
        crc = zlib.crc32(piece, crc)
        new_crc = zlib.crc32(piece, new_crc)
        yield piece
    if int.from_bytes(reader.exactly(4), "big") != crc:
        raise UnreadableImage("a PNG chunk is damaged")
    yield new_crc.to_bytes(4, "big")


def strip_png(read: Read) -> Iterator[bytes]:
    """Yield the PNG with only the chunks needed to show it; UnreadableImage if malformed."""
    reader = _Reader(read)
    if reader.exactly(8) != PNG_SIGNATURE:
        raise UnreadableImage("not a PNG picture")
    yield PNG_SIGNATURE
    first = True
    while True:
        header = reader.exactly(8)
        length, kind = int.from_bytes(header[:4], "big"), header[4:]
        if length > 2**31 - 1 or not kind.isalpha() or first != (kind == b"IHDR"):
            raise UnreadableImage("a PNG chunk is malformed")
        first = False
        if kind == b"iCCP":
            yield from _renamed_profile(reader, length)
            continue
        keep = kind in _PNG_KEPT
        if not keep and _critical(kind):
            raise UnreadableImage("the PNG has a chunk needed to show it that we do not know")
        crc = zlib.crc32(kind)
        for piece in reader.copy(length):
            crc = zlib.crc32(piece, crc)
            if keep:
                yield header + piece if header else piece
                header = b""
        stored = reader.exactly(4)
        if int.from_bytes(stored, "big") != crc:
            raise UnreadableImage("a PNG chunk is damaged")
        if keep:
            yield header + stored  # the header is still here for an empty chunk
        if kind == b"IEND":
            return


# WebP chunks kept: those the format defines to show a picture, still or
# animated: the bitstreams (VP8, VP8L), transparency (ALPH), the extended
# header (VP8X), animation (ANIM, and ANMF frames, whose own chunks are
# sorted the same way) and the colour profile (ICCP, needed to show the
# colours as they were taken). Left out: EXIF, XMP and every other chunk:
# readers must skip chunks they do not know, so an app can hide anything in one.
_WEBP_KEPT = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
_WEBP_FRAME_KEPT = frozenset({b"VP8 ", b"VP8L", b"ALPH"})
# VP8X flags kept: colour profile (0x20), transparency (0x10), animation
# (0x02). Cleared: EXIF (0x08), XMP (0x04) and the reserved bits.
_VP8X_FLAGS_KEPT = 0x32
_VP8X_SIZE = 10
_ANMF_HEADER = 16


def _webp_chunks(data: bytes, kept: frozenset[bytes]) -> Iterator[bytes]:
    """The chunks of data on the allow-list, each whole; UnreadableImage if malformed."""
    position = 0
    while position < len(data):
        if len(data) - position < 8:
            raise UnreadableImage("a WebP chunk is cut short")
        kind = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        content = data[position + 8 : position + 8 + size]
        position += 8 + size + (size & 1)
        if position > len(data):
            raise UnreadableImage("a WebP chunk runs past the end of the file")
        if kind not in kept:
            continue
        if kind == b"VP8X":
            if size < _VP8X_SIZE:
                raise UnreadableImage("a WebP header is cut short")
            content = bytes((content[0] & _VP8X_FLAGS_KEPT,)) + bytes(3) + content[4:]
        elif kind == b"ANMF":
            if size < _ANMF_HEADER:
                raise UnreadableImage("a WebP frame is cut short")
            frame = b"".join(_webp_chunks(content[_ANMF_HEADER:], _WEBP_FRAME_KEPT))
            content = content[:_ANMF_HEADER] + frame
        padding = b"\x00" if len(content) & 1 else b""
        yield kind + len(content).to_bytes(4, "little") + content + padding


def strip_webp(read: Read) -> Iterator[bytes]:
    """Yield the WebP with only the chunks needed to show it; UnreadableImage if malformed."""
    reader = _Reader(read)
    header = reader.exactly(12)
    if header[:4] != b"RIFF" or header[8:] != b"WEBP":
        raise UnreadableImage("not a WebP picture")
    declared = int.from_bytes(header[4:8], "little")
    if declared > MAX_WEBP_BYTES:
        raise UnreadableImage("the WebP picture is too large to clean")
    if declared < 4:
        raise UnreadableImage("the WebP picture is empty")
    kept = list(_webp_chunks(reader.exactly(declared - 4), _WEBP_KEPT))
    total = 4 + sum(len(chunk) for chunk in kept)
    yield b"RIFF" + total.to_bytes(4, "little") + b"WEBP"
    yield from kept


# A stray byte or two before a JPEG (a damaged transfer, a careless app) must
# not let it through uncleaned: the picture is found a few bytes in, and the
# bytes before it, which are no part of it, are left out.
JPEG_SEARCH = 16
JPEG_START = b"\xff\xd8\xff"


def _stripped(strip: Callable[[Read], Iterator[bytes]]) -> Callable[[Source, Write], None]:
    def clean(source: Source, write: Write) -> None:
        for piece in strip(source.read):
            write(piece)

    return clean


def clean_jpeg(source: Source, write: Write) -> None:
    """Write the JPEG without its metadata, from its first marker on."""
    start = source.read(JPEG_SEARCH + len(JPEG_START)).find(JPEG_START)
    if start < 0:
        raise UnreadableImage("not a JPEG picture")
    source.seek(start)
    for piece in strip_jpeg(source.read):
        write(piece)


clean_png = _stripped(strip_png)
clean_webp = _stripped(strip_webp)


def check_picture(expected: str) -> Callable[[Source], None]:
    """A check that the cleaned picture opens as this format (header and structure only).

    Pillow reads the header, and for PNG every chunk and checksum, without
    decoding the pixels, so memory stays small whatever the picture's size.
    """

    def check(view: Source) -> None:
        try:
            with Image.open(cast(IO[bytes], view), formats=[expected]) as image:
                image.verify()
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError):
            raise UnreadableImage("the cleaned picture does not open") from None
        except ValueError:
            raise UnreadableImage("the cleaned picture does not open") from None

    return check
