"""The advocates' blind index: search encrypted reports without storing their words.

A random index key is sealed to the advocates' group key, so only a signed-in
advocate's session can open it. With it, the session tags each report it may
read with HMACs of its force, kinds of harm, "in danger", and each officer it
names (normalised force plus number, or force plus name). The database then
finds "reports about force X" or "every report naming this officer" by
comparing tags. The server at rest sees only which reports share a tag, never
what the tag says; that equality is the price of searching, and is stated in
the README.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crypto.errors import CryptoError
from crypto.keys import PublicKey, open_sealed, seal
from portal.core import bindings
from portal.core.group_keys import current_group_key
from portal.core.officers import normalise_name, normalise_number
from portal.core.principal import Principal
from portal.core.reports import decrypt_account, open_report_key
from portal.store import redo_if_raced
from portal.store.models import (
    Group,
    IndexKey,
    Report,
    ReportKeySeal,
    ReportTag,
)

_BATCH = 200
UNKNOWN_FORCES = {"", "other", "unknown"}


def open_index_key(session: Session, principal: Principal) -> bytes | None:
    """The index key, created on first use; sealed to the current advocates key too.

    Two advocates' first page loads after a new group key can both find it
    unsealed and both seal it: the second seal is refused by the database
    (one index key per group key), and that session reads the first one's.
    """
    return redo_if_raced(session, lambda: _open_or_seal_index_key(session, principal))


def _open_or_seal_index_key(session: Session, principal: Principal) -> bytes | None:
    key = None
    for row in session.scalars(select(IndexKey)):
        private = principal.group_key(row.group_key.group, row.group_key.version)
        if private is not None:
            try:
                key = open_sealed(private, row.sealed_key, bindings.index_key(row.group_key))
            except CryptoError:
                continue
            break
    current = current_group_key(session, Group.ADVOCATES)
    if key is None:
        if session.scalars(select(IndexKey.id)).first() is not None:
            return None  # an index exists, but this session cannot open it
        if principal.group_key(Group.ADVOCATES, current.version) is None:
            return None
        key = os.urandom(32)
    if session.scalars(select(IndexKey).where(IndexKey.group_key_id == current.id)).first() is None:
        sealed = seal(PublicKey.from_bytes(current.public_key), key, bindings.index_key(current))
        session.add(IndexKey(group_key_id=current.id, sealed_key=sealed))
        session.commit()
    return key


def tag_values(account: dict[str, Any]) -> set[tuple[str, str]]:
    """What a report is indexed by: (kind, value) pairs, values normalised."""
    force = str(account.get("force") or "")
    values: set[tuple[str, str]] = set()
    if force:
        values.add(("force", force))
    values.update(("harm", str(harm)) for harm in account.get("harms") or [])
    if account.get("in_danger") == "yes":
        values.add(("danger", "yes"))
    if force in UNKNOWN_FORCES:
        return values  # an officer is identified only within a known force
    for officer in account.get("officers") or []:
        number = normalise_number(str(officer.get("number") or ""))
        name = normalise_name(str(officer.get("name") or ""))
        if number:
            values.add(("officer", f"{force}\x00number\x00{number}"))
        if name:
            values.add(("officer", f"{force}\x00name\x00{name}"))
    return values


def stored_kind(kind: str) -> str:
    """What the database may know of a tag: officer (to link cases) or anything else.

    Force, harm and danger tags look alike, so the tags do not show which
    reports said they were in danger.
    """
    return "officer" if kind == "officer" else "attribute"


def tag(index_key: bytes, kind: str, value: str) -> bytes:
    """The blind tag of one value."""
    return hmac.new(index_key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()


def index_reports(
    session: Session, principal: Principal, index_key: bytes, budget_seconds: float = 2.0
) -> int:
    """Tag reports not yet indexed, in batches, for at most about budget_seconds.

    Only new reports are pending, so this is usually a handful; after a surge
    it is one HPKE open and one small decryption per report, spread over a few
    page loads. Returns how many readable reports are still waiting.
    """
    after, deadline = "", time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        pending = session.scalars(
            select(Report)
            .where(
                Report.indexed.is_(False), Report.advocates_may_read.is_(True), Report.id > after
            )
            # The batch's seals in one query, not one query a report.
            .options(selectinload(Report.seals).joinedload(ReportKeySeal.group_key))
            .order_by(Report.id)
            .limit(_BATCH)
        ).all()
        if not pending:
            break
        after = pending[-1].id
        _index_batch(session, principal, index_key, pending)
    return pending_count(session)


def pending_count(session: Session) -> int:
    """How many reports advocates may read are not indexed yet."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Report)
            .where(Report.indexed.is_(False), Report.advocates_may_read.is_(True))
        )
        or 0
    )


def _index_batch(
    session: Session, principal: Principal, index_key: bytes, pending: Sequence[Report]
) -> int:
    """Tag a batch of reports; safe when two page loads index the same reports at once.

    The decryption comes first and writes nothing; then each report is claimed
    (indexed false to true) before its tags are added, so a report another
    request indexed meanwhile is skipped rather than tagged twice, and the
    write lock is held only for the short write at the end.
    """
    tagged: list[tuple[Report, set[tuple[str, str]]]] = []
    for report in pending:
        try:
            data_key = open_report_key(report, principal, Group.ADVOCATES)
            account = decrypt_account(data_key, report) if data_key else None
        except CryptoError:
            account = None  # shown as failing its integrity check; never indexed
        if account is not None:
            tagged.append((report, tag_values(account)))
    claimed = 0
    for report, values in tagged:
        claim = session.execute(
            update(Report)
            .where(Report.id == report.id, Report.indexed.is_(False))
            .values(indexed=True)
            .execution_options(synchronize_session=False)
        )
        if getattr(claim, "rowcount", 0) != 1:
            continue  # another request indexed it first
        set_committed_value(report, "indexed", True)
        if values:
            session.execute(
                insert(ReportTag),
                [
                    {
                        "report_id": report.id,
                        "kind": stored_kind(kind),
                        "tag": tag(index_key, kind, value),
                    }
                    for kind, value in values
                ],
            )
        claimed += 1
    session.commit()
    return claimed


def tags_for(index_key: bytes, kind: str, values: Iterable[str]) -> list[bytes]:
    """The tags to look for, for a filter on several values."""
    return [tag(index_key, kind, value) for value in values]
