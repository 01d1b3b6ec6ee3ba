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


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: its length, type, body and checksum."""
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
    extra = png_chunk(
        b"eXIf", exif.tobytes()[6:] if exif.tobytes().startswith(b"Exif") else exif.tobytes()
    )
    extra += png_chunk(b"prVt", f"owner={AUTHOR};where={GPS_TEXT}".encode())
    extra += png_chunk(b"caBX", f"credential of {AUTHOR}".encode())
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


# Shapes an adversarial review found details in: comments and their authors,
# attached and embedded files, links to other files, padding, subtitles,
# thumbnails, private chunks and colour-profile names.

EMAIL = "jane.survivorson@example.org"
WHEN = "20240312142233"  # as a PDF writes the time a comment was made
PDF_TEXT = b"BT /F1 12 Tf 20 250 Td (He said he would find me) Tj ET"


def _pdf_letter(document: Pdf) -> pikepdf.Page:
    document.add_blank_page(page_size=(300, 300))
    page = document.pages[0]
    page.Contents = Stream(document, PDF_TEXT)
    return page


def _pdf_bytes(document: Pdf) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_with_comments() -> bytes:
    """A letter commented in Acrobat (a note, its own object) and Preview (a highlight written
    straight into the page's list): each names its author, and when, and an e-mail-based id."""
    document = Pdf.new()
    page = _pdf_letter(document)
    stamp = pikepdf.String(f"D:{WHEN}+00'00'")
    note = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Text,
        Rect=pikepdf.Array([20, 200, 40, 220]),
        Contents=pikepdf.String("this is the letter"),
        T=pikepdf.String(AUTHOR),
        M=stamp,
        CreationDate=stamp,
        NM=pikepdf.String(f"{EMAIL}-annot-1"),
    )
    highlight = Dictionary(
        Subtype=Name.Highlight,
        Rect=pikepdf.Array([20, 245, 200, 262]),
        QuadPoints=pikepdf.Array([20, 262, 200, 262, 20, 245, 200, 245]),
        Contents=pikepdf.String("he said it twice"),
        T=pikepdf.String(AUTHOR),
        M=stamp,
    )
    field = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Widget,
        FT=Name.Tx,
        Rect=pikepdf.Array([20, 100, 200, 120]),
        T=pikepdf.String("incident_date"),
        V=pikepdf.String("12 March"),
    )
    field = document.make_indirect(field)
    page.Annots = pikepdf.Array([document.make_indirect(note), highlight, field])
    document.Root.AcroForm = Dictionary(Fields=pikepdf.Array([field]))
    return _pdf_bytes(document)


def _pdf_picture(document: Pdf, photo: bytes, filters: list[Name]) -> Stream:
    data = zlib.compress(photo) if Name.FlateDecode in filters else photo
    return Stream(
        document,
        data,
        Type=Name.XObject,
        Subtype=Name.Image,
        Width=48,
        Height=32,
        BitsPerComponent=8,
        ColorSpace=Name.DeviceRGB,
        Filter=pikepdf.Array(filters),
    )


def pdf_with_filter_arrays() -> bytes:
    """A scan whose photos are stored with /Filter [/DCTDecode], and compressed again
    ([/FlateDecode /DCTDecode]), as several writers do: their EXIF names the phone."""
    document = Pdf.new()
    page = _pdf_letter(document)
    page.Resources = Dictionary(
        XObject=Dictionary(
            Im0=_pdf_picture(document, jpeg(seed=8), [Name.DCTDecode]),
            Im1=_pdf_picture(document, jpeg(seed=9), [Name.FlateDecode, Name.DCTDecode]),
        )
    )
    page.Contents = Stream(document, PDF_TEXT + b" q 48 0 0 32 20 20 cm /Im0 Do Q")
    return _pdf_bytes(document)


ATTACHED_NAME = "IMG_Jane_Survivorson_home.jpg"


