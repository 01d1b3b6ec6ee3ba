"""New rows from many requests of one process, inserted and committed together.

During a surge of reports each submission is a few small inserts and one
`synchronous=FULL` commit, and SQLite takes one writer at a time. The writer
shares its worker's interpreter lock with threads parsing and rendering other
requests, so a turn at the write lock lasts several times as long as its
statements would alone, and the turns, not the CPU, capped submissions.

Here the requests of one process that arrive while a write is under way wait
for it, then one of them (the leader) inserts all their rows with one
`executemany` per table and commits once; the next arrivals gather behind
that commit in turn. Nobody returns before the commit that holds their rows
has returned, so an acknowledged report is on disk as before. If the group's
transaction fails, each write is tried again on its own, so one bad write
fails only its own request.

`new_report_rows` gives a new report's rows (the report, its seals and its
consent record) as its objects hold them, wherever the report was sealed.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, insert, inspect
from sqlalchemy.orm import Session

from portal.store.models import ConsentRecord, Report, ReportKeySeal

# One write: rows to insert, table by table, in an order foreign keys allow.
Inserts = Sequence[tuple[Table, Sequence[Mapping[str, Any]]]]


@dataclass(eq=False)
class _Write:
    inserts: Inserts
    woken: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # woken to lead the next group rather than because it is done
    committed: bool = False
    error: BaseException | None = None


class GroupCommit:
    """A queue of writes for one engine in one process (leader and followers)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: list[_Write] = []
        self._leader_busy = False

    def write(self, session: Session, inserts: Inserts) -> None:
        """Insert these rows and commit; returns once they are committed, raises if not.

        The session must not be inside a transaction with writes of its own:
        the leader commits through its own session.
        """
        mine = _Write(inserts)
        with self._mutex:
            self._waiting.append(mine)
            leads = not self._leader_busy
            self._leader_busy = True
        if not leads:
            mine.woken.wait()
            leads = mine.leads
        if leads:
            self._lead(session)
        if mine.error is not None:
            raise mine.error

    def _lead(self, session: Session) -> None:
        with self._mutex:
            group, self._waiting = self._waiting, []
        try:
            _commit_group(session, group)
        finally:
            with self._mutex:
                if self._waiting:
                    following = self._waiting[0]
                    following.leads = True
                    following.woken.set()
                else:
                    self._leader_busy = False
            for write in group:
                if not write.committed and write.error is None:
                    write.error = RuntimeError("the group's commit was interrupted")
                write.woken.set()


def _commit_group(session: Session, group: list[_Write]) -> None:
    error = _commit(session, group)
    if error is None:
        return
    if len(group) == 1:
        group[0].error = error
        return
    for write in group:  # the group failed: find whose write it was
        write.error = _commit(session, [write])


def _commit(session: Session, writes: list[_Write]) -> Exception | None:
    """Insert and commit these writes; what went wrong, if anything.

    Whatever stops the commit, the transaction is rolled back before this
    returns or raises: a connection must never go back to the pool holding
    other survivors' uncommitted rows (and SQLite's write lock).
    """
    try:
        _insert(session, writes)
        session.commit()
    except Exception as error:
        session.rollback()
        return error
    except BaseException:
        session.rollback()
        raise
    for write in writes:
        write.committed = True
    return None


def _insert(session: Session, group: list[_Write]) -> None:
    """One executemany per table and set of columns, tables in the writes' order."""
    tables: dict[Table, dict[frozenset[str], list[Mapping[str, Any]]]] = {}
    for write in group:
        for table, rows in write.inserts:
            for row in rows:
                tables.setdefault(table, {}).setdefault(frozenset(row), []).append(row)
    for table, batches in tables.items():
        for rows in batches.values():
            session.execute(insert(table), rows)


_QUEUES: weakref.WeakKeyDictionary[Engine, GroupCommit] = weakref.WeakKeyDictionary()
_QUEUES_MUTEX = threading.Lock()


def write_together(session: Session, inserts: Inserts) -> None:
    """Insert and commit these rows, together with other threads' writes at the same time."""
    engine = session.get_bind().engine
    with _QUEUES_MUTEX:
        queue = _QUEUES.get(engine)
        if queue is None:
            queue = _QUEUES[engine] = GroupCommit()
    queue.write(session, inserts)


def table_of(model: type[Any]) -> Table:
    """The table a model's rows are inserted into."""
    table: Table = model.metadata.tables[model.__tablename__]
    return table


def _row(instance: Any, **foreign_keys: Any) -> dict[str, Any]:
    """An object's columns as it holds them (the insert fills in defaults)."""
    held = inspect(instance).dict
    columns = instance.__table__.columns
    return {c.key: held[c.key] for c in columns if c.key in held} | foreign_keys


def new_report_rows(report: Report) -> Inserts:
    """A new report's rows, as its objects hold them: the report, its seals, its consent."""
    seals = [_row(s, report_id=report.id, group_key_id=s.group_key.id) for s in report.seals]
    consents = [_row(c, report_id=report.id) for c in report.consent_history]
    return [
        (table_of(Report), [_row(report)]),
        (table_of(ReportKeySeal), seals),
        (table_of(ConsentRecord), consents),
    ]
