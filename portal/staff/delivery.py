"""A prepared export delivered: written to a new file, or streamed as it is written.

`portal export` writes to a new file, created empty before the first pass
so that nothing else takes its name; nothing is written to it until every
case is checked and the export audited, and if the export fails, the file
is removed again. The staff page streams the bundle of a prepared export.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from portal.core.principal import Principal
from portal.staff.plan import ExportPlan
from portal.staff.service import (
    Progress,
    consented_ids,
    find_by_reference,
    prepare_export,
    write_bundle,
)
from portal.store import Store

# Given a stage's name and how many cases it takes, what to call after each case.
Stages = Callable[[str, int], AbstractContextManager[Progress]]


class NoConsentedCase(Exception):
    """No case is consented for the purpose: there is nothing to export."""


def _unobserved(_stage: str, _cases: int) -> AbstractContextManager[Progress]:
    return nullcontext(lambda _done: None)


@contextmanager
def _new_file(path: Path) -> Iterator[BinaryIO]:
    """A file made at `path` for this export alone (FileExistsError if it is there),
    removed again if the export fails."""
    target = open(path, "xb")  # noqa: SIM115 - closed below, before it may be removed
    try:
        with target:
            yield target
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def export_to_file(
    session: Session,
    principal: Principal,
    references: Sequence[str] | None,
    purpose: str,
    path: Path,
    zip_passphrase: str | None = None,
    age_recipient: str | None = None,
    stages: Stages = _unobserved,
) -> tuple[ExportPlan, list[str]]:
    """Export the cases referred to (None: every one consented for the purpose) to a new
    file; return the plan and the references written."""
    ids = (
        consented_ids(session, purpose)
        if references is None
        else find_by_reference(session, references)
    )
    ids = list(dict.fromkeys(ids))  # a case named twice is exported once
    if not ids:
        raise NoConsentedCase(purpose)
    with _new_file(path) as target:
        with stages("Checking cases", len(ids)) as progress:
            plan = prepare_export(session, principal, ids, purpose, progress=progress)
        with stages("Exporting cases", len(plan.exported)) as progress:
            done = write_bundle(
                session, principal, plan, target, zip_passphrase, age_recipient, progress
            )
    return plan, done


def stream_export(
    store: Store,
    principal: Principal,
    plan: ExportPlan,
    passphrase: str | None,
    recipient: str | None,
) -> Iterator[bytes]:
    """Write the prepared (already audited) bundle in a thread writing to a pipe; yield
    the encrypted bytes as they come.

    This runs after the web view has returned, so it is given the store: no app context.
    """
    read_end, write_end = os.pipe()
    failure: list[BaseException] = []

    def run() -> None:
        with os.fdopen(write_end, "wb") as out, store.session() as session:
            try:
                write_bundle(
                    session,
                    principal,
                    plan,
                    out,
                    zip_passphrase=passphrase,
                    age_recipient=recipient,
                )
            except BaseException as error:
                failure.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    with os.fdopen(read_end, "rb") as encrypted:
        while chunk := encrypted.read(64 * 1024):
            yield chunk
    worker.join()
    if failure:
        # Headers are gone: the download ends short, and the unfinished bundle does not open.
        raise failure[0]
