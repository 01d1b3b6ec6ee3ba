"""What a copy of instance/ made at set-up opens later.

The adversary here copied instance/ right after `portal init` (a backup, a
disk image) and, a year later, seizes the live database too. The one-time
bootstrap secrets in that copy must open nothing stored by then.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

import config
from crypto.envelope import unwrap_key
from crypto.errors import CryptoError
from crypto.keys import PrivateKey, open_sealed
from portal.core import bindings
from portal.core.group_keys import recovery_key
from portal.core.instance import bootstrap_secret_path
from portal.core.principal import unlock_principal
from portal.core.reports import Consent, open_report_key
from portal.store import Store, make_engine
from portal.store.models import (
    EscrowEntry,
    Group,
    GroupKey,
    GroupKeyGrant,
    Holder,
    IndexKey,
    Report,
    ReportKeySeal,
    Role,
)
from portal.survivor.service import submit_report
from tests.support.forensics import pieces_on_disk
from tests.support.instance import CHEAP_ARGON2, Instance
from tests.support.pages import new_submission
from tests.support.people import PASSPHRASE, create_person

EVERYTHING = Consent(export_legal=True, export_iopc=True, export_statistics=True)


def _bootstrap_keys(copy: Path) -> list[PrivateKey]:
    """What the copy's bootstrap secrets open, read from the copy's own database."""
    engine = make_engine(config.load(copy, environ={}))
    keys = []
    try:
        with Store(engine).session() as session:
            for grant in session.scalars(
                select(GroupKeyGrant).where(GroupKeyGrant.holder == Holder.BOOTSTRAP)
            ):
                group_key = grant.group_key
                secret = bootstrap_secret_path(copy / "secrets", group_key.group).read_text()
                binding = bindings.group_key_grant(
                    group_key.group, group_key.version, Holder.BOOTSTRAP
                )
                keys.append(
                    PrivateKey.from_bytes(
                        unwrap_key(bytes.fromhex(secret), grant.sealed_key, binding)
                    )
                )
    finally:
        engine.dispose()
    return keys


def _opened_by(keys: list[PrivateKey], store: Store) -> list[str]:
    """Everything in the live database that any of these keys opens."""
    opened = []

    def tries(blob: bytes, binding: object) -> bool:
        for key in keys:
            try:
                open_sealed(key, blob, binding)  # type: ignore[arg-type]
            except CryptoError:
                continue
            return True
        return False

    with store.session() as session:
        for seal in session.scalars(select(ReportKeySeal)):
            if tries(seal.sealed_key, bindings.report_key_seal(seal.report_id, seal.group_key)):
                opened.append(f"report key {seal.report_id}")
        for report in session.scalars(select(Report).where(Report.statistics_seal.is_not(None))):
            assert report.statistics_seal and report.statistics_key
            binding = bindings.statistics_seal(report.id, report.statistics_key)
            if tries(report.statistics_seal, binding):
                opened.append(f"statistics {report.id}")
        for entry in session.scalars(select(EscrowEntry)):
            if tries(entry.sealed, bindings.escrow_entry(entry.report_id, entry.group_key)):
                opened.append(f"escrow entry {entry.report_id}")
        for index_key in session.scalars(select(IndexKey)):
            if tries(index_key.sealed_key, bindings.index_key(index_key.group_key)):
                opened.append("index key")
        public_keys = {k.public_key.to_bytes() for k in keys}
        for group_key in session.scalars(select(GroupKey)):
            if group_key.public_key in public_keys:
                opened.append(f"{group_key.group.value}/{group_key.version} is a bootstrap key")
    return opened


def _submit(store: Store, instance: Instance, words: str) -> str:
    pepper = bytes.fromhex((instance.path / "secrets" / "lookup-pepper.key").read_text())
    escrow_seed = bytes.fromhex((instance.path / "secrets" / "escrow-match.key").read_text())
    account = {"account": words, "force": "Kent Police", "officers": [{"name": "Dan Hart"}]}
    with store.session() as session:
        submitted = new_submission(instance.path)
        submit_report(session, pepper, account, EVERYTHING, (), submitted, escrow_seed)
        return session.scalars(select(Report.id).order_by(Report.received_on)).all()[-1]


def test_a_copy_of_instance_made_at_set_up_opens_nothing_stored_after_the_first_members_join(
    instance: Instance, store: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "copy-made-at-set-up"
    shutil.copytree(instance.path, copy)
    assert len(_bootstrap_keys(copy)) == 3  # the copy holds every member group's bootstrap key

    before = _submit(store, instance, "sent before anyone joined")
    with store.session() as session:
        bootstrap_seals = [
            seal.sealed_key
            for seal in session.scalars(select(ReportKeySeal))
            if seal.group_key.group is not Group.RECOVERY
        ]
        bootstrap_seals += [entry.sealed for entry in session.scalars(select(EscrowEntry))]
    assert len(bootstrap_seals) == 3  # to the advocates, the exporters, and its escrow entry
    create_person(store, instance, "alice", Role.ADVOCATE)
    create_person(store, instance, "sam", Role.STAFF)
    after = _submit(store, instance, "sent after the first members joined")

    assert _opened_by(_bootstrap_keys(copy), store) == []
    # Nor do the seals to the bootstrap versions linger in a page of the
    # database or of its write-ahead log, where SQL no longer shows them.
    database_key = bytes.fromhex((instance.path / "secrets" / "database.key").read_text())
    for sealed in bootstrap_seals:
        assert pieces_on_disk(instance.path / "portal.db", database_key, sealed) == 0

    # The members and the recovery phrase still open both reports.
    recovery = recovery_key(instance.recovery_phrase)
    with store.session() as session:
        for name in ("alice", "sam"):
            principal = unlock_principal(session, name, PASSPHRASE, CHEAP_ARGON2)
            group = Group.ADVOCATES if principal.role is Role.ADVOCATE else Group.EXPORTERS
            for report_id in (before, after):
                report = session.get(Report, report_id)
                assert report is not None
                assert open_report_key(report, principal, group)
        for report_id in (before, after):
            report = session.get(Report, report_id)
            assert report is not None
            recovery_seal = next(s for s in report.seals if s.group_key.group is Group.RECOVERY)
            binding = bindings.report_key_seal(report.id, recovery_seal.group_key)
            assert open_sealed(recovery, recovery_seal.sealed_key, binding)


def test_the_bootstrap_versions_are_gone_once_every_group_has_a_member(
    instance: Instance, store: Store
) -> None:
    create_person(store, instance, "alice", Role.ADVOCATE)
    create_person(store, instance, "sam", Role.STAFF)
    with store.session() as session:
        versions = {
            (k.group.value, k.version): {g.holder.value for g in k.grants}
            for k in session.scalars(select(GroupKey))
        }
    assert versions == {
        ("recovery", 1): set(),
        ("advocates", 2): {"recovery", "account"},
        ("exporters", 2): {"recovery", "account"},
        ("escrow", 2): {"recovery", "account"},
    }
    for name in ("advocates", "exporters", "escrow"):
        assert not (instance.path / "secrets" / f"bootstrap-{name}.key").exists()
