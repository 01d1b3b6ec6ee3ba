"""The one helper that turns a reply or note into HTML: the small markup in, nothing else out."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from portal.web.rich_text import ALLOWED_TAGS, rich_text


class _Elements(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser's parser meets them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.comments: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_data(self, data: str) -> None:
        self.text += data


def _parsed(html: str) -> _Elements:
    elements = _Elements()
    elements.feed(html)
    elements.close()
    return elements


# Each: what an attacker (or a careless paste) writes, and what must not survive in the output.
HOSTILE = {
    "link": ('<a href="https://tracker.example/x">read</a>', ["<a", "href", "tracker.example"]),
    "javascript-link": ('<a href="javascript:alert(1)">x</a>', ["<a", "javascript:"]),
    "javascript-in-bold": ('**<a href="JaVaScRiPt:alert(1)">x</a>**', ["<a", "alert(1)"]),
    "image": ('<img src="https://tracker.example/p.png" alt="">', ["<img", "src", "tracker"]),
    "image-onerror": ("<img src=x onerror=alert(1)>", ["<img", "onerror"]),
    "style-attribute": ('<p style="background:url(https://t.example/)">x</p>', ["style", "url("]),
    "style-element": ("<style>body{display:none}</style>hi", ["<style"]),
    "script": ("<script>alert(1)</script>", ["<script"]),
    "event-handler": ('<strong onmouseover="alert(1)">x</strong>', ["onmouseover", "alert"]),
    "svg": ('<svg onload="alert(1)"><a xlink:href="javascript:1">t</a></svg>', ["<svg", "onload"]),
    "iframe": ('<iframe src="https://t.example/"></iframe>', ["<iframe", "t.example"]),
    "form": (
        '<form action="https://t.example/"><input name="codename"></form>',
        ["<form", "<input"],
    ),
    "meta-refresh": ('<meta http-equiv="refresh" content="0;url=https://t.example/">', ["<meta"]),
    "nested": (
        '<p><a href="https://t.example/"><img src="x" onerror="y"><b style="color:red">'
        "<i>bold</i></b></a></p>",
        ["<a", "<img", "onerror", "style", "<b", "<i"],
    ),
    "broken-nesting": ("<a href=x><ul><li><img src=y></a></li>", ["<a", "<img", "href"]),
    "comment": ("<!-- <img src=x> -->seen", ["<!--", "<img"]),
    "entity-script": ("&lt;script&gt;alert(1)&lt;/script&gt;", ["<script"]),
    "markup-in-list": ("- <a href='https://t.example/'>one</a>\n- two", ["<a", "t.example"]),
}


@pytest.mark.parametrize(("written", "forbidden"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_markup_is_removed_leaving_only_the_allowed_tags_without_attributes(
    written: str, forbidden: list[str]
) -> None:
    html = str(rich_text(written))
    elements = _parsed(html)
    assert set(elements.tags) <= ALLOWED_TAGS, elements.tags
    assert elements.attributes == []
    assert elements.comments == []
    for piece in forbidden:
        assert piece.lower() not in html.lower(), (piece, html)


def test_the_allow_list_has_no_link_image_or_style() -> None:
    assert {"p", "br", "ul", "li", "strong"} == ALLOWED_TAGS


def test_the_small_markup_makes_paragraphs_lists_bold_and_line_breaks() -> None:
    written = "Dear friend,\nthank you.\n\n- call **0800 000**\n- keep safe\n\nWe are here."
    assert str(rich_text(written)) == (
        "<p>Dear friend,<br>thank you.</p>"
        "<ul><li>call <strong>0800 000</strong></li><li>keep safe</li></ul>"
        "<p>We are here.</p>"
    )


def test_plain_words_with_markup_characters_are_kept_and_escaped() -> None:
    html = str(rich_text('5 < 6 & "quotes" aren\'t tags > no'))
    assert html == "<p>5 &lt; 6 &amp; &#34;quotes&#34; aren&#39;t tags &gt; no</p>"
    assert _parsed(html).text == '5 < 6 & "quotes" aren\'t tags > no'


def test_a_bare_address_stays_text_and_is_never_made_a_link() -> None:
    html = str(rich_text("see https://t.example/x or www.t.example"))
    assert _parsed(html).tags == ["p"]
    assert "https://t.example/x" in html
