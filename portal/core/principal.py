"""The signed-in charity account, holding the group keys its session unlocked."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crypto.keys import PrivateKey
from crypto.passphrase import Argon2Params
from portal.core import authentication, grants
from portal.store.models import Group, Role


@dataclass
class Principal:
    """The signed-in account and the group keys its session unlocked.

    `fingerprint` names the account's own public key as its passphrase opened
    it, not as the database holds it: someone who replaces the stored public
    key cannot change what the member is shown.
    """

    account_id: int
    name: str
    role: Role
    seeds: dict[str, bytes] = field(repr=False)
    fingerprint: str = ""
    _keys: dict[str, PrivateKey] = field(default_factory=dict, repr=False)

    def group_key(self, group: Group, version: int) -> PrivateKey | None:
        """The private key of one version of a group, if this account holds it."""
        name = f"{group.value}/{version}"
        if name not in self._keys and name in self.seeds:
            self._keys[name] = PrivateKey.from_bytes(self.seeds[name])
        return self._keys.get(name)

    def holds(self, group: Group) -> bool:
        """True when the account holds any version of the group's key."""
        return any(name.startswith(f"{group.value}/") for name in self.seeds)

    def keys(self) -> dict[str, PrivateKey]:
        """Every group key the session holds, by "group/version"."""
        for name in self.seeds:
            self.group_key(Group(name.split("/")[0]), int(name.split("/")[1]))
        return dict(self._keys)


def unlock_principal(
    session: Session, name: str, passphrase: str, argon2: Argon2Params
) -> Principal:
    """Unlock an account on the command line, holding its group keys as a session would."""
    unlocked = authentication.unlock(session, name, passphrase, argon2)
    keys = grants.held_group_keys(session, unlocked)
    seeds = {key_name: private.to_bytes() for key_name, private in keys.items()}
    fingerprint = grants.own_fingerprint(unlocked)
    return Principal(unlocked.account_id, unlocked.name, unlocked.role, seeds, fingerprint)
