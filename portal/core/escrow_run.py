"""The matching run: open the escrow's entries, and release each waiting report that
enough others name.

It runs in an escrow member's session (at sign-in, from "Run matching now") or with
`portal escrow match`, with the member's escrow keys and the instance's matching secret.
Entries are grouped by tag; where at least t reports share a tag, a waiting report's
slot gives the secret its seal opens under, and the data key, which must open her report
as it stands, is sealed to the groups her consent names (docs/escrow.md, "Matching").
"""

from __future__ import annotations

import itertools
import secrets
from collections import defaultdict
from dataclasses import dataclass, field, replace

from cryptography.hazmat.primitives.asymmetric import x25519
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from crypto import matching
from crypto.errors import CryptoError
from crypto.keys import PrivateKey
from portal.core import audit, bindings
from portal.core.escrow import (
    INSIDE_SIZE,
    OpenedEntry,
    consent_at_release,
    instance_release_key,
    open_entry,
    seal_entry,
    waiting_count,
)
from portal.core.reports import Consent, KeyHolder, apply_consent, decrypt_account
from portal.store.models import EscrowEntry, EscrowMatch, EscrowMatchReport, Group, Report, today

# A slot whose tag's shares all come from entries this server made (inside the instance's
# layer) is tried once: the shares are right, so a seal that does not open under the
# secret they give (her browser's, made to a key of nobody's) never will. Its locked key
# is then cleared in the entry, so it costs nothing again. A run makes at most
# _MOST_TRIES_IN_RUN such tries, taking waiting reports in random order; what is left
# is tried by the next runs, so a flood of hostile reports delays the others by a few
# runs at most and costs each slot one try in all.
_MOST_TRIES_IN_RUN = 8192
# Entries from before the instance's layer, or written into the database by hand, may
# carry shares that are not on the polynomial: other subsets of shares are tried, at
# most _MOST_TRIES a report and _MOST_FAILED_TRIES a run.
_MOST_TRIES = 256
_MOST_FAILED_TRIES = 2048


@dataclass
class MatchRun:
    """What one matching run found: how many waited, which reports it released."""

    waiting: int
    unopened: int = 0  # entries sealed to an escrow key version the member does not hold
    moved_inside: int = 0  # entries from before the instance's layer, given it
    altered: int = 0  # waiting entries whose row's choices are not those its seals are bound to
    tries: int = 0  # slots tried once with shares this server made
    failed_tries: int = 0  # slots or sets of shares that did not give a key to her report
    failed_searches: int = 0  # of those, sets of shares tried where one may be forged
    released: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Point:
    report_id: str
    shares: tuple[int, ...]
    made_here: bool

    @property
    def x(self) -> int:
        return matching.x_coordinate(self.report_id)


def run_matching(session: Session, holder: KeyHolder, actor: str, escrow_seed: bytes) -> MatchRun:
    """Open every entry the holder's escrow keys open, release each waiting report that
    enough others name, and record the run; committed before this returns."""
    run = MatchRun(waiting=waiting_count(session))
    older = select(EscrowEntry.report_id).where(func.length(EscrowEntry.sealed) != INSIDE_SIZE)
    if run.waiting == 0 and session.scalar(older.limit(1)) is None:
        return run
    opened = _open_entries(session, holder, escrow_seed, run)
    by_tag: dict[bytes, dict[str, _Point]] = defaultdict(dict)
    for one in opened:
        for slot in one.entry.slots:
            point = _Point(one.entry.report_id, slot.shares, one.made_here)
            by_tag[slot.tag].setdefault(one.entry.report_id, point)
    waiting = set(session.scalars(select(Report.id).where(Report.wait_for_match.is_(True))))
    candidates = []
    for one in opened:
        if one.entry.threshold == matching.COUNTS_ONLY or one.row.report_id not in waiting:
            continue
        report = session.get(Report, one.row.report_id)
        if report is not None:
            candidates.append(_Candidate(one, report, by_tag, escrow_seed))
    secrets.SystemRandom().shuffle(candidates)
    keys: dict[tuple[bytes, int], x25519.X25519PrivateKey] = {}  # a tag's, at a threshold
    # tag: report id: the report as the run found it, and its data key
    freed: dict[bytes, dict[str, tuple[_Candidate, bytes]]] = defaultdict(dict)
    for candidate in candidates:
        if run.tries >= _MOST_TRIES_IN_RUN:
            break
        candidate.try_slots(keys, run)
        if candidate.freed is not None:
            tag, data_key = candidate.freed
            freed[tag][candidate.report.id] = (candidate, data_key)
    _write_back(session, opened, candidates, escrow_seed, run)
    for tag, freed_here in freed.items():
        _release(session, freed_here, sorted(by_tag[tag]), actor, run)
    audit.record(
        session,
        actor=actor,
        action="escrow matching run",
        detail=f"{run.waiting} waiting; {len(run.released)} released",
    )
    session.commit()
    return run


