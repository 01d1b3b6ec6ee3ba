"""What a crash leaves behind (half-received uploads, stale sessions) is swept away."""

from __future__ import annotations

import datetime

from sqlalchemy import select

from portal.store import Store
from portal.store.models import Attachment, AttachmentSegment, SurvivorSession, today
from portal.survivor import sessions
from portal.uploads import sweep_abandoned


def test_abandoned_uploads_from_before_today_are_swept(store: Store) -> None:
    yesterday = today() - datetime.timedelta(days=1)
    with store.session() as session:
        session.add_all(
            [
                Attachment(id="a" * 32, stream_header=b"h", uploaded_on=yesterday),
                Attachment(id="b" * 32, stream_header=b"h", uploaded_on=today()),
                AttachmentSegment(attachment_id="a" * 32, index=0, data=b"x"),
            ]
        )
        session.commit()
        assert sweep_abandoned(session) == 1
        assert session.scalars(select(Attachment.id)).all() == ["b" * 32]
        assert session.scalars(select(AttachmentSegment)).all() == []


def test_sessions_begun_before_yesterday_are_swept(store: Store) -> None:
    with store.session() as session:
        for days, name in ((0, "c"), (1, "d"), (2, "e")):
            created = today() - datetime.timedelta(days=days)
            session.add(SurvivorSession(id=name * 32, created_on=created, state=b"s"))
        session.commit()
        assert sessions.sweep(session) == 1
        assert sorted(session.scalars(select(SurvivorSession.id))) == ["c" * 32, "d" * 32]
