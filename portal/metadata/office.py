"""Removing hidden details from office documents: Word, Excel, PowerPoint, LibreOffice.

DOCX, XLSX and PPTX keep the author, the last person to save, the company,
the template, dates, revision and editing time in their document properties
(`docProps/core.xml`, `app.xml`, `custom.xml`); ODT, ODS and ODP keep them
in `meta.xml`. Those parts are replaced by neutral ones that say nothing.
Excel also records the folder the workbook was saved in (`x15ac:absPath`,
often `C:\\Users\\<name>\\...`): that address is emptied. Photos pasted into
a document keep their EXIF, GPS included: they are cleaned like any photo.

A document is a ZIP file whose directory is at its end, so it is read
through a seekable view that decrypts on demand. The ZIP is written anew:
every other part is copied as it was stored (still compressed, byte for
byte), the replaced parts and cleaned pictures are added, and every entry
gets the same neutral date (entries otherwise carry the time of saving).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, cast
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from portal.metadata.common import Source, TooLargeToClean, Unreadable, Write
from portal.metadata.pictures import (
    JPEG_START,
    PNG_SIGNATURE,
    UnreadableImage,
    strip_jpeg,
    strip_png,
    strip_webp,
)

_CONTENT_TYPES = "[Content_Types].xml"
_OOXML = "application/vnd.openxmlformats-officedocument."
OOXML_TYPES = {
    _OOXML + "wordprocessingml.document.main+xml": (
        _OOXML + "wordprocessingml.document",
        ".docx",
    ),
    _OOXML + "spreadsheetml.sheet.main+xml": (_OOXML + "spreadsheetml.sheet", ".xlsx"),
    _OOXML + "presentationml.presentation.main+xml": (
        _OOXML + "presentationml.presentation",
        ".pptx",
    ),
}
_ODF = "application/vnd.oasis.opendocument."
ODF_TYPES = {
    _ODF + "text": ".odt",
    _ODF + "spreadsheet": ".ods",
    _ODF + "presentation": ".odp",
}
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PROPERTY_RELATIONS = {
    "/metadata/core-properties": "core",
    "/extended-properties": "app",
    "/custom-properties": "custom",
}
_NEUTRAL_OOXML = {
    "core": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms='
    b'"http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
    "app": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>',
    "custom": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'docPropsVTypes"/>',
}
_CONVENTIONAL = {"docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"}
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ABSOLUTE_PATH = re.compile(rb'(<x15ac:absPath\b[^>]*?\burl=")[^"]*(")')
_MEDIA_FOLDERS = ("word/media/", "xl/media/", "ppt/media/", "Pictures/")

_MAX_ENTRIES = 20_000
_MAX_PART = 12 * 1024 * 1024  # a replaced part or picture is held in memory: bounded
_COPY = 1024 * 1024
# Every entry's date and time: 1980-01-01 00:00, the earliest a ZIP can say
# (Word writes the same; LibreOffice writes the time of saving).
_DOS_TIME, _DOS_DATE = 0, (1 << 5) | 1
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_UTF8_NAME = 0x800


@dataclass(frozen=True)
class Document:
    """What kind of office document a ZIP file is."""

    media_type: str
    extension: str
    odf: bool


def _zip(source: Source) -> zipfile.ZipFile:
    source.seek(0)
    try:
        return zipfile.ZipFile(cast(IO[bytes], source))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise Unreadable("the document's ZIP structure could not be read") from None


def _parse(data: bytes) -> Element:
    try:
        root: Element = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise Unreadable("a part of the document is not well-formed XML") from None
    return root


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _MAX_PART:
        raise TooLargeToClean("a part of the document is too large to clean")
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError):
        raise Unreadable("a part of the document is damaged") from None


def identify(source: Source) -> Document | None:
    """The document type when the file is a ZIP with the parts of one; None otherwise."""
    source.seek(0)
    if source.read(4) != b"PK\x03\x04":
        return None
    try:
        with _zip(source) as archive:
            return _identify(archive)
    except Unreadable:
        return None


def _identify(archive: zipfile.ZipFile) -> Document | None:
    names = archive.namelist()
    if names and names[0] == "mimetype":
        media_type = _read_part(archive, "mimetype").decode("ascii", "replace")
        if media_type in ODF_TYPES and "content.xml" in names:
            return Document(media_type, ODF_TYPES[media_type], odf=True)
        return None
    if _CONTENT_TYPES not in names or "_rels/.rels" not in names:
        return None
    for override in _parse(_read_part(archive, _CONTENT_TYPES)):
        found = OOXML_TYPES.get(override.get("ContentType", ""))
        part = override.get("PartName", "").lstrip("/")
        if found and part in names:
            return Document(found[0], found[1], odf=False)
    return None


def _property_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each OOXML document-properties part, by name, and which kind it is."""
    parts = {name: name.split("/")[-1].removesuffix(".xml") for name in _CONVENTIONAL}
    for relation in _parse(_read_part(archive, "_rels/.rels")):
        kind = relation.get("Type", "")
        target = relation.get("Target", "").lstrip("/")
        for suffix, label in _PROPERTY_RELATIONS.items():
            if kind.endswith(suffix) and target:
                parts[target] = label
    return parts


