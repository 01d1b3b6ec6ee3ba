"""The matching escrow as its tests look at it: the instance's matching secret, a run
made as a member's session makes it, and which reports the advocates may read."""

from __future__ import annotations

from sqlalchemy import select

import config
from crypto.errors import CryptoError
from portal.core import escrow, escrow_run
from portal.store import Store
from portal.store.models import EscrowEntry, Group, Report
from tests.support.instance import Instance
from tests.support.keys import principal_of
from tests.support.people import Person


def escrow_seed(instance: Instance) -> bytes:
    """The instance's matching secret (`secrets/escrow-match.key`)."""
    return config.load(instance.path, environ={}).escrow_key


def run_as(store: Store, instance: Instance, member: Person) -> escrow_run.MatchRun:
    """One matching run with the member's keys, as her sign-in runs it."""
    keys = principal_of(store, member)
    with store.session() as session:
        return escrow_run.run_matching(
            session, keys, actor=member.name, escrow_seed=escrow_seed(instance)
        )


def readable(store: Store) -> set[str]:
    """The reports whose data key is sealed to the advocates."""
    with store.session() as session:
        return {
            r.id
            for r in session.scalars(select(Report))
            if any(s.group_key.group == Group.ADVOCATES for s in r.seals)
        }


def opened_entries(
    store: Store, instance: Instance, member: Person, *, skip_unopened: bool = False
) -> dict[str, escrow.OpenedEntry]:
    """Every entry, by report id, as a run opens it with the member's keys and the
    instance's secret; one that does not open raises, or is left out if asked."""
    keys = principal_of(store, member)
    found = {}
    with store.session() as session:
        for row in session.scalars(select(EscrowEntry)):
            private = keys.group_key(Group.ESCROW, row.group_key.version)
            assert private is not None
            try:
                found[row.report_id] = escrow.open_entry(private, row, escrow_seed(instance))
            except CryptoError:
                if not skip_unopened:
                    raise
    return found
