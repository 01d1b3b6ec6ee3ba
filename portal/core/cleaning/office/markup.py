"""Changing a few attribute values and element texts of an XML part, every other byte kept.

Office documents name people and times inside the parts that hold their
content: who wrote a comment or made a tracked change, and when. Those
values are replaced where they stand. The part is not parsed and written
again: a serialiser would rename namespace prefixes, which Word reads by
name (`mc:Ignorable="w14"`), and would reformat what it does not change. So
expat reads the part, says where each start tag is, and only the bytes of
the values that change are replaced. The few parts only looked at (the
content types, the relationships, meta.xml's version) are read whole by
`parse`, through defusedxml.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml
from xml.parsers import expat

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from portal.core.cleaning.common import Unreadable

# A start tag, from its "<": its name, its attributes (quoted values may hold
# ">"), and its end ("/>" for an element without content).
_TAG = re.compile(rb"<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([^\"']+)")


@dataclass
class Change:
    """What to change in one element: attribute values by name, and its text."""

    attributes: dict[str, str] = field(default_factory=dict)
    text: str | None = None


# Given an element's name and its attributes (in "{namespace}name" form, values
# as read), what to change in it; None to leave it as it is.
Edit = Callable[[str, Mapping[str, str]], Change | None]


def parse(data: bytes) -> Element:
    """A whole part parsed (no DTD, no entities), to look at but not to write again."""
    try:
        root: Element = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise Unreadable("a part of the document is not well-formed XML") from None
    return root


def _escape(value: str) -> bytes:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .encode("utf-8")
    )


def _clark(name: str) -> str:
    namespace, _, local = name.rpartition("}")
    return f"{{{namespace}}}{local}" if namespace else local


class _Rewriter:
    """Collects the byte ranges to replace while expat reads the part."""

    def __init__(self, data: bytes, edit: Edit):
        self.data = data
        self.edit = edit
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.prefixes: dict[str, list[str]] = {}
        self.replacements: list[tuple[int, int, bytes]] = []
        self.open_texts: list[tuple[int, int, bytes] | None] = []
        parser = self.parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.declare
        parser.EndNamespaceDeclHandler = self.undeclare
        parser.StartDoctypeDeclHandler = self.refuse  # no DTD, so no entity expansion
        parser.EntityDeclHandler = self.refuse

    @staticmethod
    def refuse(*_args: object) -> None:
        raise Unreadable("a part of the document declares a DTD")

    def declare(self, prefix: str | None, uri: str) -> None:
        self.prefixes.setdefault(prefix or "", []).append(uri)

    def undeclare(self, prefix: str | None) -> None:
        self.prefixes[prefix or ""].pop()

    def _attribute_name(self, raw: bytes) -> str:
        name = raw.decode("utf-8")
        prefix, colon, local = name.partition(":")
        if not colon:
            return name  # an attribute without a prefix is in no namespace
        if prefix == "xml":
            return f"{{http://www.w3.org/XML/1998/namespace}}{local}"
        uris = self.prefixes.get(prefix)
        return f"{{{uris[-1]}}}{local}" if uris else name

    def start(self, name: str, attributes: dict[str, str]) -> None:
        change = self.edit(_clark(name), {_clark(k): v for k, v in attributes.items()})
        if change is None:
            self.open_texts.append(None)
            return
        position = self.parser.CurrentByteIndex
        tag = _TAG.match(self.data, position)
        if tag is None:
            raise Unreadable("a part of the document could not be read")
        for attribute in _ATTRIBUTE.finditer(self.data, tag.start(2), tag.end(2)):
            new = change.attributes.get(self._attribute_name(attribute.group(1)))
            if new is not None:
                value = b'"' + _escape(new) + b'"'
                self.replacements.append((attribute.start(2), attribute.end(2), value))
        if change.text is None:
            self.open_texts.append(None)
        elif tag.group(3):  # <name/>: given a text, it becomes <name>text</name>
            if change.text:
                closed = self.data[tag.start() : tag.start(3)].rstrip() + b">"
                whole = closed + _escape(change.text) + b"</" + tag.group(1) + b">"
                self.replacements.append((tag.start(), tag.end(), whole))
            self.open_texts.append(None)
        else:
            self.open_texts.append((tag.end(), 0, _escape(change.text)))

    def end(self, _name: str) -> None:
        text = self.open_texts.pop()
        if text is not None:
            self.replacements.append((text[0], self.parser.CurrentByteIndex, text[2]))

    def run(self) -> bytes:
        try:
            self.parser.Parse(self.data, True)
        except expat.ExpatError:
            raise Unreadable("a part of the document is not well-formed XML") from None
        pieces, position = [], 0
        for start, end, new in sorted(self.replacements):
            if start < position:
                continue  # inside a text already replaced whole
            pieces += [self.data[position:start], new]
            position = end
        pieces.append(self.data[position:])
        return b"".join(pieces)


def rewrite(data: bytes, edit: Edit) -> bytes:
    """The part with the changes `edit` asks for; Unreadable if it is not UTF-8 XML we can read."""
    declared = _DECLARED_ENCODING.match(data.removeprefix(b"\xef\xbb\xbf"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8")
    ):
        raise Unreadable("a part of the document is not in UTF-8")
    return _Rewriter(data, edit).run()
