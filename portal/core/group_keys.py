"""Key lifecycle: the group keys of an instance and sealing report keys to them.

Report data keys are sealed to groups, not people: `advocates`, `exporters`
(only when the survivor consents) and the offline `recovery` key; matching
escrow entries to the `escrow` group. A group's
private key is held by its members, each copy sealed to one member's personal
key; on a fresh instance the first copy is wrapped under a one-time bootstrap
secret in instance/secrets/. When a first member arrives, that version is
replaced by a new one and everything sealed to it is moved over
(`move_seals`), so a copy of the secret opens nothing sealed afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crypto.envelope import wrap_key
from crypto.keys import KeyKind, PrivateKey, PublicKey, open_sealed, seal, seal_private_key
from crypto.words import phrase_to_seed
from portal.core import bindings
from portal.store.models import (
    EscrowEntry,
    Group,
    GroupKey,
    GroupKeyGrant,
    Holder,
    IndexKey,
    Report,
    ReportKeySeal,
    ReportTag,
)

# Groups that hold a private key on the server side (sealed to members);
# the recovery group's private key exists only as the printed phrase.
MEMBER_GROUPS = (Group.ADVOCATES, Group.EXPORTERS, Group.ESCROW)
# The recovery phrase writes out a bare 32-byte seed, so the recovery key stays
# of the old kind, as every instance's phrase was made; other keys are X-Wing's.
RECOVERY_KIND = KeyKind.HKDF


def recovery_key(phrase: str) -> PrivateKey:
    """The recovery key a phrase writes out; InvalidPhrase if it is not a phrase."""
    return PrivateKey(phrase_to_seed(phrase), RECOVERY_KIND)


def new_group_key(session: Session, group: Group, version: int) -> tuple[GroupKey, PrivateKey]:
    """A new version of a group's key, its private half sealed to the recovery key only.

    The caller seals it to whichever members should hold it; once the caller
    returns, the private key exists only in those seals.
    """
    private = PrivateKey.generate()
    group_key = GroupKey(group=group, version=version, public_key=private.public_key.to_bytes())
    recovery = _public_key(current_group_key(session, Group.RECOVERY).public_key)
    group_key.grants.append(
        GroupKeyGrant(
            holder=Holder.RECOVERY,
            sealed_key=seal_private_key(
                recovery, private, bindings.group_key_grant(group, version, Holder.RECOVERY)
            ),
        )
    )
    session.add(group_key)
    session.flush()
    return group_key, private


def move_seals(session: Session, old: GroupKey, old_private: PrivateKey, new: GroupKey) -> int:
    """Re-seal everything sealed to one version of a group's key to another, in place.

    Report keys, statistics facts, escrow entries and the blind-index key each leave the old
    version: afterwards nothing stored opens with the old private key. Returns
    how many report keys moved.
    """
    new_public = _public_key(new.public_key)
    moved = 0
    for report_seal in session.scalars(
        select(ReportKeySeal).where(ReportKeySeal.group_key_id == old.id)
    ):
        data_key = open_sealed(
            old_private,
            report_seal.sealed_key,
            bindings.report_key_seal(report_seal.report_id, old),
        )
        report_seal.sealed_key = seal(
            new_public, data_key, bindings.report_key_seal(report_seal.report_id, new)
        )
        report_seal.group_key_id = new.id
        moved += 1
    for report in session.scalars(select(Report).where(Report.statistics_key_id == old.id)):
        if report.statistics_seal is None:
            report.statistics_key_id = None
            continue
        facts = open_sealed(
            old_private, report.statistics_seal, bindings.statistics_seal(report.id, old)
        )
        report.statistics_seal = seal(new_public, facts, bindings.statistics_seal(report.id, new))
        report.statistics_key_id = new.id
    for entry in session.scalars(select(EscrowEntry).where(EscrowEntry.group_key_id == old.id)):
        opened = open_sealed(old_private, entry.sealed, bindings.escrow_entry(entry.report_id, old))
        entry.sealed = seal(new_public, opened, bindings.escrow_entry(entry.report_id, new))
        entry.group_key_id = new.id
    for index_key in session.scalars(select(IndexKey).where(IndexKey.group_key_id == old.id)):
        key = open_sealed(old_private, index_key.sealed_key, bindings.index_key(old))
        index_key.sealed_key = seal(new_public, key, bindings.index_key(new))
        index_key.group_key_id = new.id
    session.flush()
    return moved


def forget_index(session: Session) -> None:
    """Drop the advocates' blind index (its key and every tag), to be built anew.

    Done when an advocate is removed: the removed advocate may have kept the
    index key, which would tell them which new reports name a given officer,
    force or harm. The next advocate's page load makes a new key and tags
    reports again, a batch at a time.
    """
    session.execute(delete(IndexKey))
    session.execute(delete(ReportTag))
    session.execute(update(Report).where(Report.indexed.is_(True)).values(indexed=False))


def add_missing_group_key(session: Session, group: Group) -> bool:
    """Give a group made after the instance its first key, sealed to recovery only; True
    if one was made. Its first member gets it from `portal recover` with the phrase: no
    bootstrap secret is left on a running instance's disk."""
    if session.scalars(select(GroupKey.id).where(GroupKey.group == group)).first() is not None:
        return False
    new_group_key(session, group, 1)
    return True


