"""Replies and notes with simple formatting: the one place written text becomes HTML.

Advocates write plain text with a small markup: a blank line starts a new
paragraph, lines starting "- " make a list, **two stars** make bold, and
other line breaks are kept. The HTML made from it is then cleaned by
`bleach` to the short allow-list below, whatever the text held: no links,
no pictures, no styles, no attributes at all. A link in a survivor's
history could be followed by the abuser who shares her device, or could
load something that tells its sender she read it.
"""

from __future__ import annotations

import re

import bleach
from flask import Flask
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "ul", "li", "strong"})
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITEM = "- "


def _inline(line: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", line)


def _blocks(text: str) -> list[str]:
    """Paragraphs (lines joined by <br>) and lists, in order."""
    html: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.rstrip() for line in block.strip("\n").split("\n") if line.strip()]
        run: list[str] = []
        in_list = False
        for line in [*lines, None]:
            is_item = line is not None and line.lstrip().startswith(_ITEM)
            if run and (line is None or is_item != in_list):
                if in_list:
                    html.append("<ul>" + "".join(f"<li>{item}</li>" for item in run) + "</ul>")
                else:
                    html.append("<p>" + "<br>".join(run) + "</p>")
                run = []
            if line is not None:
                in_list = is_item
                run.append(_inline(line.lstrip()[len(_ITEM) :] if is_item else line))
    return html


def rich_text(text: str) -> Markup:
    """Plain text with the small markup, as HTML cleaned to the allow-list (safe to show)."""
    cleaned = bleach.clean(
        "".join(_blocks(text)),
        tags=ALLOWED_TAGS,
        attributes={},
        protocols=set(),
        strip=True,
        strip_comments=True,
    )
    # No tag keeps an attribute, so any quote left is text: escaped as Jinja would.
    cleaned = cleaned.replace('"', "&#34;").replace("'", "&#39;")
    return Markup(cleaned)  # noqa: S704  # nosec B704 - bleach has just cleaned it to the allow-list


def init_app(app: Flask) -> None:
    """Offer the helper to every template as the `rich_text` filter."""
    app.jinja_env.filters["rich_text"] = rich_text
