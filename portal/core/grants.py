"""Group keys held by accounts: grants, fingerprints, recovery, rotation, the bootstrap hand-over.

A group's private key (advocates', exporters') is sealed to each member's
personal public key, and to the recovery key; a member opens the grants with
the personal key their passphrase unlocked (`authentication`). Only public
keys are needed to grant or rotate, so an admin account never holds a group
key and can never decrypt a report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.envelope import unwrap_key
from crypto.errors import TamperedCiphertext
from crypto.keys import PrivateKey, PublicKey, open_private_key, seal_private_key
from crypto.words import key_fingerprint, same_fingerprint
from portal.core import audit, bindings
from portal.core.authentication import AccountError, Unlocked
from portal.core.group_keys import current_group_key, forget_index, move_seals, new_group_key
from portal.core.instance import bootstrap_secret_path
from portal.store.models import Account, Group, GroupKey, GroupKeyGrant, Holder, Role, today

log = logging.getLogger("portal.core.grants")

ROLE_GROUP = {Role.ADVOCATE: Group.ADVOCATES, Role.STAFF: Group.EXPORTERS}


# The groups whose bootstrap key a role's first member takes: the first advocate
# also becomes the first member of the matching escrow.
BOOTSTRAP_GROUPS = {
    Role.ADVOCATE: (Group.ADVOCATES, Group.ESCROW),
    Role.STAFF: (Group.EXPORTERS,),
}


def take_bootstrap_grants(session: Session, account: Account, secrets_path: Path) -> list[Path]:
    """Give a group's first member a new version of its key, retiring the bootstrap one.

    The bootstrap version's private key sits wrapped under a secret file that
    any copy of instance/ made since `portal init` holds. So the first member
    does not take that key: a new version is made, sealed to them and to
    recovery, everything sealed to the bootstrap version is moved to the new
    one, and the bootstrap version is deleted with all its copies, in one
    transaction. A copy of the secret then opens nothing stored. Returns the
    secret files to destroy once the transaction is committed.
    """
    taken = []
    for group in BOOTSTRAP_GROUPS.get(account.role, ()):
        path = bootstrap_secret_path(secrets_path, group)
        grant = session.scalars(
            select(GroupKeyGrant)
            .join(GroupKey)
            .where(GroupKey.group == group, GroupKeyGrant.holder == Holder.BOOTSTRAP)
        ).first()
        if grant is None or not path.exists():
            continue
        _take_bootstrap_grant(session, account, grant, bytes.fromhex(path.read_text()))
        taken.append(path)
    return taken


def _take_bootstrap_grant(
    session: Session, account: Account, grant: GroupKeyGrant, secret: bytes
) -> None:
    old = grant.group_key
    group = old.group
    old_private = _the_group_key(
        old,
        PrivateKey.from_bytes(
            unwrap_key(
                secret,
                grant.sealed_key,
                bindings.group_key_grant(group, old.version, Holder.BOOTSTRAP),
            )
        ),
    )
    newest = session.scalar(select(func.max(GroupKey.version)).where(GroupKey.group == group))
    new_key, new_private = new_group_key(session, group, (newest or old.version) + 1)
    _seal_to(session, account, new_key, new_private)
    moved = move_seals(session, old, old_private, new_key)
    # A report sealed to the old version by a request racing this one now
    # fails its foreign key and is refused, never stored unreadable.
    session.delete(old)
    audit.record(
        session,
        actor="bootstrap",
        action="group key rotated",
        detail=f"{group.value}/{new_key.version}; {moved} report keys moved; "
        f"{group.value}/{old.version} deleted",
    )
    audit.record(
        session,
        actor="bootstrap",
        action="key granted",
        subject=account.name,
        detail=f"{group.value}/{new_key.version}",
    )


def destroy_secret_file(path: Path) -> None:
    """Overwrite a secret file, then remove it."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.write(bytes(size))
    path.unlink()


def account_holder(account_id: int) -> str:
    """The holder name that binds a grant to one account."""
    return f"account/{account_id}"


def _seal_to(session: Session, account: Account, group_key: GroupKey, private: PrivateKey) -> None:
    binding = bindings.group_key_grant(
        group_key.group, group_key.version, account_holder(account.id)
    )
    session.add(
        GroupKeyGrant(
            group_key=group_key,
            holder=Holder.ACCOUNT,
            account_id=account.id,
            sealed_key=seal_private_key(PublicKey.from_bytes(account.public_key), private, binding),
        )
    )


def _the_group_key(group_key: GroupKey, opened: PrivateKey) -> PrivateKey:
    """The opened key, if it is this group key version's private half.

    A grant is sealed to a public key, so anyone who can write to the
    database can seal a key of their own in its place: held, it would open
    nothing sealed to the group, and be passed on to every member it is
    granted to.
    """
    if opened.public_key.to_bytes() != group_key.public_key:
        raise TamperedCiphertext(
            f"the key granted for {group_key.group.value}/{group_key.version} is not that key"
        )
    return opened


