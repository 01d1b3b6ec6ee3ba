"""The case bundle's JSON record of one case (its PDF summary: summary.py).

The JSON follows the schema in docs/export-schema.md ("portal-case-export/1").
An IOPC or professional-standards bundle leaves out the survivor's contact
details: complaints are usually passed to the force concerned.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict
from typing import Any

from portal.reports import Consent, FileDetails, ThreadEntry
from portal.store.models import ConsentRecord, MessageKind, Report

SCHEMA = "portal-case-export/1"
PURPOSES = {"legal": "The charity's legal team", "iopc": "IOPC or professional standards"}


def case_record(
    reference: str,
    purpose: str,
    report: Report,
    account: dict[str, Any],
    thread: list[ThreadEntry],
    files: list[FileDetails],
    history: list[ConsentRecord],
) -> dict[str, Any]:
    """The machine-readable record of one case (schema portal-case-export/1)."""
    fields = (
        "what_happened",
        "when",
        "where",
        "force",
        "harm_other",
        "reported_before",
        "reported_outcome",
        "in_danger",
    )
    details = {name: account.get(name) or "" for name in fields}
    details["harms"] = list(account.get("harms") or [])
    if purpose == "legal":
        details["contact_method"] = account.get("contact_method") or ""
        details["contact_details"] = account.get("contact_details") or ""
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
        "timeline": [
            {"date": e.sent_on, "author": e.author.value, "kind": e.kind.value, "text": e.text}
            for e in thread
            if e.kind is not MessageKind.NOTE
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
                }
                for c in history
            ],
        },
        "files": [
            asdict(f) | {"path": f"evidence/{index:03d}-{f.name}"} for index, f in enumerate(files)
        ],
    }
