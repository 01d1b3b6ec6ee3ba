"""What survivors do, as functions over a database session.

A report's data key is random; the account is encrypted under it, and the key
is sealed to the advocates' and recovery groups and wrapped under a key that
only the codename can derive. The codename itself is never stored.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto.envelope import decrypt_field, encrypt_field, new_key, unwrap_key, wrap_key
from crypto.errors import InvalidPhrase, TamperedCiphertext
from crypto.format import Binding
from crypto.words import codename_lookup_id, codename_wrap_key, new_codename
from portal.keys import seal_report_key
from portal.store.models import Group, Report


class UnknownCodename(Exception):
    """No report answers to this codename (or it is not a codename at all)."""


@dataclass(frozen=True)
class Receipt:
    """What a survivor is shown once after submitting."""

    codename: str
    reference: str


def _content_binding(report_id: str) -> Binding:
    return Binding("reports", report_id, "content")


def _survivor_key_binding(report_id: str) -> Binding:
    return Binding("reports", report_id, "survivor_key")


def reference_of(report_id: str) -> str:
    """The short reference a survivor and advocates can quote: not secret."""
    return report_id[:8].upper()


def submit_report(session: Session, pepper: bytes, account: dict[str, Any]) -> Receipt:
    """Encrypt and store a new report, committed before it returns."""
    codename = new_codename()
    report_id = secrets.token_hex(16)
    data_key = new_key()
    report = Report(
        id=report_id,
        lookup_id=codename_lookup_id(pepper, codename),
        survivor_key=wrap_key(
            codename_wrap_key(codename, report_id), data_key, _survivor_key_binding(report_id)
        ),
        content=encrypt_field(
            data_key, json.dumps(account).encode("utf-8"), _content_binding(report_id)
        ),
    )
    report.seals = seal_report_key(session, report_id, data_key, (Group.ADVOCATES, Group.RECOVERY))
    session.add(report)
    session.commit()
    return Receipt(codename=codename, reference=reference_of(report_id))


def open_report(session: Session, pepper: bytes, codename: str) -> tuple[Report, dict[str, Any]]:
    """Find a report by codename and decrypt its account with the codename's key."""
    try:
        lookup_id = codename_lookup_id(pepper, codename)
    except InvalidPhrase:
        raise UnknownCodename from None
    report = session.scalars(select(Report).where(Report.lookup_id == lookup_id)).one_or_none()
    if report is None:
        raise UnknownCodename
    data_key = unwrap_key(
        codename_wrap_key(codename, report.id),
        report.survivor_key,
        _survivor_key_binding(report.id),
    )
    account = json.loads(decrypt_field(data_key, report.content, _content_binding(report.id)))
    if not isinstance(account, dict):
        raise TamperedCiphertext("report content is not an account")
    return report, account