def _open_grants(
    grants: Iterable[GroupKeyGrant], holder: PrivateKey, holder_name: str
) -> dict[str, PrivateKey]:
    """Open each grant sealed to one holder, by "group/version"; leave out, and log,
    any that holds another key than its group key version's."""
    keys: dict[str, PrivateKey] = {}
    for grant in grants:
        group_key = grant.group_key
        name = f"{group_key.group.value}/{group_key.version}"
        binding = bindings.group_key_grant(group_key.group, group_key.version, holder_name)
        opened = open_private_key(holder, grant.sealed_key, binding)
        try:
            keys[name] = _the_group_key(group_key, opened)
        except TamperedCiphertext:
            log.warning("a grant of %s holds another key than the group's: left out", name)
    return keys


def held_group_keys(session: Session, unlocked: Unlocked) -> dict[str, PrivateKey]:
    """Open every group key sealed to this account, by "group/version"."""
    grants = session.scalars(
        select(GroupKeyGrant).where(GroupKeyGrant.account_id == unlocked.account_id)
    )
    return _open_grants(grants, unlocked.personal_key, account_holder(unlocked.account_id))


def own_fingerprint(unlocked: Unlocked) -> str:
    """The words naming the account's public key as its passphrase opened it (what members see)."""
    return key_fingerprint(unlocked.personal_key.public_key.to_bytes())


def stored_fingerprint(account: Account) -> str:
    """The words naming the public key the database holds for an account (grants seal to it)."""
    return key_fingerprint(account.public_key)


def stored_fingerprint_of(session: Session, account_id: int) -> str:
    """The stored fingerprint of an account by its id, or "" if it is gone."""
    account = session.get(Account, account_id)
    return stored_fingerprint(account) if account is not None else ""


def grant_group_keys(
    session: Session,
    keys: dict[str, PrivateKey],
    member: Account,
    actor: str,
    fingerprint: str,
    escrow: bool = False,
) -> int:
    """Seal every key of the member's group that the granter holds to the member; with
    `escrow`, an advocate also gets the matching escrow's keys (the granter must hold them).

    `fingerprint` is what the granter compared with the member: the grant is
    sealed only if the stored public key still has it, so a key swapped in the
    database, even after the comparison, receives nothing.
    """
    group = ROLE_GROUP.get(member.role)
    if group is None or member.disabled:
        raise AccountError("Only active advocates and staff can be given keys.")
    if escrow and group is not Group.ADVOCATES:
        raise AccountError("Only advocates can be given the matching key.")
    if not same_fingerprint(fingerprint, stored_fingerprint(member)):
        raise AccountError(
            f"The key of {member.name} does not match the words that were compared. "
            "Nothing was granted. Compare the words with them again, in person or by phone."
        )
    groups = (group, Group.ESCROW) if escrow else (group,)
    for wanted in groups:
        current = current_group_key(session, wanted)
        if f"{wanted.value}/{current.version}" not in keys:
            raise AccountError(
                "The key changed after you signed in. Sign out and in again, then grant access."
                if wanted is group
                else "You do not hold the matching key, so you cannot pass it on."
            )
    held = {
        g.group_key_id
        for g in session.scalars(select(GroupKeyGrant).where(GroupKeyGrant.account_id == member.id))
    }
    granted = 0
    for group_key in session.scalars(select(GroupKey).where(GroupKey.group.in_(groups))):
        private = keys.get(f"{group_key.group.value}/{group_key.version}")
        if private is None or group_key.id in held:
            continue
        _seal_to(session, member, group_key, private)
        audit.record(
            session,
            actor=actor,
            action="key granted",
            subject=member.name,
            detail=f"{group_key.group.value}/{group_key.version}",
        )
        granted += 1
    session.commit()
    return granted


def recovery_group_keys(
    session: Session, recovery: PrivateKey, group: Group
) -> dict[str, PrivateKey]:
    """Open every version of a group's key with the recovery key."""
    grants = session.scalars(
        select(GroupKeyGrant)
        .join(GroupKey)
        .where(GroupKey.group == group, GroupKeyGrant.holder == Holder.RECOVERY)
    )
    return _open_grants(grants, recovery, Holder.RECOVERY)


def rotate_group_key(session: Session, group: Group, actor: str) -> GroupKey:
    """Retire a group's key and seal a new one to the remaining active members and recovery.

    Only public keys are needed, so an admin can rotate without ever holding
    the group's private key; the new private key leaves memory when this returns.
    A disabled member gets no copy: if enabled again, they need a grant.
    """
    current = current_group_key(session, group)
    current.retired_on = today()
    new_key, private = new_group_key(session, group, current.version + 1)
    members = session.scalars(
        select(Account)
        .join(GroupKeyGrant, GroupKeyGrant.account_id == Account.id)
        .join(GroupKey, GroupKey.id == GroupKeyGrant.group_key_id)
        .where(GroupKey.group == group, Account.disabled.is_(False))
        .distinct()
    ).all()
    for member in members:
        _seal_to(session, member, new_key, private)
    if group is Group.ADVOCATES:
        forget_index(session)
    audit.record(
        session, actor=actor, action="group key rotated", detail=f"{group.value}/{new_key.version}"
    )
    return new_key
