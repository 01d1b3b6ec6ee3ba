"""Real files carrying identifying details the way phones and office programs write them.

Each builder returns the file's bytes; the secrets it hides are the module's
constants, so a test can look for every one of them in what was stored.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pikepdf
from pikepdf import Dictionary, Name, Pdf, Stream
from PIL import Image

AUTHOR = "Jane Survivorson"
COMPANY = "Survivorson Cleaning Ltd"
WINDOWS_USER = "C:\\Users\\JaneSurvivorson\\Documents\\"
PHONE = "AcmePhone 12 Pro"
GPS_TEXT = "+51.5074-000.1278/"
SECRETS = (AUTHOR, COMPANY, "JaneSurvivorson", PHONE, GPS_TEXT, "2024-03-12")


def _atom(kind: bytes, *children: bytes) -> bytes:
    body = b"".join(children)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, version_flags: bytes, body: bytes) -> bytes:
    return _atom(kind, version_flags + body)


def jpeg(seed: int = 3, size: tuple[int, int] = (48, 32)) -> bytes:
    """A photo whose EXIF names the phone and a GPS position."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    exif = Image.Exif()
    exif[0x010F] = PHONE
    exif[0x0132] = "2024:03:12 14:22:33"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (51.0, 30.0, 26.6), "W", (0.0, 7.0, 40.1)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png() -> bytes:
    """A screenshot with a GPS-bearing eXIf chunk and a private chunk the old deny-list missed."""
    pixels = random.Random(4).randbytes(40 * 30 * 4)
    buffer = io.BytesIO()
    Image.frombytes("RGBA", (40, 30), pixels).save(buffer, "PNG")
    data = buffer.getvalue()
    exif = Image.Exif()
    exif[0x010F] = PHONE
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 26.6)
    extra = _png_chunk(
        b"eXIf", exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif") else exif.tobytes()
    )
    extra += _png_chunk(b"prVt", f"owner={AUTHOR};where={GPS_TEXT}".encode())
    extra += _png_chunk(b"caBX", f"credential of {AUTHOR}".encode())
    return data[:33] + extra + data[33:]  # after IHDR


# Videos: an ISO BMFF (MP4) or QuickTime (MOV) file, built atom by atom.

VIDEO_SAMPLES = [random.Random(n).randbytes(300 + n * 17) for n in range(6)]
TELEMETRY = f"GPS5 {GPS_TEXT} speed 3.2".encode()
CREATED = 3_793_000_000  # seconds since 1904: 2024-03-12


def _udta() -> bytes:
    """QuickTime user data: the place (©xyz), the day (©day), the phone (©mak, ©mod)."""

    def text(kind: bytes, value: str) -> bytes:
        raw = value.encode()
        return _atom(kind, struct.pack(">HH", len(raw), 0x15C7) + raw)

    return _atom(
        b"udta",
        text(b"\xa9xyz", GPS_TEXT),
        text(b"\xa9day", "2024-03-12T14:22:33+0000"),
        text(b"\xa9mak", "Acme"),
        text(b"\xa9mod", PHONE),
    )


def _apple_meta() -> bytes:
    """Apple's metadata: keys naming the location and model, and their values (ilst)."""
    keys = [b"com.apple.quicktime.location.ISO6709", b"com.apple.quicktime.model"]
    values = [GPS_TEXT.encode(), PHONE.encode()]
    key_atoms = b"".join(struct.pack(">I4s", 8 + len(k), b"mdta") + k for k in keys)
    items = b"".join(
        _atom(struct.pack(">I", n + 1), _atom(b"data", struct.pack(">II", 1, 0) + value))
        for n, value in enumerate(values)
    )
    return _atom(
        b"meta",
        _full(b"hdlr", bytes(4), bytes(4) + b"mdta" + bytes(12) + b"\x00"),
        _full(b"keys", bytes(4), struct.pack(">I", len(keys)) + key_atoms),
        _atom(b"ilst", items),
    )


def _track(handler: bytes, sample_entry: bytes, sizes: list[int], offsets: list[int]) -> bytes:
    times = struct.pack(">II", CREATED, CREATED)
    stbl = _atom(
        b"stbl",
        _full(b"stsd", bytes(4), struct.pack(">I", 1) + _atom(sample_entry, bytes(8))),
        _full(b"stts", bytes(4), struct.pack(">III", 1, len(sizes), 1000)),
        _full(b"stsc", bytes(4), struct.pack(">IIII", 1, 1, 1, 1)),
        _full(
            b"stsz",
            bytes(4),
            struct.pack(">II", 0, len(sizes)) + struct.pack(f">{len(sizes)}I", *sizes),
        ),
        _full(
            b"stco",
            bytes(4),
            struct.pack(">I", len(offsets)) + struct.pack(f">{len(offsets)}I", *offsets),
        ),
    )
    return _atom(
        b"trak",
        _full(b"tkhd", bytes(4), times + bytes(72)),
        _atom(
            b"mdia",
            _full(b"mdhd", bytes(4), times + struct.pack(">II", 1000, 6000) + bytes(4)),
            _full(b"hdlr", bytes(4), bytes(4) + handler + bytes(12) + b"Handler\x00"),
            _atom(b"minf", stbl),
        ),
        _udta(),
    )


