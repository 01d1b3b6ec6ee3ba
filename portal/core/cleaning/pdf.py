"""Removing hidden details from PDF files with pikepdf (qpdf).

A PDF names its author, the program and computer that made it and when, in
its document information dictionary and in XMP metadata (the catalog's
`/Metadata` stream, and sometimes a page's or a picture's own). Programs keep
private data in `/PieceInfo`, and the trailer's `/ID` can tie the file to the
one on the author's computer. All of these are removed. Pictures stored as
JPEG keep their pixels but lose their EXIF (a scanned or photographed page
can carry the phone's GPS position), whether the JPEG is the stream's only
filter or the last of several.

Comments and highlights (annotations) name their author (`/T`) and keep the
times they were made (`/M`, `/CreationDate`) and a name (`/NM`) that Acrobat
and Preview often build from the account: the author becomes "Author", the
times 1980-01-01, the name a neutral one, and the comments themselves stay.
Form fields, whose `/T` is the field's name, keep it. Attached files
(`/EmbeddedFiles`, file-attachment comments) are cleaned with the cleaner of
their own type and renamed `attachment-1.jpg` and so on, without their
dates, description or original name; an attached file of any other type has
the PDF refused (see `nested`).

The file is rewritten by qpdf from a seekable view that decrypts on demand:
qpdf reads objects as it needs them and copies stream data through without
decoding it (`StreamDecodeLevel.none`), so the pages' content is byte for
byte what it was and memory stays small whatever the file's size.
"""

from __future__ import annotations

import io
import warnings
import zlib
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO, cast

import pikepdf
from pikepdf import Array, Dictionary, Name, Object, Pdf, Stream, String

from portal.core.cleaning.common import Source, TooLargeToClean, Unreadable, Write
from portal.core.cleaning.nested import clean_inner
from portal.core.cleaning.pictures import JPEG_SEARCH, JPEG_START, UnreadableImage, strip_jpeg

# Keys that hold metadata wherever they appear: XMP, application private data
# and the date that data was last changed.
_PRIVATE_KEYS = (Name.Metadata, Name.PieceInfo, Name.LastModified)
# qpdf holds each stream it copies whole in memory (a few copies of it, with
# ours): a PDF with a larger stream is refused rather than break the memory
# budget of an upload. Letters, statements and scanned pages are far smaller.
MAX_STREAM = 12 * 1024 * 1024
_HEADER_WINDOW = 1024  # readers accept the %PDF- header anywhere in the first kilobyte
NEUTRAL_AUTHOR = "Author"
NEUTRAL_DATE = "D:19800101000000Z"
_ANNOTATION_DATES = (Name.M, Name.CreationDate)
# What an attachment's file specification keeps: its type, its (neutral) name,
# the file, and how it relates to the document (PDF/A-3). Left out: the
# description, the names it had on other systems (/DOS, /Mac, /Unix), the
# portfolio's fields (/CI), its file identifier, thumbnail and related files.
_FILESPEC_KEPT = frozenset({Name.Type, Name.F, Name.UF, Name.EF, Name.AFRelationship})


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


def _dictionaries(pdf: Pdf) -> Iterator[Dictionary | Stream]:
    """Every dictionary and stream of the file, including those written inside others.

    Annotations are often written straight into a page's /Annots array
    rather than as objects of their own, so the file's objects are not enough.
    """
    pending: deque[Object] = deque([pdf.trailer, *pdf.objects])
    while pending:
        obj = pending.popleft()  # in the file's order, so attachments are numbered in it
        if isinstance(obj, Dictionary | Stream):
            yield obj
            children = [value for _key, value in obj.items()]
        elif isinstance(obj, Array):
            children = list(obj)
        else:
            continue
        pending.extend(
            child
            for child in children
            if isinstance(child, Dictionary | Array) and not child.is_indirect
        )


def _clean_jpeg_stream(pdf: Pdf, stream: Stream) -> None:
    """Remove the EXIF of a JPEG picture, its only filter or the last of several."""
    filters = stream.get(Name.Filter)
    chain = [filters] if isinstance(filters, Name) else list(filters or [])
    if Name.DCTDecode not in chain:
        return
    if chain[-1] != Name.DCTDecode or chain.count(Name.DCTDecode) > 1:
        raise Unreadable("a picture in the PDF is stored in a way we do not read")
    parameters = stream.get(Name.DecodeParms)
    picture_parameters = parameters[-1] if isinstance(parameters, Array) else parameters
    raw = stream.read_raw_bytes()
    if len(chain) > 1:  # undo the filters before the JPEG's own (Flate, ASCII85...)
        outer = Stream(pdf, raw)
        outer.Filter = Array(chain[:-1])
        if isinstance(parameters, Array):
            outer.DecodeParms = Array(list(parameters)[:-1])
        raw = outer.read_bytes()
    start = raw[: JPEG_SEARCH + len(JPEG_START)].find(JPEG_START)
    try:
        if start < 0:
            raise UnreadableImage("not a JPEG picture")
        cleaned = b"".join(strip_jpeg(io.BytesIO(raw[start:]).read))
    except UnreadableImage:
        raise Unreadable("a picture in the PDF could not be read") from None
    if cleaned != raw or len(chain) > 1:
        stream.write(
            cleaned,
            filter=Name.DCTDecode,
            decode_parms=picture_parameters if isinstance(picture_parameters, Dictionary) else None,
        )