def _filespec(document: Pdf, data: bytes, name: str) -> Dictionary:
    embedded = Stream(
        document,
        data,
        Type=Name.EmbeddedFile,
        Subtype=Name("/image#2Fjpeg"),
        Params=Dictionary(
            CreationDate=pikepdf.String(f"D:{WHEN}Z"),
            ModDate=pikepdf.String(f"D:{WHEN}Z"),
            Size=len(data),
        ),
    )
    return document.make_indirect(
        Dictionary(
            Type=Name.Filespec,
            F=pikepdf.String(name),
            UF=pikepdf.String(name),
            Desc=pikepdf.String(f"from {AUTHOR}'s phone"),
            EF=Dictionary(F=embedded, UF=embedded),
        )
    )


def pdf_with_attachments(other: tuple[bytes, str] | None = None) -> bytes:
    """A PDF with a photo attached (listed under its own name, as Acrobat does) and a Word
    document attached to a comment; or with `other` attached instead of the document."""
    document = Pdf.new()
    page = _pdf_letter(document)
    photo = _filespec(document, jpeg(seed=11), ATTACHED_NAME)
    document.Root.Names = Dictionary(
        EmbeddedFiles=Dictionary(Names=pikepdf.Array([pikepdf.String(ATTACHED_NAME), photo]))
    )
    data, name = other or (docx(), f"Statement by {AUTHOR}.docx")
    clip = Dictionary(
        Type=Name.Annot,
        Subtype=Name.FileAttachment,
        Rect=pikepdf.Array([250, 250, 270, 270]),
        Contents=pikepdf.String("my statement"),
        T=pikepdf.String(AUTHOR),
        FS=_filespec(document, data, name),
    )
    page.Annots = pikepdf.Array([document.make_indirect(clip)])
    return _pdf_bytes(document)


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
COMMENTED_DOCUMENT_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_W} xmlns:mc="http:'
    '//schemas.openxmlformats.org/markup-compatibility/2006" xmlns:w14="http://schemas.'
    'microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"><w:body><w:p><w:ins w:id="1" '
    f'w:author="{AUTHOR}" w:date="2024-03-12T14:22:00Z"><w:r><w:t>He said he would find me.'
    '</w:t></w:r></w:ins><w:del w:id="2" w:author="J S" w:date="2024-03-12T14:23:00Z"><w:r>'
    "<w:delText>maybe</w:delText></w:r></w:del></w:p></w:body></w:document>"
).encode()
COMMENTS_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:comments {_W}><w:comment '
    f'w:id="0" w:author="{AUTHOR}" w:date="2024-03-12T14:22:00Z" w:initials="JS"><w:p><w:r>'
    "<w:t>keep this</w:t></w:r></w:p></w:comment></w:comments>"
).encode()
PEOPLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w15:people xmlns:w15="http://'
    f'schemas.microsoft.com/office/word/2012/wordml"><w15:person w15:author="{AUTHOR}">'
    f'<w15:presenceInfo w15:providerId="AD" w15:userId="S::{EMAIL}::8b1c"/></w15:person>'
    "</w15:people>"
).encode()


def docx_with_comments(embedded: tuple[str, bytes] | None = None) -> bytes:
    """A Word document commented with tracked changes on, by someone signed in to Office,
    with a workbook embedded (or `embedded`) and the thumbnail Word saves with it."""
    main = "word/document.xml"
    part, data = embedded or ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", xlsx())
    return _zip(
        [
            (
                "[Content_Types].xml",
                _TYPES.format(main=main, kind="wordprocessingml.document").encode(),
                zipfile.ZIP_DEFLATED,
            ),
            ("_rels/.rels", _RELS.format(main=main).encode(), zipfile.ZIP_DEFLATED),
            (main, COMMENTED_DOCUMENT_XML, zipfile.ZIP_DEFLATED),
            ("word/comments.xml", COMMENTS_XML, zipfile.ZIP_DEFLATED),
            ("word/people.xml", PEOPLE_XML, zipfile.ZIP_DEFLATED),
            (part, data, zipfile.ZIP_STORED),
            ("docProps/thumbnail.jpeg", jpeg(seed=12), zipfile.ZIP_STORED),
            ("docProps/core.xml", _CORE.encode(), zipfile.ZIP_DEFLATED),
        ]
    )