def movie(quicktime: bool = False, moov_first: bool = False, telemetry: bool = True) -> bytes:
    """A phone video: GPS and the phone in udta and meta, creation times, a GPS track.

    The MOV has its movie atom at the end, after the media, as phones write it.
    """
    ftyp = (
        _atom(b"ftyp", b"qt  " + bytes(4) + b"qt  ")
        if quicktime
        else _atom(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    )
    media = b"".join(VIDEO_SAMPLES) + (TELEMETRY if telemetry else b"")

    def build(mdat_start: int) -> bytes:
        offsets, position = [], mdat_start + 8
        for sample in VIDEO_SAMPLES:
            offsets.append(position)
            position += len(sample)
        tracks = [_track(b"vide", b"avc1", [len(s) for s in VIDEO_SAMPLES], offsets)]
        if telemetry:
            tracks.append(_track(b"meta", b"gpmd", [len(TELEMETRY)], [position]))
        mvhd = _full(b"mvhd", bytes(4), struct.pack(">II", CREATED, CREATED) + bytes(88))
        return _atom(b"moov", mvhd, *tracks, _udta(), _apple_meta())

    wide = _atom(b"wide") if quicktime else b""
    if moov_first:
        moov_size = len(build(0))
        moov = build(len(ftyp) + len(wide) + moov_size)
        return (
            ftyp
            + wide
            + moov
            + _atom(b"mdat", media)
            + _atom(b"uuid", b"\xbe\x7a" + bytes(14) + f"<x:xmpmeta>{AUTHOR}</x:xmpmeta>".encode())
        )
    mdat = _atom(b"mdat", media)
    return ftyp + wide + mdat + build(len(ftyp) + len(wide))


def atoms_of(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, start, size) of each atom in start..end."""
    found, position, end = [], start, len(data) if end is None else end
    while position < end:
        size, kind = struct.unpack_from(">I4s", data, position)
        found.append((kind, position, size))
        position += size
    return found


def mdat_of(data: bytes) -> bytes:
    """The media data of a movie."""
    _kind, start, size = next(a for a in atoms_of(data) if a[0] == b"mdat")
    return data[start + 8 : start + size]


# PDF


def pdf() -> bytes:
    """A letter: the author in the info dictionary and in XMP, a page's own XMP, private
    application data, and a photo (JPEG) whose EXIF holds the phone's GPS position."""
    document = Pdf.new()
    document.add_blank_page(page_size=(300, 300))
    page = document.pages[0]
    photo = jpeg(seed=8)
    image = Stream(
        document,
        photo,
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=48,
        Height=32,
        BitsPerComponent=8,
        ColorSpace=Name.DeviceRGB,
        Filter=Name.DCTDecode,
    )
    page.Resources = Dictionary(XObject=Dictionary(Im0=image))
    page.Contents = Stream(
        document,
        b"BT /F1 12 Tf 20 250 Td (He said he would find me) Tj ET q 48 0 0 32 20 20 cm /Im0 Do Q",
    )
    page.obj.Metadata = Stream(
        document,
        f"<x:xmpmeta><dc:creator>{AUTHOR}</dc:creator></x:xmpmeta>".encode(),
        Type=Name.Metadata,
        Subtype=Name.XML,
    )
    page.obj.PieceInfo = Dictionary(Illustrator=Dictionary(Private=pikepdf.String(COMPANY)))
    document.docinfo[Name.Author] = AUTHOR
    document.docinfo[Name.Creator] = f"Word for {COMPANY}"
    document.docinfo[Name.CreationDate] = "D:20240312142233Z"
    with document.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:creator"] = [AUTHOR]
        xmp["xmp:CreatorTool"] = PHONE
    document.trailer.ID = pikepdf.Array(
        [pikepdf.String(b"JaneSurvivorson1"), pikepdf.String(b"JaneSurvivorson2")]
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# Office documents

_CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<dc:creator>{AUTHOR}</dc:creator><cp:lastModifiedBy>{AUTHOR}</cp:lastModifiedBy>"
    "<cp:revision>7</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-12T14:22:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-12T15:01:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas'
    '.openxmlformats.org/officeDocument/2006/extended-properties"><Template>Normal.dotm</Template>'
    f"<TotalTime>41</TotalTime><Company>{COMPANY}</Company><Application>Microsoft Office Word"
    "</Application></Properties>"
)
_CUSTOM = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas'
    '.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.'
    'openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-'
    '101B-9397-08002B2CF9AE}" pid="2" name="Owner"><vt:lpwstr>'
    f"{AUTHOR}</vt:lpwstr></property></Properties>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
    '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="'
    '{main}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id='
    '"rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-'
    'properties" Target="docProps/app.xml"/><Relationship Id="rId4" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/'
    'custom.xml"/></Relationships>'
)
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
    'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/>'
    '<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-officedocument.'
    '{kind}.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.'
    'openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.custom-properties+xml"/></Types>'
)
DOCUMENT_XML = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://'
    b'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>He said he '
    b"would find me wherever I went.</w:t></w:r></w:p></w:body></w:document>"
)
WORKBOOK_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/'
    'markup-compatibility/2006"><mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath '
    'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" '
    f'url="{WINDOWS_USER}"'
    '/></mc:Choice></mc:AlternateContent><sheets><sheet name="Calls" sheetId="1"/></sheets>'
    "</workbook>"
).encode()


