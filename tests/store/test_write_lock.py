"""Writers queue for their turn, hold it through the commit, and always give it back."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from portal.store import write_lock
from portal.store.write_lock import WriteLock


@pytest.fixture
def engine_and_lock(tmp_path: Path) -> Iterator[tuple[Engine, WriteLock]]:
    """A real SQLite database in WAL mode with the write queue installed."""
    engine = create_engine(
        f"sqlite:///{tmp_path / 'scratch.db'}", connect_args={"check_same_thread": False}
    )
    lock = write_lock.install(engine, tmp_path / "scratch.db.lock")
    with engine.begin() as connection:
        connection.execute(text("PRAGMA journal_mode = WAL"))
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    yield engine, lock
    engine.dispose()


def _held(lock: WriteLock) -> bool:
    return lock._threads.locked()


def test_the_lock_is_held_until_the_driver_has_committed(
    engine_and_lock: tuple[Engine, WriteLock],
) -> None:
    engine, lock = engine_and_lock
    seen: list[bool] = []
    # SQLAlchemy's "commit" event fires before the driver commits (and its fsync).
    event.listen(engine, "commit", lambda _connection: seen.append(_held(lock)))
    with engine.begin() as connection:
        assert not _held(lock)
        connection.execute(text("INSERT INTO notes VALUES ('a')"))
        assert _held(lock)
    assert seen == [True]
    assert not _held(lock)


def test_a_rolled_back_write_gives_the_lock_back(
    engine_and_lock: tuple[Engine, WriteLock],
) -> None:
    engine, lock = engine_and_lock
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO notes VALUES ('a')"))
        connection.rollback()
        assert not _held(lock)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 0


def test_a_connection_invalidated_while_holding_the_lock_gives_it_back(
    engine_and_lock: tuple[Engine, WriteLock],
) -> None:
    engine, lock = engine_and_lock
    connection = engine.connect()
    connection.execute(text("INSERT INTO notes VALUES ('lost')"))
    assert _held(lock)
    connection.invalidate()
    connection.close()
    assert not _held(lock)
    started = time.monotonic()
    with engine.begin() as other:
        other.execute(text("INSERT INTO notes VALUES ('kept')"))
    assert time.monotonic() - started < 1.0
    with engine.connect() as reader:
        assert reader.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]


def test_after_a_timeout_the_rest_of_the_transaction_does_not_wait_again(
    engine_and_lock: tuple[Engine, WriteLock], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, lock = engine_and_lock
    monkeypatch.setattr(write_lock, "_WAIT_SECONDS", 0.2)
    assert lock._threads.acquire()  # another writer of this process never lets go
    try:
        started = time.monotonic()
        with engine.begin() as connection:
            for number in range(5):
                connection.execute(text("INSERT INTO notes VALUES (:n)"), {"n": str(number)})
        waited = time.monotonic() - started
        assert 0.2 <= waited < 0.6, waited  # one wait, not five
        assert _held(lock)  # the commit did not release a lock it never took
    finally:
        lock._threads.release()
    with engine.begin() as connection:  # and the next transaction waits its turn again
        connection.execute(text("INSERT INTO notes VALUES ('next')"))
        assert _held(lock)


def test_writers_in_many_threads_take_turns_and_lose_nothing(
    engine_and_lock: tuple[Engine, WriteLock],
) -> None:
    engine, lock = engine_and_lock
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            for number in range(25):
                with engine.begin() as connection:
                    connection.execute(
                        text("INSERT INTO notes VALUES (:body)"), {"body": f"{writer}-{number}"}
                    )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert not _held(lock)
    with engine.connect() as reader:
        assert reader.execute(text("SELECT count(*) FROM notes")).scalar() == 150


class _Interrupted(BaseException):
    """Something no `except Exception` stops, such as a worker being shut down."""


def test_a_connection_whose_commit_was_interrupted_goes_back_to_the_pool_rolled_back(
    engine_and_lock: tuple[Engine, WriteLock],
) -> None:
    engine, lock = engine_and_lock
    interrupted: list[bool] = []

    def interrupt_once(_connection: object) -> None:
        if not interrupted:
            interrupted.append(True)
            raise _Interrupted

    event.listen(engine, "commit", interrupt_once)
    with Session(engine) as session:
        session.execute(text("INSERT INTO notes VALUES ('never committed')"))
        with pytest.raises(_Interrupted):
            session.commit()
    assert not _held(lock)
    for n in range(5):  # through every connection the pool holds
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes VALUES (:n)"), {"n": str(n)})
    with engine.connect() as connection:
        bodies = set(connection.scalars(text("SELECT body FROM notes")))
    assert bodies == {"0", "1", "2", "3", "4"}
