"""A case's audit trail in words: "assigned to amira", not `assignee_id=2`.

The log itself keeps short fields an auditor can match ("status=closed");
this turns each entry into a sentence when it is shown. Entries written
before assignees were logged by name name an account id, looked up here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from portal.core.vocabulary import label
from portal.store.models import AuditEvent

ACTIONS = {
    "case viewed": "Opened the case",
    "triage changed": "Changed the triage",
    "reply sent": "Replied to the survivor",
    "note added": "Added an internal note",
    "file downloaded": "Downloaded a file",
    "integrity failure": "Integrity check failed",
    "case exported": "Exported the case",
    "report released by a match": "Matching released the report",
    "match marked not the same officer": "Marked a match as not the same officer",
}


@dataclass(frozen=True)
class Entry:
    """One line of the trail as the case page shows it."""

    day: datetime.date
    who: str
    what: str
    detail: str


def _part(name: str, value: str, names: dict[int, str], files: dict[str, str]) -> str:
    if name == "status":
        return f"status {label('status', value)}"
    if name == "priority":
        return f"priority {label('priority', value)}"
    if name == "assignee":
        return f"assigned to {value}" if value else "assigned to nobody"
    if name == "assignee_id":
        known = names.get(int(value)) if value.isdecimal() else None
        return f"assigned to {known}" if known else "assigned to nobody"
    if name == "review_on":
        return f"review on {value}" if value != "None" else "review date removed"
    if name == "keep_until":
        return f"kept at least until {value}"
    if name == "attachment":
        return files.get(value, "a file no longer on the case")
    if name == "purpose":
        return f"for {label('export_purpose', value)}"
    if name == "messages":
        return (
            "with the survivor's messages" if value == "yes" else "without the survivor's messages"
        )
    if name == "files":
        count = len([digest for digest in value.split(",") if digest])
        return f"{count} file{'' if count == 1 else 's'}"
    return f"{name} {value}"


def describe(detail: str | None, names: dict[int, str], files: dict[str, str]) -> str:
    """An entry's detail in words; parts that are not `name=value` are kept as they are."""
    if not detail:
        return ""
    said = []
    for part in detail.split("; "):
        name, is_pair, value = part.partition("=")
        said.append(_part(name, value, names, files) if is_pair else part)
    return "; ".join(said)


def entries(events: list[AuditEvent], names: dict[int, str], files: dict[str, str]) -> list[Entry]:
    """The trail of a case, oldest first, in words."""
    return [
        Entry(
            day=event.recorded_on,
            who=event.actor,
            what=ACTIONS.get(event.action, event.action.capitalize()),
            detail=describe(event.detail, names, files),
        )
        for event in events
    ]
