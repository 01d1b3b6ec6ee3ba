"""The case bundle's JSON record of one case, and the neutral names inside it.

The JSON follows the schema in docs/export-schema.md ("portal-case-export/2";
its PDF summary: summary.py).

What goes in is what the survivor's consent for the purpose allows, as
`portal.core.consent` decides it:

- her account, and the "more information" she added to it later: she wrote
  those as her report, on the form that asks what may be done with "my
  report", so they go with any export she consented to;
- her messages with the advocates, and their replies, only when she chose to
  include them for this purpose (`messages_legal`, `messages_iopc`): a
  conversation says where she stays and when it is safe to call, which the
  account need not;
- advocates' internal notes, never;
- evidence files under neutral names (`evidence-1.jpg`): a file's own name,
  given by her or her phone, can say who she is or where she was, and is left
  out of the bundle altogether.

An IOPC or professional-standards bundle also leaves out her contact details:
complaints are usually passed to the force concerned.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

from portal.core.consent import ExportConsent
from portal.core.reports import Consent, FileDetails, ThreadEntry
from portal.store.models import Author, ConsentRecord, MessageKind, Report

SCHEMA = "portal-case-export/2"
# What a recipient's tools open a file with: from the type sniffed on upload,
# never from the name the file came with.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/heic": "heic",
    "image/avif": "avif",
    "image/tiff": "tiff",
    "image/jxl": "jxl",
    "application/pdf": "pdf",
}
_ACCOUNT_FIELDS = (
    "what_happened",
    "when",
    "where",
    "force",
    "harm_other",
    "reported_before",
    "reported_outcome",
    "in_danger",
)


def case_folder(reference: str) -> str:
    """The folder of one case inside the bundle."""
    return f"case-{reference}"


def evidence_name(number: int, media_type: str) -> str:
    """A neutral name for the n-th evidence file (from 1), by its type only."""
    return f"evidence-{number}.{EXTENSIONS.get(media_type, 'bin')}"


def is_addition(entry: ThreadEntry) -> bool:
    """More information the survivor added to her report: part of her account."""
    return entry.kind is MessageKind.ADDITION and entry.author is Author.SURVIVOR


def is_message(entry: ThreadEntry) -> bool:
    """A message between the survivor and the advocates (never an internal note)."""
    return entry.kind is MessageKind.MESSAGE


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file as the bundle describes it: its number and what is known of it."""

    number: int
    details: FileDetails

    @property
    def path(self) -> str:
        """Its path inside the case folder."""
        return evidence_name(self.number, self.details.media_type)


def case_record(
    reference: str,
    consent: ExportConsent,
    report: Report,
    account: dict[str, Any],
    thread: list[ThreadEntry],
    files: list[EvidenceFile],
    history: list[ConsentRecord],
    left_out: list[str],
) -> dict[str, Any]:
    """The machine-readable record of one case (schema portal-case-export/2).

    Of `thread`, only what `consent` shares goes in (her additions, and the
    messages when she chose so); `left_out` names the parts that failed an
    integrity check.
    """
    purpose = consent.purpose
    thread = [e for e in thread if consent.shares(e.author, e.kind)]
    details: dict[str, Any] = {name: account.get(name) or "" for name in _ACCOUNT_FIELDS}
    details["harms"] = list(account.get("harms") or [])
    if purpose == "legal":
        details["contact_method"] = account.get("contact_method") or ""
        details["contact_details"] = account.get("contact_details") or ""
    details["additions"] = [{"date": e.sent_on, "text": e.text} for e in thread if is_addition(e)]
    return {
        "schema": SCHEMA,
        "reference": reference,
        "purpose": purpose,
        "exported_on": datetime.date.today().isoformat(),
        "received_on": report.received_on.isoformat(),
        "status": report.status.value,
        "account": details,
        "officers": [
            {key: officer.get(key) or "" for key in ("name", "number", "rank", "role")}
            for officer in account.get("officers") or []
        ],
        "messages_included": consent.messages,
        "messages": [
            {"date": e.sent_on, "author": e.author.value, "text": e.text}
            for e in thread
            if is_message(e)
        ],
        "consent": {
            "current": asdict(Consent.of(report)),
            "history": [
                {
                    "recorded_on": c.recorded_on.isoformat(),
                    "advocates_may_read": c.advocates_may_read,
                    "export_legal": c.export_legal,
                    "export_iopc": c.export_iopc,
                    "export_statistics": c.export_statistics,
                    "messages_legal": c.messages_legal,
                    "messages_iopc": c.messages_iopc,
                }
                for c in history
            ],
        },
        "files": [
            {
                "path": f.path,
                "media_type": f.details.media_type,
                "size": f.details.size,
                "sha256": f.details.sha256,
                "metadata_removed": f.details.metadata_removed,
            }
            for f in files
        ],
        "left_out": [{"part": part, "reason": "failed an integrity check"} for part in left_out],
    }
