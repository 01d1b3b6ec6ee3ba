"""Removing hidden details from office documents: Word, Excel, PowerPoint, LibreOffice.

A document is a ZIP file of parts. The parts that hold the document's
properties or name the people who commented and changed it are replaced,
each format by its own rules (`ooxml` for Word, Excel and PowerPoint,
`opendocument` for LibreOffice). Here, what every format shares: pictures
anywhere in the document (pasted photos, the saved thumbnail) lose their
EXIF, GPS included; embedded files (a workbook in a Word document, a video
in a presentation) are cleaned with the cleaner of their own type (see
`nested`), and an embedded file of any other type, such as an old-style OLE
object, has the document refused; the printer's name is cut from Office's
printer set-up. The ZIP is then written anew (`zips`), every other part
copied as it was stored.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from portal.core.cleaning.common import HoldsUncleanableFile, Source, Unreadable, Write
from portal.core.cleaning.nested import clean_inner
from portal.core.cleaning.office import ooxml, opendocument, zips
from portal.core.cleaning.office.markup import parse
from portal.core.cleaning.office.zips import ENCRYPTED, Replacement, open_zip, read_part
from portal.core.cleaning.pictures import (
    JPEG_START,
    PNG_SIGNATURE,
    UnreadableImage,
    strip_jpeg,
    strip_png,
    strip_webp,
)

_EMBEDDINGS = ("word/embeddings/", "xl/embeddings/", "ppt/embeddings/")
# OLE compound files (old Office formats, and what Office wraps objects in)
# carry their own author, company and, for a packaged file, its original path.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel's and PowerPoint's printer set-up (a Windows DEVMODE) starts with the
# printer's name, 32 UTF-16 characters.
_PRINTER_SETTINGS = re.compile(r"^(xl|ppt|word)/printerSettings/[^/]+\.bin$")
_PRINTER_NAME = 64


@dataclass(frozen=True)
class Document:
    """What kind of office document a ZIP file is."""

    media_type: str
    extension: str
    odf: bool


def identify(source: Source) -> Document | None:
    """The document type when the file is a ZIP with the parts of one; None otherwise."""
    source.seek(0)
    if source.read(4) != b"PK\x03\x04":
        return None
    try:
        with open_zip(source) as archive:
            return _identify(archive)
    except Unreadable:
        return None


def _identify(archive: zipfile.ZipFile) -> Document | None:
    names = archive.namelist()
    if names and names[0] == "mimetype":  # OpenDocument puts it first, uncompressed
        found = opendocument.media_type(archive, names)
        return Document(found[0], found[1], odf=True) if found else None
    found = ooxml.media_type(archive, names)
    return Document(found[0], found[1], odf=False) if found else None


def _clean_picture(data: bytes) -> bytes:
    """A picture's bytes without its metadata; unchanged if it is not a kind we clean."""
    if data.startswith(JPEG_START):
        strip = strip_jpeg
    elif data.startswith(PNG_SIGNATURE):
        strip = strip_png
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        strip = strip_webp
    else:
        return data
    try:
        return b"".join(strip(io.BytesIO(data).read))
    except UnreadableImage:
        raise Unreadable("a picture in the document could not be read") from None


def _is_picture(head: bytes) -> bool:
    return head.startswith((JPEG_START, PNG_SIGNATURE)) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )


def _clean_embedded(data: bytes) -> bytes:
    return clean_inner(data).data


def _without_printer_name(data: bytes) -> bytes:
    return bytes(min(len(data), _PRINTER_NAME)) + data[_PRINTER_NAME:]


def _replacements(archive: zipfile.ZipFile, document: Document) -> dict[str, Replacement]:
    """What to put in place of each part that can hold hidden details, by part name."""
    infos = archive.infolist()
    if any(info.flag_bits & ENCRYPTED for info in infos):
        raise Unreadable("the document is locked with a password")
    names = {info.filename for info in infos}
    rules = opendocument if document.odf else ooxml
    replaced = rules.replacements(archive, names)
    for info in infos:
        name = info.filename
        if name in replaced or name.endswith(("/", ".xml", ".rels")) or info.file_size == 0:
            continue
        if name.startswith(_EMBEDDINGS):
            replaced[name] = _clean_embedded
        elif _PRINTER_SETTINGS.match(name):
            replaced[name] = _without_printer_name
        else:
            head = zips.head(archive, info)
            if head.startswith(_OLE_SIGNATURE):
                raise HoldsUncleanableFile("the document holds an OLE object")
            if _is_picture(head):
                replaced[name] = _clean_picture
            elif head[4:8] == b"ftyp":  # a video or a recording
                replaced[name] = _clean_embedded
    return {name: change for name, change in replaced.items() if name in names}


def clean(source: Source, write: Write) -> None:
    """Write the document with neutral properties and clean pictures, all else as stored."""
    document = identify(source)
    if document is None:
        raise Unreadable("not a Word, Excel, PowerPoint or LibreOffice document")
    with open_zip(source) as archive:
        if len(archive.infolist()) > zips.MAX_ENTRIES:
            raise Unreadable("the document has too many parts")
        zips.rewrite(source, archive, _replacements(archive, document), write)


def check(view: Source) -> None:
    """Check the cleaned document: a ZIP of the same kind whose rewritten parts read back."""
    document = identify(view)
    if document is None:
        raise Unreadable("the cleaned document is not a document")
    with open_zip(view) as archive:
        replaced = _replacements(archive, document)
        for name in replaced:
            data = read_part(archive, name)  # checks the CRC
            if name.endswith(".xml"):
                parse(data)
        if document.odf:
            first = archive.infolist()[0]
            if first.compress_type != zipfile.ZIP_STORED:
                raise Unreadable("the cleaned document's mimetype is compressed")