def _is_annotation(obj: Dictionary | Stream) -> bool:
    if isinstance(obj, Stream):
        return False
    return obj.get(Name.Type) == Name.Annot or (Name.Rect in obj and Name.Subtype in obj)


def _clean_annotation(annotation: Dictionary, number: int) -> None:
    """Neutral author, times and name; a form field's name (also /T) is the form's own."""
    is_field = annotation.get(Name.Subtype) == Name.Widget or Name.FT in annotation
    if Name.T in annotation and not is_field:
        annotation[Name.T] = String(NEUTRAL_AUTHOR)
    for key in _ANNOTATION_DATES:
        if key in annotation:
            annotation[key] = String(NEUTRAL_DATE)
    if Name.NM in annotation:
        annotation[Name.NM] = String(f"annotation-{number}")


def _clean_attachment(pdf: Pdf, filespec: Dictionary, number: int) -> str:
    """Clean the file a file specification holds, and give it a neutral name; returns the name."""
    files = filespec.EF
    if not isinstance(files, Dictionary):
        raise Unreadable("an attached file could not be read")
    cleaned_streams: dict[tuple[int, int], str] = {}
    extension = ""
    for key in list(files.keys()):
        stream = files[key]
        if key not in (Name.F, Name.UF):
            del files[key]  # the same file under the names of other systems
            continue
        if not isinstance(stream, Stream):
            raise Unreadable("an attached file could not be read")
        if stream.objgen in cleaned_streams:
            continue
        if int(stream.get(Name.Length, 0)) > MAX_STREAM:
            raise TooLargeToClean("a part of the PDF is too large to clean")
        inner = clean_inner(stream.read_bytes())
        stream.write(zlib.compress(inner.data), filter=Name.FlateDecode)
        for private in list(stream.keys()):
            if private not in (Name.Length, Name.Filter, Name.Type):
                del stream[private]  # its dates, checksum and its own media type
        stream.Params = Dictionary(Size=len(inner.data))
        cleaned_streams[stream.objgen] = extension = inner.extension
    name = f"attachment-{number}{extension}"
    for key in list(filespec.keys()):
        if key not in _FILESPEC_KEPT:
            del filespec[key]
    filespec.F = String(name)
    filespec.UF = String(name)
    return name


def _rename_attachments(pdf: Pdf) -> None:
    """The document's list of attachments, under the attachments' new names."""
    names = pdf.Root.get(Name.Names)
    if not isinstance(names, Dictionary) or Name.EmbeddedFiles not in names:
        return
    renamed: dict[str, Object] = {}
    old_to_new: dict[str, str] = {}
    for old, filespec in pikepdf.NameTree(names.EmbeddedFiles).items():
        if not isinstance(filespec, Dictionary) or Name.EF not in filespec:
            continue  # nothing attached: left out of the list
        new = str(filespec.UF)
        renamed[new] = filespec
        old_to_new[old] = new
    entries: list[Object] = []
    for new in sorted(renamed, key=lambda key: key.encode("utf-16-be")):
        entries += [String(new), renamed[new]]
    names.EmbeddedFiles = pdf.make_indirect(Dictionary(Names=Array(entries)))
    collection = pdf.Root.get(Name.Collection)
    if isinstance(collection, Dictionary) and Name.D in collection:
        first = old_to_new.get(str(collection.D))
        if first is None:
            del collection[Name.D]
        else:
            collection.D = String(first)


def clean(source: Source, write: Write) -> None:
    """Write the PDF without its document information, XMP, private data and file id."""
    with warnings.catch_warnings(), _open(source) as pdf:
        warnings.simplefilter("ignore")  # qpdf's warnings are about the input, not us
        try:
            if Name.Info in pdf.trailer:
                del pdf.trailer[Name.Info]
            if Name.ID in pdf.trailer:
                del pdf.trailer[Name.ID]  # qpdf would keep its first half; a new one is made
            annotations = attachments = 0
            for obj in _dictionaries(pdf):
                for key in _PRIVATE_KEYS:
                    if key in obj:
                        del obj[key]
                if isinstance(obj, Stream):
                    if int(obj.get(Name.Length, 0)) > MAX_STREAM:
                        raise TooLargeToClean("a part of the PDF is too large to clean")
                    _clean_jpeg_stream(pdf, obj)
                elif _is_annotation(obj):
                    annotations += 1
                    _clean_annotation(obj, annotations)
                if Name.EF in obj and not isinstance(obj, Stream):
                    attachments += 1
                    _clean_attachment(pdf, obj, attachments)
            _rename_attachments(pdf)
            pdf.save(
                cast(BinaryIO, _Sink(write)),
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                preserve_pdfa=False,  # it would write XMP back
                fix_metadata_version=False,
                encryption=False,  # a PDF that opened without a password is saved open
            )
        except (pikepdf.PdfError, ValueError, OSError, RuntimeError, TypeError, LookupError):
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
