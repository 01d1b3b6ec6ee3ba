"""Removing hidden details from MP4, MOV and M4A files (ISO BMFF and QuickTime), in place.

A phone video names where it was taken (a `©xyz` atom in `udta`, or Apple's
`com.apple.quicktime.location.ISO6709` in a `meta` atom), when (`©day`, and
the creation times of the movie, each track and each medium), and the phone
and its software. Every such atom is overwritten in place by a `free` atom of
the same size, its content zeroed: no offset moves, so the sample tables stay
valid and the sound and pictures (`mdat`) are copied untouched. Timed
metadata tracks (GPS and motion telemetry, timecode) and subtitle tracks
(where some cameras write their position) keep their place too, but their
samples are zeroed. Padding atoms (`free`, `skip`, `wide`) are zeroed
wherever they are: dashcams keep GPS records in them, and editors leave old
metadata there when they rewrite a file in place.

The atoms are found by seeking through the file (the `moov` atom is often at
the end, after the media), then the file is copied once with the edits.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal.core.cleaning.common import Source, Unreadable, Write
from portal.core.cleaning.pictures import HEIF_BRANDS

# Top-level atoms kept as they are; any other is overwritten (an allow-list:
# players skip what they do not know, and an unknown atom can hold anything).
_TOP_KEPT = frozenset(
    {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"moof", b"mfra"}
    | {b"sidx", b"styp", b"ssix", b"pdin", b"prft"}
)
# Inside the movie, its tracks and their media: atoms that hold only metadata.
_METADATA = frozenset(
    {b"udta", b"meta", b"uuid", b"ilst", b"keys", b"XMP_", b"cprt", b"loci", b"smta"}
)
# Padding: whatever is inside is no part of the movie, so it is zeroed.
_PADDING = frozenset({b"free", b"skip", b"wide"})
# Containers walked to find metadata, time stamps and metadata tracks.
_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"mvex"})
# What the movie atom may hold besides metadata and padding (an allow-list:
# a dashcam's `gps ` index, or any other private atom, is blanked).
_MOVIE_KEPT = frozenset({b"mvhd", b"trak", b"mvex", b"iods"})
_TIMED = frozenset({b"mvhd", b"tkhd", b"mdhd"})  # their creation and modification times
# Tracks whose samples are not sound or pictures: timed metadata (GPS, motion,
# timecode) and subtitles or captions, which some cameras (DJI's among them)
# fill with their position. Their samples are zeroed: an empty subtitle is
# still a valid one, so players show nothing instead of failing.
_METADATA_HANDLERS = frozenset({b"meta", b"tmcd", b"camm", b"text", b"sbtl", b"subt", b"clcp"})
_METADATA_SAMPLES = frozenset(
    {b"gpmd", b"camm", b"mebx", b"mett", b"metx", b"urim"}
    | {b"tx3g", b"text", b"wvtt", b"stpp", b"sbtt", b"c608", b"c708"}
)
_MAX_DEPTH = 8
_MAX_TABLE = 64 * 1024 * 1024  # a sample table larger than this is not a phone's
_COPY = 1024 * 1024

_QUICKTIME_BRANDS = (b"qt  ",)
_AUDIO_BRANDS = (b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B ")
_3GPP_PREFIXES = (b"3gp", b"3g2", b"3ge", b"3gg")
_AVIF_BRANDS = (b"avif", b"avis")


@dataclass(frozen=True)
class Atom:
    """One atom: its type, where it starts, its header's length and its whole size."""

    kind: bytes
    start: int
    header: int
    size: int

    @property
    def body(self) -> int:
        """Where its content starts."""
        return self.start + self.header

    @property
    def end(self) -> int:
        """Where the next atom starts."""
        return self.start + self.size


def _read(source: Source, offset: int, size: int) -> bytes:
    source.seek(offset)
    data = source.read(size)
    if len(data) != size:
        raise Unreadable("the file ends inside an atom")
    return data


