"""Removing hidden details from office documents: Word, Excel, PowerPoint, LibreOffice.

DOCX, XLSX and PPTX keep the author, the last person to save, the company,
the template, dates, revision and editing time in their document properties
(`docProps/core.xml`, `app.xml`, `custom.xml`); ODT, ODS and ODP keep them
in `meta.xml`. Those parts are replaced by neutral ones that say nothing.
Comments and tracked changes name who made them and when (`w:author`,
`w:initials`, `w:date`; `dc:creator` and `dc:date` in LibreOffice; Word's
`people.xml` holds the Office account's e-mail address; Excel's and
PowerPoint's comment authors and threaded-comment persons): each name
becomes "Author" and each time 1980-01-01, where it stands, so the comments
and changes themselves stay. Excel records the folder the workbook was saved
in (`x15ac:absPath`, often `C:\\Users\\<name>\\...`): that address is emptied;
a link to another file (an external workbook, Word's template) keeps only
that file's name; LibreOffice's printer name and set-up are emptied.
Pictures anywhere in the document (pasted photos, the saved thumbnail) lose
their EXIF, GPS included, and embedded files (a workbook in a Word document,
a video in a presentation) are cleaned with the cleaner of their own type
(see `nested`); an embedded file of any other type, such as an old-style OLE
object, has the document refused.

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, cast
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from portal.core.cleaning.common import (
    HoldsUncleanableFile,
    Source,
    TooLargeToClean,
    Unreadable,
    Write,
)
from portal.core.cleaning.markup import Change, rewrite
from portal.core.cleaning.nested import clean_inner
from portal.core.cleaning.pictures import (
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
_EMBEDDINGS = ("word/embeddings/", "xl/embeddings/", "ppt/embeddings/")
# OLE compound files (old Office formats, and what Office wraps objects in)
# carry their own author, company and, for a packaged file, its original path.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel's and PowerPoint's printer set-up (a Windows DEVMODE) starts with the
# printer's name, 32 UTF-16 characters.
_PRINTER_SETTINGS = re.compile(r"^(xl|ppt|word)/printerSettings/[^/]+\.bin$")
_PRINTER_NAME = 64

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
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,  # a ZIP version or feature the module does not read
    ):
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


def _is_picture(head: bytes) -> bool:
    return head.startswith((JPEG_START, PNG_SIGNATURE)) or (
        head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    )


def _clean_embedded(data: bytes) -> bytes:
    return clean_inner(data).data


def _without_printer_name(data: bytes) -> bytes:
    return bytes(min(len(data), _PRINTER_NAME)) + data[_PRINTER_NAME:]


# Who made a comment or a change, and when: the neutral values put in their place.
NEUTRAL_NAME, NEUTRAL_INITIALS = "Author", "A"
_OOXML_DATE, _ODF_DATE = "1980-01-01T00:00:00Z", "1980-01-01T00:00:00"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_STRICT = "{http://purl.oclc.org/ooxml/wordprocessingml/main}"
_W15 = "{http://schemas.microsoft.com/office/word/2012/wordml}"
_W16CEX = "{http://schemas.microsoft.com/office/word/2018/wordml/cex}"
_W16DU = "{http://schemas.microsoft.com/office/word/2023/wordml/word16du}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_X15AC = "{http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac}"
_TC = "{http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_P188 = "{http://schemas.microsoft.com/office/powerpoint/2018/8/main}"
# Word: on comments, tracked changes (w:ins, w:del, w:rPrChange...) and
# their newer UTC dates, whatever element carries them.
_OOXML_ANYWHERE = {
    **{w + "author": NEUTRAL_NAME for w in (_W, _W_STRICT)},
    **{w + "initials": NEUTRAL_INITIALS for w in (_W, _W_STRICT)},
    **{w + "date": _OOXML_DATE for w in (_W, _W_STRICT)},
    _W16DU + "dateUtc": _OOXML_DATE,
    _W16CEX + "dateUtc": _OOXML_DATE,
}
_OOXML_BY_ELEMENT = {
    # Word's people.xml: each commenter's name and Office account.
    _W15 + "person": {_W15 + "author": NEUTRAL_NAME},
    _W15 + "presenceInfo": {_W15 + "providerId": "None", _W15 + "userId": NEUTRAL_NAME},
    # Excel: threaded comments and their persons, shared-workbook revisions,
    # who reserved the file, the folder it was saved in.
    _TC + "threadedComment": {"dT": _OOXML_DATE},
    _TC + "person": {"displayName": NEUTRAL_NAME, "userId": NEUTRAL_NAME, "providerId": "None"},
    _S + "header": {"userName": NEUTRAL_NAME, "dateTime": _OOXML_DATE},
    _S + "userInfo": {"name": NEUTRAL_NAME, "dateTime": _OOXML_DATE},
    _S + "fileSharing": {"userName": NEUTRAL_NAME},
    _X15AC + "absPath": {"url": ""},
    # PowerPoint: comment authors and comments, old and modern.
    _P + "cmAuthor": {"name": NEUTRAL_NAME, "initials": NEUTRAL_INITIALS},
    _P + "cm": {"dt": _OOXML_DATE},
    _P188 + "author": {
        "name": NEUTRAL_NAME,
        "initials": NEUTRAL_INITIALS,
        "userId": NEUTRAL_NAME,
        "providerId": "None",
    },
    _P188 + "cm": {"created": _OOXML_DATE},
    _P188 + "reply": {"created": _OOXML_DATE},
}
_OOXML_TEXTS = {_S + "author": NEUTRAL_NAME}  # Excel's list of comment authors
_RELATIONSHIP = f"{{{_RELATIONSHIPS}}}Relationship"
# The parts where those are written (and every relationship part). Each is
# read whole, so a larger one has the document refused as too large.
_OOXML_PEOPLE_PARTS = re.compile(
    r"^(word/.*\.xml|xl/workbook\.xml|xl/comments[^/]*\.xml|"
    r"xl/(threadedComments|persons|revisions)/.*\.xml|"
    r"ppt/(commentAuthors|authors)\.xml|ppt/comments/.*\.xml|.*\.rels)$"
)
_ODF_PEOPLE_PARTS = ("content.xml", "styles.xml", "settings.xml")
_DC = "{http://purl.org/dc/elements/1.1/}"
_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_CONFIG = "{urn:oasis:names:tc:opendocument:xmlns:config:1.0}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# LibreOffice: on comments and tracked changes (in content.xml, and in
# styles.xml for headers and footers).
_ODF_TEXTS = {
    _DC + "creator": NEUTRAL_NAME,
    _DC + "date": _ODF_DATE,
    _ODF_META + "creator-initials": NEUTRAL_INITIALS,
}
_PRINTER_ITEMS = frozenset({"PrinterName", "PrinterSetup"})  # settings.xml
# A scheme of two letters or more: "C:" is a drive, not a scheme.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def _outside_file(target: str) -> bool:
    """True for an address of a file on a disk or a network share, not a web address."""
    return not _SCHEME.match(target) or target.lower().startswith("file:")


def _file_name(target: str) -> str:
    """The last part of a path or an address: the folders name the person whose they are."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1] or "file"


