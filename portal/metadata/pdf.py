"""Removing hidden details from PDF files with pikepdf (qpdf).

A PDF names its author, the program and computer that made it and when, in
its document information dictionary and in XMP metadata (the catalog's
`/Metadata` stream, and sometimes a page's or a picture's own). Programs keep
private data in `/PieceInfo`, and the trailer's `/ID` can tie the file to the
one on the author's computer. All of these are removed. Pictures stored as
JPEG keep their pixels but lose their EXIF (a scanned or photographed page
can carry the phone's GPS position).

The file is rewritten by qpdf from a seekable view that decrypts on demand:
qpdf reads objects as it needs them and copies stream data through without
decoding it (`StreamDecodeLevel.none`), so the pages' content is byte for
byte what it was and memory stays small whatever the file's size.
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO, cast

import pikepdf
from pikepdf import Dictionary, Name, Pdf, Stream

from portal.metadata.common import Source, TooLargeToClean, Unreadable, Write
from portal.metadata.pictures import UnreadableImage, strip_jpeg

# Keys that hold metadata wherever they appear: XMP, application private data
# and the date that data was last changed.
_PRIVATE_KEYS = (Name.Metadata, Name.PieceInfo, Name.LastModified)
# qpdf holds each stream it copies whole in memory (a few copies of it, with
# ours): a PDF with a larger stream is refused rather than break the memory
# budget of an upload. Letters, statements and scanned pages are far smaller.
MAX_STREAM = 12 * 1024 * 1024
_HEADER_WINDOW = 1024  # readers accept the %PDF- header anywhere in the first kilobyte


def is_pdf(source: Source) -> bool:
    """True when the file starts like a PDF (whether it parses is for `clean` to find)."""
    source.seek(0)
    return b"%PDF-" in source.read(_HEADER_WINDOW)


class _Sink(io.RawIOBase):
    """The writable stream qpdf writes to: only write() is ever called."""

    def __init__(self, write: Write):
        super().__init__()
        self._write = write
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._write(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if (offset, whence) not in ((0, io.SEEK_CUR), (self._position, io.SEEK_SET)):
            raise io.UnsupportedOperation("the cleaned copy is written straight through")
        return self._position


def _open(source: Source) -> Pdf:
    source.seek(0)
    try:
        return Pdf.open(cast(BinaryIO, source))
    except pikepdf.PasswordError:
        raise Unreadable("the PDF is locked with a password") from None
    except (pikepdf.PdfError, ValueError, OSError, RuntimeError):
        raise Unreadable("the PDF could not be read") from None


def _clean_jpeg_stream(stream: Stream) -> None:
    if stream.get(Name.Filter) != Name.DCTDecode:
        return
    raw = stream.read_raw_bytes()
    try:
        cleaned = b"".join(strip_jpeg(io.BytesIO(raw).read))
    except UnreadableImage:
        return  # not a JPEG qpdf can tell apart: the viewer decodes it as it is
    if cleaned != raw:
        parameters = stream.get(Name.DecodeParms)
        stream.write(
            cleaned,
            filter=Name.DCTDecode,
            decode_parms=parameters if isinstance(parameters, Dictionary) else None,
        )


def clean(source: Source, write: Write) -> None:
    """Write the PDF without its document information, XMP, private data and file id."""
    with warnings.catch_warnings(), _open(source) as pdf:
        warnings.simplefilter("ignore")  # qpdf's warnings are about the input, not us
        try:
            if Name.Info in pdf.trailer:
                del pdf.trailer[Name.Info]
            if Name.ID in pdf.trailer:
                del pdf.trailer[Name.ID]  # qpdf would keep its first half; a new one is made
            for obj in pdf.objects:
                if isinstance(obj, Dictionary | Stream):
                    for key in _PRIVATE_KEYS:
                        if key in obj:
                            del obj[key]
                if isinstance(obj, Stream):
                    if int(obj.get(Name.Length, 0)) > MAX_STREAM:
                        raise TooLargeToClean("a part of the PDF is too large to clean")
                    _clean_jpeg_stream(obj)
            pdf.save(
                cast(BinaryIO, _Sink(write)),
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                preserve_pdfa=False,  # it would write XMP back
                fix_metadata_version=False,
                encryption=False,  # a PDF that opened without a password is saved open
            )
        except (pikepdf.PdfError, ValueError, OSError, RuntimeError, TypeError):
            raise Unreadable("the PDF could not be rewritten") from None


def check(view: Source) -> None:
    """Check that the cleaned PDF opens, has its pages and no document information or XMP."""
    with warnings.catch_warnings(), _open(view) as pdf:
        warnings.simplefilter("ignore")
        try:
            if len(pdf.pages) < 1:
                raise Unreadable("the cleaned PDF has no pages")
            if Name.Info in pdf.trailer or Name.Metadata in pdf.Root:
                raise Unreadable("the cleaned PDF still has metadata")
        except pikepdf.PdfError:
            raise Unreadable("the cleaned PDF does not open") from None
