"""Which evidence files we can clean, how we tell, and how we clean them.

An allow-list: pictures (JPEG, PNG, WebP), videos and recordings (MP4, MOV,
3GP, M4A), PDF, and office documents (DOCX, XLSX, PPTX, ODT, ODS, ODP). A
file is of one of these types only if its whole structure reads as that type
(every atom of a video, every chunk of a picture, a PDF that qpdf opens, a
ZIP with the parts of a document): its first bytes and its name are only a
hint. Every other file is refused unless the survivor chooses to keep its
hidden details, because we cannot know what it hides. Files inside these
(a PDF's attachments, a document's embedded workbook) are cleaned the same
way, and one of another type has the file that holds it refused.

Cleaning is lossless: what is shown or played (pixels, sound and pictures,
page content, document text) is copied byte for byte, and only hidden
details are left out. Every cleaner reads a seekable file and writes the
clean copy through a callback, so nothing in clear is ever written to disk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.core.cleaning import isobmff, office, pdf
from portal.core.cleaning.common import (
    HoldsUncleanableFile,
    Source,
    TooLargeToClean,
    Unreadable,
    Write,
)
from portal.core.cleaning.pictures import (
    HEIF_BRANDS,
    JPEG_SEARCH,
    JPEG_START,
    MAX_WEBP_BYTES,
    PNG_SIGNATURE,
    UnreadableImage,
    check_picture,
    clean_jpeg,
    clean_png,
    clean_webp,
    strip_jpeg,
    strip_png,
    strip_webp,
)

__all__ = [
    "MAX_WEBP_BYTES",
    "FileType",
    "HoldsUncleanableFile",
    "TooLargeToClean",
    "Unreadable",
    "UnreadableImage",
    "identify",
    "sniff_media_type",
    "strip_jpeg",
    "strip_png",
    "strip_webp",
]


@dataclass(frozen=True)
class FileType:
    """A type of file we can clean: what to call it, and how to clean and check it."""

    media_type: str
    extension: str
    clean: Callable[[Source, Write], None]
    check: Callable[[Source], None]


JPEG = FileType("image/jpeg", ".jpg", clean_jpeg, check_picture("JPEG"))
PNG = FileType("image/png", ".png", clean_png, check_picture("PNG"))
WEBP = FileType("image/webp", ".webp", clean_webp, check_picture("WEBP"))
PDF = FileType("application/pdf", ".pdf", pdf.clean, pdf.check)
_MOVIES = {
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/3gpp": ".3gp",
    "audio/mp4": ".m4a",
}
# Pictures whose details we cannot remove here: named, so the message can say so.
UNCLEANABLE_PICTURES = frozenset(
    {"image/heic", "image/avif", "image/tiff", "image/gif", "image/jxl"}
)


def _head(source: Source, size: int = 64) -> bytes:
    source.seek(0)
    return source.read(size)


def sniff_media_type(head: bytes) -> str:
    """A media type from a file's first bytes: a hint, never proof (see `identify`)."""
    if JPEG_START in head[: JPEG_SEARCH + len(JPEG_START)]:
        return "image/jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
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


def identify(source: Source) -> FileType | str:
    """The type of a seekable file, read from its structure.

    Returns the FileType to clean it with, or, for a file we cannot clean,
    its media type as far as it can be told (for the message, or to record
    when the survivor keeps the file as it is).
    """
    head = _head(source)
    hint = sniff_media_type(head)
    if head.startswith(JPEG_START):
        return JPEG
    if hint == "image/png":
        return PNG
    if hint == "image/webp":
        return WEBP
    if hint in UNCLEANABLE_PICTURES:
        return hint
    document = office.identify(source)
    if document is not None:
        return FileType(document.media_type, document.extension, office.clean, office.check)
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    movie = isobmff.media_type(source)
    if movie in _MOVIES:
        return FileType(movie, _MOVIES[movie], isobmff.clean, isobmff.check)
    if movie is not None:
        return movie  # a HEIF or AVIF picture
    if pdf.is_pdf(source):
        return PDF
    if hint == "image/jpeg":  # a few stray bytes before a JPEG, and nothing else it could be
        return JPEG
    return hint
