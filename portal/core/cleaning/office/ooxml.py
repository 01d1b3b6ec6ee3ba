"""Word, Excel and PowerPoint documents: which parts name people, and what replaces them.

DOCX, XLSX and PPTX keep the author, the last person to save, the company,
the template, dates, revision and editing time in their document properties
(`docProps/core.xml`, `app.xml`, `custom.xml`): those parts are replaced by
neutral ones that say nothing. Comments and tracked changes name who made
them and when (`w:author`, `w:initials`, `w:date`; Word's `people.xml` holds
the Office account's e-mail address; Excel's and PowerPoint's comment
authors and threaded-comment persons): each name becomes "Author" and each
time 1980-01-01, where it stands, so the comments and changes themselves
stay. Excel records the folder the workbook was saved in (`x15ac:absPath`,
often `C:\\Users\\<name>\\...`): that address is emptied; a link to another
file (an external workbook, Word's template) keeps only that file's name.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping

from portal.core.cleaning.office.markup import Change, parse
from portal.core.cleaning.office.neutral import (
    NEUTRAL_INITIALS,
    NEUTRAL_NAME,
    file_name,
    outside_file,
    rewritten,
)
from portal.core.cleaning.office.zips import Replacement, read_part

_CONTENT_TYPES = "[Content_Types].xml"
_OOXML = "application/vnd.openxmlformats-officedocument."
TYPES = {
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
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PROPERTY_RELATIONS = {
    "/metadata/core-properties": "core",
    "/extended-properties": "app",
    "/custom-properties": "custom",
}
_NEUTRAL = {
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

# Who made a comment or a change, and when: the neutral time put in its place.
_DATE = "1980-01-01T00:00:00Z"
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
_ANYWHERE = {
    **{w + "author": NEUTRAL_NAME for w in (_W, _W_STRICT)},
    **{w + "initials": NEUTRAL_INITIALS for w in (_W, _W_STRICT)},
    **{w + "date": _DATE for w in (_W, _W_STRICT)},
    _W16DU + "dateUtc": _DATE,
    _W16CEX + "dateUtc": _DATE,
}
_BY_ELEMENT = {
    # Word's people.xml: each commenter's name and Office account.
    _W15 + "person": {_W15 + "author": NEUTRAL_NAME},
    _W15 + "presenceInfo": {_W15 + "providerId": "None", _W15 + "userId": NEUTRAL_NAME},
    # Excel: threaded comments and their persons, shared-workbook revisions,
    # who reserved the file, the folder it was saved in.
    _TC + "threadedComment": {"dT": _DATE},
    _TC + "person": {"displayName": NEUTRAL_NAME, "userId": NEUTRAL_NAME, "providerId": "None"},
    _S + "header": {"userName": NEUTRAL_NAME, "dateTime": _DATE},
    _S + "userInfo": {"name": NEUTRAL_NAME, "dateTime": _DATE},
    _S + "fileSharing": {"userName": NEUTRAL_NAME},
    _X15AC + "absPath": {"url": ""},
    # PowerPoint: comment authors and comments, old and modern.
    _P + "cmAuthor": {"name": NEUTRAL_NAME, "initials": NEUTRAL_INITIALS},
    _P + "cm": {"dt": _DATE},
    _P188 + "author": {
        "name": NEUTRAL_NAME,
        "initials": NEUTRAL_INITIALS,
        "userId": NEUTRAL_NAME,
        "providerId": "None",
    },
    _P188 + "cm": {"created": _DATE},
    _P188 + "reply": {"created": _DATE},
}
_TEXTS = {_S + "author": NEUTRAL_NAME}  # Excel's list of comment authors
_RELATIONSHIP = f"{{{_RELATIONSHIPS}}}Relationship"
# The parts where those are written (and every relationship part). Each is
# read whole, so a larger one has the document refused as too large.
_PEOPLE_PARTS = re.compile(
    r"^(word/.*\.xml|xl/workbook\.xml|xl/comments[^/]*\.xml|"
    r"xl/(threadedComments|persons|revisions)/.*\.xml|"
    r"ppt/(commentAuthors|authors)\.xml|ppt/comments/.*\.xml|.*\.rels)$"
)


def media_type(archive: zipfile.ZipFile, names: list[str]) -> tuple[str, str] | None:
    """The document's media type and extension, if its content types name a main part."""
    if _CONTENT_TYPES not in names or "_rels/.rels" not in names:
        return None
    for override in parse(read_part(archive, _CONTENT_TYPES)):
        found = TYPES.get(override.get("ContentType", ""))
        part = override.get("PartName", "").lstrip("/")
        if found and part in names:
            return found
    return None


def _property_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each document-properties part, by name, and which kind it is."""
    parts = {name: name.split("/")[-1].removesuffix(".xml") for name in _CONVENTIONAL}
    for relation in parse(read_part(archive, "_rels/.rels")):
        kind = relation.get("Type", "")
        target = relation.get("Target", "").lstrip("/")
        for suffix, label in _PROPERTY_RELATIONS.items():
            if kind.endswith(suffix) and target:
                parts[target] = label
    return parts


def _edit(name: str, attributes: Mapping[str, str]) -> Change | None:
    if name == _RELATIONSHIP:
        # A link to another file (an external workbook, the template, a linked
        # picture) keeps only that file's name. Hyperlinks are part of what
        # the document says, unless they point at a file on a disk.
        target = attributes.get("Target", "")
        if attributes.get("TargetMode") != "External" or (
            attributes.get("Type", "").endswith("/hyperlink") and not outside_file(target)
        ):
            return None
        return Change({"Target": file_name(target)})
    changed = {key: value for key, value in _ANYWHERE.items() if key in attributes}
    for key, value in _BY_ELEMENT.get(name, {}).items():
        if key in attributes:
            changed[key] = value
    text = _TEXTS.get(name)
    return Change(changed, text) if changed or text is not None else None


def _constant(neutral: bytes) -> Replacement:
    return lambda _old: neutral


def replacements(archive: zipfile.ZipFile, names: set[str]) -> dict[str, Replacement]:
    """What replaces each XML part that names people, by part name (some may not exist)."""
    replaced = {
        name: _constant(_NEUTRAL[label]) for name, label in _property_parts(archive).items()
    }
    for name in names:
        if name not in replaced and _PEOPLE_PARTS.match(name):
            replaced[name] = rewritten(_edit)
    return replaced
