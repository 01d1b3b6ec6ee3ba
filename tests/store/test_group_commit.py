"""Writes that arrive while another is under way are committed together, and each
returns only once its rows are committed; a bad write fails only its own caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.store import Store, write_lock
from portal.store.group_commit import GroupCommit, write_together

NOTES = Table("notes", MetaData(), Column("id", Integer, primary_key=True), Column("body", String))


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A real SQLite database in WAL mode with the portal's write queue installed."""
    engine = create_engine(
        f"sqlite:///{tmp_path / 'scratch.db'}", connect_args={"check_same_thread": False}
    )
    write_lock.install(engine, tmp_path / "scratch.db.lock")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA journal_mode = WAL"))
        NOTES.metadata.create_all(connection)
        connection.execute(insert(NOTES), [{"id": 1, "body": "already here"}])
    yield engine
    engine.dispose()


def _commits(engine: Engine) -> list[int]:
    commits: list[int] = []
    event.listen(engine, "commit", lambda _connection: commits.append(1))
    return commits


def _stored(engine: Engine) -> set[int]:
    with engine.connect() as connection:
        return set(connection.scalars(select(NOTES.c.id)))


class _Interrupted(BaseException):
    """Something no `except Exception` stops, such as a worker being shut down."""


class _Writers:
    """Threads writing one note each through one queue, while another writer holds
    the write lock, so that every one of them arrives during a write."""

    def __init__(self, engine: Engine, queue: GroupCommit, ids: list[int]):
        self.engine, self.queue = engine, queue
        self.errors: dict[int, Exception] = {}
        self.visible_on_return: dict[int, bool] = {}
        self.threads = [threading.Thread(target=self._write, args=(i,)) for i in ids]

    def _write(self, note_id: int) -> None:
        with Session(self.engine) as session:
            try:
                self.queue.write(session, [(NOTES, [{"id": note_id, "body": f"note {note_id}"}])])
            except (IntegrityError, RuntimeError, _Interrupted) as error:
                self.errors[note_id] = error
        self.visible_on_return[note_id] = note_id in _stored(self.engine)

    def run_while_the_lock_is_held(self) -> None:
        with self.engine.connect() as holder:
            holder.execute(insert(NOTES), [{"id": 2, "body": "holding the lock"}])
            self.threads[0].start()  # leads, and waits for the lock with its own write
            _wait_for(lambda: len(self.queue._waiting) == 0 and self.queue._leader_busy)
            for thread in self.threads[1:]:
                thread.start()
            _wait_for(lambda: len(self.queue._waiting) == len(self.threads) - 1)
            holder.commit()
        for thread in self.threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in self.threads)


def _wait_for(condition: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the writers did not queue in time"
        time.sleep(0.001)


def test_writes_that_arrive_during_a_write_are_committed_together(engine: Engine) -> None:
    commits = _commits(engine)
    writers = _Writers(engine, GroupCommit(), list(range(10, 18)))
    writers.run_while_the_lock_is_held()
    assert writers.errors == {}
    assert _stored(engine) == {1, 2, *range(10, 18)}
    # The holder's commit, the leader's own, then the seven that waited behind it.
    assert len(commits) == 3
    assert writers.visible_on_return == dict.fromkeys(range(10, 18), True)


def test_a_bad_write_in_a_group_fails_only_its_own_caller(engine: Engine) -> None:
    writers = _Writers(engine, GroupCommit(), [10, 11, 1, 12])  # note 1 exists already
    writers.run_while_the_lock_is_held()
    assert set(writers.errors) == {1}
    assert _stored(engine) == {1, 2, 10, 11, 12}
    assert writers.visible_on_return == {10: True, 11: True, 12: True, 1: True}


def test_a_leader_whose_own_write_fails_still_hands_on_to_the_next_group(engine: Engine) -> None:
    writers = _Writers(engine, GroupCommit(), [1, 10, 11])  # the leader's note exists
    writers.run_while_the_lock_is_held()
    assert set(writers.errors) == {1}
    assert _stored(engine) == {1, 2, 10, 11}


def test_writes_whose_leader_was_interrupted_are_told_they_were_not_stored(
    engine: Engine,
) -> None:
    commits: list[int] = []

    def interrupt_the_third(_connection: object) -> None:
        commits.append(1)  # the holder's, the first leader's, then the group's
        if len(commits) == 3:
            raise _Interrupted

    event.listen(engine, "commit", interrupt_the_third)
    writers = _Writers(engine, GroupCommit(), [10, 11, 12, 13])
    writers.run_while_the_lock_is_held()
    assert _stored(engine) == {1, 2, 10}
    assert set(writers.errors) == {11, 12, 13}
    assert sum(isinstance(e, _Interrupted) for e in writers.errors.values()) == 1
    assert sum(isinstance(e, RuntimeError) for e in writers.errors.values()) == 2


def test_sessions_of_one_engine_share_one_queue(store: Store) -> None:
    table = Table("group_commit_notes", MetaData(), Column("body", String))
    with store.engine.begin() as connection:
        table.metadata.create_all(connection)
    commits = _commits(store.engine)
    with store.session() as first, store.session() as second:
        write_together(first, [(table, [{"body": "a"}])])
        write_together(second, [(table, [{"body": "b"}, {"body": "c"}])])
    with store.session() as session:
        assert sorted(session.scalars(select(table.c.body))) == ["a", "b", "c"]
    assert len(commits) == 2
