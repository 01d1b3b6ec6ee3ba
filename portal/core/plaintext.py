"""What a report's decrypted records must be before anything reads them.

A report sealed in the survivor's browser (docs/browser-sealing.md) reaches
the server as ciphertext it cannot open, so nothing checked what is inside
when it was stored. Anyone can read the charity's public keys from the report
page and seal to them, beside a valid key, JSON of any shape or no JSON at
all. The account, the statistics facts and each file's details are read here
as they are decrypted, and anything but what the portal's own forms write
(`ReportForm.account()`, `statistics_facts`, `FileDetails`) raises
TamperedCiphertext: the pages that open a report already say plainly that it
failed its integrity check, and the advocates' case list, their blind index
and the statistics go on without it. Without this, one such report broke the
case list for every advocate, on every visit, until it was deleted.

Which keys an account holds is not checked (accounts stored by older forms
lack the questions added since); the type of every value is.
"""

from __future__ import annotations

import json
from typing import Any

from crypto.errors import TamperedCiphertext

FILE_DETAILS_TYPES: dict[str, type] = {
    "name": str,
    "media_type": str,
    "size": int,
    "sha256": str,
    "metadata_removed": bool,
}


def _json(plain: bytes, what: str) -> Any:
    try:
        return json.loads(plain)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deep to read
        raise TamperedCiphertext(f"{what} is not JSON") from None


def _text(value: object) -> bool:
    return value is None or isinstance(value, str)


def _texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _officers(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(officer, dict) and all(_text(v) for v in officer.values()) for officer in value
    )


def account_from(plain: bytes) -> dict[str, Any]:
    """A decrypted account: text or nothing for each answer, the harms a list of text and
    the officers a list of records of text; TamperedCiphertext for anything else."""
    account = _json(plain, "report content")
    if not isinstance(account, dict):
        raise TamperedCiphertext("report content is not an account")
    for name, value in account.items():
        well_formed = {"harms": _texts, "officers": _officers}.get(name, _text)
        if not well_formed(value):
            raise TamperedCiphertext("report content is not an account")
    return account


def facts_from(plain: bytes) -> dict[str, Any]:
    """Decrypted statistics facts: a record (its values are read with care where they are
    counted); TamperedCiphertext for anything else."""
    facts = _json(plain, "statistics facts")
    if not isinstance(facts, dict):
        raise TamperedCiphertext("statistics facts are not a record")
    return facts


def file_details_from(plain: bytes) -> dict[str, Any]:
    """A file's decrypted details: exactly FileDetails' fields, each of its type (a size a
    whole number of bytes); TamperedCiphertext for anything else."""
    details = _json(plain, "file details")
    if not isinstance(details, dict) or set(details) != set(FILE_DETAILS_TYPES):
        raise TamperedCiphertext("file details are not a file's")
    size = details["size"]
    # bool is an int in Python: a size of true is no size.
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise TamperedCiphertext("file details are not a file's")
    if not all(isinstance(details[name], kind) for name, kind in FILE_DETAILS_TYPES.items()):
        raise TamperedCiphertext("file details are not a file's")
    return details
