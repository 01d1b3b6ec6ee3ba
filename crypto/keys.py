"""Hybrid post-quantum key pairs and HPKE sealing (RFC 9180).

Suite: KEM ML-KEM-768 + X25519, KDF HKDF-SHA256, AEAD AES-256-GCM. Reports
about abuse stay sensitive for decades, so a recorded ciphertext must resist
a future quantum computer ("harvest now, decrypt later"); X25519 keeps the
classical guarantee should ML-KEM ever fall.

A private key is a 32-byte seed from which both halves of the hybrid key are
derived, so a key is stored, wrapped or written as words in one compact,
uniform form. Keys made now expand the seed as the X-Wing draft does
(SHAKE256), so any X-Wing implementation (a browser's, say) can import it;
keys made before expanded it with HKDF, which only this code reads. Each key
knows its kind, and its stored form (`to_bytes`) says it: the old kind is the
bare seed, as it always was, and the X-Wing kind is the seed after one byte
naming the kind. The stored form is always sealed, wrapped or encrypted, so
the kind cannot be changed unnoticed.

Sealed layout: version (1) | kind (1) | HPKE encapsulated key and ciphertext.
The HPKE `info` names the purpose, the header and the binding (table, record,
field), so a sealed key moved to another record does not open.
"""

from __future__ import annotations

import enum
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import TamperedCiphertext
from crypto.format import HEADER_SIZE, Binding, Kind, check_header, header

SEED_SIZE = 32
_MLKEM_SEED_SIZE = 64
_X25519_SIZE = 32
_MLKEM_PUBLIC_SIZE = 1184
PUBLIC_KEY_SIZE = _MLKEM_PUBLIC_SIZE + _X25519_SIZE

SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_SEALED_MINIMUM = HEADER_SIZE + hpke.KEM.MLKEM768_X25519.enc_length() + 16


def sealed_size(plaintext_size: int) -> int:
    """The length of seal's envelope around a plaintext of this many bytes."""
    return _SEALED_MINIMUM + plaintext_size


class PublicKey:
    """The public half of a hybrid key pair: anyone may seal to it."""

    __slots__ = ("_hpke", "_mlkem", "_x25519")

    def __init__(self, mlkem_key: mlkem.MLKEM768PublicKey, x25519_key: x25519.X25519PublicKey):
        self._mlkem = mlkem_key
        self._x25519 = x25519_key
        self._hpke = hpke.MLKEM768X25519PublicKey(mlkem_key, x25519_key)

    def to_bytes(self) -> bytes:
        """Serialise as ML-KEM-768 public key followed by the X25519 public key."""
        return self._mlkem.public_bytes_raw() + self._x25519.public_bytes_raw()

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        """Parse a key written by to_bytes; malformed input is TamperedCiphertext."""
        if len(data) != PUBLIC_KEY_SIZE:
            raise TamperedCiphertext("stored public key has the wrong length")
        try:
            return cls(
                mlkem.MLKEM768PublicKey.from_public_bytes(data[:_MLKEM_PUBLIC_SIZE]),
                x25519.X25519PublicKey.from_public_bytes(data[_MLKEM_PUBLIC_SIZE:]),
            )
        except ValueError:
            raise TamperedCiphertext("stored public key is malformed") from None

    def fingerprint(self) -> str:
        """A short, stable hex name for this key (for display and checks)."""
        return hashlib.sha256(self.to_bytes()).hexdigest()[:16]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())


class KeyKind(enum.IntEnum):
    """How a seed is expanded into the two halves of the hybrid key."""

    HKDF = 1  # keys made before X-Wing's expansion was adopted: read here only
    XWING = 2  # SHAKE256(seed, 96): ML-KEM-768's d and z, then X25519's key


def _expand(seed: bytes, kind: KeyKind) -> bytes:
    size = _MLKEM_SEED_SIZE + _X25519_SIZE
    if kind is KeyKind.XWING:
        return hashlib.shake_256(seed).digest(size)
    return HKDF(
        algorithm=hashes.SHA256(), length=size, salt=None, info=b"portal/v1/hybrid-key-pair"
    ).derive(seed)


class PrivateKey:
    """The private half of a hybrid key pair, held as its 32-byte seed and its kind."""

    __slots__ = ("_hpke", "kind", "public_key", "seed")

    def __init__(self, seed: bytes, kind: KeyKind):
        if len(seed) != SEED_SIZE:
            raise ValueError("private key seeds are 32 bytes")
        expanded = _expand(seed, KeyKind(kind))
        mlkem_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:_MLKEM_SEED_SIZE])
        x25519_key = x25519.X25519PrivateKey.from_private_bytes(expanded[_MLKEM_SEED_SIZE:])
        self.seed = seed
        self.kind = KeyKind(kind)
        self._hpke = hpke.MLKEM768X25519PrivateKey(mlkem_key, x25519_key)
        self.public_key = PublicKey(mlkem_key.public_key(), x25519_key.public_key())

    @classmethod
    def generate(cls, kind: KeyKind = KeyKind.XWING) -> PrivateKey:
        """A new key pair from a fresh random seed."""
        return cls(os.urandom(SEED_SIZE), kind)

    def to_bytes(self) -> bytes:
        """The stored form: the bare seed for the old kind, the kind then the seed for X-Wing."""
        if self.kind is KeyKind.HKDF:
            return self.seed
        return bytes((self.kind,)) + self.seed

    @classmethod
    def from_bytes(cls, data: bytes) -> PrivateKey:
        """Read a key written by to_bytes; anything else is TamperedCiphertext."""
        if len(data) == SEED_SIZE:
            return cls(data, KeyKind.HKDF)
        if len(data) == SEED_SIZE + 1 and data[0] == KeyKind.XWING:
            return cls(data[1:], KeyKind.XWING)
        raise TamperedCiphertext("stored private key is malformed")

    def __repr__(self) -> str:
        return f"PrivateKey(public={self.public_key.fingerprint()}, kind={self.kind.name})"


def _info(binding: Binding, head: bytes) -> bytes:
    return binding.associated_data(b"sealed", head)


def seal(public_key: PublicKey, plaintext: bytes, binding: Binding) -> bytes:
    """Encrypt to a public key so only the private half can open it."""
    head = header(Kind.SEALED)
    try:
        return head + SUITE.encrypt(plaintext, public_key._hpke, info=_info(binding, head))
    except ValueError:
        # X25519 refuses low-order points (an all-zero key, say) only here.
        raise TamperedCiphertext("the public key is malformed: it cannot be sealed to") from None


def open_sealed(private_key: PrivateKey, blob: bytes, binding: Binding) -> bytes:
    """Open a sealed envelope; TamperedCiphertext if altered, moved or not ours."""
    check_header(blob, Kind.SEALED, _SEALED_MINIMUM)
    head = blob[:HEADER_SIZE]
    try:
        return SUITE.decrypt(blob[HEADER_SIZE:], private_key._hpke, info=_info(binding, head))
    except (InvalidTag, ValueError):
        raise TamperedCiphertext(
            "sealed key failed authentication: altered, moved or sealed to another key"
        ) from None


def seal_private_key(recipient: PublicKey, key: PrivateKey, binding: Binding) -> bytes:
    """Seal a private key (for example a group key) to a member's public key."""
    return seal(recipient, key.to_bytes(), binding)


def open_private_key(holder: PrivateKey, blob: bytes, binding: Binding) -> PrivateKey:
    """Open a private key sealed by seal_private_key."""
    return PrivateKey.from_bytes(open_sealed(holder, blob, binding))
