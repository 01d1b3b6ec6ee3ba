"""Symmetric envelopes: AES-256-GCM fields and wrapped keys bound to a record.

Layout: version (1) | kind (1) | nonce (12) | AES-256-GCM ciphertext and tag.
Fields are padded before encryption (Padmé) so that the ciphertext length
reveals only the order of magnitude of the text, not its length.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.errors import TamperedCiphertext
from crypto.format import HEADER_SIZE, Binding, Kind, check_header, header

KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
# Short texts all pad to the same size, so a two-word answer and a paragraph
# of 200 characters are indistinguishable.
MIN_PADDED_SIZE = 256
_LENGTH_PREFIX = 4
ENVELOPE_OVERHEAD = HEADER_SIZE + NONCE_SIZE + TAG_SIZE


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_SIZE)


def padded_size(length: int) -> int:
    """The Padmé bucket for a plaintext of this length (at most 12% overhead)."""
    if length <= MIN_PADDED_SIZE:
        return MIN_PADDED_SIZE
    exponent = length.bit_length() - 1
    low_bits = exponent - exponent.bit_length()
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask


def field_size(plaintext_size: int) -> int:
    """The length of encrypt_field's envelope around a plaintext of this many bytes."""
    return ENVELOPE_OVERHEAD + padded_size(_LENGTH_PREFIX + plaintext_size)


def is_field_size(size: int) -> bool:
    """Whether encrypt_field makes envelopes of exactly this length (a padded bucket's)."""
    padded = size - ENVELOPE_OVERHEAD
    # Every bucket padded_size returns is its own bucket, and no other length is.
    return padded >= MIN_PADDED_SIZE and padded_size(padded) == padded


def wrapped_size(secret_size: int) -> int:
    """The length of wrap_key's envelope around a secret of this many bytes."""
    return ENVELOPE_OVERHEAD + secret_size


def _pad(plaintext: bytes) -> bytes:
    framed = len(plaintext).to_bytes(_LENGTH_PREFIX, "big") + plaintext
    return framed + bytes(padded_size(len(framed)) - len(framed))


def _unpad(padded: bytes) -> bytes:
    length = int.from_bytes(padded[:_LENGTH_PREFIX], "big")
    end = _LENGTH_PREFIX + length
    if end > len(padded) or any(padded[end:]):
        raise TamperedCiphertext("padding is malformed")
    return padded[_LENGTH_PREFIX:end]


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError("keys are 32 bytes")


def _encrypt(kind: Kind, key: bytes, plaintext: bytes, binding: Binding) -> bytes:
    _check_key(key)
    head = header(kind)
    nonce = os.urandom(NONCE_SIZE)
    aad = binding.associated_data(b"envelope", head)
    return head + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _decrypt(kind: Kind, key: bytes, blob: bytes, binding: Binding) -> bytes:
    _check_key(key)
    check_header(blob, kind, HEADER_SIZE + NONCE_SIZE + TAG_SIZE)
    head, nonce = blob[:HEADER_SIZE], blob[HEADER_SIZE : HEADER_SIZE + NONCE_SIZE]
    aad = binding.associated_data(b"envelope", head)
    try:
        return AESGCM(key).decrypt(nonce, blob[HEADER_SIZE + NONCE_SIZE :], aad)
    except InvalidTag:
        raise TamperedCiphertext(
            "ciphertext failed authentication: altered, moved or under another key"
        ) from None


def encrypt_field(key: bytes, plaintext: bytes, binding: Binding) -> bytes:
    """Encrypt one field of one record, padded to its size bucket."""
    return _encrypt(Kind.FIELD, key, _pad(plaintext), binding)


def decrypt_field(key: bytes, blob: bytes, binding: Binding) -> bytes:
    """Decrypt a field; raise TamperedCiphertext unless it is intact and in place."""
    return _unpad(_decrypt(Kind.FIELD, key, blob, binding))


def encrypt_text(key: bytes, text: str, binding: Binding) -> bytes:
    """Encrypt a text field (UTF-8)."""
    return encrypt_field(key, text.encode("utf-8"), binding)


def decrypt_text(key: bytes, blob: bytes, binding: Binding) -> str:
    """Decrypt a text field written by encrypt_text."""
    try:
        return decrypt_field(key, blob, binding).decode("utf-8")
    except UnicodeDecodeError:
        raise TamperedCiphertext("decrypted text is not UTF-8") from None


def wrap_key(wrapping_key: bytes, secret: bytes, binding: Binding) -> bytes:
    """Wrap a key (or any short secret) under a symmetric key, unpadded."""
    return _encrypt(Kind.KEY_WRAP, wrapping_key, secret, binding)


def unwrap_key(wrapping_key: bytes, blob: bytes, binding: Binding) -> bytes:
    """Unwrap a secret wrapped by wrap_key."""
    return _decrypt(Kind.KEY_WRAP, wrapping_key, blob, binding)