def _neutral_meta(original: bytes) -> bytes:
    version = _parse(original).get(f"{{{_ODF_OFFICE}}}version", "1.2")
    if not re.fullmatch(r"[0-9.]{1,8}", version):
        version = "1.2"
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="'
        + _ODF_OFFICE.encode()
        + b'" office:version="'
        + version.encode()
        + b'"><office:meta/></office:document-meta>'
    )


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


Replacement = Callable[[bytes], bytes]


def _constant(neutral: bytes) -> Replacement:
    return lambda _old: neutral


def _replacements(archive: zipfile.ZipFile, document: Document) -> dict[str, Replacement]:
    names = set(archive.namelist())
    replaced: dict[str, Replacement] = {}
    if document.odf:
        replaced["meta.xml"] = _neutral_meta
        manifest = (
            _read_part(archive, "META-INF/manifest.xml")
            if "META-INF/manifest.xml" in names
            else b""
        )
        if b"encryption-data" in manifest:
            raise Unreadable("the document is locked with a password")
    else:
        for name, label in _property_parts(archive).items():
            replaced[name] = _constant(_NEUTRAL_OOXML[label])
        replaced["xl/workbook.xml"] = lambda old: _ABSOLUTE_PATH.sub(rb"\1\2", old)
    for name in names:
        if name.startswith(_MEDIA_FOLDERS):
            replaced[name] = _clean_picture
    return {name: change for name, change in replaced.items() if name in names}


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
        self._directory.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                version,
                version,
                flags,
                method,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                compressed,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                self.offset,
            )
            + name
        )
        self._emit(
            _LOCAL.pack(
                b"PK\x03\x04",
                version,
                flags,
                method,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                compressed,
                size,
                len(name),
                0,
            )
            + name
        )

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


def clean(source: Source, write: Write) -> None:
    """Write the document with neutral properties and clean pictures, all else as stored."""
    document = identify(source)
    if document is None:
        raise Unreadable("not a Word, Excel, PowerPoint or LibreOffice document")
    with _zip(source) as archive:
        infos = archive.infolist()
        if len(infos) > _MAX_ENTRIES:
            raise Unreadable("the document has too many parts")
        replaced = _replacements(archive, document)
        writer = _Writer(write)
        for info in infos:
            if info.flag_bits & 0x1:
                raise Unreadable("the document is locked with a password")
            name = _encoded_name(info)
            flags = _UTF8_NAME if info.flag_bits & _UTF8_NAME else 0
            change = replaced.get(info.filename)
            if change is not None:
                _write_new(writer, name, flags, change(_read_part(archive, info.filename)), info)
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


def check(view: Source) -> None:
    """Check the cleaned document: a ZIP of the same kind whose rewritten parts read back."""
    document = identify(view)
    if document is None:
        raise Unreadable("the cleaned document is not a document")
    with _zip(view) as archive:
        replaced = _replacements(archive, document)
        for name in replaced:
            data = _read_part(archive, name)  # checks the CRC
            if name.endswith(".xml"):
                _parse(data)
        if document.odf:
            first = archive.infolist()[0]
            if first.compress_type != zipfile.ZIP_STORED:
                raise Unreadable("the cleaned document's mimetype is compressed")
