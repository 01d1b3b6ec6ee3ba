"""A photo's hidden details (where, when, which phone) are removed, and not one pixel changes.

Pictures are made with Pillow, carrying EXIF with a GPS position, XMP, comments
and text chunks, cleaned with portal.core.cleaning, and read back with Pillow.
Damaged or hostile files must only ever fail with UnreadableImage.
"""

from __future__ import annotations

import io
import random
import re
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from portal.core.cleaning import (
    MAX_WEBP_BYTES,
    UnreadableImage,
    sniff_media_type,
    strip_jpeg,
    strip_png,
    strip_webp,
)
from tests.support.evidence_files import png_chunk

Stripper = Callable[[Callable[[int], bytes]], Iterator[bytes]]

PHONE = "AcmePhone"
SERIAL = "SN-4451-GPS-TRACE"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf'
    b'-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="51,30.0N"/></rdf:RDF></x:xmpmeta>'
)
XMP_MARKER = b"GPSLatitude"
COMMENT = b"taken outside 14 Acacia Avenue"
# Strings that must not survive cleaning, whatever the format.
SECRETS = (PHONE.encode(), SERIAL.encode(), XMP_MARKER, COMMENT, b"Exif\x00\x00")

# --- Making pictures -------------------------------------------------------------------


def _noise(mode: str = "RGB", size: tuple[int, int] = (64, 48), seed: int = 1) -> Image.Image:
    """A picture of random pixels: its compressed data is full of 0xFF bytes and markers."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    raw = random.Random(seed).randbytes(size[0] * size[1] * bands)
    return Image.frombytes(mode, size, raw)


def _exif() -> Image.Exif:
    """EXIF naming the phone and its serial number, and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = PHONE  # Make
    exif[0x0110] = SERIAL  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 0.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 30.0)
    return exif


def _jpeg(image: Image.Image | None = None, **options: Any) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": 90, **options}
    (image or _noise()).save(buffer, "JPEG", exif=_exif().tobytes(), **options)
    return buffer.getvalue()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def _insert_after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def _png_chunks(data: bytes) -> list[bytes]:
    """The chunk types of a PNG, in order."""
    kinds, position = [], 8
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kinds.append(data[position + 4 : position + 8])
        position += 12 + length
    return kinds


def _png(mode: str = "RGB") -> bytes:
    """A PNG with an eXIf chunk, tEXt, zTXt and iTXt (XMP) text, and a tIME chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", COMMENT.decode())
    info.add_text("Software", f"{PHONE} Camera", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    _noise(mode).save(buffer, "PNG", exif=_exif().tobytes(), pnginfo=info)
    data = buffer.getvalue()
    # Pillow does not write tIME: put one after IHDR (8 + 25 bytes in).
    time_chunk = png_chunk(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 23, 14, 2))
    return data[:33] + time_chunk + data[33:]


def _webp(mode: str = "RGB", **options: Any) -> bytes:
    buffer = io.BytesIO()
    _noise(mode).save(buffer, "WEBP", exif=_exif().tobytes(), xmp=XMP, **options)
    return buffer.getvalue()


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (kind, body) chunks of a WebP, in order."""
    chunks, position = [], 12
    while position < len(data):
        kind = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append((kind, data[position + 8 : position + 8 + size]))
        position += 8 + size + (size & 1)
    return chunks


# --- Reading them back ----------------------------------------------------------------


def _strip(stripper: Stripper, data: bytes, piece: int | None = None) -> bytes:
    """Run a stripper over bytes, optionally delivered at most `piece` bytes per read."""
    source = io.BytesIO(data)

    def read(size: int) -> bytes:
        return source.read(size if piece is None else min(size, piece))

    return b"".join(stripper(read))


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    image = _open(data)
    return image.mode, image.size, image.tobytes()


def _assert_no_hidden_details(cleaned: bytes) -> None:
    for secret in SECRETS:
        assert secret not in cleaned, f"{secret!r} survived cleaning"
    image = _open(cleaned)
    exif = image.getexif()
    assert len(exif) == 0
    assert len(exif.get_ifd(0x8825)) == 0
    assert "exif" not in image.info and "xmp" not in image.info


