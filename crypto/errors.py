"""Named errors raised by the crypto library.

Every failure to decrypt is one of these, so that callers can turn each into a
clear message at the edge and never partially decrypt anything.
"""


class CryptoError(Exception):
    """Base class for every error the crypto library raises."""


class TamperedCiphertext(CryptoError):
    """Authentication failed: the ciphertext was altered, truncated, moved to
    another record or field, or was never encrypted to this key."""


class UnknownFormatVersion(CryptoError):
    """The ciphertext names a format version or kind this code does not know."""


class WrongPassphrase(CryptoError):
    """The passphrase does not unlock this key (or the wrapped key was altered;
    the two cannot be told apart by design)."""


class InvalidPhrase(CryptoError):
    """A codename or recovery phrase is malformed: unknown words, wrong count,
    or a failed checksum."""


class InvalidEncoding(CryptoError):
    """A group element, scalar or key does not decode: wrong length, not canonical,
    or the identity element."""


class InvalidInput(CryptoError):
    """An input the VOPRF cannot take: longer than 65,535 bytes, or of the wrong size."""


class ProofFailed(CryptoError):
    """The server's proof does not show that it evaluated with the key it published."""
