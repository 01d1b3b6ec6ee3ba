"""What a crash leaves behind (half-received uploads, stale sessions) is swept away."""

from __future__ import annotations

import datetime
import time

from sqlalchemy import select

from portal.core import key_challenges
from portal.core import survivor_sessions as sessions
from portal.core.evidence import sweep_abandoned
from portal.store import Store
from portal.store.models import (
    Attachment,
    AttachmentSegment,
    SpentChallenge,
    SurvivorSession,
    today,
)


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


def test_sessions_are_swept_once_the_hour_after_their_limit_has_begun(store: Store) -> None:
    hour = int(time.time()) // 3600
    with store.session() as session:
        for sweep_at, name in ((hour + 3, "c"), (hour + 1, "d"), (hour, "e"), (hour - 5, "f")):
            session.add(SurvivorSession(id=name * 32, sweep_at_hour=sweep_at, state=b"s"))
        session.commit()
        assert sessions.sweep(session) == 2
        assert sorted(session.scalars(select(SurvivorSession.id))) == ["c" * 32, "d" * 32]


def test_a_new_session_is_swept_within_an_hour_after_its_absolute_limit(store: Store) -> None:
    before = int(time.time())
    with store.session() as session:
        sessions.start(session, sessions.SurvivorAccess("r" * 32, bytes(32)))
        stored = session.scalars(select(SurvivorSession.sweep_at_hour)).one()
    after = int(time.time())
    assert (before + sessions.ABSOLUTE_SECONDS) / 3600 < stored
    assert stored * 3600 <= after + sessions.ABSOLUTE_SECONDS + 3600


def test_spent_key_challenges_are_swept_once_they_would_be_refused_anyway(store: Store) -> None:
    now = datetime.datetime.now(datetime.UTC)
    challenges = key_challenges.Challenges(b"s" * 32)
    with store.session() as session:
        fresh = challenges.new("sign-in", "ann", now)
        old = challenges.new("sign-in", "ann", now - datetime.timedelta(minutes=10))
        assert challenges.spend(session, fresh, "sign-in", "ann", now)
        # Spent while it was valid, ten minutes ago: its row outlived its use.
        assert challenges.spend(session, old, "sign-in", "ann", now - datetime.timedelta(minutes=9))
        session.commit()
        assert key_challenges.sweep(session, now) == 1
        assert len(session.scalars(select(SpentChallenge)).all()) == 1
        # The one left still refuses its challenge a second time.
        assert not challenges.spend(session, fresh, "sign-in", "ann", now)