def _ooxml_edit(name: str, attributes: Mapping[str, str]) -> Change | None:
    if name == _RELATIONSHIP:
        # A link to another file (an external workbook, the template, a linked
        # picture) keeps only that file's name. Hyperlinks are part of what
        # the document says, unless they point at a file on a disk.
        target = attributes.get("Target", "")
        if attributes.get("TargetMode") != "External" or (
            attributes.get("Type", "").endswith("/hyperlink") and not _outside_file(target)
        ):
            return None
        return Change({"Target": _file_name(target)})
    changed = {key: value for key, value in _OOXML_ANYWHERE.items() if key in attributes}
    for key, value in _OOXML_BY_ELEMENT.get(name, {}).items():
        if key in attributes:
            changed[key] = value
    text = _OOXML_TEXTS.get(name)
    return Change(changed, text) if changed or text is not None else None


def _odf_edit(name: str, attributes: Mapping[str, str]) -> Change | None:
    if name in _ODF_TEXTS:
        return Change(text=_ODF_TEXTS[name])
    if name == _CONFIG + "config-item" and attributes.get(_CONFIG + "name") in _PRINTER_ITEMS:
        return Change(text="")
    href = attributes.get(_XLINK_HREF, "")
    # A linked (not embedded) file outside the package: its folders go. Parts
    # inside the package ("Pictures/...", "./Object 1") are left as they are.
    if href.startswith(("../", "/", "\\")) or (href and _outside_file(href) and ":" in href):
        return Change({_XLINK_HREF: _file_name(href)})
    return None


def _rewritten(edit: Callable[[str, Mapping[str, str]], Change | None]) -> Replacement:
    return lambda old: rewrite(old, edit)


Replacement = Callable[[bytes], bytes]


def _constant(neutral: bytes) -> Replacement:
    return lambda _old: neutral


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(info) as part:
            return part.read(16)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError):
        raise Unreadable("a part of the document is damaged") from None


def _replacements(archive: zipfile.ZipFile, document: Document) -> dict[str, Replacement]:
    """What to put in place of each part that can hold hidden details, by part name."""
    infos = archive.infolist()
    if any(info.flag_bits & 0x1 for info in infos):
        raise Unreadable("the document is locked with a password")
    names = {info.filename for info in infos}
    replaced: dict[str, Replacement] = {}
    if document.odf:
        manifest = (
            _read_part(archive, "META-INF/manifest.xml")
            if "META-INF/manifest.xml" in names
            else b""
        )
        if b"encryption-data" in manifest:
            raise Unreadable("the document is locked with a password")
        for name in names:
            base = name.rsplit("/", 1)[-1]
            if base == "meta.xml":  # the document's, and each embedded object's
                replaced[name] = _neutral_meta
            elif base in _ODF_PEOPLE_PARTS:
                replaced[name] = _rewritten(_odf_edit)
    else:
        for name, label in _property_parts(archive).items():
            replaced[name] = _constant(_NEUTRAL_OOXML[label])
        for name in names:
            if name not in replaced and _OOXML_PEOPLE_PARTS.match(name):
                replaced[name] = _rewritten(_ooxml_edit)
    for info in infos:
        name = info.filename
        if name in replaced or name.endswith(("/", ".xml", ".rels")) or info.file_size == 0:
            continue
        if name.startswith(_EMBEDDINGS):
            replaced[name] = _clean_embedded
        elif _PRINTER_SETTINGS.match(name):
            replaced[name] = _without_printer_name
        else:
            head = _head(archive, info)
            if head.startswith(_OLE_SIGNATURE):
                raise HoldsUncleanableFile("the document holds an OLE object")
            if _is_picture(head):
                replaced[name] = _clean_picture
            elif head[4:8] == b"ftyp":  # a video or a recording
                replaced[name] = _clean_embedded
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
