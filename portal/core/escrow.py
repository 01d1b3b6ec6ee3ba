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

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crypto import matching, voprf
from crypto.envelope import decrypt_field, encrypt_field, field_size
from crypto.errors import CryptoError, TamperedCiphertext
from crypto.format import Kind
from crypto.keys import PrivateKey, open_sealed, seal, sealed_size
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
    GroupKey,
    Report,
    today,
)

_KEY_INFO = b"portal escrow v1"  # DeriveKeyPair's info: the key the instance secret seeds
_RELEASE_INFO = b"portal/v1/escrow/instance release key"
_ENTRY_INFO = b"portal/v1/escrow/entry key"
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


@functools.lru_cache(maxsize=4)
def _entry_key(seed: bytes) -> bytes:
    """The instance's layer inside every entry (`seal_entry`): with it, only whoever has
    the instance's secrets reads or writes an entry's tags, shares and seals."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_ENTRY_INFO).derive(seed)


@functools.lru_cache(maxsize=4)
def instance_release_key(seed: bytes) -> bytes:
    """The instance's part of every version 2 release key (`matching.release_private_key`):
    whoever has entries and a member's key, but not the instance's secrets, cannot compute
    the public key the server hands out for a guessed officer."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_RELEASE_INFO).derive(seed)


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
            public = matching.release_public_key(
                matching.secret(prf_output, threshold), threshold, instance_release_key(escrow_seed)
            )
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
            matching.secret(voprf.evaluate(key, identifier.encode()), threshold),
            threshold,
            instance_release_key(escrow_seed),
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
    sealed = seal_entry(group_key, entry, escrow_seed)
    return EscrowEntry(report_id=report.id, group_key=group_key, sealed=sealed)


def seal_entry(
    group_key: GroupKey, entry: matching.Entry, escrow_seed: bytes, made_here: bool = True
) -> bytes:
    """An entry as its row stores it: encrypted under the instance's entry key, then sealed
    to the escrow group's key. An escrow member's key alone opens only the outer seal, so
    a member who files a report naming guessed officers cannot compare its tags with
    another's. `made_here`: whether this server made the entry (not one from before the
    instance's layer), so its shares can be trusted."""
    inside = encrypt_field(
        _entry_key(escrow_seed),
        bytes((made_here,)) + matching.encode_entry(entry),
        bindings.escrow_entry_inside(entry.report_id),
    )
    return seal(public_key_of(group_key), inside, bindings.escrow_entry(entry.report_id, group_key))


@dataclass
class OpenedEntry:
    """An entry as a run reads it: its row, what it holds, where it came from."""

    row: EscrowEntry
    entry: matching.Entry
    made_here: bool  # made by this server inside the instance's layer: its shares are right
    inside: bool  # the row already has the instance's layer


def open_entry(private: PrivateKey, row: EscrowEntry, escrow_seed: bytes) -> OpenedEntry:
    """What a row's entry holds; CryptoError if it is altered or moved. An entry written
    before the instance's layer (its second byte a threshold, never the field kind) is
    read as it is, and its shares are not trusted."""
    plain = open_sealed(private, row.sealed, bindings.escrow_entry(row.report_id, row.group_key))
    if plain[1:2] != bytes((Kind.FIELD,)):
        return OpenedEntry(row, matching.decode_entry(plain), made_here=False, inside=False)
    inside = decrypt_field(
        _entry_key(escrow_seed), plain, bindings.escrow_entry_inside(row.report_id)
    )
    if not inside or inside[0] not in (0, 1):
        raise TamperedCiphertext("an escrow entry's inner layer is malformed")
    return OpenedEntry(row, matching.decode_entry(inside[1:]), bool(inside[0]), inside=True)


# Every entry inside the instance's layer has this size; one of another size is older.
_INSIDE_SIZE = sealed_size(field_size(1 + matching.ENTRY_SIZE))


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
    moved_inside: int = 0  # entries from before the instance's layer, given it
    tries: int = 0  # slots tried once with shares this server made
    failed_tries: int = 0  # slots or sets of shares that did not give a key to her report
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
    older = select(EscrowEntry.report_id).where(func.length(EscrowEntry.sealed) != _INSIDE_SIZE)
    if run.waiting == 0 and session.scalar(older.limit(1)) is None:
        return run
    opened = _open_entries(session, holder, escrow_seed, run)
    by_tag: dict[bytes, dict[str, _Point]] = defaultdict(dict)
    for one in opened:
        if not one.inside:  # hidden from a member's key alone from now on
            one.row.sealed = seal_entry(one.row.group_key, one.entry, escrow_seed, made_here=False)
            run.moved_inside += 1
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
    freed: dict[bytes, dict[str, bytes]] = defaultdict(dict)  # tag: report id: data key
    for candidate in candidates:
        if run.tries >= _MOST_TRIES_IN_RUN:
            break
        candidate.try_slots(keys, run)
        if candidate.freed is not None:
            tag, data_key = candidate.freed
            freed[tag][candidate.report.id] = data_key
        elif candidate.cleared:
            candidate.clear_slots(escrow_seed)
    for tag, keys_freed in freed.items():
        _release(session, keys_freed, sorted(by_tag[tag]), actor, run)
    audit.record(
        session,
        actor=actor,
        action="escrow matching run",
        detail=f"{run.waiting} waiting; {len(run.released)} released",
    )
    session.commit()
    return run


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
        self.by_tag = by_tag
        self.instance_key = instance_release_key(escrow_seed)
        self.failed = 0
        self.cleared: list[int] = []  # slots found to open nothing, this run
        self.freed: tuple[bytes, bytes] | None = None  # the tag that freed it, its data key

    def try_slots(
        self, keys: dict[tuple[bytes, int], x25519.X25519PrivateKey], run: MatchRun
    ) -> None:
        """Try each slot whose tag reaches her threshold until one frees her report."""
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
            if self.failed >= _MOST_TRIES or run.failed_tries >= _MOST_FAILED_TRIES:
                return None
            polynomial_secret = matching.interpolate_secret(
                [(p.x, p.shares[column]) for p in (own, *chosen)]
            )
            data_key = self._unlock(number, polynomial_secret)
            if data_key is not None:
                return data_key
            self.failed += 1
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

    def clear_slots(self, escrow_seed: bytes) -> None:
        """Write the slots found to open nothing back as cleared, so no run tries them again."""
        slots = tuple(
            replace(slot, locked_key=_CLEARED) if number in self.cleared else slot
            for number, slot in enumerate(self.entry.slots)
        )
        row = self.opened.row
        entry = replace(self.entry, slots=slots)
        row.sealed = seal_entry(row.group_key, entry, escrow_seed, self.opened.made_here)


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
