"""Her choices about who reads her report: consent, and waiting for a match.

Taking consent away from a group gives the report a new data key, and the
deleted seals are emptied from the write-ahead log; a repeated request raises
`AlreadySent` and changes nothing twice.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from crypto.envelope import wrap_key
from portal.core import bindings, escrow, submissions
from portal.core.reports import Consent, apply_consent, decrypt_account, rekey, withdraws
from portal.core.submissions import Submission
from portal.core.survivor_sessions import SurvivorAccess
from portal.store import forget_deleted, redo_if_raced
from portal.store.models import Report
from portal.survivor.service import open_report


def change_consent(
    session: Session,
    access: SurvivorAccess,
    consent: Consent,
    submission: Submission,
    escrow_seed: bytes,
) -> None:
    """Record new consent choices and seal or unseal the report's key to match
    (AlreadySent if this form was sent before).

    Taking consent away from a group also gives the report a new data key
    (`rekey`), and the database's write-ahead log is emptied: the old key,
    copied from a backup by someone who may no longer read, opens nothing
    written from now on, and the deleted seals leave no copy behind.
    """
    submission = submission.to_report(access.report_id)

    def change() -> bool:
        submissions.refuse_repeat(session, submission)
        report, data_key = open_report(session, access)
        # Waiting for a match is left by its own buttons (`change_escrow`), or by
        # keeping the report from the advocates, whom a match would send it to.
        waiting = report.wait_for_match and consent.advocates_may_read
        chosen = replace(consent, wait_for_match=waiting)
        # Kept from the advocates, a waiting report's entry goes (`escrow.new_entry`): the
        # key it wrapped is withdrawn from whoever completes a match, as from a group.
        withdrawn = withdraws(report, chosen) or (
            report.wait_for_match and report.advocates_may_read and not chosen.advocates_may_read
        )
        if withdrawn:
            data_key = _new_data_key(session, access, report, data_key)
        apply_consent(session, report, data_key, chosen)
        escrow.refile_entry(
            session, report, data_key, decrypt_account(data_key, report), escrow_seed
        )
        submissions.record(session, submission)
        session.commit()
        return withdrawn

    if redo_if_raced(session, change):
        forget_deleted(session)


def change_escrow(
    session: Session,
    access: SurvivorAccess,
    release: bool,
    submission: Submission,
    escrow_seed: bytes,
) -> None:
    """She sends her waiting report to the advocates now (`release`), or leaves the
    escrow: it then stays sealed to the recovery key only (AlreadySent if repeated)."""
    submission = submission.to_report(access.report_id)

    def change() -> None:
        submissions.refuse_repeat(session, submission)
        report, data_key = open_report(session, access)
        if report.wait_for_match:
            if release:
                apply_consent(
                    session, report, data_key, replace(Consent.of(report), wait_for_match=False)
                )
                account = decrypt_account(data_key, report)
                escrow.refile_entry(session, report, data_key, account, escrow_seed)
            else:
                # A copy of her entry (an old backup) must open nothing she writes from now on.
                escrow.leave(session, report, _new_data_key(session, access, report, data_key))
        submissions.record(session, submission)
        session.commit()

    redo_if_raced(session, change)
    forget_deleted(session)


def _new_data_key(
    session: Session, access: SurvivorAccess, report: Report, data_key: bytes
) -> bytes:
    """Put her report under a new data key (`rekey`), which her codename opens; its seals
    are dropped, for the caller to seal it again as her choices now allow."""
    fresh = rekey(session, report, data_key)
    report.survivor_key = wrap_key(
        access.codename_key, fresh, bindings.report(report.id, "survivor_key")
    )
    return fresh
