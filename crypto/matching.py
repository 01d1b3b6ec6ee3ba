"""Matching escrow: Shamir shares and release keys derived from an officer's PRF output.

An officer identifier's tag is a VOPRF output (`crypto/voprf.py`). From it
come, under distinct labels, a match tag (what entries are grouped by) and,
for each threshold t, the t coefficients of a polynomial P_t over GF(p)
whose constant term is that polynomial's secret. A report holds one share of
every P_t at an x-coordinate derived from its id, and its data key locked
under its own threshold's polynomial's secret. With t shares of P_t from t
different reports the secret is interpolated; with fewer, Shamir's scheme
leaves it undetermined. The match tag does not reveal the PRF output, so
whoever opens entries cannot compute a polynomial.

How a slot locks the data key depends on the entry's version. Version 1
wraps it (`crypto.envelope.wrap_key`) under a key derived from the secret,
so only whoever has the secret can lock it: the server. Version 2 seals it
with HPKE (DHKEM-X25519, HKDF-SHA256, AES-256-GCM) to an X25519 public key
derived from the secret and a key of the instance's, so the survivor's browser
can lock it once told the public key, which opens nothing, and so nobody
without the instance's secrets can compute that public key from entries
(docs/browser-sealing.md, point 8). New
entries are version 2; version 1 entries stay readable.

Entries have one size whatever they hold: six identifier slots, the unused
ones filled with random bytes, so an entry tells nothing of how many officers
or identifiers it names until a match.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.envelope import unwrap_key
from crypto.errors import TamperedCiphertext
from crypto.format import HEADER_SIZE, Binding, Kind, check_header, header

PRIME = 2**255 - 19  # the field of every polynomial; shares and secrets are below it
THRESHOLDS = (2, 3, 4, 5)  # how many reports, hers included, a survivor may wait for
SLOTS = 6  # identifiers an entry can hold: up to three officers, each by number and name
TAG_SIZE = 32
SCALAR_SIZE = 32
COUNTS_ONLY = 0  # the threshold of an entry whose report is already with the advocates

RELEASE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
RELEASE_KEY_SIZE = 32  # an X25519 public key, raw
WRAPPED_KEY_SIZE = 62  # version 1: `crypto.envelope.wrap_key` of a 32-byte key
# Version 2: header, HPKE's encapsulated key, the data key and AES-GCM's tag.
RELEASE_SEAL_SIZE = HEADER_SIZE + hpke.KEM.X25519.enc_length() + 32 + 16
LOCKED_KEY_SIZES = {1: WRAPPED_KEY_SIZE, 2: RELEASE_SEAL_SIZE}  # by entry version
ENTRY_VERSION = 2  # every new entry's, the server's own and the browser's alike

_HEAD_SIZE = 1 + 1 + 1 + 16  # version, threshold, slots used, report id


def slot_size(version: int) -> int:
    """The bytes of one identifier slot in an entry of this version."""
    return TAG_SIZE + SCALAR_SIZE * len(THRESHOLDS) + LOCKED_KEY_SIZES[version]


def entry_size(version: int) -> int:
    """The bytes of every entry of this version, however many slots it uses."""
    return _HEAD_SIZE + SLOTS * slot_size(version)


ENTRY_SIZE = entry_size(ENTRY_VERSION)


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
    """Version 1: the key a report's data key is wrapped under, from its polynomial's secret."""
    return _derive(polynomial_secret.to_bytes(SCALAR_SIZE, "big"), f"t={threshold}/release key")


def release_private_key(
    polynomial_secret: int, threshold: int, instance_key: bytes
) -> x25519.X25519PrivateKey:
    """Version 2: the X25519 key a slot's seal opens with, from its polynomial's secret and
    the instance's release key (`instance_key`, from the instance's matching secret).

    The secret alone would not do: every entry holds a share of every threshold's
    polynomial, so an escrow member who opens two entries under one tag interpolates
    P_2's secret even while both wait for more. Were the key pair the secret's alone,
    the public key the server hands out for a guessed officer at t=2 would name the tag.
    """
    if len(instance_key) != 32:
        raise ValueError("the instance's release key is 32 bytes")
    scalar = bytearray(
        HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=instance_key,
            info=f"portal/v1/escrow/t={threshold}/release x25519".encode(),
        ).derive(polynomial_secret.to_bytes(SCALAR_SIZE, "big"))
    )
    # Clamped as X25519 clamps (RFC 7748), so the stored scalar is the one used.
    scalar[0] &= 248
    scalar[31] = (scalar[31] & 127) | 64
    return x25519.X25519PrivateKey.from_private_bytes(bytes(scalar))


def release_public_key(polynomial_secret: int, threshold: int, instance_key: bytes) -> bytes:
    """Version 2: what the survivor's browser seals her data key to, raw (32 bytes)."""
    private = release_private_key(polynomial_secret, threshold, instance_key)
    return private.public_key().public_bytes_raw()


def _release_info(binding: Binding, head: bytes) -> bytes:
    return binding.associated_data(b"sealed", head)


