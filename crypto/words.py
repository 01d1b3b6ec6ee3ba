"""Words for people to read and type: codenames, the recovery phrase, passphrases, fingerprints.

All of them use the EFF long word list, read from the maintained `xkcdpass` package
rather than a copy in this repository. The four hyphenated entries are left
out, so every word is plain lower-case letters and any punctuation or spacing
a person types between words can be ignored.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import unicodedata
from importlib import resources

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import InvalidPhrase

# 7 words of 7,772 give 90.4 bits. A lookup id derived from that much entropy
# cannot be brute-forced even by someone holding the pepper, so no slow hash
# (Argon2) is needed on the survivor's path, which keeps submission fast.
CODENAME_WORDS = 7
SEED_WORDS = 20  # 7,772**20 > 2**256: any 32-byte seed fits
RECOVERY_WORDS = SEED_WORDS + 1  # one checksum word catches typing mistakes
# A passphrase offered to a new account: 6 random words are 77.5 bits. Five
# words of the list (64.6 bits when chosen at random) are the least accepted
# without zxcvbn's verdict: a seized database makes every guess cost one
# Argon2id call, and 2**64 of those is out of anyone's reach.
PASSPHRASE_WORDS = 6
MIN_PASSPHRASE_WORDS = 5
# A key fingerprint: 6 words are 77.5 bits of SHA-256. Someone who can write to
# the database and wants a grant sealed to a key of their own must find a key
# pair whose fingerprint reads like the member's (a second preimage): about
# 2**77 key pairs, even varying only the cheap X25519 half. A collision (2**39)
# does not help, because nobody but the server chooses the member's key.
FINGERPRINT_WORDS = 6
_SEED_SIZE = 32
_LOOKUP_SECRET_SIZE = 32
_SEPARATORS = re.compile(r"[^a-z]+")


@functools.cache
def word_list() -> tuple[str, ...]:
    """The EFF long word list without its hyphenated entries, in list order."""
    text = resources.files("xkcdpass").joinpath("static/eff-long").read_text("utf-8")
    words = tuple(w for w in text.split() if w.isalpha() and w.isascii())
    if len(words) != 7772 or len(set(words)) != len(words):
        raise RuntimeError("the EFF long word list is not the expected one")
    return words


@functools.cache
def _index() -> dict[str, int]:
    return {word: i for i, word in enumerate(word_list())}


def split_words(text: str) -> list[str]:
    """Fold case and accents, then split into words on anything but letters."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w for w in _SEPARATORS.split(plain) if w]


def _indices(words: list[str]) -> list[int]:
    index = _index()
    unknown = [w for w in words if w not in index]
    if unknown:
        raise InvalidPhrase(f"{len(unknown)} word(s) are not in the word list")
    return [index[w] for w in words]


def new_codename() -> str:
    """A fresh codename: CODENAME_WORDS random words separated by spaces."""
    words = word_list()
    return " ".join(secrets.choice(words) for _ in range(CODENAME_WORDS))


def normalise_codename(text: str) -> str:
    """The canonical form of a typed codename; InvalidPhrase if it cannot be one."""
    words = split_words(text)
    if len(words) != CODENAME_WORDS:
        raise InvalidPhrase(f"a codename has {CODENAME_WORDS} words")
    _indices(words)
    return " ".join(words)


def new_passphrase() -> str:
    """A passphrase to offer: PASSPHRASE_WORDS different random words separated by spaces.

    No word twice, so every one counts towards MIN_PASSPHRASE_WORDS; that costs
    less than 0.01 of a bit.
    """
    return " ".join(secrets.SystemRandom().sample(word_list(), PASSPHRASE_WORDS))


def listed_word_count(text: str) -> int:
    """How many different words of the list the text holds (a word typed twice counts once)."""
    index = _index()
    return len({word for word in split_words(text) if word in index})


