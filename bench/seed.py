"""Seeding many real, encrypted reports quickly (bulk inserts, real HPKE seals)."""

from __future__ import annotations

import itertools
import os

from sqlalchemy import insert

from crypto.envelope import new_key
from crypto.keys import PublicKey, seal
from portal.core import bindings
from portal.core.group_keys import current_group_key
from portal.core.reports import encrypt_account, new_id
from portal.core.vocabulary import ENGLAND_AND_WALES, HARMS
from portal.store import Store
from portal.store.models import Group, Report, ReportKeySeal


def seed_reports(
    store: Store, count: int, batch: int = 1000, export_legal: bool = False
) -> list[str]:
    """Insert `count` reports sealed to the advocates and recovery keys; return their ids.

    With export_legal, each is also consented for the legal team and sealed to exporters.
    """
    ids: list[str] = []
    forces = itertools.cycle(ENGLAND_AND_WALES)
    harms = itertools.cycle([h for h, _ in HARMS])
    with store.session() as session:
        wanted = [Group.ADVOCATES, Group.RECOVERY] + ([Group.EXPORTERS] if export_legal else [])
        groups = [current_group_key(session, g) for g in wanted]
        publics = [(g, PublicKey.from_bytes(g.public_key)) for g in groups]
        for start in range(0, count, batch):
            reports, seals = [], []
            for number in range(start, min(start + batch, count)):
                report_id, data_key = new_id(), new_key()
                # Every field the report form gives an account, as a survivor
                # who left the optional ones blank would send it.
                account = {
                    "in_danger": "yes" if number % 10 == 0 else "no",
                    "what_happened": f"Seeded account {number}",
                    "when": "",
                    "where": "",
                    "force": next(forces),
                    "harms": [next(harms)],
                    "harm_other": "",
                    "reported_before": None,
                    "reported_outcome": "",
                    "contact_method": "inbox",
                    "contact_details": "",
                    "officers": [],
                }
                reports.append(
                    {
                        "id": report_id,
                        "lookup_id": os.urandom(32),
                        "survivor_key": os.urandom(60),
                        "content": encrypt_account(data_key, report_id, account),
                        "export_legal": export_legal,
                    }
                )
                for group_key, public in publics:
                    sealed = seal(public, data_key, bindings.report_key_seal(report_id, group_key))
                    seals.append(
                        {"report_id": report_id, "group_key_id": group_key.id, "sealed_key": sealed}
                    )
                ids.append(report_id)
            session.execute(insert(Report), reports)
            session.execute(insert(ReportKeySeal), seals)
            session.commit()
    return ids
