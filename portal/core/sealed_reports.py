"""A report sealed in the survivor's browser: what it sends, checked, and stored.

The browser makes the codename, the data key and every envelope
(docs/browser-sealing.md); the server receives neither the codename nor the
account in clear, so it checks what can be checked without a key and stores
the rest as it came. What it cannot check (that the account parses, that a
seal opens) shows when an advocate first opens the report, as for any report
whose envelope fails.

The form's fields, each envelope in standard base64 with its padding:

- `lookup`: `codename_lookup_secret(codename)`, 32 bytes; the report is found by
  HMAC(pepper, label + lookup) (`crypto.words.lookup_id_from_secret`).
- `survivor_key`: the data key wrapped (`wrap_key`) under
  `codename_wrap_key(codename, report id)`, bound to `reports/<id>/survivor_key`.
- `content`: the account's JSON as `encrypt_field` makes it under the data
  key, bound to `reports/<id>/content`.
- `seal_recovery`, `seal_advocates`, `seal_exporters`: the data key sealed
  (`crypto.keys.seal`) to that group's current key, bound by
  `bindings.report_key_seal`; each with `seal_<group>_version`, that key's
  version as a decimal number. A group her consent leaves out is left out.
- `statistics` and `statistics_version`: with consent to statistics only, the
  force and kinds of harm as JSON padded with spaces to STATISTICS_PADDED_SIZE
  bytes, sealed to the exporters' current key (`bindings.statistics_seal`).
- In clear, for the matching escrow (`core/escrow.py`) only: `officer_force`, and
  `officer_<n>_name` and `officer_<n>_number` for each officer she names (n from
  0, at most MATCHED_OFFICERS): the server makes the report's escrow entry
  from them, as it does for a report it sealed, and keeps nothing else of them.
- For a report that waits for a match (`release` 2 to 5, read by the form), and only
  then: `escrow_<n>` for each identifier the officers give (`officer_identifiers`
  order, n from 0, at most `matching.SLOTS`), the data key sealed
  (`matching.seal_to_release`) to that identifier's release public key at her
  threshold, which the page asked for (`escrow.release_public_keys`), bound by
  `bindings.escrow_release` to the slot and the consent a match will apply. Such a
  report is sealed to the recovery group only, with no statistics seal yet.

The report id is the submission token's (`Submission.report_id`), so the
browser binds its envelopes to it before sending. Her consent comes in clear
beside these, from the form's own boxes.

Her files come beside these, sealed too (`portal/core/sealed_files.py`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import matching
from crypto.envelope import KEY_SIZE, field_size, is_field_size, wrapped_size
from crypto.format import FORMAT_VERSION, HEADER_SIZE, Kind
from crypto.keys import sealed_size
from crypto.words import lookup_id_from_secret
from portal.core import submissions
from portal.core.escrow import (
    RELEASE_NEEDS_ADVOCATES,
    RELEASE_NEEDS_OFFICER,
    browser_entry,
    entry_row,
)
from portal.core.group_keys import current_group_keys
from portal.core.officers import officer_identifiers
from portal.core.reports import STATISTICS_PADDED_SIZE, Consent, record_consent, reference_of
from portal.core.submissions import Submission
from portal.store import redo_if_raced
from portal.store.group_commit import new_report_rows, table_of, write_together
from portal.store.models import (
    EscrowEntry,
    Group,
    GroupKey,
    Report,
    ReportKeySeal,
    SubmissionToken,
)

# The groups a browser seals a report's data key to (never the escrow group).
SEALED_GROUPS = (Group.RECOVERY, Group.ADVOCATES, Group.EXPORTERS)
LOOKUP_SIZE = 32
SURVIVOR_KEY_SIZE = wrapped_size(KEY_SIZE)
SEALED_KEY_SIZE = sealed_size(KEY_SIZE)
STATISTICS_SEAL_SIZE = sealed_size(STATISTICS_PADDED_SIZE)
# The longest account the report form takes (portal/survivor/forms.py): what
# happened (100,000 characters), who she told before (10,000), where and her
# contact details (2,000 each), when and another harm (200 each), three
# officers (name, number and rank, 200 each), and short choices; 120,000
# leaves room. JSON takes at most 6 bytes a character (a control character
# written \uXXXX; any other takes at most 4 in UTF-8), so any account the form
# takes fits, and nothing much larger does (tests/survivor/test_sealed_reports.py).
LONGEST_ACCOUNT_CHARS = 120_000
_JSON_BYTES_PER_CHAR = 6
MAX_CONTENT_SIZE = field_size(LONGEST_ACCOUNT_CHARS * _JSON_BYTES_PER_CHAR)

# The officers a report form names (portal/survivor/forms.py's rows), and the longest
# a name, number or force is there (its short fields).
MATCHED_OFFICERS = 3
OFFICER_FIELD_CHARS = 200

# What she reads when a report is refused: plain words, and nothing was kept.
NOT_WHOLE = "Your report did not arrive whole, so it was not kept. Please send it again."
TOO_LONG = "Your report is too long to send. Please shorten it and send it again."
KEYS_CHANGED = (
    "The charity's keys changed while you were writing, so your report was not kept. "
    "Please copy what you wrote, reload the page and send it again."
)
NOT_AS_CHOSEN = (
    "Your report was not locked for the people you chose, so it was not kept. Please send it again."
)


class SealedReportRefused(Exception):
    """A report sealed in the browser that the server will not store; nothing was."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SealedReport:
    """What a browser sends of a report it sealed, besides her consent."""

    lookup_secret: bytes
    survivor_key: bytes
    content: bytes
    seals: Mapping[Group, tuple[int, bytes]]  # group: (its key's version, sealed data key)
    statistics: tuple[int, bytes] | None  # (the exporters' key version, sealed facts)
    officers: dict[str, Any] = field(default_factory=dict)  # what matching needs, in clear
    escrow_seals: tuple[bytes, ...] = ()  # a waiting report's data key, sealed per slot


