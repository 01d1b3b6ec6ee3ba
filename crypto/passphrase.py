"""Wrapping secrets under a passphrase with Argon2id, alone or with a security key.

Layout: version (1) | kind (1) | time cost (4) | memory KiB (4) |
parallelism (1) | salt (16) | nonce (12) | AES-256-GCM ciphertext and tag.

A wrap of kind SECURITY_KEY has the same layout, under a key that also needs
a WebAuthn PRF output: HKDF-SHA256 over the Argon2id output and the PRF
output, salted and labelled with the credential id. Without the key that
computes that output, no guess at the passphrase can be tested against it.

The cost parameters travel with the blob so that a stronger setting can be
adopted later without breaking existing wraps; they are part of the associated
data, and absurd values are refused before any work is done, so a stored blob
cannot be edited into a denial of service.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

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
PRF_SIZE = 32  # what WebAuthn's PRF extension (CTAP's hmac-secret) gives
MAX_CREDENTIAL_ID_SIZE = 1023  # the most WebAuthn allows


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


def _prefix(kind: Kind, params: Argon2Params) -> bytes:
    return (
        header(kind)
        + _PARAMS.pack(params.time_cost, params.memory_kib, params.parallelism)
        + os.urandom(SALT_SIZE)
        + os.urandom(_NONCE_SIZE)
    )


def _stored_prefix(blob: bytes, kind: Kind) -> tuple[bytes, Argon2Params]:
    """A stored wrap's prefix and cost, refused before any work if either is wrong."""
    check_header(blob, kind, _PREFIX_SIZE + 16)
    try:
        params = Argon2Params(*_PARAMS.unpack_from(blob, HEADER_SIZE))
    except ValueError:
        raise TamperedCiphertext("stored Argon2id parameters are out of range") from None
    return blob[:_PREFIX_SIZE], params


def _salt(prefix: bytes) -> bytes:
    return prefix[HEADER_SIZE + _PARAMS.size : HEADER_SIZE + _PARAMS.size + SALT_SIZE]


def wrap_with_passphrase(
    secret: bytes, passphrase: str, params: Argon2Params, binding: Binding
) -> bytes:
    """Encrypt a secret under a key derived from a passphrase."""
    prefix = _prefix(Kind.PASSPHRASE, params)
    key = derive_key(passphrase, _salt(prefix), params)
    aad = binding.associated_data(b"passphrase", prefix)
    return prefix + AESGCM(key).encrypt(prefix[-_NONCE_SIZE:], secret, aad)


def unwrap_with_passphrase(blob: bytes, passphrase: str, binding: Binding) -> bytes:
    """Decrypt a secret wrapped by wrap_with_passphrase; WrongPassphrase if it fails."""
    prefix, params = _stored_prefix(blob, Kind.PASSPHRASE)
    key = derive_key(passphrase, _salt(prefix), params)
    aad = binding.associated_data(b"passphrase", prefix)
    try:
        return AESGCM(key).decrypt(prefix[-_NONCE_SIZE:], blob[_PREFIX_SIZE:], aad)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase") from None


def _check_key_inputs(prf: bytes, credential_id: bytes) -> None:
    if len(prf) != PRF_SIZE:
        raise ValueError(f"a PRF output is {PRF_SIZE} bytes")
    if not 1 <= len(credential_id) <= MAX_CREDENTIAL_ID_SIZE:
        raise ValueError("a credential id is 1 to 1,023 bytes")


def key_wrapping_key(passphrase_key: bytes, prf: bytes, name: str, credential_id: bytes) -> bytes:
    """The key a SECURITY_KEY wrap is under: HKDF over Argon2id(passphrase) and the PRF output.

    The credential id salts it and, with the account's name, labels it, so a
    wrap copied to another key's row or another account opens nothing.
    """
    _check_key_inputs(prf, credential_id)
    label = b"".join(len(part).to_bytes(4, "big") + part for part in (name.encode(), credential_id))
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=hashlib.sha256(credential_id).digest(),
        info=b"portal/v1/security-key-wrap" + label,
    ).derive(passphrase_key + prf)


def wrap_with_passphrase_and_key(
    secret: bytes,
    passphrase_key: bytes,
    salt: bytes,
    params: Argon2Params,
    prf: bytes,
    name: str,
    credential_id: bytes,
    binding: Binding,
) -> bytes:
    """Encrypt a secret under a passphrase and a security key's PRF output.

    `passphrase_key` is Argon2id(passphrase, `salt`, `params`) (see
    `passphrase_key_of`), so the same call that opened one wrap can make the
    next one (a sign-in moves the PRF salt without a second Argon2id call).
    """
    if len(salt) != SALT_SIZE:
        raise ValueError(f"an Argon2id salt is {SALT_SIZE} bytes")
    prefix = (
        header(Kind.SECURITY_KEY)
        + _PARAMS.pack(params.time_cost, params.memory_kib, params.parallelism)
        + salt
        + os.urandom(_NONCE_SIZE)
    )
    key = key_wrapping_key(passphrase_key, prf, name, credential_id)
    aad = binding.associated_data(b"security-key", prefix)
    return prefix + AESGCM(key).encrypt(prefix[-_NONCE_SIZE:], secret, aad)


def passphrase_key_of(blob: bytes, passphrase: str) -> tuple[bytes, bytes, Argon2Params]:
    """One Argon2id call over a SECURITY_KEY wrap's salt and cost: (key, salt, cost)."""
    prefix, params = _stored_prefix(blob, Kind.SECURITY_KEY)
    salt = _salt(prefix)
    return derive_key(passphrase, salt, params), salt, params


def unwrap_with_passphrase_and_key(
    blob: bytes,
    passphrase_key: bytes,
    prf: bytes,
    name: str,
    credential_id: bytes,
    binding: Binding,
) -> bytes:
    """Decrypt a wrap_with_passphrase_and_key; WrongPassphrase if the passphrase or key is wrong."""
    prefix, _params = _stored_prefix(blob, Kind.SECURITY_KEY)
    key = key_wrapping_key(passphrase_key, prf, name, credential_id)
    aad = binding.associated_data(b"security-key", prefix)
    try:
        return AESGCM(key).decrypt(prefix[-_NONCE_SIZE:], blob[_PREFIX_SIZE:], aad)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase or security key") from None
