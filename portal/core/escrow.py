"""The matching escrow: a report waits, unread, until enough reports name its officer.

Every report that names an officer in a known force, and that the advocates
may read (now, or once it is matched), has one entry: for each of its officer
identifiers (`core/officers.py`), a match tag and a share of each
threshold's polynomial, both derived from the identifier's VOPRF output under
a key held in instance/secrets/ (`crypto/voprf.py`, `crypto/matching.py`);
and, for a waiting report, its data key sealed to its own threshold's
release public key (by the server, or by her browser, which asks for the
public keys: `release_public_keys`). The entry is sealed to the escrow
group's key. Matching runs in an escrow member's session: it opens the
entries, groups them by tag, and where at least t reports share a tag,
interpolates the secret, opens the waiting report's data key and seals it to
the groups her consent names.

Nothing here depends on whether an entry matches at submission: the survivor's
request does the same work either way, and a match is found only later, by a
member.
"""

from __future__ import annotations

import functools
import itertools
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field, replace
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crypto import matching, voprf
from crypto.errors import CryptoError
from crypto.keys import PrivateKey, open_sealed, seal
from portal.core import audit, bindings
from portal.core.group_keys import current_group_key, public_key_of
from portal.core.officers import officer_identifiers
from portal.core.reports import (
    Consent,
    KeyHolder,
    apply_consent,
    decrypt_account,
)
from portal.store.models import (
    EscrowEntry,
    EscrowMatch,
    EscrowMatchReport,
    Group,
    Report,
    today,
)

_KEY_INFO = b"portal escrow v1"  # DeriveKeyPair's info: the key the instance secret seeds
_MOST_TRIES = 256  # subsets of shares tried when a tag's shares disagree (a forged share)
# Failed subsets over one whole run: entries a database writer fills with bad shares
# cannot hold a member's sign-in for long (what is left waits for the next run).
_MOST_FAILED_TRIES = 2048


# What she reads when waiting cannot be done as she asked, on either path.
RELEASE_NEEDS_OFFICER = (
    "To keep your report sealed until others name the same officer, we need to know who he "
    "is: choose the police force, and give his name or his collar or warrant number."
)
RELEASE_NEEDS_ADVOCATES = (
    "A sealed report goes to the advocates when others name the same officer. Tick "
    '"Advocates at the charity may read my report", or choose to send it now.'
)


@functools.lru_cache(maxsize=4)
def _voprf_key(seed: bytes) -> voprf.ServerKey:
    return voprf.derive_key_pair(seed, _KEY_INFO)


def release_choice(account: dict[str, Any]) -> int | None:
    """How many reports she chose to wait for (None: sent now), as her account keeps it."""
    chosen = str(account.get("release") or "now")
    return int(chosen) if chosen.isdigit() and int(chosen) in matching.THRESHOLDS else None


def consent_at_release(report: Report) -> str:
    """The consent a match applies to a waiting report, as its row holds it, in the form
    its wrapped key is bound to: a writer who changes the row makes the key not open."""
    consent = replace(Consent.of(report), wait_for_match=False)
    return "consent=" + "".join("1" if chosen else "0" for chosen in astuple(consent))


def build_entry(
    report_id: str,
    data_key: bytes,
    identifiers: list[str],
    threshold: int,
    escrow_seed: bytes,
    consent: str,
    seals: Sequence[bytes] = (),
) -> matching.Entry:
    """A report's entry: per identifier, its match tag, shares and (if waiting) its data
    key sealed to the release key and bound to `consent` (`consent_at_release`), or the
    seals her browser made, one per identifier, in order."""
    key = _voprf_key(escrow_seed)
    slots = []
    for number, identifier in enumerate(identifiers[: matching.SLOTS]):
        prf_output = voprf.evaluate(key, identifier.encode())
        if threshold == matching.COUNTS_ONLY:
            locked = secrets.token_bytes(matching.RELEASE_SEAL_SIZE)
        elif seals:
            locked = seals[number]
        else:
            public = matching.release_public_key(matching.secret(prf_output, threshold), threshold)
            binding = bindings.escrow_release(report_id, number, consent)
            locked = matching.seal_to_release(public, data_key, binding)
        slots.append(
            matching.Slot(
                matching.match_tag(prf_output),
                matching.shares(prf_output, matching.x_coordinate(report_id)),
                locked,
            )
        )
    return matching.Entry(report_id, threshold, tuple(slots))