OLE_OBJECT = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + f"C:\\Users\\{AUTHOR}".encode()
EXTERNAL_LINK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://'
    'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
    'http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
    f'Target="file:///{WINDOWS_USER}calls.xlsx" TargetMode="External"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" '
    'Target="https://www.example.org/help" TargetMode="External"/></Relationships>'
).encode()
LINKED_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><f>[1]Calls!A1</f><v>14</v></c></row></sheetData></worksheet>'
)


def xlsx_with_external_link() -> bytes:
    """A workbook linked to another: the link names the folder, and so the Windows account."""
    main = "xl/workbook.xml"
    return _zip(
        [
            (
                "[Content_Types].xml",
                _TYPES.format(main=main, kind="spreadsheetml.sheet").encode(),
                zipfile.ZIP_DEFLATED,
            ),
            ("_rels/.rels", _RELS.format(main=main).encode(), zipfile.ZIP_DEFLATED),
            (main, WORKBOOK_XML, zipfile.ZIP_DEFLATED),
            ("xl/worksheets/sheet1.xml", LINKED_SHEET, zipfile.ZIP_DEFLATED),
            (
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                EXTERNAL_LINK_RELS,
                zipfile.ZIP_DEFLATED,
            ),
        ]
    )


_ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:'
    'names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
)
COMMENTED_ODT_CONTENT = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODF_NAMESPACES} '
    'office:version="1.3"><office:body><office:text><text:tracked-changes><text:changed-region '
    'text:id="c1"><text:insertion><office:change-info><dc:creator>'
    f"{AUTHOR}</dc:creator><dc:date>2024-03-12T14:22:33</dc:date></office:change-info>"
    "</text:insertion></text:changed-region></text:tracked-changes><text:p><office:annotation>"
    f"<dc:creator>{AUTHOR}</dc:creator><dc:date>2024-03-12T14:22:33</dc:date>"
    "<meta:creator-initials>JS</meta:creator-initials><text:p>note</text:p></office:annotation>"
    "He said he would find me.</text:p></office:text></office:body></office:document-content>"
).encode()
ODT_SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-settings xmlns:office="urn:oasis'
    ':names:tc:opendocument:xmlns:office:1.0" xmlns:config="urn:oasis:names:tc:opendocument:'
    'xmlns:config:1.0"><office:settings><config:config-item-set config:name="ooo:configuration'
    '-settings"><config:config-item config:name="PrinterName" config:type="string">HP LaserJet '
    f'at {AUTHOR}</config:config-item><config:config-item config:name="PrinterSetup" config:'
    'type="base64Binary">SFAgTGFzZXJKZXQgYXQgSmFuZSBTdXJ2aXZvcnNvbg==</config:config-item>'
    '<config:config-item config:name="AddParaTableSpacing" config:type="boolean">true'
    "</config:config-item></config:config-item-set></office:settings></office:document-settings>"
).encode()


def odt_with_comments() -> bytes:
    """A LibreOffice text with a comment and a tracked change, each naming its author and
    time, and the settings naming the printer (also inside its base64 set-up)."""
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
            ("content.xml", COMMENTED_ODT_CONTENT, zipfile.ZIP_DEFLATED),
            ("settings.xml", ODT_SETTINGS, zipfile.ZIP_DEFLATED),
        ]
    )


DASHCAM_GPS = f"GPS {GPS_TEXT} 48.3km/h 2024-03-12 14:22:33".encode()


