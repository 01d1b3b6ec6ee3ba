"""Opening what the portal sealed, as a key holder would: group keys, report keys, principals."""

from __future__ import annotations

from sqlalchemy import select

from crypto.envelope import unwrap_key
from crypto.keys import PrivateKey, open_sealed
from portal.core import bindings
from portal.core.instance import bootstrap_secret_path
from portal.core.principal import Principal, unlock_principal
from portal.store import Store
from portal.store.models import Group, GroupKeyGrant, Holder, Report
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.people import Person


def advocates_key(instance: Instance, store: Store) -> PrivateKey:
    """The advocates' group private key, unwrapped with the bootstrap secret."""
    secret_path = bootstrap_secret_path(instance.path / "secrets", Group.ADVOCATES)
    secret = bytes.fromhex(secret_path.read_text())
    with store.session() as session:
        grant = next(
            g
            for g in session.scalars(
                select(GroupKeyGrant).where(GroupKeyGrant.holder == Holder.BOOTSTRAP)
            )
            if g.group_key.group is Group.ADVOCATES
        )
        seed = unwrap_key(
            secret, grant.sealed_key, bindings.group_key_grant(Group.ADVOCATES, 1, "bootstrap")
        )
    return PrivateKey.from_bytes(seed)


def report_key_for(group_key: PrivateKey, report: Report, group: Group) -> bytes:
    """Open a report's data key with a group's private key, as an advocate would."""
    seal = next(s for s in report.seals if s.group_key.group is group)
    return open_sealed(
        group_key, seal.sealed_key, bindings.report_key_seal(report.id, seal.group_key)
    )


def principal_of(store: Store, person: Person) -> Principal:
    """The person's keys as the command line unlocks them."""
    with store.session() as session:
        return unlock_principal(session, person.name, person.passphrase, CHEAP_ARGON2)