def seal_to_release(public_key: bytes, data_key: bytes, binding: Binding) -> bytes:
    """Seal a data key to a slot's release public key (RELEASE_SEAL_SIZE bytes)."""
    if len(public_key) != RELEASE_KEY_SIZE or len(data_key) != 32:
        raise ValueError("a release key and a data key are 32 bytes each")
    head = header(Kind.RELEASE)
    try:
        recipient = x25519.X25519PublicKey.from_public_bytes(public_key)
        return head + RELEASE_SUITE.encrypt(data_key, recipient, info=_release_info(binding, head))
    except ValueError:
        raise TamperedCiphertext("the release key is malformed: it cannot be sealed to") from None


def open_release_seal(private_key: x25519.X25519PrivateKey, blob: bytes, binding: Binding) -> bytes:
    """Open a slot's seal; TamperedCiphertext if altered, moved or sealed to another key."""
    check_header(blob, Kind.RELEASE, RELEASE_SEAL_SIZE)
    if len(blob) != RELEASE_SEAL_SIZE:
        raise TamperedCiphertext("a release seal has the wrong size")
    head = blob[:HEADER_SIZE]
    try:
        return RELEASE_SUITE.decrypt(
            blob[HEADER_SIZE:], private_key, info=_release_info(binding, head)
        )
    except (InvalidTag, ValueError):
        raise TamperedCiphertext(
            "release seal failed authentication: altered, moved or sealed to another key"
        ) from None


def unlock(
    version: int,
    polynomial_secret: int,
    threshold: int,
    locked: bytes,
    binding: Binding,
    instance_key: bytes,
) -> bytes:
    """The data key a slot of an entry of this version locks under this secret (and, from
    version 2, the instance's release key)."""
    if version == 1:
        return unwrap_key(release_key(polynomial_secret, threshold), locked, binding)
    private = release_private_key(polynomial_secret, threshold, instance_key)
    return open_release_seal(private, locked, binding)


@dataclass(frozen=True)
class Slot:
    """One identifier of an entry: its match tag, its shares, the data key locked
    (wrapped in version 1, sealed in version 2; random bytes in a counts-only entry)."""

    tag: bytes
    shares: tuple[int, ...]
    locked_key: bytes


@dataclass(frozen=True)
class Entry:
    """What an escrow entry holds once opened."""

    report_id: str
    threshold: int  # 2..5, or COUNTS_ONLY
    slots: tuple[Slot, ...]
    version: int = ENTRY_VERSION

    @property
    def x(self) -> int:
        """The report's x-coordinate."""
        return x_coordinate(self.report_id)


def encode_entry(entry: Entry) -> bytes:
    """The entry as its version's entry_size bytes; slots it does not use are random."""
    if entry.threshold not in (COUNTS_ONLY, *THRESHOLDS) or not 0 < len(entry.slots) <= SLOTS:
        raise ValueError("an entry has a known threshold and one to six slots")
    if entry.version not in LOCKED_KEY_SIZES:
        raise ValueError("an entry has a known version")
    parts = [bytes((entry.version, entry.threshold, len(entry.slots)))]
    parts.append(bytes.fromhex(entry.report_id))
    for slot in entry.slots:
        if len(slot.tag) != TAG_SIZE or len(slot.locked_key) != LOCKED_KEY_SIZES[entry.version]:
            raise ValueError("a slot's tag or locked key has the wrong size")
        parts.append(slot.tag)
        parts.extend(share.to_bytes(SCALAR_SIZE, "big") for share in slot.shares)
        parts.append(slot.locked_key)
    encoded = b"".join(parts)
    if len(encoded) != _HEAD_SIZE + len(entry.slots) * slot_size(entry.version):
        raise ValueError("a slot has the wrong number of shares")
    return encoded + os.urandom(entry_size(entry.version) - len(encoded))


def decode_entry(blob: bytes) -> Entry:
    """An entry of either version from its bytes; TamperedCiphertext if they are not one."""
    version = blob[0] if blob else 0
    if version not in LOCKED_KEY_SIZES or len(blob) != entry_size(version):
        raise TamperedCiphertext("an escrow entry has the wrong size or version")
    threshold, used = blob[1], blob[2]
    if threshold not in (COUNTS_ONLY, *THRESHOLDS) or not 0 < used <= SLOTS:
        raise TamperedCiphertext("an escrow entry is malformed")
    slots = []
    for number in range(used):
        start = _HEAD_SIZE + number * slot_size(version)
        tag = blob[start : start + TAG_SIZE]
        offset = start + TAG_SIZE
        values = tuple(
            int.from_bytes(blob[offset + i * SCALAR_SIZE : offset + (i + 1) * SCALAR_SIZE], "big")
            for i in range(len(THRESHOLDS))
        )
        offset += SCALAR_SIZE * len(THRESHOLDS)
        slots.append(Slot(tag, values, blob[offset : offset + LOCKED_KEY_SIZES[version]]))
    return Entry(blob[3:19].hex(), threshold, tuple(slots), version)