def _write_back(
    session: Session,
    opened: list[OpenedEntry],
    candidates: list[_Candidate],
    escrow_seed: bytes,
    run: MatchRun,
) -> None:
    """Seal again every waiting entry the run considered, its slots found to open nothing
    cleared, whether or not anything changed: a copy of the database before and after
    the run then shows every waiting row rewritten, never which tag reached its
    threshold. Give an entry from before the instance's layer that layer."""
    still_waiting = {c.report.id: c for c in candidates if c.freed is None}
    for one in opened:
        candidate = still_waiting.get(one.row.report_id)
        if candidate is not None:
            _replace_sealed(session, one.row, candidate.sealed_again(escrow_seed))
        elif not one.inside:
            report = session.get(Report, one.row.report_id)
            if report is None:
                continue
            consent = consent_at_release(report)
            sealed = seal_entry(one.row.group_key, one.entry, escrow_seed, consent, False)
            _replace_sealed(session, one.row, sealed)
        else:
            continue
        if not one.inside:
            run.moved_inside += 1


def _open_entries(
    session: Session, holder: KeyHolder, escrow_seed: bytes, run: MatchRun
) -> list[OpenedEntry]:
    """Every entry the holder opens (one a report)."""
    opened: dict[str, OpenedEntry] = {}
    for row in session.scalars(select(EscrowEntry)):
        # A row pointing at a key version that is gone (written by hand) opens nothing.
        private: PrivateKey | None = (
            None if row.group_key is None else holder.group_key(Group.ESCROW, row.group_key.version)
        )
        if private is None:
            run.unopened += 1
            continue
        try:
            one = open_entry(private, row, escrow_seed)
        except CryptoError:
            run.unopened += 1  # altered or moved: it counts for nothing
            continue
        if one.entry.report_id != row.report_id:
            run.unopened += 1
            continue
        opened[row.report_id] = one
    return list(opened.values())


_CLEARED = bytes(matching.RELEASE_SEAL_SIZE)  # a slot's seal once known to open nothing


class _Candidate:
    """A waiting report's entry, what its slots have cost, and what they freed."""

    def __init__(
        self,
        opened: OpenedEntry,
        report: Report,
        by_tag: dict[bytes, dict[str, _Point]],
        escrow_seed: bytes,
    ) -> None:
        self.opened = opened
        self.entry = opened.entry
        self.report = report
        self.consent = consent_at_release(report)
        # Her row's choices differ from those her seals are bound to: someone changed the
        # row by hand, or she changed them a moment ago and her new entry is being
        # written. Nothing is tried or cleared; the next run reads the entry that holds.
        self.altered = opened.consent is not None and opened.consent != self.consent
        self.by_tag = by_tag
        self.instance_key = instance_release_key(escrow_seed)
        self.failed = 0
        self.cleared: list[int] = []  # slots found to open nothing, this run
        self.freed: tuple[bytes, bytes] | None = None  # the tag that freed it, its data key

    def try_slots(
        self, keys: dict[tuple[bytes, int], x25519.X25519PrivateKey], run: MatchRun
    ) -> None:
        """Try each slot whose tag reaches her threshold until one frees her report."""
        if self.altered:
            run.altered += 1
            return
        threshold = self.entry.threshold
        for number, slot in enumerate(self.entry.slots):
            points = self.by_tag[slot.tag]
            if len(points) < threshold or slot.locked_key == _CLEARED:
                continue
            if self._trusted(points):
                run.tries += 1
                data_key = self._open(number, self._key(keys, slot.tag, points))
                if data_key is None:
                    run.failed_tries += 1
                    self.cleared.append(number)
            else:
                data_key = self._search(number, points, run)
            if data_key is not None:
                self.freed = (slot.tag, data_key)
                return

    def _trusted(self, points: dict[str, _Point]) -> bool:
        """Whether every share under this tag is one this server made (then any
        `threshold` of them give the secret), and her seal is of this version."""
        made_here = all(point.made_here for point in points.values())
        return made_here and self.entry.version == matching.ENTRY_VERSION

    def _key(
        self,
        keys: dict[tuple[bytes, int], x25519.X25519PrivateKey],
        tag: bytes,
        points: dict[str, _Point],
    ) -> x25519.X25519PrivateKey:
        threshold = self.entry.threshold
        if (tag, threshold) not in keys:
            column = matching.THRESHOLDS.index(threshold)
            chosen = sorted(points.values(), key=lambda point: point.report_id)[:threshold]
            polynomial_secret = matching.interpolate_secret(
                [(point.x, point.shares[column]) for point in chosen]
            )
            keys[tag, threshold] = matching.release_private_key(
                polynomial_secret, threshold, self.instance_key
            )
        return keys[tag, threshold]

    def _open(self, number: int, private: x25519.X25519PrivateKey) -> bytes | None:
        binding = bindings.escrow_release(self.entry.report_id, number, self.consent)
        try:
            data_key = matching.open_release_seal(
                private, self.entry.slots[number].locked_key, binding
            )
        except CryptoError:
            return None  # sealed to a key of nobody's, or bound to other choices
        return data_key if _opens(self.report, data_key) else None

    def _search(self, number: int, points: dict[str, _Point], run: MatchRun) -> bytes | None:
        """Her share with each subset of the others', for shares that may be forged."""
        column = matching.THRESHOLDS.index(self.entry.threshold)
        own = points[self.entry.report_id]
        others = [p for p in points.values() if p.report_id != self.entry.report_id]
        for chosen in itertools.combinations(others, self.entry.threshold - 1):
            if self.failed >= _MOST_TRIES or run.failed_searches >= _MOST_FAILED_TRIES:
                return None
            polynomial_secret = matching.interpolate_secret(
                [(p.x, p.shares[column]) for p in (own, *chosen)]
            )
            data_key = self._unlock(number, polynomial_secret)
            if data_key is not None:
                return data_key
            self.failed += 1
            run.failed_searches += 1
            run.failed_tries += 1
        return None

    def _unlock(self, number: int, polynomial_secret: int) -> bytes | None:
        """The data key slot `number` locks under this secret, if it opens her report as
        her row holds it (the consent it was bound to included)."""
        binding = bindings.escrow_release(self.entry.report_id, number, self.consent)
        try:
            data_key = matching.unlock(
                self.entry.version,
                polynomial_secret,
                self.entry.threshold,
                self.entry.slots[number].locked_key,
                binding,
                self.instance_key,
            )
        except CryptoError:
            return None  # a share off the polynomial, or a seal to no key of ours
        return data_key if _opens(self.report, data_key) else None

    def sealed_again(self, escrow_seed: bytes) -> bytes:
        """Her entry, the slots found to open nothing cleared so no run tries them again,
        sealed afresh, bound to the choices it was bound to."""
        slots = tuple(
            replace(slot, locked_key=_CLEARED) if number in self.cleared else slot
            for number, slot in enumerate(self.entry.slots)
        )
        entry = replace(self.entry, slots=slots)
        consent = self.opened.consent if self.opened.consent is not None else self.consent
        row = self.opened.row
        return seal_entry(row.group_key, entry, escrow_seed, consent, self.opened.made_here)


