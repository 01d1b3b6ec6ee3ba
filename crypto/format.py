"""The versioned header and the associated data shared by every ciphertext.

Every ciphertext starts with two bytes: the format version and the kind of
envelope. Both are also part of the associated data, so changing either is
detected. The binding names what a ciphertext belongs to (table, record id and
field); it is never stored in the ciphertext, only authenticated, so moving a
ciphertext to another record or field fails loudly.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from crypto.errors import TamperedCiphertext, UnknownFormatVersion

FORMAT_VERSION = 1
HEADER_SIZE = 2


class Kind(enum.IntEnum):
    """What an envelope holds; each kind has its own layout."""

    FIELD = 0x46  # "F": a padded text or bytes field under a data key
    KEY_WRAP = 0x4B  # "K": a key wrapped under another symmetric key
    SEALED = 0x53  # "S": HPKE-sealed to a public key
    PASSPHRASE = 0x50  # "P": a key wrapped under Argon2id(passphrase)
    STREAM = 0x41  # "A": the header of a segmented attachment stream
    RELEASE = 0x52  # "R": HPKE-sealed to an escrow slot's X25519 release key
    SECURITY_KEY = 0x57  # "W": a key wrapped under Argon2id(passphrase) and a WebAuthn PRF output


def header(kind: Kind, version: int = FORMAT_VERSION) -> bytes:
    """The two header bytes for a new envelope of this kind."""
    return bytes((version, kind))


def check_header(
    blob: bytes, kind: Kind, minimum_size: int, versions: tuple[int, ...] = (FORMAT_VERSION,)
) -> None:
    """Refuse a blob whose version or kind is unknown or that is too short."""
    if len(blob) < HEADER_SIZE:
        raise TamperedCiphertext("ciphertext is too short to carry a header")
    if blob[0] not in versions:
        raise UnknownFormatVersion(f"unknown ciphertext format version {blob[0]}")
    if blob[1] != kind:
        raise TamperedCiphertext("ciphertext is of a different kind than expected")
    if len(blob) < minimum_size:
        raise TamperedCiphertext("ciphertext is truncated")


def _length_prefixed(*parts: bytes) -> bytes:
    """Join parts unambiguously: each is preceded by its 4-byte length."""
    return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


@dataclass(frozen=True)
class Binding:
    """Where a ciphertext belongs: the table, the record id and the field."""

    table: str
    record_id: str
    field: str

    def associated_data(self, purpose: bytes, head: bytes) -> bytes:
        """Associated data naming the purpose, the header and this binding."""
        return _length_prefixed(
            b"portal/v1/" + purpose,
            head,
            self.table.encode(),
            self.record_id.encode(),
            self.field.encode(),
        )