def release_public_keys(
    officers: dict[str, Any], threshold: int, escrow_seed: bytes
) -> list[bytes]:
    """What a browser seals a waiting report's data key to: for each identifier the
    officers give (`officer_identifiers` order, as many as an entry holds), the public
    key of its release secret at her threshold. Nothing is kept."""
    if threshold not in matching.THRESHOLDS:
        raise ValueError("a report waits for 2 to 5 reports")
    key = _voprf_key(escrow_seed)
    return [
        matching.release_public_key(
            matching.secret(voprf.evaluate(key, identifier.encode()), threshold), threshold
        )
        for identifier in officer_identifiers(officers)[: matching.SLOTS]
    ]


def new_entry(
    session: Session,
    report: Report,
    data_key: bytes,
    account: dict[str, Any],
    escrow_seed: bytes,
    seals: Sequence[bytes] = (),
) -> EscrowEntry | None:
    """The entry a report should have as it stands (None: it names no officer, or
    the advocates may not read it, now or after a match), sealed, not yet added.
    `seals`: a waiting report's data key as her browser sealed it to each slot."""
    identifiers = officer_identifiers(account)
    # A waiting report she has since kept from the advocates is a record no one may
    # read: it neither counts toward another's match nor is named by one.
    if not identifiers or not report.advocates_may_read:
        return None
    waiting = release_choice(account) if report.wait_for_match else None
    # Her choices were written to the row by this very request (`apply_consent`).
    entry = build_entry(
        report.id,
        data_key,
        identifiers,
        waiting or matching.COUNTS_ONLY,
        escrow_seed,
        consent_at_release(report),
        seals,
    )
    group_key = current_group_key(session, Group.ESCROW)
    sealed = seal(
        public_key_of(group_key),
        matching.encode_entry(entry),
        bindings.escrow_entry(report.id, group_key),
    )
    return EscrowEntry(report_id=report.id, group_key=group_key, sealed=sealed)


def browser_entry(
    session: Session,
    report: Report,
    officers: dict[str, Any],
    escrow_seed: bytes,
    seals: Sequence[bytes] = (),
) -> EscrowEntry | None:
    """The entry of a report sealed in the browser, which the server never had the data
    key of. `officers` is what matching needs of her account, sent in clear beside its
    envelopes: the force, each officer's name and number, and `release`. A report sent
    now gets a counts-only entry; a waiting one, her browser's `seals`, one per
    identifier (`release_public_keys`), which the caller checked the count and sizes of."""
    if report.wait_for_match and not seals:
        raise ValueError("a report that waits for a match needs her browser's seals")
    return new_entry(session, report, b"", officers, escrow_seed, seals)


def entry_row(entry: EscrowEntry) -> dict[str, Any]:
    """An entry as a row to write together with others (`group_commit.write_together`)."""
    return {
        "report_id": entry.report_id,
        "group_key_id": entry.group_key.id,
        "sealed": entry.sealed,
    }


def refile_entry(
    session: Session,
    report: Report,
    data_key: bytes,
    account: dict[str, Any],
    escrow_seed: bytes,
) -> None:
    """Replace a report's entry by the one its consent calls for now (or none)."""
    session.execute(delete(EscrowEntry).where(EscrowEntry.report_id == report.id))
    entry = new_entry(session, report, data_key, account, escrow_seed)
    if entry is not None:
        session.add(entry)


def waiting_count(session: Session) -> int:
    """How many reports wait for a match: all a member learns before one."""
    return session.scalar(select(func.count()).where(Report.wait_for_match.is_(True))) or 0


@dataclass
class MatchRun:
    """What one matching run found: how many waited, which reports it released."""

    waiting: int
    unopened: int = 0  # entries sealed to an escrow key version the member does not hold
    failed_tries: int = 0  # sets of shares that did not give a release key
    released: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Point:
    report_id: str
    shares: tuple[int, ...]

    @property
    def x(self) -> int:
        return matching.x_coordinate(self.report_id)


