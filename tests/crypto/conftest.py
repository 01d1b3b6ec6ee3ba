"""Shared fixtures for the crypto tests: bindings, cheap Argon2 and tampering helpers."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from hypothesis import strategies as st

from crypto.errors import CryptoError, TamperedCiphertext, UnknownFormatVersion
from crypto.format import Binding
from crypto.keys import PublicKey
from crypto.passphrase import Argon2Params

# The cheapest setting Argon2id allows: tampering tests run it thousands of times.
CHEAP_ARGON2 = Argon2Params(time_cost=1, memory_kib=8, parallelism=1)

HOME = Binding("reports", "report-1", "account")
# Each differs from HOME in exactly one part: a ciphertext copied there must not open.
MOVED = {
    "another-record": Binding("reports", "report-2", "account"),
    "another-field": Binding("reports", "report-1", "contact"),
    "another-table": Binding("notes", "report-1", "account"),
    # The same characters split differently between the parts.
    "shifted-boundary": Binding("reportsr", "eport-1", "account"),
}

T = TypeVar("T")
ErrorFor = Callable[[int], type[CryptoError]]


@pytest.fixture
def binding() -> Binding:
    """Where the ciphertext under test belongs."""
    return HOME


@pytest.fixture(params=sorted(MOVED), ids=sorted(MOVED))
def moved_binding(request: pytest.FixtureRequest) -> Binding:
    """A binding that differs from `binding` in one part."""
    return MOVED[request.param]


def flip_bit(blob: bytes, bit: int) -> bytes:
    """The blob with one bit inverted (bit 0 is the low bit of byte 0)."""
    altered = bytearray(blob)
    altered[bit // 8] ^= 1 << (bit % 8)
    return bytes(altered)


def version_or_tampered(position: int) -> type[CryptoError]:
    """The error a flip at this byte must raise: the version byte is checked first."""
    return UnknownFormatVersion if position == 0 else TamperedCiphertext


def misjudged(
    attempts: Iterable[tuple[str, T, type[CryptoError]]], open_: Callable[[T], object]
) -> list[str]:
    """Every attempt that open_ does not refuse with exactly the expected error.

    A refusal with another error, or any return value at all (even partial
    plaintext), is reported; an empty list means every attempt was refused.
    """
    problems = []
    for label, altered, expected in attempts:
        try:
            result = open_(altered)
        except expected:
            continue
        except Exception as error:
            problems.append(f"{label}: {type(error).__name__} instead of {expected.__name__}")
        else:
            problems.append(f"{label}: returned {result!r:.60} instead of {expected.__name__}")
    return problems


def every_bit_flip(
    blob: bytes, expected: ErrorFor, bits: Iterable[int] | None = None
) -> Iterable[tuple[str, bytes, type[CryptoError]]]:
    """Each single-bit flip of blob with the error expected for the byte it is in."""
    for bit in range(len(blob) * 8) if bits is None else bits:
        yield f"bit {bit} (byte {bit // 8})", flip_bit(blob, bit), expected(bit // 8)


def every_truncation(
    blob: bytes, expected: type[CryptoError]
) -> Iterable[tuple[str, bytes, type[CryptoError]]]:
    """Each proper prefix of blob, from empty to one byte short."""
    for length in range(len(blob)):
        yield f"truncated to {length} bytes", blob[:length], expected


def with_byte(blob: bytes, position: int, value: int) -> bytes:
    """The blob with one byte replaced."""
    return blob[:position] + bytes((value,)) + blob[position + 1 :]


def xwing_public_key(seed: bytes) -> PublicKey:
    """The public key grown from seed as the X-Wing draft (and the browser) expands it.

    SHAKE256(seed, 96): the ML-KEM-768 seed d | z (64 bytes), then the X25519 key.
    """
    expanded = hashlib.shake_256(seed).digest(96)
    mlkem_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    x25519_key = x25519.X25519PrivateKey.from_private_bytes(expanded[64:])
    return PublicKey(mlkem_key.public_key(), x25519_key.public_key())


# Hypothesis strategies for bindings made of arbitrary text.

parts = st.text(max_size=20)
bindings = st.builds(Binding, parts, parts, parts)


@st.composite
def one_part_changed(draw: st.DrawFn) -> tuple[Binding, Binding]:
    """A binding and a copy of it with the table, record id or field changed."""
    home = draw(bindings)
    part = draw(st.sampled_from(["table", "record_id", "field"]))
    changed = draw(parts.filter(lambda value: value != getattr(home, part)))
    return home, dataclasses.replace(home, **{part: changed})


# Either a near miss or an unrelated binding.
other_bindings = st.one_of(
    one_part_changed(),
    st.tuples(bindings, bindings).filter(lambda pair: pair[0] != pair[1]),
)