def _zip(entries: list[tuple[str, bytes, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, method in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 12, 14, 22, 32))
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def docx() -> bytes:
    """A Word document: author, last saved by, company, template, dates; a photo with GPS."""
    main = "word/document.xml"
    return _zip(
        [
            (
                "[Content_Types].xml",
                _TYPES.format(main=main, kind="wordprocessingml.document").encode(),
                zipfile.ZIP_DEFLATED,
            ),
            ("_rels/.rels", _RELS.format(main=main).encode(), zipfile.ZIP_DEFLATED),
            (main, DOCUMENT_XML, zipfile.ZIP_DEFLATED),
            ("word/media/image1.jpeg", jpeg(seed=9), zipfile.ZIP_STORED),
            ("docProps/core.xml", _CORE.encode(), zipfile.ZIP_DEFLATED),
            ("docProps/app.xml", _APP.encode(), zipfile.ZIP_DEFLATED),
            ("docProps/custom.xml", _CUSTOM.encode(), zipfile.ZIP_DEFLATED),
        ]
    )


def xlsx() -> bytes:
    """An Excel workbook: the same properties, and the folder it was saved in."""
    main = "xl/workbook.xml"
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>14 calls on 12 March</t></is>'
        b"</c></row></sheetData></worksheet>"
    )
    return _zip(
        [
            (
                "[Content_Types].xml",
                _TYPES.format(main=main, kind="spreadsheetml.sheet").encode(),
                zipfile.ZIP_DEFLATED,
            ),
            ("_rels/.rels", _RELS.format(main=main).encode(), zipfile.ZIP_DEFLATED),
            (main, WORKBOOK_XML, zipfile.ZIP_DEFLATED),
            ("xl/worksheets/sheet1.xml", sheet, zipfile.ZIP_DEFLATED),
            ("docProps/core.xml", _CORE.encode(), zipfile.ZIP_DEFLATED),
            ("docProps/app.xml", _APP.encode(), zipfile.ZIP_DEFLATED),
            ("docProps/custom.xml", _CUSTOM.encode(), zipfile.ZIP_DEFLATED),
        ]
    )


ODT_CONTENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="urn:oasis:'
    b'names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
    b'text:1.0" office:version="1.3"><office:body><office:text><text:p>He said he would find me.'
    b"</text:p></office:text></office:body></office:document-content>"
)


def odt() -> bytes:
    """A LibreOffice document whose meta.xml names who created it and who edited it, and when."""
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="urn:oasis:'
        'names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:'
        'xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3">'
        f"<office:meta><meta:initial-creator>{AUTHOR}</meta:initial-creator><dc:creator>{AUTHOR}"
        "</dc:creator><meta:creation-date>2024-03-12T14:22:33</meta:creation-date><meta:generator>"
        f"LibreOffice on {PHONE}</meta:generator></office:meta></office:document-meta>"
    ).encode()
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest="urn:oasis:'
        b'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
        b'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        b'<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        b"</manifest:manifest>"
    )
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
            ("content.xml", ODT_CONTENT, zipfile.ZIP_DEFLATED),
            ("meta.xml", meta, zipfile.ZIP_DEFLATED),
            ("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED),
        ]
    )