def create_group_keys(session: Session, bootstrap_secrets: Mapping[Group, bytes]) -> PrivateKey:
    """Create the first version of every group key; return the recovery private key.

    Each member group's private key is sealed to the recovery key and wrapped
    under that group's bootstrap secret. The caller shows the recovery key to a
    person once and then forgets it.
    """
    recovery = PrivateKey.generate(RECOVERY_KIND)
    session.add(
        GroupKey(group=Group.RECOVERY, version=1, public_key=recovery.public_key.to_bytes())
    )
    for group in MEMBER_GROUPS:
        private = PrivateKey.generate()
        group_key = GroupKey(group=group, version=1, public_key=private.public_key.to_bytes())
        group_key.grants = [
            GroupKeyGrant(
                holder=Holder.RECOVERY,
                sealed_key=seal_private_key(
                    recovery.public_key,
                    private,
                    bindings.group_key_grant(group, 1, Holder.RECOVERY),
                ),
            ),
            GroupKeyGrant(
                holder=Holder.BOOTSTRAP,
                sealed_key=wrap_key(
                    bootstrap_secrets[group],
                    private.to_bytes(),
                    bindings.group_key_grant(group, 1, Holder.BOOTSTRAP),
                ),
            ),
        ]
        session.add(group_key)
    return recovery


def current_group_key(session: Session, group: Group) -> GroupKey:
    """The newest version of a group's key, the one new reports are sealed to."""
    group_key = session.scalars(
        select(GroupKey)
        .where(GroupKey.group == group, GroupKey.retired_on.is_(None))
        .order_by(GroupKey.version.desc())
        .limit(1)
    ).one_or_none()
    if group_key is None:
        raise LookupError(f"the instance has no {group.value} key: was `portal init` run?")
    return group_key


def current_group_keys(session: Session, groups: Iterable[Group]) -> dict[Group, GroupKey]:
    """The newest version of each of these groups' keys, in one query (a group without
    a key is left out)."""
    current: dict[Group, GroupKey] = {}
    with session.no_autoflush:  # a report being written need not be flushed to look keys up
        for group_key in session.scalars(
            select(GroupKey).where(GroupKey.group.in_(set(groups)), GroupKey.retired_on.is_(None))
        ):
            best = current.get(group_key.group)
            if best is None or group_key.version > best.version:
                current[group_key.group] = group_key
    return current


def public_key_of(group_key: GroupKey) -> PublicKey:
    """A group key version's public key, parsed once per process."""
    return _public_key(group_key.public_key)


@functools.lru_cache(maxsize=64)
def _public_key(stored: bytes) -> PublicKey:
    """Parse a stored public key once per process (keyed by its bytes, so never stale)."""
    return PublicKey.from_bytes(stored)


def seal_report_key(
    session: Session, report_id: str, data_key: bytes, groups: Iterable[Group]
) -> list[ReportKeySeal]:
    """Seal a report's data key to the current key of each group (one query for all)."""
    wanted = set(groups)
    if not wanted:
        return []
    current = current_group_keys(session, wanted)
    seals = []
    for group in wanted:
        found = current.get(group)
        if found is None:
            raise LookupError(f"the instance has no {group.value} key: was `portal init` run?")
        sealed = seal(
            _public_key(found.public_key), data_key, bindings.report_key_seal(report_id, found)
        )
        seals.append(ReportKeySeal(group_key=found, sealed_key=sealed))
    return seals


def seal_statistics(session: Session, report_id: str, facts: bytes) -> tuple[bytes, int]:
    """Seal a report's statistics facts to the exporters' current key; (sealed, key id)."""
    with session.no_autoflush:  # the report being written need not be flushed to look it up
        found = current_group_key(session, Group.EXPORTERS)
    sealed = seal(_public_key(found.public_key), facts, bindings.statistics_seal(report_id, found))
    return sealed, found.id