# --- JPEG -----------------------------------------------------------------------------


JPEG_KINDS = {
    "baseline": {},
    "progressive": {"progressive": True},
    "restart-intervals": {"restart_marker_blocks": 1},
}


@pytest.mark.parametrize("options", JPEG_KINDS.values(), ids=JPEG_KINDS.keys())
def test_jpeg_loses_its_gps_exif_comment_and_xmp_but_keeps_every_pixel(
    options: dict[str, Any],
) -> None:
    original = _jpeg(comment=COMMENT, xmp=XMP, **options)
    if "restart_marker_blocks" in options and b"\xff\xdd" not in original:
        pytest.skip("this Pillow cannot write restart intervals")
    for secret in SECRETS:
        assert secret in original, f"the test picture should carry {secret!r}"
    assert _open(original).getexif().get_ifd(0x8825)[2] == (51.0, 30.0, 0.0)

    cleaned = _strip(strip_jpeg, original)

    _assert_no_hidden_details(cleaned)
    assert _pixels(cleaned) == _pixels(original)
    assert len(cleaned) < len(original)


def test_a_progressive_jpeg_keeps_all_its_scans() -> None:
    original = _jpeg(progressive=True)
    cleaned = _strip(strip_jpeg, original)
    assert cleaned.count(b"\xff\xda") == original.count(b"\xff\xda") > 1
    assert _open(cleaned).info.get("progressive")


def test_jpeg_restart_markers_are_kept_in_place() -> None:
    original = _jpeg(restart_marker_blocks=1)
    if b"\xff\xdd" not in original:
        pytest.skip("this Pillow wrote no restart interval")
    cleaned = _strip(strip_jpeg, original)
    start = original.index(b"\xff\xda")
    # Everything from the first scan on is copied byte for byte.
    assert cleaned.endswith(original[start:])
    assert sum(cleaned.count(bytes((0xFF, m))) for m in range(0xD0, 0xD8)) > 10


def test_jpeg_keeps_jfif_and_the_colour_profile() -> None:
    profile = b"ICC-PROFILE-BYTES-" * 20
    original = _jpeg(icc_profile=profile, dpi=(300, 300))
    cleaned = _strip(strip_jpeg, original)
    image = _open(cleaned)
    assert cleaned[2:4] == b"\xff\xe0" and b"JFIF\x00" in cleaned
    assert image.info["icc_profile"] == profile
    assert image.info["dpi"] == (300, 300)
    assert _pixels(cleaned) == _pixels(original)


def test_a_cmyk_jpeg_keeps_its_adobe_marker_and_decodes_the_same() -> None:
    original = _jpeg(_noise("CMYK"))
    adobe = re.compile(rb"\xff\xee..Adobe", re.S)  # APP14, which says how to read CMYK
    assert adobe.search(original)
    cleaned = _strip(strip_jpeg, original)
    assert adobe.search(cleaned)
    assert PHONE.encode() not in cleaned
    assert _pixels(cleaned) == _pixels(original)


def test_jpeg_loses_iptc_thumbnails_and_vendor_segments() -> None:
    iptc = _segment(0xED, b"Photoshop 3.0\x008BIM\x04\x04" + b"By-line: " + SERIAL.encode())
    thumbnail = _segment(0xE0, b"JFXX\x00\x10" + PHONE.encode() * 4)
    vendor = _segment(0xEF, b"maker notes " + PHONE.encode())
    fake_icc = _segment(0xE2, b"FPXR\x00" + SERIAL.encode())  # APP2 that is not a profile
    original = _insert_after_soi(_jpeg(), iptc, thumbnail, vendor, fake_icc)
    cleaned = _strip(strip_jpeg, original)
    _assert_no_hidden_details(cleaned)
    assert b"Photoshop" not in cleaned and b"JFXX" not in cleaned and b"FPXR" not in cleaned
    assert _pixels(cleaned) == _pixels(original)