def dashcam_movie() -> bytes:
    """A dashcam video (Novatek-style): GPS records in a top-level `free` atom, indexed by a
    `gps ` atom in the movie, where an editor also left the old user data in a `free` atom."""
    movie_bytes = movie(telemetry=False)
    _kind, start, size = next(a for a in atoms_of(movie_bytes) if a[0] == b"moov")
    gps_block = _atom(b"free", DASHCAM_GPS)
    index = _atom(b"gps ", struct.pack(">IIII", 0, 1, 0, len(gps_block)))
    old_udta = _atom(b"free", _udta())
    moov = struct.pack(">I4s", size + len(index) + len(old_udta), b"moov")
    moov += movie_bytes[start + 8 : start + size] + index + old_udta
    data = movie_bytes[:start] + moov + movie_bytes[start + size :]
    offset_at = data.index(b"gps ") + 12  # the first record's offset: the GPS block's
    data = data[:offset_at] + struct.pack(">I", len(data)) + data[offset_at + 4 :]
    return data + gps_block


SUBTITLE = f"[latitude: 51.5074] [longitude: -0.1278] {GPS_TEXT}".encode()


def subtitled_movie() -> bytes:
    """A drone video (DJI-style) that writes its position as a subtitle (tx3g) track."""
    ftyp = _atom(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    sample = struct.pack(">H", len(SUBTITLE)) + SUBTITLE
    media = b"".join(VIDEO_SAMPLES) + sample
    offsets, position = [], len(ftyp) + 8
    for video_sample in VIDEO_SAMPLES:
        offsets.append(position)
        position += len(video_sample)
    video = _track(b"vide", b"avc1", [len(s) for s in VIDEO_SAMPLES], offsets)
    text = _track(b"text", b"tx3g", [len(sample)], [position])
    mvhd = _full(b"mvhd", bytes(4), struct.pack(">II", 0, 0) + bytes(88))
    return ftyp + _atom(b"mdat", media) + _atom(b"moov", mvhd, video, text)


THUMBNAIL_PIXELS = b"CROPPED-OUT-FACE" * 3  # a 4 x 4 thumbnail of the picture before cropping


def jpeg_with_jfif_thumbnail() -> bytes:
    """A photo whose JFIF header carries an uncompressed thumbnail of the uncropped picture."""
    base = jpeg(seed=5)
    payload = b"JFIF\x00\x01\x02\x00\x00\x01\x00\x01" + bytes((4, 4)) + THUMBNAIL_PIXELS
    app0 = b"\xff\xe0" + (len(payload) + 2).to_bytes(2, "big") + payload
    rest = base[2:]
    if rest[:2] == b"\xff\xe0":
        rest = rest[2 + int.from_bytes(rest[2:4], "big") :]
    return b"\xff\xd8" + app0 + rest


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "little") + body + (b"\x00" if len(body) & 1 else b"")


def webp_with_private_chunks(extended: bool) -> bytes:
    """A WebP with chunks an app added (`XMP\\0`, a private one); extended, with EXIF and XMP
    too and its header's flags saying so."""
    image = Image.frombytes("RGB", (16, 16), random.Random(6).randbytes(16 * 16 * 3))
    buffer = io.BytesIO()
    if extended:
        exif = Image.Exif()
        exif[0x010F] = PHONE
        xmp = f"<x:xmpmeta>{AUTHOR}</x:xmpmeta>".encode()
        image.save(buffer, "WEBP", lossless=True, exif=exif.tobytes(), xmp=xmp)
    else:
        image.save(buffer, "WEBP", lossless=True)
    data = buffer.getvalue()
    data += _riff_chunk(b"XMP\x00", f"owner={AUTHOR};where={GPS_TEXT}".encode())
    data += _riff_chunk(b"prvT", f"{PHONE}".encode())
    return data[:4] + (len(data) - 8).to_bytes(4, "little") + data[8:]


ICC_PROFILE = bytes(range(256)) * 2


def png_with_named_profile() -> bytes:
    """A screenshot whose colour profile is named by the phone after its owner."""
    pixels = random.Random(7).randbytes(8 * 8 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (8, 8), pixels).save(buffer, "PNG")
    data = buffer.getvalue()
    profile = f"{AUTHOR}'s iPhone".encode() + b"\x00\x00" + zlib.compress(ICC_PROFILE)
    return data[:33] + png_chunk(b"iCCP", profile) + data[33:]
