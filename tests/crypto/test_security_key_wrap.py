"""Security-key wraps: only the passphrase and that key's PRF output, together, open one.

The attack they stand against: a copy of the database and a guessed (or
known) passphrase. A passphrase-only wrap opens to that; a security-key wrap
needs the authenticator's PRF output too, and says nothing about whether a
passphrase guess was right without it.
"""

from __future__ import annotations

import os

import pytest

from crypto.errors import CryptoError, TamperedCiphertext, WrongPassphrase
from crypto.format import Binding
from crypto.passphrase import (
    SALT_SIZE,
    derive_key,
    passphrase_key_of,
    unwrap_with_passphrase,
    unwrap_with_passphrase_and_key,
    wrap_with_passphrase,
    wrap_with_passphrase_and_key,
)
from tests.crypto.conftest import CHEAP_ARGON2, every_bit_flip, misjudged

PASSPHRASE = "correct horse battery staple"
SEED = bytes(range(32))
PRF = bytes(range(100, 132))
OTHER_PRF = bytes(range(132, 164))
CREDENTIAL = b"credential-one-" + bytes(17)
NAME = "ann"
HOME = Binding("security_keys", "ann/credential-one", "private_key")


def _wrap(prf: bytes = PRF, credential: bytes = CREDENTIAL, name: str = NAME) -> bytes:
    salt = os.urandom(SALT_SIZE)
    key = derive_key(PASSPHRASE, salt, CHEAP_ARGON2)
    return wrap_with_passphrase_and_key(SEED, key, salt, CHEAP_ARGON2, prf, name, credential, HOME)


def _open(
    blob: bytes,
    passphrase: str = PASSPHRASE,
    prf: bytes = PRF,
    credential: bytes = CREDENTIAL,
    name: str = NAME,
    binding: Binding = HOME,
) -> bytes:
    key, _salt, _cost = passphrase_key_of(blob, passphrase)
    return unwrap_with_passphrase_and_key(blob, key, prf, name, credential, binding)


def test_the_passphrase_and_the_keys_prf_output_open_the_wrap() -> None:
    assert _open(_wrap()) == SEED


def test_the_passphrase_alone_opens_nothing_by_any_passphrase_path() -> None:
    blob = _wrap()
    with pytest.raises(TamperedCiphertext):  # not a passphrase wrap at all
        unwrap_with_passphrase(blob, PASSPHRASE, HOME)
    with pytest.raises(WrongPassphrase):  # an all-zero PRF: what "no key" would try
        _open(blob, prf=bytes(32))


def test_a_passphrase_guess_cannot_be_tested_without_the_key() -> None:
    """With a wrong PRF output the right and a wrong passphrase fail alike."""
    blob = _wrap()
    for passphrase in (PASSPHRASE, "wrong horse battery staple"):
        with pytest.raises(WrongPassphrase):
            _open(blob, passphrase=passphrase, prf=OTHER_PRF)


@pytest.mark.parametrize(
    "change",
    [
        {"passphrase": "wrong horse battery staple"},
        {"prf": OTHER_PRF},
        {"credential": b"credential-two-" + bytes(17)},
        {"name": "bea"},
        {"binding": Binding("security_keys", "bea/credential-one", "private_key")},
    ],
    ids=["wrong-passphrase", "other-key", "moved-to-other-credential", "other-account", "moved"],
)
def test_any_part_wrong_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(WrongPassphrase):
        _open(_wrap(), **change)  # type: ignore[arg-type]


def test_every_bit_flip_is_refused() -> None:
    blob = _wrap()
    # Flips in the cost may make it out of range (TamperedCiphertext) or only
    # change the key (WrongPassphrase): either is a refusal, never plaintext.
    attempts = [
        (label, altered, CryptoError)
        for label, altered, _ in every_bit_flip(blob, lambda _: CryptoError)
    ]
    assert misjudged(attempts, _open) == []


def test_a_passphrase_wrap_is_not_taken_for_a_key_wrap() -> None:
    blob = wrap_with_passphrase(SEED, PASSPHRASE, CHEAP_ARGON2, HOME)
    with pytest.raises(TamperedCiphertext):
        passphrase_key_of(blob, PASSPHRASE)


def test_one_argon2_call_rewraps_under_a_new_prf_output() -> None:
    """A sign-in moves the PRF salt: the key it derived makes the next wrap."""
    blob = _wrap()
    key, salt, cost = passphrase_key_of(blob, PASSPHRASE)
    seed = unwrap_with_passphrase_and_key(blob, key, PRF, NAME, CREDENTIAL, HOME)
    moved = wrap_with_passphrase_and_key(seed, key, salt, cost, OTHER_PRF, NAME, CREDENTIAL, HOME)
    assert _open(moved, prf=OTHER_PRF) == SEED
    with pytest.raises(WrongPassphrase):
        _open(moved, prf=PRF)  # a recorded old output no longer opens it


@pytest.mark.parametrize("prf", [b"", bytes(31), bytes(33)])
def test_a_prf_output_of_the_wrong_size_is_refused(prf: bytes) -> None:
    with pytest.raises(ValueError):
        _wrap(prf=prf)
    with pytest.raises(ValueError):
        _open(_wrap(), prf=prf)


@pytest.mark.parametrize("credential", [b"", bytes(1024)])
def test_a_credential_id_of_an_impossible_size_is_refused(credential: bytes) -> None:
    with pytest.raises(ValueError):
        _wrap(credential=credential)