def test_anything_after_the_end_of_a_jpeg_is_dropped() -> None:
    # Some phones append their own blocks after the picture's end marker.
    original = _jpeg() + b"SEFH" + SERIAL.encode() * 10
    cleaned = _strip(strip_jpeg, original)
    assert cleaned.endswith(b"\xff\xd9")
    assert SERIAL.encode() not in cleaned


def test_fill_bytes_before_a_marker_are_accepted() -> None:
    original = _jpeg()
    padded = original[:2] + b"\xff\xff\xff" + original[2:]
    assert _pixels(_strip(strip_jpeg, padded)) == _pixels(original)


@pytest.mark.parametrize("piece", [1, 2, 3, 7, 4096, 65535, None])
def test_jpeg_cleaning_does_not_depend_on_how_the_bytes_arrive(piece: int | None) -> None:
    # Big enough that its scan data spans several 64 KiB reads.
    original = _jpeg(
        _noise(size=(400, 300), seed=7), quality=98, subsampling=0, restart_marker_blocks=3
    )
    if b"\xff\xdd" not in original:
        pytest.skip("this Pillow cannot write restart intervals")
    assert len(original) > 3 * 64 * 1024
    whole = _strip(strip_jpeg, original)
    assert _strip(strip_jpeg, original, piece) == whole
    assert _pixels(whole) == _pixels(original)


def test_cleaning_a_clean_jpeg_changes_nothing() -> None:
    once = _strip(strip_jpeg, _jpeg(progressive=True))
    assert _strip(strip_jpeg, once) == once


