"""The matching escrow as advocates see it: runs, members, and the matches on a case.

Before a match, a member learns how many reports wait, nothing else. After
one, a released case shows the match that freed it and links the other
reports it joined; an advocate who reads them and finds different officers
marks the match disputed, which is recorded and changes no seal: what was
read cannot be unread.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core import audit, escrow, escrow_run, grants
from portal.core.authentication import AccountError
from portal.core.principal import Principal
from portal.core.reports import reference_of
from portal.store.models import (
    Account,
    EscrowMatch,
    EscrowMatchReport,
    Group,
    GroupKey,
    GroupKeyGrant,
    Role,
    today,
)


class MatchNotFound(Exception):
    """No such match on this case."""


@dataclass(frozen=True)
class MatchShown:
    """A match on a case: its size, day, the other reports, and whether it is disputed."""

    id: str
    size: int
    found_on: datetime.date
    released_this: bool
    others: list[tuple[str, str]]  # (report id, reference)
    disputed_on: datetime.date | None


@dataclass(frozen=True)
class Overview:
    """What the matching page shows a member: counts only."""

    waiting: int
    is_member: bool
    members: list[str]
    candidates: list[tuple[Account, str]]  # advocates without the key, with fingerprints


def overview(session: Session, principal: Principal) -> Overview:
    """How many reports wait, who holds the matching key, and who could be given it."""
    holders = set(
        session.scalars(
            select(GroupKeyGrant.account_id)
            .join(GroupKey)
            .where(GroupKey.group == Group.ESCROW, GroupKeyGrant.account_id.is_not(None))
        )
    )
    advocates = session.scalars(
        select(Account)
        .where(Account.role == Role.ADVOCATE, Account.disabled.is_(False))
        .order_by(Account.name)
    ).all()
    return Overview(
        waiting=escrow.waiting_count(session),
        is_member=principal.holds(Group.ESCROW),
        members=[a.name for a in advocates if a.id in holders],
        candidates=[
            (a, grants.stored_fingerprint(a))
            for a in advocates
            if a.id not in holders and a.id != principal.account_id
        ],
    )


def run(session: Session, principal: Principal, escrow_seed: bytes) -> escrow_run.MatchRun:
    """Run the matching with the member's escrow keys and the instance's matching secret."""
    return escrow_run.run_matching(
        session, principal, actor=principal.name, escrow_seed=escrow_seed
    )


def give_key(session: Session, principal: Principal, account_id: int, fingerprint: str) -> None:
    """Give another advocate the matching key, if their key still has the words compared
    (AccountError otherwise, with nothing changed)."""
    member = session.get(Account, account_id)
    if member is None or member.role is not Role.ADVOCATE:
        raise AccountError("There is no such advocate.")
    try:
        grants.grant_group_keys(
            session, principal.keys(), member, principal.name, fingerprint, escrow=True
        )
    except AccountError:
        session.rollback()
        raise


def matches_of(session: Session, report_id: str) -> list[MatchShown]:
    """The matches a case took part in, newest first."""
    shown = []
    matches = session.scalars(
        select(EscrowMatch)
        .join(EscrowMatchReport)
        .where(EscrowMatchReport.report_id == report_id)
        .order_by(EscrowMatch.found_on.desc())
    ).all()
    for match in matches:
        others = sorted(r.report_id for r in match.reports if r.report_id != report_id)
        this = next(r for r in match.reports if r.report_id == report_id)
        shown.append(
            MatchShown(
                id=match.id,
                size=match.size,
                found_on=match.found_on,
                released_this=this.released,
                others=[(other, reference_of(other)) for other in others],
                disputed_on=match.disputed_on,
            )
        )
    return shown


def dispute(session: Session, principal: Principal, report_id: str, match_id: str) -> None:
    """Record that a match's reports name different officers (MatchNotFound if it is not
    this case's); nothing is sealed again."""
    match = session.get(EscrowMatch, match_id) if len(match_id) == 32 else None
    if match is None or not any(r.report_id == report_id for r in match.reports):
        raise MatchNotFound
    if match.disputed_on is None:
        match.disputed_on = today()
        audit.record(
            session,
            actor=principal.name,
            action="match marked not the same officer",
            subject=report_id,
            detail=f"a match of {match.size} reports",
        )
    session.commit()