def atoms(source: Source, start: int, end: int) -> Iterator[Atom]:
    """The atoms that exactly fill start..end; Unreadable unless they do."""
    position = start
    while position < end:
        if end - position < 8:
            raise Unreadable("an atom is cut short")
        size, kind = struct.unpack(">I4s", _read(source, position, 8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", _read(source, position + 8, 8))[0]
            header = 16
        elif size == 0:  # the last atom runs to the end
            size = end - position
        if size < header or position + size > end:
            raise Unreadable("an atom's size is impossible")
        yield Atom(kind, position, header, size)
        position += size


def file_length(source: Source) -> int:
    """The length of a seekable file."""
    return int(source.seek(0, 2))


def media_type(source: Source) -> str | None:
    """The media type, if the whole file is a sequence of ISO BMFF atoms with a movie in it.

    HEIF and AVIF pictures share the structure: they are named image/heic and
    image/avif so that they can be refused, not cleaned as a video.
    """
    try:
        top = list(atoms(source, 0, file_length(source)))
    except Unreadable:
        return None
    if not top or top[0].kind not in _TOP_KEPT | _METADATA:
        return None
    brand = b""
    if top[0].kind == b"ftyp":
        if top[0].size < 16:
            return None
        brand = _read(source, top[0].body, 4)
        if brand in HEIF_BRANDS:
            return "image/heic"
        if brand in _AVIF_BRANDS:
            return "image/avif"
    if sum(atom.kind == b"moov" for atom in top) != 1:
        return None
    if brand in _AUDIO_BRANDS:
        return "audio/mp4"
    if brand.startswith(_3GPP_PREFIXES):
        return "video/3gpp"
    if brand in _QUICKTIME_BRANDS or not brand:
        return "video/quicktime"
    return "video/mp4"


@dataclass
class _Edits:
    """What to change while copying: atoms to blank, fields and ranges to zero."""

    patches: list[tuple[int, bytes]] = field(default_factory=list)
    zeroed: list[tuple[int, int]] = field(default_factory=list)

    def blank(self, atom: Atom) -> None:
        """Turn an atom into a `free` atom of the same size, its content zeroed."""
        self.patches.append((atom.start + 4, b"free"))
        self.zero(atom.body, atom.end)

    def zero(self, start: int, end: int) -> None:
        if end > start:
            self.zeroed.append((start, end))


def _zero_times(source: Source, atom: Atom, edits: _Edits) -> None:
    """Zero the creation and modification times of an mvhd, tkhd or mdhd atom."""
    version = _read(source, atom.body, 1)[0]
    width = 8 if version == 1 else 4
    if atom.size < atom.header + 4 + 2 * width:
        raise Unreadable("a header atom is too short")
    edits.zero(atom.body + 4, atom.body + 4 + 2 * width)


def _walk(source: Source, parent: Atom, edits: _Edits, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise Unreadable("atoms are nested too deeply")
    for atom in atoms(source, parent.body, parent.end):
        if atom.kind == b"cmov":
            raise Unreadable("the movie's header is compressed")
        if atom.kind in _PADDING:
            edits.zero(atom.body, atom.end)
        elif (
            atom.kind in _METADATA
            or atom.kind.startswith(b"\xa9")
            or (parent.kind == b"moov" and atom.kind not in _MOVIE_KEPT)
        ):
            edits.blank(atom)
        elif atom.kind in _TIMED:
            _zero_times(source, atom, edits)
        elif atom.kind in _CONTAINERS:
            _walk(source, atom, edits, depth + 1)
            if atom.kind == b"trak":
                _zero_metadata_samples(source, atom, edits)


def _child(source: Source, parent: Atom, *path: bytes) -> Atom | None:
    for kind in path:
        found = next((a for a in atoms(source, parent.body, parent.end) if a.kind == kind), None)
        if found is None:
            return None
        parent = found
    return parent


def _table(source: Source, atom: Atom) -> bytes:
    if atom.size - atom.header > _MAX_TABLE:
        raise Unreadable("a sample table is too large")
    return _read(source, atom.body, atom.size - atom.header)


def _is_metadata_track(source: Source, trak: Atom) -> bool:
    handler = _child(source, trak, b"mdia", b"hdlr")
    if (
        handler is not None
        and handler.size >= handler.header + 12
        and _read(source, handler.body + 8, 4) in _METADATA_HANDLERS
    ):
        return True
    stsd = _child(source, trak, b"mdia", b"minf", b"stbl", b"stsd")
    if stsd is not None and stsd.size >= stsd.header + 16:
        return _read(source, stsd.body + 12, 4) in _METADATA_SAMPLES
    return False


def _zero_metadata_samples(source: Source, trak: Atom, edits: _Edits) -> None:
    """Zero the samples of a timed metadata track (GPS, motion, timecode) where they lie."""
    if not _is_metadata_track(source, trak):
        return
    stbl = _child(source, trak, b"mdia", b"minf", b"stbl")
    if stbl is None:
        return
    tables = {a.kind: a for a in atoms(source, stbl.body, stbl.end)}
    offsets_atom = tables.get(b"stco") or tables.get(b"co64")
    if offsets_atom is None or b"stsc" not in tables or b"stsz" not in tables:
        return  # no samples here (a fragmented file keeps them in its fragments)
    wide = offsets_atom.kind == b"co64"
    raw = _table(source, offsets_atom)
    (count,) = struct.unpack_from(">I", raw, 4)
    step = 8 if wide else 4
    if 8 + count * step > len(raw):
        raise Unreadable("a chunk offset table is cut short")
    chunk_offsets = struct.unpack_from(f">{count}{'Q' if wide else 'I'}", raw, 8)
    stsc = _table(source, tables[b"stsc"])
    (runs,) = struct.unpack_from(">I", stsc, 4)
    if 8 + runs * 12 > len(stsc):
        raise Unreadable("a sample-to-chunk table is cut short")
    per_chunk = [struct.unpack_from(">III", stsc, 8 + i * 12) for i in range(runs)]
    stsz = _table(source, tables[b"stsz"])
    fixed, samples = struct.unpack_from(">II", stsz, 4)
    if not fixed and 12 + samples * 4 > len(stsz):
        raise Unreadable("a sample size table is cut short")
    # One size for every sample is never written out: a count of 2^32 - 1 in a
    # tiny file would ask for a list of four billion sizes.
    sizes = () if fixed else struct.unpack_from(f">{samples}I", stsz, 12)
    sample = 0
    for run, (first, in_chunk, _description) in enumerate(per_chunk):
        last = per_chunk[run + 1][0] - 1 if run + 1 < runs else count
        for chunk in range(first, last + 1):
            if not 1 <= chunk <= count:
                raise Unreadable("a sample-to-chunk table names a chunk that is not there")
            # The sizes of this chunk's samples; those past the table's end count for none.
            taken = max(0, min(sample + in_chunk, samples) - sample)
            total = fixed * taken if fixed else sum(sizes[sample : sample + taken])
            sample += in_chunk
            start = chunk_offsets[chunk - 1]
            edits.zero(start, start + total)


def clean(source: Source, write: Write) -> None:
    """Write the file with every metadata atom blanked in place, the media untouched."""
    length = file_length(source)
    if media_type(source) not in ("video/mp4", "video/quicktime", "audio/mp4", "video/3gpp"):
        raise Unreadable("not an MP4, MOV or M4A file")
    edits = _Edits()
    for atom in atoms(source, 0, length):
        if atom.kind == b"moov":
            _walk(source, atom, edits, 1)
        elif atom.kind in _PADDING:
            edits.zero(atom.body, atom.end)
        elif atom.kind == b"prft":
            # A producer reference time is the wall-clock time a live stream was
            # captured: its track id is kept, the time zeroed.
            edits.zero(atom.body + 8, atom.end)
        elif atom.kind not in _TOP_KEPT:
            edits.blank(atom)
    if any(end > length for _, end in edits.zeroed):
        raise Unreadable("a sample lies outside the file")
    _copy(source, length, edits, write)


def _copy(source: Source, length: int, edits: _Edits, write: Write) -> None:
    source.seek(0)
    position = 0
    while position < length:
        chunk = bytearray(source.read(min(_COPY, length - position)))
        if not chunk:
            raise Unreadable("the file ended early")
        end = position + len(chunk)
        for start, stop in edits.zeroed:
            if start < end and stop > position:
                low, high = max(start, position), min(stop, end)
                chunk[low - position : high - position] = bytes(high - low)
        for start, patch in edits.patches:
            if start < end and start + len(patch) > position:
                low, high = max(start, position), min(start + len(patch), end)
                chunk[low - position : high - position] = patch[low - start : high - start]
        write(bytes(chunk))
        position = end


def check(view: Source) -> None:
    """Check the cleaned file: its atoms fill it, it has one movie, and no metadata is left."""
    if media_type(view) is None:
        raise Unreadable("the cleaned file is not a movie")
    length = file_length(view)
    leftover = _Edits()
    for atom in atoms(view, 0, length):
        if atom.kind == b"moov":
            _walk(view, atom, leftover, 1)
        elif atom.kind not in _TOP_KEPT:
            raise Unreadable("a metadata atom is left")
    if leftover.patches:
        raise Unreadable("a metadata atom is left")