def key_fingerprint(public_key: bytes) -> str:
    """FINGERPRINT_WORDS words naming a public key, to compare by voice before a grant."""
    digest = hashlib.sha256(b"portal/v1/key-fingerprint\x00" + public_key).digest()
    # 256 bits written in base 7,772: its six lowest digits are uniform to within 2**-178.
    words, number, digits = word_list(), int.from_bytes(digest, "big"), []
    for _ in range(FINGERPRINT_WORDS):
        number, digit = divmod(number, len(words))
        digits.append(digit)
    return " ".join(words[d] for d in digits)


def same_fingerprint(typed: str, fingerprint: str) -> bool:
    """True when typed words (in any case or spacing) are exactly this fingerprint."""
    return split_words(typed) == fingerprint.split(" ")


def codename_lookup_id(pepper: bytes, codename: str) -> bytes:
    """HMAC-SHA256(pepper, codename): finds the report without storing the codename."""
    return hmac.new(pepper, normalise_codename(codename).encode(), hashlib.sha256).digest()


def codename_lookup_secret(codename: str) -> bytes:
    """HKDF-SHA256 of the codename (salt "portal/v1/lookup"): what a browser that made the
    codename sends instead of it. One-way: it finds the report but opens nothing."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"portal/v1/lookup", info=b"").derive(
        normalise_codename(codename).encode()
    )


def lookup_id_from_secret(pepper: bytes, lookup_secret: bytes) -> bytes:
    """HMAC-SHA256(pepper, lookup secret): finds a report sealed in the browser.

    The database then holds neither the codename nor the secret it derives, and
    without the pepper a stolen lookup id cannot even be checked against a guess.
    The label keeps the two kinds of id apart: a codename of 32 letters and
    spaces, sent as a lookup secret, does not give the id of the report that
    codename opens.
    """
    if len(lookup_secret) != _LOOKUP_SECRET_SIZE:
        raise ValueError("lookup secrets are 32 bytes")
    return hmac.new(pepper, b"portal/v1/lookup-id\x00" + lookup_secret, hashlib.sha256).digest()


def codename_wrap_key(codename: str, report_id: str) -> bytes:
    """The survivor's key for one report, derived from the codename alone.

    The server never stores the codename, so it cannot derive this key.
    """
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"portal/v1/survivor-wrap",
        info=report_id.encode(),
    ).derive(normalise_codename(codename).encode())


def _checksum(seed: bytes) -> int:
    digest = hashlib.sha256(b"portal/v1/recovery-phrase\x00" + seed).digest()
    return int.from_bytes(digest, "big") % len(word_list())


def seed_to_phrase(seed: bytes) -> str:
    """Write a 32-byte seed as RECOVERY_WORDS words, the last a checksum."""
    if len(seed) != _SEED_SIZE:
        raise ValueError("seeds are 32 bytes")
    words, base = word_list(), len(word_list())
    number, digits = int.from_bytes(seed, "big"), []
    for _ in range(SEED_WORDS):
        number, digit = divmod(number, base)
        digits.append(digit)
    digits.reverse()
    digits.append(_checksum(seed))
    return " ".join(words[d] for d in digits)


def phrase_to_seed(text: str) -> bytes:
    """Read a recovery phrase back into its seed; InvalidPhrase on any mistake."""
    words = split_words(text)
    if len(words) != RECOVERY_WORDS:
        raise InvalidPhrase(f"a recovery phrase has {RECOVERY_WORDS} words, not {len(words)}")
    digits = _indices(words)
    base, number = len(word_list()), 0
    for digit in digits[:SEED_WORDS]:
        number = number * base + digit
    if number >= 2 ** (8 * _SEED_SIZE):
        raise InvalidPhrase("the recovery phrase is not valid")
    seed = number.to_bytes(_SEED_SIZE, "big")
    if digits[-1] != _checksum(seed):
        raise InvalidPhrase("the recovery phrase has a mistake in it (checksum failed)")
    return seed
