"""A report sealed as the survivor's browser seals it, made by the bench's load clients.

From the report page's HTML alone (its sealing data, its `csrf_token` and its
single-use `submission` token) this makes the fields the browser posts to
POST /report/sealed (portal/core/sealed_reports.py says what each is), with
`crypto/`, which the browser's module matches byte for byte: a new codename
each visit, a new data key, the account encrypted under it, the key wrapped
under the codename's key and sealed to every group her consent names. The
bindings are written out as the browser writes them, not taken from the portal.

The client's own CPU time for each set of envelopes is measured, so the
server's figures can be read apart from the work the browser would do.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crypto.envelope import encrypt_field, new_key, wrap_key
from crypto.format import Binding
from crypto.keys import PublicKey, seal
from crypto.words import codename_lookup_secret, codename_wrap_key, new_codename

_SEALING_DATA = re.compile(r'<script\b[^>]*\bid="sealing-data"[^>]*>(.*?)</script>', re.S)
_CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')
# Her choices, as the report form names its boxes: the advocates may read her report,
# as on the server's path (`locustfile.py`), so its data key is sealed to recovery and
# the advocates, and the two paths do the same work. No export: the export scenario
# counts every consented case, and these would be thousands more.
CONSENT = {"consent_read": "y", "release": "now"}
SEALED_TO = ("recovery", "advocates")
_REPORT_ID_LABEL = b"portal/v1/report-id"
SEND_TO = "/report/sealed"  # where the page sends it, unless it names another address


class PageNotUnderstood(ValueError):
    """The report page lacks what a browser needs to seal a report."""


@dataclass(frozen=True)
class ReportPage:
    """What the report page gives the browser's script: tokens, the groups' keys, limits
    and the address to send to."""

    csrf_token: str
    submission: str
    keys: Mapping[str, tuple[int, bytes]]  # group: (its key's version, public key bytes)
    limits: Mapping[str, int]  # a text box's name: its most characters
    send_to: str = SEND_TO

    @classmethod
    def read(cls, page: str) -> ReportPage:
        """Read the page's JSON block and hidden inputs; PageNotUnderstood if one is missing."""
        block, csrf, submission = (
            pattern.search(page) for pattern in (_SEALING_DATA, _CSRF_TOKEN, _SUBMISSION)
        )
        if block is None or csrf is None or submission is None:
            raise PageNotUnderstood("no sealing data, csrf_token or submission on the page")
        try:
            data = json.loads(block.group(1))
            keys = {
                group: (int(key["version"]), base64.b64decode(key["public_key"], validate=True))
                for group, key in data["keys"].items()
            }
            limits = {name: _most(limit) for name, limit in data.get("limits", {}).items()}
            send_to = str(data.get("send_to") or SEND_TO)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise PageNotUnderstood(f"sealing data not as expected: {error}") from None
        tokens = html.unescape(csrf.group(1)), html.unescape(submission.group(1))
        return cls(*tokens, keys, limits, send_to)


def _most(limit: Any) -> int:
    """A limit as the page gives it: [most characters, the server's message], or a number."""
    return int(limit[0] if isinstance(limit, list) else limit)


@dataclass(frozen=True)
class SealedVisit:
    """One visit's sealed report: the fields to post, and what only the browser keeps."""

    fields: dict[str, str]
    codename: str
    report_id: str
    cpu_ms: float  # this client's CPU time making the envelopes
    send_to: str = SEND_TO

    @property
    def reference(self) -> str:
        """The reference the portal answers with, as the browser computes it."""
        return self.report_id[:8].upper()


def bench_account(what_happened: str) -> dict[str, Any]:
    """The account the bench's survivors send, as the report form writes it."""
    return {
        "in_danger": "no",
        "what_happened": what_happened,
        "when": "",
        "where": "",
        "force": "Kent Police",
        "harms": ["physical"],
        "harm_other": "",
        "reported_before": "",
        "reported_outcome": "",
        "contact_method": "inbox",
        "contact_details": "",
        "officers": [],
        "release": "now",
    }


def report_id_of(submission: str) -> str:
    """The report id the form's token names (as `Submission.report_id` and the browser's
    `reportIdOf` compute it): SHA-256 of a label and the token's bytes, 16 bytes in hex."""
    token = base64.urlsafe_b64decode(submission + "=" * (-len(submission) % 4))
    return hashlib.sha256(_REPORT_ID_LABEL + token).digest()[:16].hex()


def _b64(blob: bytes) -> str:
    return base64.b64encode(blob).decode("ascii")


def seal_report(page: ReportPage, account: Mapping[str, Any]) -> SealedVisit:
    """Seal the account as the browser does, to the page's keys; the fields to post.

    ValueError if the account is longer than the page's limits allow, or a group
    her consent names has no key on the page.
    """
    started = time.thread_time()
    for name, most in page.limits.items():
        value = account.get(name)
        if isinstance(value, str) and len(value) > most:
            raise ValueError(f"{name} is longer than the page allows ({most} characters)")
    missing = [group for group in SEALED_TO if group not in page.keys]
    if missing:
        raise ValueError(f"the page carries no key for {', '.join(missing)}")
    report_id = report_id_of(page.submission)
    codename, data_key = new_codename(), new_key()
    content = json.dumps(account, separators=(",", ":"), ensure_ascii=False).encode()
    fields = {
        "csrf_token": page.csrf_token,
        "submission": page.submission,
        **CONSENT,
        "lookup": _b64(codename_lookup_secret(codename)),
        "survivor_key": _b64(
            wrap_key(
                codename_wrap_key(codename, report_id),
                data_key,
                Binding("reports", report_id, "survivor_key"),
            )
        ),
        "content": _b64(encrypt_field(data_key, content, Binding("reports", report_id, "content"))),
    }
    for group in SEALED_TO:
        version, public_key = page.keys[group]
        binding = Binding("report_key_seals", report_id, f"{group}/{version}")
        fields[f"seal_{group}"] = _b64(seal(PublicKey.from_bytes(public_key), data_key, binding))
        fields[f"seal_{group}_version"] = str(version)
    cpu_ms = (time.thread_time() - started) * 1000
    return SealedVisit(fields, codename, report_id, cpu_ms, page.send_to)
