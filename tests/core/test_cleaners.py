"""The cleaners, each on its own: damaged and hostile files only ever fail as unreadable, a
PNG keeps only chunks on its allow-list, and nothing is ever written to a temporary file."""

from __future__ import annotations

import contextlib
import io
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.core.cleaning import FileType, UnreadableImage, identify, strip_png
from portal.core.evidence import _PARSE_ERRORS
from tests.support import evidence_files as files

BUILDERS: dict[str, Callable[[], bytes]] = {
    "jpeg": files.jpeg,
    "png": files.png,
    "mp4": files.movie,
    "mov": lambda: files.movie(quicktime=True),
    "pdf": files.pdf,
    "docx": files.docx,
    "xlsx": files.xlsx,
    "odt": files.odt,
    "pdf-comments": files.pdf_with_comments,
    "pdf-attachments": files.pdf_with_attachments,
    "docx-comments-embedding": files.docx_with_comments,
    "odt-comments": files.odt_with_comments,
    "mp4-dashcam": files.dashcam_movie,
    "mp4-subtitles": files.subtitled_movie,
    "webp": lambda: files.webp_with_private_chunks(extended=True),
    "png-profile": files.png_with_named_profile,
}
ORIGINALS = {name: make() for name, make in BUILDERS.items()}


def _clean(data: bytes) -> bytes | None:
    """Identify and clean as the upload does; None when the file is not one we clean."""
    found = identify(io.BytesIO(data))
    if not isinstance(found, FileType):
        return None
    out: list[bytes] = []
    found.clean(io.BytesIO(data), out.append)
    cleaned = b"".join(out)
    found.check(io.BytesIO(cleaned))
    return cleaned


@pytest.mark.parametrize("name", BUILDERS)
def test_every_builder_makes_a_file_we_identify_and_clean(name: str) -> None:
    cleaned = _clean(ORIGINALS[name])
    assert cleaned is not None
    for secret in files.SECRETS:
        assert secret.encode() not in cleaned


@pytest.mark.parametrize("name", BUILDERS)
def test_nothing_is_written_to_a_temporary_file_while_cleaning(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a temporary file was asked for")

    for function in ("mkstemp", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"):
        monkeypatch.setattr(tempfile, function, refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert _clean(ORIGINALS[name]) is not None
    assert list(tmp_path.iterdir()) == []


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """One of the real files, cut, overwritten in places or with bytes inserted."""
    data = bytearray(ORIGINALS[draw(st.sampled_from(sorted(ORIGINALS)))])
    how = draw(st.sampled_from(["cut", "overwrite", "insert"]))
    position = draw(st.integers(0, len(data) - 1))
    if how == "cut":
        return bytes(data[:position])
    if how == "insert":
        return bytes(data[:position] + draw(st.binary(min_size=1, max_size=64)) + data[position:])
    patch = draw(st.binary(min_size=1, max_size=16))
    data[position : position + len(patch)] = patch
    return bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=damaged())
def test_a_damaged_file_is_cleaned_or_refused_as_unreadable_never_anything_else(
    data: bytes,
) -> None:
    with contextlib.suppress(_PARSE_ERRORS):
        _clean(data)


def _png_with(*chunks: bytes) -> bytes:
    original = files.png()
    return original[:33] + b"".join(chunks) + original[33:]


def _strip(data: bytes) -> bytes:
    return b"".join(strip_png(io.BytesIO(data).read))


@pytest.mark.parametrize("kind", [b"tEXt", b"iTXt", b"eXIf", b"tIME", b"caBX", b"prVt", b"iDOT"])
def test_a_png_chunk_off_the_allow_list_is_left_out(kind: bytes) -> None:
    cleaned = _strip(_png_with(files.png_chunk(kind, b"Jane Survivorson")))
    assert kind not in cleaned and b"Jane" not in cleaned


@pytest.mark.parametrize("kind", [b"gAMA", b"pHYs", b"sRGB"])
def test_a_png_chunk_needed_to_show_it_is_kept(kind: bytes) -> None:
    chunk = files.png_chunk(
        kind, bytes(9) if kind == b"pHYs" else bytes(4 if kind == b"gAMA" else 1)
    )
    assert chunk in _strip(_png_with(chunk))


def test_a_png_with_a_critical_chunk_we_do_not_know_is_unreadable() -> None:
    with pytest.raises(UnreadableImage):
        _strip(_png_with(files.png_chunk(b"ZZZZ", b"must be understood")))


def test_a_png_chunk_with_a_wrong_checksum_is_unreadable() -> None:
    chunk = bytearray(files.png_chunk(b"gAMA", bytes(4)))
    chunk[-1] ^= 1
    with pytest.raises(UnreadableImage):
        _strip(_png_with(bytes(chunk)))


def test_a_zip_of_a_version_we_do_not_read_is_not_taken_for_a_document() -> None:
    # zipfile raises NotImplementedError for it, which once escaped as a crash.
    data = bytearray(files.odt())
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (99).to_bytes(2, "little")  # version needed to extract
    assert identify(io.BytesIO(bytes(data))) == "application/zip"


def _telemetry_of_one_size(count: int) -> bytes:
    """The phone video, its GPS track saying every sample has one size, and `count` of them."""
    data = files.movie()
    stsz = data.rindex(b"stsz")  # the GPS track's, the last of the two
    body = stsz + 4 + 4  # past the type, then the version and flags
    return data[:body] + struct.pack(">II", len(files.TELEMETRY), count) + data[body + 8 :]


def test_a_sample_count_of_four_billion_in_a_tiny_video_costs_nothing() -> None:
    # Counted, not listed: a list of 2^32 - 1 sizes would take 32 GB.
    honest, hostile = _clean(_telemetry_of_one_size(1)), _clean(_telemetry_of_one_size(2**32 - 1))
    assert honest is not None and hostile is not None
    assert files.mdat_of(hostile) == files.mdat_of(honest)  # the same GPS sample zeroed
    assert files.TELEMETRY not in hostile
    assert files.mdat_of(hostile).endswith(bytes(len(files.TELEMETRY)))