def _replace_sealed(session: Session, row: EscrowEntry, sealed: bytes) -> None:
    """Write an entry's new seal only if the row still holds what the run read: her choices
    changed on /return meanwhile make a new entry, which an old one must not overwrite."""
    session.execute(
        update(EscrowEntry)
        .where(EscrowEntry.report_id == row.report_id, EscrowEntry.sealed == row.sealed)
        .values(sealed=sealed)
        .execution_options(synchronize_session=False)
    )


def _opens(report: Report, data_key: bytes) -> bool:
    """Whether a freed key opens her report as it stands. An entry sealed by someone who
    wrote to the database (the escrow's public key is there) carries a key of their
    own: released, it would take her report from her and give the advocates nothing."""
    try:
        decrypt_account(data_key, report)
    except (CryptoError, ValueError):
        return False
    return True


def _release(
    session: Session,
    freed: dict[str, tuple[_Candidate, bytes]],
    matched: list[str],
    actor: str,
    run: MatchRun,
) -> None:
    """Seal each freed report's key to the groups her consent names, and link the match."""
    released = [
        report_id
        for report_id, (candidate, data_key) in freed.items()
        if _release_one(session, candidate, data_key, actor, len(matched))
    ]
    if not released:
        return
    run.released.extend(released)
    # Linked: the reports the advocates may read now. One still waiting is counted in
    # the size but never named: nobody may learn which report waits.
    readable = [r for r in matched if r in released or _readable(session, r)]
    match = EscrowMatch(id=secrets.token_hex(16), size=len(matched))
    match.reports = [
        EscrowMatchReport(report_id=report_id, released=report_id in released)
        for report_id in readable
    ]
    session.add(match)


def _release_one(
    session: Session, freed: _Candidate, data_key: bytes, actor: str, matched: int
) -> bool:
    """Release one report, read again as it stands now, in a savepoint of its own: one
    she changed or deleted while the run went on (a message, "keep longer", her choices)
    waits for the next run, and every other release of this run still goes."""
    try:
        with session.begin_nested():
            report = session.get(
                Report, freed.report.id, populate_existing=True, with_for_update=True
            )
            if (
                report is None
                or not report.wait_for_match
                or consent_at_release(report) != freed.consent
                or not _opens(report, data_key)
            ):
                return False
            consent = replace(Consent.of(report), wait_for_match=False)
            apply_consent(session, report, data_key, consent)
            report.released_on = today()
            audit.record(
                session,
                actor=actor,
                action="report released by a match",
                subject=report.id,
                detail=f"{matched} reports name the same officer",
            )
    except (StaleDataError, ObjectDeletedError):
        return False
    return True


def _readable(session: Session, report_id: str) -> bool:
    report = session.get(Report, report_id)
    return report is not None and not report.wait_for_match and report.advocates_may_read
