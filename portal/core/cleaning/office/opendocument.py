"""LibreOffice documents (OpenDocument): which parts name people, and what replaces them.

ODT, ODS and ODP keep the author, dates and editing time in `meta.xml` (the
document's, and each embedded object's): it is replaced by a neutral one that
says nothing. Comments and tracked changes name who made them and when
(`dc:creator`, `dc:date`, `meta:creator-initials`): each name becomes "Author"
and each time 1980-01-01, where it stands. A linked file outside the package
keeps only its name; the printer's name and set-up in `settings.xml` are
emptied.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping

from portal.core.cleaning.common import Unreadable
from portal.core.cleaning.office.markup import Change, parse
from portal.core.cleaning.office.neutral import (
    NEUTRAL_INITIALS,
    NEUTRAL_NAME,
    file_name,
    outside_file,
    rewritten,
)
from portal.core.cleaning.office.zips import Replacement, read_part

_ODF = "application/vnd.oasis.opendocument."
TYPES = {
    _ODF + "text": ".odt",
    _ODF + "spreadsheet": ".ods",
    _ODF + "presentation": ".odp",
}
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DATE = "1980-01-01T00:00:00"
_PEOPLE_PARTS = ("content.xml", "styles.xml", "settings.xml")
_DC = "{http://purl.org/dc/elements/1.1/}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_CONFIG = "{urn:oasis:names:tc:opendocument:xmlns:config:1.0}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# On comments and tracked changes (in content.xml, and in styles.xml for
# headers and footers).
_TEXTS = {
    _DC + "creator": NEUTRAL_NAME,
    _DC + "date": _DATE,
    _META + "creator-initials": NEUTRAL_INITIALS,
}
_PRINTER_ITEMS = frozenset({"PrinterName", "PrinterSetup"})  # settings.xml
_MANIFEST = "META-INF/manifest.xml"


def media_type(archive: zipfile.ZipFile, names: list[str]) -> tuple[str, str] | None:
    """The media type and extension its `mimetype` part names, if one of ours and with content."""
    found = read_part(archive, "mimetype").decode("ascii", "replace")
    if found in TYPES and "content.xml" in names:
        return found, TYPES[found]
    return None


def _neutral_meta(original: bytes) -> bytes:
    version = parse(original).get(f"{{{_OFFICE}}}version", "1.2")
    if not re.fullmatch(r"[0-9.]{1,8}", version):
        version = "1.2"
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="'
        + _OFFICE.encode()
        + b'" office:version="'
        + version.encode()
        + b'"><office:meta/></office:document-meta>'
    )


def _edit(name: str, attributes: Mapping[str, str]) -> Change | None:
    if name in _TEXTS:
        return Change(text=_TEXTS[name])
    if name == _CONFIG + "config-item" and attributes.get(_CONFIG + "name") in _PRINTER_ITEMS:
        return Change(text="")
    href = attributes.get(_XLINK_HREF, "")
    # A linked (not embedded) file outside the package: its folders go. Parts
    # inside the package ("Pictures/...", "./Object 1") are left as they are.
    if href.startswith(("../", "/", "\\")) or (href and outside_file(href) and ":" in href):
        return Change({_XLINK_HREF: file_name(href)})
    return None


def replacements(archive: zipfile.ZipFile, names: set[str]) -> dict[str, Replacement]:
    """What replaces each XML part that names people, by part name; Unreadable if encrypted."""
    manifest = read_part(archive, _MANIFEST) if _MANIFEST in names else b""
    if b"encryption-data" in manifest:
        raise Unreadable("the document is locked with a password")
    replaced: dict[str, Replacement] = {}
    for name in names:
        base = name.rsplit("/", 1)[-1]
        if base == "meta.xml":  # the document's, and each embedded object's
            replaced[name] = _neutral_meta
        elif base in _PEOPLE_PARTS:
            replaced[name] = rewritten(_edit)
    return replaced