def run_matching(session: Session, holder: KeyHolder, actor: str) -> MatchRun:
    """Open every entry the holder's escrow keys open, release each waiting report that
    enough others name, and record the run; committed before this returns."""
    run = MatchRun(waiting=waiting_count(session))
    if run.waiting == 0:
        return run
    entries, by_tag = _open_entries(session, holder, run)
    waiting = set(session.scalars(select(Report.id).where(Report.wait_for_match.is_(True))))
    freed: dict[bytes, dict[str, bytes]] = defaultdict(dict)  # tag: report id: data key
    for report_id, entry in entries.items():
        if entry.threshold == matching.COUNTS_ONLY or report_id not in waiting:
            continue
        report = session.get(Report, report_id)
        if report is None:
            continue
        consent = consent_at_release(report)
        for number, slot in enumerate(entry.slots):
            data_key = _unlock(entry, number, by_tag[slot.tag], consent, run)
            if data_key is not None and _opens(report, data_key):
                freed[slot.tag][report_id] = data_key
                break
    for tag, keys in freed.items():
        _release(session, keys, sorted(by_tag[tag]), actor, run)
    audit.record(
        session,
        actor=actor,
        action="escrow matching run",
        detail=f"{run.waiting} waiting; {len(run.released)} released",
    )
    session.commit()
    return run


def _open_entries(
    session: Session, holder: KeyHolder, run: MatchRun
) -> tuple[dict[str, matching.Entry], dict[bytes, dict[str, _Point]]]:
    """Every entry the holder opens, and each tag's points by report (copies count once)."""
    entries: dict[str, matching.Entry] = {}
    by_tag: dict[bytes, dict[str, _Point]] = defaultdict(dict)
    for row in session.scalars(select(EscrowEntry)):
        # A row pointing at a key version that is gone (written by hand) opens nothing.
        private: PrivateKey | None = (
            None if row.group_key is None else holder.group_key(Group.ESCROW, row.group_key.version)
        )
        if private is None:
            run.unopened += 1
            continue
        try:
            opened = open_sealed(
                private, row.sealed, bindings.escrow_entry(row.report_id, row.group_key)
            )
            entry = matching.decode_entry(opened)
        except CryptoError:
            run.unopened += 1  # altered or moved: it counts for nothing
            continue
        if entry.report_id != row.report_id:
            run.unopened += 1
            continue
        entries[entry.report_id] = entry
        for slot in entry.slots:
            by_tag[slot.tag].setdefault(entry.report_id, _Point(entry.report_id, slot.shares))
    return entries, by_tag


def _unlock(
    entry: matching.Entry, number: int, points: dict[str, _Point], consent: str, run: MatchRun
) -> bytes | None:
    """The data key in one slot, if the tag's reports reach the entry's threshold and her
    row still holds the consent it was bound to."""
    threshold = entry.threshold
    if len(points) < threshold:
        return None
    column = matching.THRESHOLDS.index(threshold)
    own = points[entry.report_id]
    others = [p for p in points.values() if p.report_id != entry.report_id]
    for chosen in itertools.islice(itertools.combinations(others, threshold - 1), _MOST_TRIES):
        if run.failed_tries >= _MOST_FAILED_TRIES:
            return None
        polynomial_secret = matching.interpolate_secret(
            [(p.x, p.shares[column]) for p in (own, *chosen)]
        )
        try:
            return matching.unlock(
                entry.version,
                polynomial_secret,
                threshold,
                entry.slots[number].locked_key,
                bindings.escrow_release(entry.report_id, number, consent),
            )
        except CryptoError:
            run.failed_tries += 1
            continue  # a share that is not on the polynomial: try without it
    return None


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
    session: Session, keys: dict[str, bytes], matched: list[str], actor: str, run: MatchRun
) -> None:
    """Seal each freed report's key to the groups her consent names, and link the match."""
    # Linked: the reports the advocates may read now. One still waiting is counted in
    # the size but never named: nobody may learn which report waits.
    readable = [r for r in matched if r in keys or _readable(session, r)]
    match = EscrowMatch(id=secrets.token_hex(16), size=len(matched))
    match.reports = [
        EscrowMatchReport(report_id=report_id, released=report_id in keys) for report_id in readable
    ]
    session.add(match)
    for report_id, data_key in keys.items():
        report = session.get(Report, report_id)
        if report is None:
            continue
        consent = replace(Consent.of(report), wait_for_match=False)
        apply_consent(session, report, data_key, consent)
        report.released_on = today()
        run.released.append(report_id)
        audit.record(
            session,
            actor=actor,
            action="report released by a match",
            subject=report_id,
            detail=f"{len(matched)} reports name the same officer",
        )


def _readable(session: Session, report_id: str) -> bool:
    report = session.get(Report, report_id)
    return report is not None and not report.wait_for_match and report.advocates_may_read


def leave(session: Session, report: Report, data_key: bytes) -> None:
    """She leaves the escrow: her entry goes, and the report stays with recovery only."""
    session.execute(delete(EscrowEntry).where(EscrowEntry.report_id == report.id))
    apply_consent(session, report, data_key, Consent(advocates_may_read=False))
