"""Reading a restored or upgraded instance as its advocate would, through the advocates' service."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

import config
from portal.advocate.service import Case, open_case
from portal.core.principal import unlock_principal
from portal.store import Store, make_engine
from portal.store.models import Report
from tests.support.instance import CHEAP_ARGON2
from tests.support.people import PASSPHRASE


def open_every_case(
    instance: Path, name: str = "alice", passphrase: str = PASSPHRASE
) -> list[Case]:
    """Every case of the instance, opened by the advocate `name` with their passphrase."""
    settings = config.load(instance, environ={})
    engine = make_engine(settings)
    try:
        with Store(engine).session() as session:
            principal = unlock_principal(session, name, passphrase, CHEAP_ARGON2)
            ids = session.scalars(select(Report.id)).all()
            return [open_case(session, principal, report_id) for report_id in ids]
    finally:
        engine.dispose()


def read_as_advocate(instance: Path) -> list[str]:
    """What each report of the instance says, as its advocate reads it, sorted."""
    return sorted(case.account["what_happened"] for case in open_every_case(instance))
