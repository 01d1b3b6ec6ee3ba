"""Wrapping secrets under a passphrase with Argon2id.

Layout: version (1) | kind (1) | time cost (4) | memory KiB (4) |
parallelism (1) | salt (16) | nonce (12) | AES-256-GCM ciphertext and tag.

The cost parameters travel with the blob so that a stronger setting can be
adopted later without breaking existing wraps; they are part of the associated
data, and absurd values are refused before any work is done, so a stored blob
cannot be edited into a denial of service.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import TamperedCiphertext, WrongPassphrase
from crypto.format import HEADER_SIZE, Binding, Kind, check_header, header

SALT_SIZE = 16
_NONCE_SIZE = 12
_PARAMS = struct.Struct(">IIB")
_PREFIX_SIZE = HEADER_SIZE + _PARAMS.size + SALT_SIZE + _NONCE_SIZE
# Anything above these is not a setting we would ever choose (the default is
# 3 passes over 64 MiB): refuse it rather than spend a doctored blob's cost.
MAX_TIME_COST = 16
MAX_MEMORY_KIB = 1024 * 1024
MAX_PARALLELISM = 16


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost; the default is RFC 9106's second recommended setting."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4

    def __post_init__(self) -> None:
        values = (self.time_cost, self.memory_kib, self.parallelism)
        if any(type(value) is not int for value in values):
            raise ValueError("Argon2id parameters are whole numbers")
        if not (
            1 <= self.time_cost <= MAX_TIME_COST
            and 8 * self.parallelism <= self.memory_kib <= MAX_MEMORY_KIB
            and 1 <= self.parallelism <= MAX_PARALLELISM
        ):
            raise ValueError("Argon2id parameters are out of range")


def derive_key(passphrase: str, salt: bytes, params: Argon2Params) -> bytes:
    """One Argon2id call: a 256-bit key from a passphrase and salt."""
    return hash_secret_raw(
        secret=passphrase.encode("utf-8"),
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def wrap_with_passphrase(
    secret: bytes, passphrase: str, params: Argon2Params, binding: Binding
) -> bytes:
    """Encrypt a secret under a key derived from a passphrase."""
    prefix = (
        header(Kind.PASSPHRASE)
        + _PARAMS.pack(params.time_cost, params.memory_kib, params.parallelism)
        + os.urandom(SALT_SIZE)
        + os.urandom(_NONCE_SIZE)
    )
    salt = prefix[HEADER_SIZE + _PARAMS.size : HEADER_SIZE + _PARAMS.size + SALT_SIZE]
    key = derive_key(passphrase, salt, params)
    aad = binding.associated_data(b"passphrase", prefix)
    return prefix + AESGCM(key).encrypt(prefix[-_NONCE_SIZE:], secret, aad)


def unwrap_with_passphrase(blob: bytes, passphrase: str, binding: Binding) -> bytes:
    """Decrypt a secret wrapped by wrap_with_passphrase; WrongPassphrase if it fails."""
    check_header(blob, Kind.PASSPHRASE, _PREFIX_SIZE + 16)
    try:
        params = Argon2Params(*_PARAMS.unpack_from(blob, HEADER_SIZE))
    except ValueError:
        raise TamperedCiphertext("stored Argon2id parameters are out of range") from None
    prefix = blob[:_PREFIX_SIZE]
    salt = prefix[HEADER_SIZE + _PARAMS.size : HEADER_SIZE + _PARAMS.size + SALT_SIZE]
    key = derive_key(passphrase, salt, params)
    aad = binding.associated_data(b"passphrase", prefix)
    try:
        return AESGCM(key).decrypt(prefix[-_NONCE_SIZE:], blob[_PREFIX_SIZE:], aad)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase") from None
