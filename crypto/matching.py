"""Matching escrow: Shamir shares and release keys derived from an officer's PRF output.

An officer identifier's tag is a VOPRF output (`crypto/voprf.py`). From it
come, under distinct labels, a match tag (what entries are grouped by) and,
for each threshold t, the t coefficients of a polynomial P_t over GF(p)
whose constant term is that polynomial's secret. A report holds one share of
every P_t at an x-coordinate derived from its id, and its data key wrapped
under a key derived from the secret of its own threshold's polynomial. With
t shares of P_t from t different reports the secret is interpolated; with
fewer, Shamir's scheme leaves it undetermined. The match tag does not reveal
the PRF output, so whoever opens entries cannot compute a polynomial.

Entries have one size whatever they hold: six identifier slots, the unused
ones filled with random bytes, so an entry tells nothing of how many officers
or identifiers it names until a match.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import TamperedCiphertext

PRIME = 2**255 - 19  # the field of every polynomial; shares and secrets are below it
THRESHOLDS = (2, 3, 4, 5)  # how many reports, hers included, a survivor may wait for
SLOTS = 6  # identifiers an entry can hold: up to three officers, each by number and name
TAG_SIZE = 32
SCALAR_SIZE = 32
WRAPPED_KEY_SIZE = 62  # `crypto.envelope.wrap_key` of a 32-byte key: header, nonce, key, tag
ENTRY_VERSION = 1
COUNTS_ONLY = 0  # the threshold of an entry whose report is already with the advocates

_SLOT_SIZE = TAG_SIZE + SCALAR_SIZE * len(THRESHOLDS) + WRAPPED_KEY_SIZE
_HEAD_SIZE = 1 + 1 + 1 + 16  # version, threshold, slots used, report id
ENTRY_SIZE = _HEAD_SIZE + SLOTS * _SLOT_SIZE


def _derive(prf_output: bytes, label: str, length: int = 32) -> bytes:
    """HKDF-SHA256 of the PRF output under one label."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=length,
        salt=b"portal/v1/escrow",
        info=f"portal/v1/escrow/{label}".encode(),
    ).derive(prf_output)


def match_tag(prf_output: bytes) -> bytes:
    """What entries naming the same identifier share, and all that shows before a match."""
    return _derive(prf_output, "match tag")


def _coefficients(prf_output: bytes, threshold: int) -> list[int]:
    """P_t's coefficients, constant term (the secret) first; 64 bytes each, so unbiased."""
    return [
        int.from_bytes(_derive(prf_output, f"t={threshold}/coefficient={i}", 64), "big") % PRIME
        for i in range(threshold)
    ]


def x_coordinate(report_id: str) -> int:
    """A report's x-coordinate: fixed by its id, so copies of one entry count once."""
    digest = hashlib.sha512(b"portal/v1/escrow/x\x00" + report_id.encode()).digest()
    return int.from_bytes(digest, "big") % (PRIME - 1) + 1  # never 0, where the secret is


def shares(prf_output: bytes, x: int) -> tuple[int, ...]:
    """The report's share of each threshold's polynomial, in THRESHOLDS order."""
    values = []
    for threshold in THRESHOLDS:
        value = 0
        for coefficient in reversed(_coefficients(prf_output, threshold)):
            value = (value * x + coefficient) % PRIME
        values.append(value)
    return tuple(values)


def secret(prf_output: bytes, threshold: int) -> int:
    """P_t's secret, as the survivor's report derives it."""
    return _coefficients(prf_output, threshold)[0]


def interpolate_secret(points: Sequence[tuple[int, int]]) -> int:
    """The constant term of the polynomial through these points (Lagrange at 0)."""
    xs = [x for x, _ in points]
    if len(set(xs)) != len(xs) or any(not 0 < x < PRIME for x in xs):
        raise ValueError("points need distinct x-coordinates in the field, none at 0")
    total = 0
    for i, (x_i, y_i) in enumerate(points):
        numerator, denominator = 1, 1
        for j, (x_j, _) in enumerate(points):
            if i != j:
                numerator = numerator * x_j % PRIME
                denominator = denominator * (x_j - x_i) % PRIME
        total = (total + y_i * numerator * pow(denominator, -1, PRIME)) % PRIME
    return total


def release_key(polynomial_secret: int, threshold: int) -> bytes:
    """The key a report's data key is wrapped under, from its polynomial's secret."""
    return _derive(polynomial_secret.to_bytes(SCALAR_SIZE, "big"), f"t={threshold}/release key")


@dataclass(frozen=True)
class Slot:
    """One identifier of an entry: its match tag, its shares, the data key wrapped."""

    tag: bytes
    shares: tuple[int, ...]
    wrapped_key: bytes


@dataclass(frozen=True)
class Entry:
    """What an escrow entry holds once opened."""

    report_id: str
    threshold: int  # 2..5, or COUNTS_ONLY
    slots: tuple[Slot, ...]

    @property
    def x(self) -> int:
        """The report's x-coordinate."""
        return x_coordinate(self.report_id)


def encode_entry(entry: Entry) -> bytes:
    """The entry as ENTRY_SIZE bytes; slots it does not use are random."""
    if entry.threshold not in (COUNTS_ONLY, *THRESHOLDS) or not 0 < len(entry.slots) <= SLOTS:
        raise ValueError("an entry has a known threshold and one to six slots")
    parts = [bytes((ENTRY_VERSION, entry.threshold, len(entry.slots)))]
    parts.append(bytes.fromhex(entry.report_id))
    for slot in entry.slots:
        if len(slot.tag) != TAG_SIZE or len(slot.wrapped_key) != WRAPPED_KEY_SIZE:
            raise ValueError("a slot's tag or wrapped key has the wrong size")
        parts.append(slot.tag)
        parts.extend(share.to_bytes(SCALAR_SIZE, "big") for share in slot.shares)
        parts.append(slot.wrapped_key)
    encoded = b"".join(parts)
    if len(encoded) != _HEAD_SIZE + len(entry.slots) * _SLOT_SIZE:
        raise ValueError("a slot has the wrong number of shares")
    return encoded + os.urandom(ENTRY_SIZE - len(encoded))


def decode_entry(blob: bytes) -> Entry:
    """An entry from its bytes; TamperedCiphertext if they are not one."""
    if len(blob) != ENTRY_SIZE or blob[0] != ENTRY_VERSION:
        raise TamperedCiphertext("an escrow entry has the wrong size or version")
    threshold, used = blob[1], blob[2]
    if threshold not in (COUNTS_ONLY, *THRESHOLDS) or not 0 < used <= SLOTS:
        raise TamperedCiphertext("an escrow entry is malformed")
    slots = []
    for number in range(used):
        start = _HEAD_SIZE + number * _SLOT_SIZE
        tag = blob[start : start + TAG_SIZE]
        offset = start + TAG_SIZE
        values = tuple(
            int.from_bytes(blob[offset + i * SCALAR_SIZE : offset + (i + 1) * SCALAR_SIZE], "big")
            for i in range(len(THRESHOLDS))
        )
        offset += SCALAR_SIZE * len(THRESHOLDS)
        slots.append(Slot(tag, values, blob[offset : offset + WRAPPED_KEY_SIZE]))
    return Entry(blob[3:19].hex(), threshold, tuple(slots))