# --- PNG ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
def test_png_loses_exif_text_and_time_but_keeps_every_pixel(mode: str) -> None:
    original = _png(mode)
    before = _png_chunks(original)
    assert {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"} <= set(before)
    assert _open(original).getexif()[0x010F] == PHONE

    cleaned = _strip(strip_png, original)

    after = _png_chunks(cleaned)
    assert after == [k for k in before if k not in {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}]
    assert after[0] == b"IHDR" and after[-1] == b"IEND"
    _assert_no_hidden_details(cleaned)
    assert not _open(cleaned).text
    assert _pixels(cleaned) == _pixels(original)
    if mode == "P":
        assert _open(cleaned).getpalette() == _open(original).getpalette()


@pytest.mark.parametrize("piece", [1, 5, 8, None])
def test_png_cleaning_does_not_depend_on_how_the_bytes_arrive(piece: int | None) -> None:
    original = _png()
    assert _strip(strip_png, original, piece) == _strip(strip_png, original)


def test_anything_after_the_end_of_a_png_is_dropped() -> None:
    original = _png() + SERIAL.encode() * 5
    cleaned = _strip(strip_png, original)
    assert cleaned.endswith(png_chunk(b"IEND", b""))
    assert SERIAL.encode() not in cleaned


# --- WebP -----------------------------------------------------------------------------


WEBP_KINDS = {
    "lossy": ("RGB", {}),
    "lossless": ("RGB", {"lossless": True}),
    "lossy-with-alpha": ("RGBA", {}),
}


@pytest.mark.parametrize(("mode", "options"), WEBP_KINDS.values(), ids=WEBP_KINDS.keys())
def test_webp_loses_exif_and_xmp_but_keeps_every_pixel(mode: str, options: dict[str, Any]) -> None:
    original = _webp(mode, **options)
    kinds = [kind for kind, _ in _webp_chunks(original)]
    assert b"EXIF" in kinds and b"XMP " in kinds and kinds[0] == b"VP8X"

    cleaned = _strip(strip_webp, original)

    chunks = _webp_chunks(cleaned)
    assert [k for k, _ in chunks] == [k for k in kinds if k not in (b"EXIF", b"XMP ")]
    vp8x_flags = chunks[0][1][0]
    assert vp8x_flags & 0x0C == 0, "the VP8X header still announces EXIF or XMP"
    assert int.from_bytes(cleaned[4:8], "little") == len(cleaned) - 8
    _assert_no_hidden_details(cleaned)
    assert _pixels(cleaned) == _pixels(original)


def test_a_simple_webp_without_metadata_is_unchanged() -> None:
    buffer = io.BytesIO()
    _noise().save(buffer, "WEBP")
    original = buffer.getvalue()
    assert original[12:16] in (b"VP8 ", b"VP8L")
    assert _strip(strip_webp, original) == original


def test_a_webp_declaring_more_than_the_limit_is_refused_before_reading_it() -> None:
    header = b"RIFF" + (MAX_WEBP_BYTES + 1).to_bytes(4, "little") + b"WEBP"
    with pytest.raises(UnreadableImage):
        _strip(strip_webp, header + b"VP8 " + b"\x00" * 100)


# --- Damaged and hostile files --------------------------------------------------------


PICTURES: dict[str, tuple[Stripper, Callable[[], bytes]]] = {
    "jpeg": (strip_jpeg, _jpeg),
    "progressive-jpeg": (strip_jpeg, lambda: _jpeg(progressive=True)),
    "png": (strip_png, _png),
    "webp": (strip_webp, _webp),
}
CUTS = [0, 1, 2, 3, 4, 7, 8, 11, 12, 13, 20, 100, 0.25, 0.5, 0.9, -3, -2, -1]


def _cut_points(length: int) -> list[int]:
    points = set()
    for cut in CUTS:
        if isinstance(cut, float):
            points.add(int(length * cut))
        else:
            points.add(cut if cut >= 0 else length + cut)
    return sorted(points)


@pytest.mark.parametrize("name", PICTURES)
def test_a_truncated_picture_is_unreadable_wherever_it_is_cut(name: str) -> None:
    stripper, make = PICTURES[name]
    data = make()
    for cut in _cut_points(len(data)):
        with pytest.raises(UnreadableImage):
            _strip(stripper, data[:cut])


@pytest.mark.parametrize("stripper", [strip_jpeg, strip_png, strip_webp])
@pytest.mark.parametrize("seed", range(5))
def test_random_garbage_is_unreadable(stripper: Stripper, seed: int) -> None:
    with pytest.raises(UnreadableImage):
        _strip(stripper, random.Random(seed).randbytes(4096))


SIGNATURES = {
    strip_jpeg: b"\xff\xd8",
    strip_png: b"\x89PNG\r\n\x1a\n",
    strip_webp: b"RIFF\x00\x10\x00\x00WEBP",
}


@pytest.mark.parametrize("stripper", SIGNATURES, ids=["jpeg", "png", "webp"])
@pytest.mark.parametrize("seed", range(5))
def test_garbage_behind_a_valid_signature_is_unreadable(stripper: Stripper, seed: int) -> None:
    data = SIGNATURES[stripper] + random.Random(seed).randbytes(4096)
    with pytest.raises(UnreadableImage):
        _strip(stripper, data)


@pytest.mark.parametrize(
    ("stripper", "other"),
    [(strip_jpeg, _png), (strip_png, _webp), (strip_webp, _jpeg), (strip_jpeg, lambda: b"")],
    ids=["png-as-jpeg", "webp-as-png", "jpeg-as-webp", "empty"],
)
def test_a_picture_of_another_format_is_unreadable(
    stripper: Stripper, other: Callable[[], bytes]
) -> None:
    with pytest.raises(UnreadableImage):
        _strip(stripper, other())


MALFORMED = {
    "jpeg-segment-length-below-two": (strip_jpeg, b"\xff\xd8\xff\xe1\x00\x01rest"),
    "jpeg-no-marker-after-soi": (strip_jpeg, b"\xff\xd8\x00\x10JFIF"),
    "jpeg-only-fill-bytes": (strip_jpeg, b"\xff\xd8" + b"\xff" * 100),
    "jpeg-scan-without-end": (strip_jpeg, b"\xff\xd8" + _segment(0xDA, b"\x00" * 6) + b"\x12" * 99),
    "png-chunk-type-not-letters": (strip_png, b"\x89PNG\r\n\x1a\n\x00\x00\x00\x00\x00\x01\x02\x03"),
    "png-chunk-longer-than-allowed": (strip_png, b"\x89PNG\r\n\x1a\n\x80\x00\x00\x00IDAT"),
    "png-without-iend": (strip_png, b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", b"\x00" * 13)),
    "webp-chunk-past-the-end": (
        strip_webp,
        b"RIFF\x14\x00\x00\x00WEBPVP8 \xff\x00\x00\x00" + b"\x00" * 8,
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_structures_are_unreadable(name: str) -> None:
    stripper, data = MALFORMED[name]
    with pytest.raises(UnreadableImage):
        _strip(stripper, data)


FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
)


def _survives(stripper: Stripper, data: bytes) -> None:
    """Cleaning either fails with UnreadableImage or gives bytes; nothing else."""
    try:
        result = _strip(stripper, data)
    except UnreadableImage:
        return
    assert isinstance(result, bytes)


@pytest.mark.parametrize("stripper", [strip_jpeg, strip_png, strip_webp])
@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_are_cleaned_or_unreadable(stripper: Stripper, data: bytes) -> None:
    _survives(stripper, data)


@pytest.mark.parametrize("stripper", SIGNATURES, ids=["jpeg", "png", "webp"])
@FUZZ
@given(tail=st.binary(max_size=2048))
def test_arbitrary_bytes_behind_a_signature_are_cleaned_or_unreadable(
    stripper: Stripper, tail: bytes
) -> None:
    _survives(stripper, SIGNATURES[stripper] + tail)


_REAL = {name: make() for name, (_, make) in PICTURES.items()}


@pytest.mark.parametrize("name", PICTURES)
@FUZZ
@given(
    changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    keep=st.floats(0.0, 1.0),
)
def test_damaged_real_pictures_are_cleaned_or_unreadable(
    name: str, changes: list[tuple[float, int]], keep: float
) -> None:
    data = bytearray(_REAL[name])
    for where, value in changes:
        data[int(where * len(data))] = value
    _survives(PICTURES[name][0], bytes(data[: max(1, int(keep * len(data)))]))


# --- Sniffing -------------------------------------------------------------------------


def _heic(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00mif1heic"


SNIFFED = {
    "jpeg": (lambda: _jpeg(), "image/jpeg"),
    "png": (lambda: _png(), "image/png"),
    "webp": (lambda: _webp(), "image/webp"),
    "gif87a": (lambda: b"GIF87a\x01\x00\x01\x00", "image/gif"),
    "gif89a": (lambda: b"GIF89a\x01\x00\x01\x00", "image/gif"),
    "heic": (lambda: _heic(b"heic"), "image/heic"),
    "heix": (lambda: _heic(b"heix"), "image/heic"),
    "mif1": (lambda: _heic(b"mif1"), "image/heic"),
    "avif": (lambda: _heic(b"avif"), "image/avif"),
    "tiff-little-endian": (lambda: b"II*\x00\x08\x00\x00\x00", "image/tiff"),
    "tiff-big-endian": (lambda: b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
    "pdf": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "application/pdf"),
    "text": (lambda: b"He held me against the wall", "application/octet-stream"),
    "mp4": (lambda: b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "application/octet-stream"),
    "riff-wave": (lambda: b"RIFF\x24\x00\x00\x00WAVEfmt ", "application/octet-stream"),
    "jpeg-soi-only": (lambda: b"\xff\xd8", "application/octet-stream"),
    "empty": (lambda: b"", "application/octet-stream"),
}


@pytest.mark.parametrize("name", SNIFFED)
def test_the_media_type_is_sniffed_from_the_first_bytes(name: str) -> None:
    make, expected = SNIFFED[name]
    assert sniff_media_type(make()[:16]) == expected


def test_pillow_agrees_with_the_sniffed_picture_types() -> None:
    for data, pillow_format in ((_jpeg(), "JPEG"), (_png(), "PNG"), (_webp(), "WEBP")):
        assert _open(data).format == pillow_format
        assert sniff_media_type(data[:16]) == f"image/{pillow_format.lower()}"
