"""The matching escrow: a report waits, unread, until enough reports name its officer.

Every report that names an officer in a known force, and that the advocates
may read (now, or once it is matched), has one entry: for each of its officer
identifiers (`core/officers.py`), a match tag and a share of each
threshold's polynomial, both derived from the identifier's VOPRF output under
a key held in instance/secrets/ (`crypto/voprf.py`, `crypto/matching.py`);
and, for a waiting report, its data key sealed to its own threshold's
release public key (by the server, or by her browser, which asks for the
public keys: `release_public_keys`). The entry is encrypted under a key from
the same instance secret and sealed to the escrow group's key (`seal_entry`),
so reading it needs both. The matching run (`core/escrow_run.py`) opens the
entries in an escrow member's session and releases what enough others name.

Nothing here depends on whether an entry matches at submission: the survivor's
request does the same work either way, and a match is found only later, by a
member.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import astuple, dataclass, replace
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crypto import matching, voprf
from crypto.envelope import decrypt_field, encrypt_field, field_size
from crypto.errors import TamperedCiphertext
from crypto.format import Kind
from crypto.keys import PrivateKey, open_sealed, seal, sealed_size
from portal.core import bindings
from portal.core.group_keys import current_group_key, public_key_of
from portal.core.officers import officer_identifiers
from portal.core.reports import (
    Consent,
    apply_consent,
)
from portal.store.models import (
    EscrowEntry,
    Group,
    GroupKey,
    Report,
)

_KEY_INFO = b"portal escrow v1"  # DeriveKeyPair's info: the key the instance secret seeds
_RELEASE_INFO = b"portal/v1/escrow/instance release key"
_ENTRY_INFO = b"portal/v1/escrow/entry key"


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
    return _written(replace(Consent.of(report), wait_for_match=False))


def _written(consent: Consent) -> str:
    return "consent=" + "".join("1" if chosen else "0" for chosen in astuple(consent))


# Its length is every consent's. A field added to Consent changes every report's string,
# and with it what waiting entries' seals are bound to: such a change needs a migration
# that makes their entries again (a run would find every one altered).
CONSENT_WRITTEN = _written(Consent())


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
    sealed = seal_entry(group_key, entry, escrow_seed, consent_at_release(report))
    return EscrowEntry(report_id=report.id, group_key=group_key, sealed=sealed)


def seal_entry(
    group_key: GroupKey,
    entry: matching.Entry,
    escrow_seed: bytes,
    consent: str,
    made_here: bool = True,
) -> bytes:
    """An entry as its row stores it: encrypted under the instance's entry key, then sealed
    to the escrow group's key. An escrow member's key alone opens only the outer seal, so
    a member who files a report naming guessed officers cannot compare its tags with
    another's.

    Inside, beside the entry: `consent`, the choices its seals are bound to
    (`consent_at_release`), so a run can tell a row someone changed from a seal that
    opens nothing; and `made_here`, whether this server made the entry (not one from
    before the instance's layer), so its shares can be trusted."""
    written = consent.encode("ascii")
    inside = encrypt_field(
        _entry_key(escrow_seed),
        bytes((made_here, len(written))) + written + matching.encode_entry(entry),
        bindings.escrow_entry_inside(entry.report_id),
    )
    return seal(public_key_of(group_key), inside, bindings.escrow_entry(entry.report_id, group_key))


@dataclass
class OpenedEntry:
    """An entry as a run reads it: its row, what it holds, where it came from."""

    row: EscrowEntry
    entry: matching.Entry
    made_here: bool  # made by this server inside the instance's layer: its shares are right
    consent: str | None  # what its seals are bound to; None for an entry from before
    inside: bool  # the row already has the instance's layer


def open_entry(private: PrivateKey, row: EscrowEntry, escrow_seed: bytes) -> OpenedEntry:
    """What a row's entry holds; CryptoError if it is altered or moved. An entry written
    before the instance's layer (its second byte a threshold, never the field kind) is
    read as it is, and its shares are not trusted."""
    plain = open_sealed(private, row.sealed, bindings.escrow_entry(row.report_id, row.group_key))
    if plain[1:2] != bytes((Kind.FIELD,)):
        entry = matching.decode_entry(plain)
        return OpenedEntry(row, entry, made_here=False, consent=None, inside=False)
    inside = decrypt_field(
        _entry_key(escrow_seed), plain, bindings.escrow_entry_inside(row.report_id)
    )
    if len(inside) < 2 or inside[0] not in (0, 1) or len(inside) < 2 + inside[1]:
        raise TamperedCiphertext("an escrow entry's inner layer is malformed")
    consent = inside[2 : 2 + inside[1]].decode("ascii", errors="replace")
    entry = matching.decode_entry(inside[2 + inside[1] :])
    return OpenedEntry(row, entry, bool(inside[0]), consent, inside=True)


# Every entry inside the instance's layer has this size; one of another size is older.
INSIDE_SIZE = sealed_size(field_size(2 + len(CONSENT_WRITTEN) + matching.ENTRY_SIZE))


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


def leave(session: Session, report: Report, data_key: bytes) -> None:
    """She leaves the escrow: her entry goes, and the report stays with recovery only."""
    session.execute(delete(EscrowEntry).where(EscrowEntry.report_id == report.id))
    apply_consent(session, report, data_key, Consent(advocates_may_read=False))