@dataclass(frozen=True)
class SealedReceipt:
    """What the page shows once the report is stored: the server never had her codename."""

    reference: str


class Files(Protocol):
    """A report's files sealed in the browser (`sealed_files.SealedFiles`)."""

    def __len__(self) -> int:
        """How many."""

    def claim(self, session: Session, report: Report, submission: Submission) -> None:
        """Attach them to the new report in the caller's transaction, or refuse, changing
        nothing."""

    def claimed(self) -> None:
        """Once the report is committed: keep them when the request ends."""


def _decode(form_fields: Mapping[str, str], name: str, most: int) -> bytes | None:
    """A field's bytes; None when it is absent or empty."""
    text = form_fields.get(name) or ""
    if not text:
        return None
    if len(text) > 4 * -(-most // 3):  # longer than its envelope can be: not decoded
        raise SealedReportRefused(TOO_LONG if name == "content" else NOT_WHOLE)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise SealedReportRefused(NOT_WHOLE) from None


def _required(form_fields: Mapping[str, str], name: str, most: int) -> bytes:
    blob = _decode(form_fields, name, most)
    if blob is None:
        raise SealedReportRefused(NOT_WHOLE)
    return blob


def _versioned(form_fields: Mapping[str, str], name: str, most: int) -> tuple[int, bytes] | None:
    """An envelope and the key version it names; None when neither was sent."""
    blob, version = _decode(form_fields, name, most), form_fields.get(f"{name}_version") or ""
    if blob is None and not version:
        return None
    if blob is None or not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise SealedReportRefused(NOT_WHOLE)
    return int(version), blob


def parse_sealed_report(form_fields: Mapping[str, str]) -> SealedReport:
    """Read the fields named in this module's docstring; SealedReportRefused if any is
    missing or not base64. Their envelopes are checked by `store_sealed_report`."""
    seals = {
        group: found
        for group in SEALED_GROUPS
        if (found := _versioned(form_fields, f"seal_{group.value}", SEALED_KEY_SIZE)) is not None
    }
    return SealedReport(
        lookup_secret=_required(form_fields, "lookup", LOOKUP_SIZE),
        survivor_key=_required(form_fields, "survivor_key", SURVIVOR_KEY_SIZE),
        content=_required(form_fields, "content", MAX_CONTENT_SIZE),
        seals=seals,
        statistics=_versioned(form_fields, "statistics", STATISTICS_SEAL_SIZE),
        officers=parse_officers(form_fields) | {"release": form_fields.get("release") or "now"},
        escrow_seals=_escrow_seals(form_fields),
    )


def _escrow_seals(form_fields: Mapping[str, str]) -> tuple[bytes, ...]:
    """`escrow_0`, `escrow_1` and on, as many as were sent, in order; none after a gap."""
    seals = []
    for number in range(matching.SLOTS):
        blob = _decode(form_fields, f"escrow_{number}", matching.RELEASE_SEAL_SIZE)
        if blob is None:
            break
        seals.append(blob)
    if any(f"escrow_{n}" in form_fields for n in range(len(seals) + 1, matching.SLOTS + 1)):
        raise SealedReportRefused(NOT_WHOLE)
    return tuple(seals)


def parse_officers(form_fields: Mapping[str, str]) -> dict[str, Any]:
    """The force and officers sent for matching, as an account holds them;
    SealedReportRefused for what the report form could not send."""

    def text(name: str) -> str:
        value = form_fields.get(name) or ""
        if len(value) > OFFICER_FIELD_CHARS:
            raise SealedReportRefused(NOT_WHOLE)
        return value

    officers = [
        {"name": text(f"officer_{n}_name"), "number": text(f"officer_{n}_number")}
        for n in range(MATCHED_OFFICERS)
    ]
    if f"officer_{MATCHED_OFFICERS}_name" in form_fields:
        raise SealedReportRefused(NOT_WHOLE)
    return {"force": text("officer_force"), "officers": officers}


def _envelope(blob: bytes, kind: Kind, sizes_ok: bool) -> None:
    """Refuse an envelope of another format version or kind, or of a size it cannot have."""
    if len(blob) < HEADER_SIZE or blob[0] != FORMAT_VERSION or blob[1] != kind or not sizes_ok:
        raise SealedReportRefused(NOT_WHOLE)


def _check_envelopes(sealed: SealedReport, consent: Consent) -> None:
    """Everything checkable without the database: each envelope's header and size, and
    that the groups sealed to, and the statistics seal, are what her consent asks."""
    if len(sealed.lookup_secret) != LOOKUP_SIZE:
        raise SealedReportRefused(NOT_WHOLE)
    _envelope(sealed.survivor_key, Kind.KEY_WRAP, len(sealed.survivor_key) == SURVIVOR_KEY_SIZE)
    if len(sealed.content) > MAX_CONTENT_SIZE:
        raise SealedReportRefused(TOO_LONG)
    _envelope(sealed.content, Kind.FIELD, is_field_size(len(sealed.content)))
    for _, blob in sealed.seals.values():
        _envelope(blob, Kind.SEALED, len(blob) == SEALED_KEY_SIZE)
    if set(sealed.seals) != set(consent.groups()):
        raise SealedReportRefused(NOT_AS_CHOSEN)
    # A waiting report's facts are sealed to the exporters when a match releases it.
    statistics = consent.export_statistics and not consent.wait_for_match
    if (sealed.statistics is not None) != statistics:
        raise SealedReportRefused(NOT_AS_CHOSEN)
    if sealed.statistics is not None:
        blob = sealed.statistics[1]
        _envelope(blob, Kind.SEALED, len(blob) == STATISTICS_SEAL_SIZE)
    _check_escrow_seals(sealed, consent)


def _check_escrow_seals(sealed: SealedReport, consent: Consent) -> None:
    """A waiting report has one seal for each identifier its officers give, each of the
    size and kind `matching.seal_to_release` makes; any other report has none."""
    if not consent.wait_for_match:
        if sealed.escrow_seals:
            raise SealedReportRefused(NOT_WHOLE)
        return
    if not consent.advocates_may_read:
        raise SealedReportRefused(RELEASE_NEEDS_ADVOCATES)
    identifiers = officer_identifiers(sealed.officers)[: matching.SLOTS]
    if not identifiers:
        raise SealedReportRefused(RELEASE_NEEDS_OFFICER)
    if len(sealed.escrow_seals) != len(identifiers):
        raise SealedReportRefused(NOT_WHOLE)
    for blob in sealed.escrow_seals:
        _envelope(blob, Kind.RELEASE, len(blob) == matching.RELEASE_SEAL_SIZE)


def store_sealed_report(
    session: Session,
    pepper: bytes,
    sealed: SealedReport,
    consent: Consent,
    submission: Submission,
    files: Files | None = None,
    *,
    escrow_seed: bytes,
) -> SealedReceipt:
    """Check a report sealed in the browser and store it, with its files if she sent any
    (`sealed_files.parse_sealed_files`); committed before this returns.

    SealedReportRefused, storing nothing, for a malformed envelope, seals or statistics
    other than her consent asks for, or a seal to a key version that is not its
    group's current one; AlreadySent if this form's token was used before (the same
    token names the same report). A report whose token another request recorded
    meanwhile is refused by the database, and then found sent. A report that names
    an officer gets its escrow entry (`escrow.browser_entry`): counts-only, or with
    her browser's seals when she chose to wait.
    """
    _check_envelopes(sealed, consent)
    lookup_id = lookup_id_from_secret(pepper, sealed.lookup_secret)
    report_id = submission.report_id()

    def store() -> SealedReceipt:
        submissions.refuse_repeat(session, submission)
        current = _current_keys(session, sealed)
        if session.scalar(select(Report.id).where(Report.lookup_id == lookup_id)) is not None:
            raise SealedReportRefused(NOT_WHOLE)  # only a browser reusing a codename sends this
        report = Report(
            id=report_id,
            lookup_id=lookup_id,
            survivor_key=sealed.survivor_key,
            content=sealed.content,
            next_sequence=0,
        )
        report.seals.extend(
            ReportKeySeal(group_key=current[group], sealed_key=blob)
            for group, (_, blob) in sealed.seals.items()
        )
        if sealed.statistics is not None:
            report.statistics_seal = sealed.statistics[1]
            report.statistics_key_id = current[Group.EXPORTERS].id
        record_consent(report, consent)
        # The same work whether or not others name the officer: a match is found later.
        entry = browser_entry(session, report, sealed.officers, escrow_seed, sealed.escrow_seals)
        # Her receipt is not kept: the server never had her codename, and the browser
        # that has it computes the reference from the token itself.
        if files:  # its files are claimed in the report's own transaction
            files.claim(session, report, submission)
            session.add_all([report, SubmissionToken(**submission.row()), *filter(None, [entry])])
            session.commit()
            files.claimed()
        else:
            rows = [*new_report_rows(report), (table_of(SubmissionToken), [submission.row()])]
            if entry is not None:
                rows.append((table_of(EscrowEntry), [entry_row(entry)]))
            write_together(session, rows)
        return SealedReceipt(reference_of(report_id))

    return redo_if_raced(session, store)


def _current_keys(session: Session, sealed: SealedReport) -> dict[Group, GroupKey]:
    """The groups' current keys; SealedReportRefused unless every seal is to its group's."""
    current = current_group_keys(session, SEALED_GROUPS)
    named = [*sealed.seals.items()]
    if sealed.statistics is not None:
        named.append((Group.EXPORTERS, sealed.statistics))
    for group, (version, _) in named:
        if group not in current or current[group].version != version:
            raise SealedReportRefused(KEYS_CHANGED)
    return current


def page_keys(session: Session) -> dict[str, dict[str, Any]]:
    """What the report page gives its script to seal to: each group's current key version
    and public key (standard base64), by the group's name."""
    return {
        group.value: {
            "version": key.version,
            "public_key": base64.b64encode(key.public_key).decode(),
        }
        for group, key in current_group_keys(session, SEALED_GROUPS).items()
    }
