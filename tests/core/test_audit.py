"""The audit chain stays whole when several requests append to it at once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select, text

from portal.core import audit
from portal.store import Store
from portal.store.models import AuditEvent

WRITERS, EACH = 6, 40


def test_concurrent_appends_all_land_in_one_intact_chain(store: Store) -> None:
    failures: list[str] = []

    def append(writer: int) -> None:
        for _ in range(EACH):
            try:
                with store.session() as session:
                    session.execute(text("SELECT 1"))  # a read first, as a request does
                    audit.record(session, actor=f"advocate{writer}", action="case viewed")
                    session.commit()
            except Exception as error:  # collected and asserted on below
                failures.append(type(error).__name__)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == WRITERS * EACH
        verification = audit.verify(session)
    assert verification.intact and verification.checked == WRITERS * EACH
