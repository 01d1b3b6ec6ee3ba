"""Whatever a survivor (or an attacker posing as one) types, the portal never breaks, never
runs it, and never loses or alters it beyond dropping invisible control characters.

Each hostile string is pushed through every text field of the report form, then read back
by the survivor (the page must show it escaped, exactly) and by an advocate (the stored
account must hold it exactly). Choice fields get invalid values and must answer with a
plain validation message, never a server error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from portal.core.reports import decrypt_account, read_thread
from portal.store import Store
from portal.store.models import Group, Report
from tests.support.instance import Instance
from tests.support.keys import advocates_key, report_key_for
from tests.support.pages import CODENAME, form_tokens, post_report, sign_in


@dataclass(frozen=True)
class Hostile:
    """A hostile string, and what the portal should store for it."""

    name: str
    text: str
    stored: str | None = None  # None: stored exactly as typed

    @property
    def expected(self) -> str:
        return self.text if self.stored is None else self.stored


HOSTILE = [
    # Markup and script
    Hostile("script-tag", "<script>alert(1)</script>"),
    Hostile("img-onerror", '"><img src=x onerror=alert(1)>'),
    Hostile("svg-onload", "<svg/onload=alert(1)>"),
    Hostile("attribute-break", "' autofocus onfocus=alert(1) x='"),
    Hostile("textarea-breakout", "</textarea><script>alert(1)</script>"),
    Hostile("title-breakout", "</title></head><body onload=alert(1)>"),
    Hostile("javascript-url", "javascript:alert(document.cookie)"),
    Hostile("javascript-link", '<a href="javascript:alert(1)">my evidence</a>'),
    Hostile("data-url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
    Hostile("style-tag", "<style>body{background:url(javascript:alert(1))}</style>"),
    Hostile("html-entities", "&lt;script&gt; &amp;amp; &#60; &#x3C;"),
    Hostile("html-comment", "<!-- hidden --><![CDATA[ x ]]>"),
    # Templates and format strings
    Hostile("jinja-expression", "{{7*7}}"),
    Hostile("jinja-config", "{{ config.items() }}{{ request.environ }}"),
    Hostile("jinja-statement", "{% for x in range(3) %}{{ x }}{% endfor %}"),
    Hostile("jinja-comment", "before{# hidden #}after"),
    Hostile("dollar-template", "${7*7}"),
    Hostile("erb-template", "<%= 7*7 %>"),
    Hostile("format-string", "%s%s%s%n %x {0} {} %(name)s"),
    # Queries, paths, shells, spreadsheets, JSON
    Hostile("sql-drop", "'; DROP TABLE reports; --"),
    Hostile("sql-or", "' OR '1'='1' --"),
    Hostile("sql-union", "1 UNION SELECT lookup_id, survivor_key FROM reports --"),
    Hostile("path-traversal", "../../../../etc/passwd"),
    Hostile("windows-traversal", "..\\..\\windows\\win.ini"),
    Hostile("shell", "$(rm -rf /); `id` | cat /etc/shadow"),
    Hostile("csv-formula", '=HYPERLINK("http://evil.example","click")'),
    Hostile("json-breakout", '"}, "officers": [{"name": "x"}], "a": "\\"\\\\'),
    # Control characters: dropped, except tab and newlines
    Hostile("null-byte", "a\x00b", "ab"),
    Hostile("control-characters", "a\x01\x02\x07\x08b\x0bc\x0cd\x1b[31me\x7f", "abcd[31me"),
    Hostile("only-edges-controlled", "\x00\x00 text \x1f", "text"),
    Hostile("tab-and-newlines", "line one\n\tline two\r\nline three"),
    Hostile("crlf-header-injection", "x\r\nSet-Cookie: a=b"),
    Hostile("header-and-body", "Content-Type: text/html\r\n\r\n<h1>forged</h1>"),
    # Unicode that must round-trip exactly
    Hostile("right-to-left-override", "\u202egnp.exe"),
    Hostile("right-to-left-scripts", "שלום, مرحبا بكم"),
    Hostile("emoji", "😀🙏🏽💔"),
    Hostile("zwj-family", "👩\u200d👩\u200d👧\u200d👦"),
    Hostile("flag-tag-sequence", "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"),
    Hostile("combining-zalgo", "Z\u0334\u0321\u0322a\u0337l\u0338g\u0335o\u0336"),
    Hostile("decomposed-accent", "Rene\u0301e and Ren\u00e9e"),
    # "paypal", "PC", "Scotland Yard" in Cyrillic, fullwidth and Greek look-alikes
    Hostile(
        "confusables", "\u0440\u0430\u0443\u0440\u0430l \uff30\uff23 \u0405c\u03bftland \u03a5ard"
    ),
    Hostile("zero-width", "a\u200bb\u200cc\u200dd\ufeffe"),
    Hostile("line-separators", "a\u2028b\u2029c"),
    Hostile("astral-maths", "\U0001d54f\U0001d550\u2124 \U0001d7d8\U0001d7d9"),
    # Sizes and numbers
    Hostile("long-word-fits-short-fields", "W" * 190),
    Hostile("very-long-word", "Supercalifragilistic" * 1000),
    Hostile("huge-number", "9" * 5000),
    Hostile("special-numbers", "-1e308 NaN Infinity -0 0x7fffffff"),
]

TEXT_FIELDS = {
    # field: (character limit, where the survivor's page shows it, if it does)
    "what_happened": 100_000,
    "when": 200,
    "where": 2_000,
    "harm_other": 200,
    "reported_outcome": 10_000,
    "contact_details": 2_000,
    "officers-0-name": 200,
    "officers-0-number": 200,
    "officers-0-rank": 200,
}
SHOWN_ON_RETURN = {
    "what_happened": r'<dt>What happened</dt><dd class="body">(.*?)</dd>',
    "when": r"<dt>When</dt><dd>(.*?)</dd>",
    "where": r"<dt>Where</dt><dd>(.*?)</dd>",
}
OFFICER_LINE = r"<dt>Officer 1</dt><dd>(.*?)</dd>"
MARKUP = re.compile(r"[<>&\"']")


def _stored_value(account: dict[str, Any], field: str) -> str:
    if field.startswith("officers-0-"):
        officers = account["officers"]
        return str(officers[0][field.removeprefix("officers-0-")]) if officers else ""
    return str(account[field] or "")


def _report_count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def _account(instance: Instance, store: Store) -> dict[str, Any]:
    with store.session() as session:
        report = session.scalars(select(Report)).one()
        data_key = report_key_for(advocates_key(instance, store), report, Group.ADVOCATES)
        return decrypt_account(data_key, report)


def _section(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, f"nothing matches {pattern}"
    return match.group(1)


def _form_value(page: str, field: str) -> str:
    """What an input or textarea of the re-rendered form holds, as sent to the browser."""
    textarea = re.search(rf'<textarea[^>]*name="{field}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    if textarea:
        return textarea.group(1)
    tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', page)
    assert tag, f"no input named {field}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def _assert_never_a_server_error(response: Any) -> None:
    assert response.status_code < 500, response.text[-1000:]
    assert "something went wrong on our side" not in response.text


def _assert_no_forged_cookie(response: Any) -> None:
    assert all("a=b" not in cookie for cookie in response.headers.getlist("Set-Cookie"))


# --- Every text field, every hostile string ---------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_hostile_text_in_every_field_is_stored_exactly_and_shown_escaped(
    client: FlaskClient, instance: Instance, store: Store, hostile: Hostile
) -> None:
    fitting = [f for f, limit in TEXT_FIELDS.items() if len(hostile.expected) <= limit]
    assert "what_happened" in fitting
    response = post_report(client, dict.fromkeys(fitting, hostile.text))
    _assert_never_a_server_error(response)
    _assert_no_forged_cookie(response)
    codename = CODENAME.search(response.text)
    assert response.status_code == 200 and codename, response.text[-2000:]

    # The advocate reads exactly what was typed, less control characters.
    account = _account(instance, store)
    for field in fitting:
        assert _stored_value(account, field) == hostile.expected, field

    # The survivor sees it escaped, exactly, never run or evaluated.
    assert sign_in(client, codename.group(1)).status_code == 303
    page_response = client.get("/return/report")
    _assert_never_a_server_error(page_response)
    _assert_no_forged_cookie(page_response)
    page = page_response.text
    shown = escape(hostile.expected)
    for field, pattern in SHOWN_ON_RETURN.items():
        if field in fitting:
            assert _section(page, pattern) == shown, field
    officer = [
        shown for f in ("officers-0-name", "officers-0-number", "officers-0-rank") if f in fitting
    ]
    if officer:
        assert _section(page, OFFICER_LINE) == ", ".join(officer)
    if MARKUP.search(hostile.expected):
        assert hostile.expected not in page, "hostile markup reached the page unescaped"


def test_script_tags_never_reach_the_page_raw(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    payload = "<script>alert(1)</script>"
    response = post_report(client, {**dict.fromkeys(TEXT_FIELDS, payload), "in_danger": "no"})
    codename = CODENAME.search(response.text)
    assert codename
    sign_in(client, codename.group(1))
    page = client.get("/return/report").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_template_syntax_is_shown_not_evaluated(client: FlaskClient) -> None:
    response = post_report(client, {"what_happened": "{{7*7}} ${7*7} {{ 6*7 }}"})
    codename = CODENAME.search(response.text)
    assert codename
    sign_in(client, codename.group(1))
    shown = _section(client.get("/return/report").text, SHOWN_ON_RETURN["what_happened"])
    assert shown == "{{7*7}} ${7*7} {{ 6*7 }}"
    assert "49" not in shown and "42" not in shown


def test_a_null_byte_is_dropped_and_the_rest_kept(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    response = post_report(client, {"what_happened": "a\x00b", "when": "\x00in May\x00"})
    assert CODENAME.search(response.text)
    account = _account(instance, store)
    assert account["what_happened"] == "ab"
    assert account["when"] == "in May"


def test_an_account_of_only_control_characters_counts_as_empty(
    client: FlaskClient, store: Store
) -> None:
    response = post_report(client, {"what_happened": "\x00\x01\x1b\x7f"})
    assert response.status_code == 200
    assert "Please write something about what happened, or attach a file." in response.text
    assert _report_count(store) == 0


OVERLONG = {field: limit for field, limit in TEXT_FIELDS.items() if field != "what_happened"}


@pytest.mark.parametrize("field", OVERLONG)
def test_overlong_hostile_text_gets_a_clear_message_and_is_kept_in_the_form(
    client: FlaskClient, store: Store, field: str
) -> None:
    limit = OVERLONG[field]
    payload = ("<b>9</b>'\"" * (limit // 9 + 1))[: limit + 1]
    response = post_report(client, {"what_happened": "It was him.", field: payload})
    _assert_never_a_server_error(response)
    assert response.status_code == 200
    assert not CODENAME.search(response.text)
    assert f"Please keep this under {limit:,} characters." in response.text
    assert _form_value(response.text, field) == escape(payload)
    assert _form_value(response.text, "what_happened") == "It was him."
    assert payload not in response.text
    assert _report_count(store) == 0


def test_hostile_text_is_kept_escaped_when_the_form_is_shown_again(
    client: FlaskClient, store: Store
) -> None:
    # An invalid choice sends every field back to the browser: each must come back intact.
    sent = {field: hostile.text for field, hostile in zip(TEXT_FIELDS, HOSTILE, strict=False)}
    response = post_report(client, {**sent, "force": "Gotham City Police"})
    assert response.status_code == 200
    assert not CODENAME.search(response.text)
    for field, hostile in zip(TEXT_FIELDS, HOSTILE, strict=False):
        assert _form_value(response.text, field) == escape(hostile.expected), field
    assert "<script>alert" not in response.text
    assert _report_count(store) == 0


# --- The longest account: refused with a clear message, and not lost --------------------


def test_a_one_megabyte_account_is_refused_clearly_and_kept_in_the_form(
    client: FlaskClient, store: Store
) -> None:
    account = "He said nobody would believe me. " * 31_000 + "The end."
    assert len(account.encode()) > 1_000_000
    response = post_report(client, {"what_happened": account, "where": "Leeds"})
    assert response.status_code == 200
    assert "Please keep this under 100,000 characters." in response.text
    assert _form_value(response.text, "what_happened") == account
    assert _form_value(response.text, "where") == "Leeds"
    assert not CODENAME.search(response.text)
    assert _report_count(store) == 0


def test_the_account_limit_counts_characters_not_bytes(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    at_limit = "é" * 100_000
    assert CODENAME.search(post_report(client, {"what_happened": at_limit}).text)
    assert _account(instance, store)["what_happened"] == at_limit
    over = post_report(client, {"what_happened": at_limit + "é"})
    assert "Please keep this under 100,000 characters." in over.text
    assert _report_count(store) == 1


# --- Choice fields given values they do not offer ----------------------------------------

CHOICE_FIELDS = [
    "force",
    "in_danger",
    "harms",
    "reported_before",
    "contact_method",
    "officers-0-role",
]
INVALID_CHOICES = {
    "script-tag": "<script>alert(1)</script>",
    "jinja-expression": "{{7*7}}",
    "sql-drop": "'; DROP TABLE reports; --",
    "null-byte": "yes\x00",
    "huge-number": "9" * 5000,
    "right-to-left-override": "\u202eyes",
    "crlf-header-injection": "x\r\nSet-Cookie: a=b",
    "path-traversal": "../../etc/passwd",
    "near-miss": "Yes ",
}


@pytest.mark.parametrize("value", INVALID_CHOICES.values(), ids=INVALID_CHOICES.keys())
@pytest.mark.parametrize("field", CHOICE_FIELDS)
def test_a_choice_that_was_not_offered_is_refused_without_an_error_or_a_report(
    client: FlaskClient, store: Store, field: str, value: str
) -> None:
    response = post_report(client, {"what_happened": "It was him.", field: value})
    _assert_never_a_server_error(response)
    _assert_no_forged_cookie(response)
    assert response.status_code == 200
    assert not CODENAME.search(response.text)
    assert "There is a problem" in response.text
    if MARKUP.search(value):
        assert value not in response.text
    assert _form_value(response.text, "what_happened") == "It was him."
    assert _report_count(store) == 0


@pytest.mark.parametrize("field", CHOICE_FIELDS)
def test_a_choice_that_was_not_offered_is_named_in_a_message(
    client: FlaskClient, field: str
) -> None:
    response = post_report(client, {"what_happened": "It was him.", field: "<b>tampered</b>"})
    assert response.status_code == 200
    assert re.search(r"not a valid choice", response.text, re.I), (
        f"no message tells the survivor what is wrong with {field}"
    )


def test_every_error_summary_lists_the_problem(client: FlaskClient) -> None:
    # An officer's details sit in a nested form; their errors must still be listed.
    response = post_report(client, {"what_happened": "It was him.", "officers-1-name": "N" * 201})
    assert "Please keep this under 200 characters." in response.text
    summary = _section(response.text, r'<div class="error-summary"[^>]*>(.*?)</div>')
    assert "<li>" in summary, "the error summary says there is a problem but lists none"


@pytest.mark.parametrize(
    "fields",
    [
        {"officers-3-name": "a fourth officer"},
        {"officers-99999999999999999999-name": "x"},
        {"officers--1-name": "x"},
        {"officers-0-name-extra": "x", "officers-0": "x"},
        {"csrf_token_extra": "x", "__proto__": "x", "constructor": "x"},
        {"consent_read": "<script>", "keep_metadata": "{{7*7}}", "submit": "\x00"},
    ],
    ids=[
        "fourth-officer",
        "huge-officer-index",
        "negative-officer-index",
        "malformed-names",
        "unknown-fields",
        "hostile-checkbox-values",
    ],
)
def test_unexpected_form_fields_never_cause_a_server_error(
    client: FlaskClient, fields: dict[str, str]
) -> None:
    response = post_report(client, {"what_happened": "It was him.", **fields})
    _assert_never_a_server_error(response)
    assert response.status_code == 200


def test_invalid_utf8_never_causes_a_server_error(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    tokens = form_tokens(client)
    body = (
        f"csrf_token={tokens['csrf_token']}&submission={tokens['submission']}"
        "&consent_read=y&what_happened=before%FF%FE%C0%80after"
    )
    response = client.post(
        "/report",
        data=body,
        content_type="application/x-www-form-urlencoded",
        follow_redirects=True,
    )
    _assert_never_a_server_error(response)
    assert CODENAME.search(response.text)
    stored = _account(instance, store)["what_happened"]
    assert stored.startswith("before") and stored.endswith("after")


# --- The codename box on /return ---------------------------------------------------------

HOSTILE_CODENAMES = {
    "one-megabyte": "abacus " * 150_000,
    "null-bytes": "\x00".join(["abacus"] * 7),
    "script-tag": "<script>alert(1)</script>",
    "jinja-expression": "{{7*7}}",
    "sql-or": "' OR '1'='1' --",
    "right-to-left-override": "\u202e" + "abacus " * 7,
    "emoji": "😀 " * 7,
    "huge-number": "9" * 5000,
    "crlf-header-injection": "x\r\nSet-Cookie: a=b",
    "control-characters-only": "\x00\x01\x02",
}
NEUTRAL = (
    "We could not find a report with that codename",
    "That is too long to be a codename.",
    "Please enter your codename.",
)


@pytest.mark.parametrize("codename", HOSTILE_CODENAMES.values(), ids=HOSTILE_CODENAMES.keys())
def test_a_hostile_codename_gets_a_neutral_message_never_an_error(
    client: FlaskClient, codename: str
) -> None:
    response = sign_in(client, codename)
    _assert_never_a_server_error(response)
    _assert_no_forged_cookie(response)
    assert response.status_code == 200
    assert any(message in response.text for message in NEUTRAL), response.text[-1500:]
    assert not response.headers.getlist("Set-Cookie") or all(
        not cookie.startswith("return=") for cookie in response.headers.getlist("Set-Cookie")
    )
    if MARKUP.search(codename):
        assert codename not in response.text
    assert client.get("/return/report").status_code == 302  # still signed out


def test_a_one_megabyte_codename_is_called_too_long(client: FlaskClient) -> None:
    response = sign_in(client, HOSTILE_CODENAMES["one-megabyte"])
    assert response.status_code == 200
    assert "That is too long to be a codename." in response.text


def test_a_made_up_codename_and_a_hostile_one_get_the_same_message(client: FlaskClient) -> None:
    plain = sign_in(client, "abacus " * 7)
    hostile = sign_in(client, "<script>alert(1)</script>")

    def alert(page: str) -> str:
        return _section(page, r'<div class="error-summary" role="alert">(.*?)</div>')

    assert alert(plain.text) == alert(hostile.text)


# --- Messages added later -----------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        h
        for h in HOSTILE
        if h.name
        in {
            "script-tag",
            "jinja-expression",
            "null-byte",
            "zwj-family",
            "right-to-left-override",
            "sql-drop",
        }
    ],
    ids=lambda h: h.name,
)
def test_a_hostile_message_added_later_is_stored_exactly_and_shown_escaped(
    client: FlaskClient,
    instance: Instance,
    store: Store,
    only_report: Callable[[], Report],
    hostile: Hostile,
) -> None:
    response = post_report(client, {"what_happened": "It was him."})
    codename = CODENAME.search(response.text)
    assert codename
    sign_in(client, codename.group(1))
    token = form_tokens(client, "/return/report")
    added = client.post(
        "/return/add",
        data={**token, "kind": "message", "text": hostile.text},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    page = client.get("/return/report").text
    assert _section(page, r'<div class="body">(.*?)</div>') == escape(hostile.expected)
    report = only_report()
    data_key = report_key_for(advocates_key(instance, store), report, Group.ADVOCATES)
    assert [entry.text for entry in read_thread(report, data_key)] == [hostile.expected]


@pytest.mark.parametrize("kind", ["<script>alert(1)</script>", "staff-note", "", "9" * 5000])
def test_a_message_kind_that_was_not_offered_adds_nothing(
    client: FlaskClient, only_report: Callable[[], Report], kind: str
) -> None:
    response = post_report(client, {"what_happened": "It was him."})
    codename = CODENAME.search(response.text)
    assert codename
    sign_in(client, codename.group(1))
    token = form_tokens(client, "/return/report")
    added = client.post(
        "/return/add",
        data={**token, "kind": kind, "text": "hello"},
        content_type="multipart/form-data",
    )
    _assert_never_a_server_error(added)
    assert added.status_code == 200
    assert re.search(r"not a valid choice", added.text, re.I)
    assert only_report().messages == []


def test_c1_control_characters_are_dropped_like_the_others(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    # U+009B is an 8-bit CSI: some terminals start an escape sequence at it.
    response = post_report(client, {"what_happened": "a\x80b\x85c\x9b31md\x9fe"})
    assert CODENAME.search(response.text)
    assert _account(instance, store)["what_happened"] == "abc31mde"


def test_an_officer_sent_only_in_the_third_row_is_stored_once_in_the_third_row(
    client: FlaskClient, instance: Instance, store: Store
) -> None:
    response = post_report(client, {"what_happened": "x", "officers-2-name": "PC Third"})
    assert CODENAME.search(response.text)
    officers = _account(instance, store)["officers"]
    assert [officer["name"] for officer in officers] == ["PC Third"]


def test_a_form_shown_again_keeps_each_officer_in_its_own_row(client: FlaskClient) -> None:
    response = post_report(
        client, {"what_happened": "x", "officers-1-rank": "Sergeant", "force": "Gotham"}
    )
    assert _form_value(response.text, "officers-0-rank") == ""
    assert _form_value(response.text, "officers-1-rank") == "Sergeant"
    assert _form_value(response.text, "officers-2-rank") == ""
