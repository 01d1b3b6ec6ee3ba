"""Passphrase wraps: only the right passphrase opens an intact wrap; doctored costs are refused."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import crypto.passphrase
from crypto.errors import CryptoError, TamperedCiphertext, UnknownFormatVersion, WrongPassphrase
from crypto.format import Binding, Kind
from crypto.passphrase import (
    MAX_MEMORY_KIB,
    MAX_PARALLELISM,
    MAX_TIME_COST,
    Argon2Params,
    derive_key,
    unwrap_with_passphrase,
    wrap_with_passphrase,
)
from tests.crypto.conftest import (
    CHEAP_ARGON2,
    HOME,
    bindings,
    every_bit_flip,
    flip_bit,
    misjudged,
    other_bindings,
    with_byte,
)

PASSPHRASE = "correct horse battery staple"
SECRET = bytes(range(32))  # a personal private key seed

# The layout: version (1) | kind (1) | time cost (4) | memory KiB (4) |
# parallelism (1) | salt (16) | nonce (12) | ciphertext and tag (16).
PARAMS = slice(2, 11)
SALT_NONCE_CIPHERTEXT_START = 11
SHORTEST = 2 + 9 + 16 + 12 + 16


def _wrap(binding: Binding = HOME, params: Argon2Params = CHEAP_ARGON2) -> bytes:
    return wrap_with_passphrase(SECRET, PASSPHRASE, params, binding)


WRAPPED = _wrap()  # made before any test spies on Argon2id


def _unwrap(blob: bytes) -> bytes:
    return unwrap_with_passphrase(blob, PASSPHRASE, HOME)


def _with_params(blob: bytes, time_cost: int, memory_kib: int, parallelism: int) -> bytes:
    return (
        blob[: PARAMS.start]
        + struct.pack(">IIB", time_cost, memory_kib, parallelism)
        + blob[PARAMS.stop :]
    )


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record every Argon2id call; stand in for those costlier than 64 MiB in one pass.

    A stand-in key is as wrong as any other key, so the outcome is the same as
    running the real thing, without spending gigabytes (or, should the range
    check ever go, hours) on an edited blob.
    """
    calls: list[dict[str, Any]] = []
    real = crypto.passphrase.hash_secret_raw

    def spy(**arguments: Any) -> bytes:
        calls.append(arguments)
        if arguments["memory_cost"] * arguments["time_cost"] > 64 * 1024:
            return bytes(32)
        return real(**arguments)

    monkeypatch.setattr(crypto.passphrase, "hash_secret_raw", spy)
    return calls


def test_wrap_round_trips_with_the_right_passphrase(binding: Binding) -> None:
    blob = wrap_with_passphrase(SECRET, PASSPHRASE, CHEAP_ARGON2, binding)
    assert unwrap_with_passphrase(blob, PASSPHRASE, binding) == SECRET


def test_wrap_round_trips_with_the_default_cost() -> None:
    blob = wrap_with_passphrase(SECRET, PASSPHRASE, Argon2Params(), HOME)
    assert unwrap_with_passphrase(blob, PASSPHRASE, HOME) == SECRET


@pytest.mark.parametrize(
    "params",
    [
        Argon2Params(time_cost=2, memory_kib=8, parallelism=1),
        Argon2Params(time_cost=1, memory_kib=64, parallelism=1),
        Argon2Params(time_cost=1, memory_kib=32, parallelism=4),
    ],
    ids=str,
)
def test_wrap_opens_with_the_cost_it_was_made_with(params: Argon2Params) -> None:
    blob = _wrap(params=params)
    assert unwrap_with_passphrase(blob, PASSPHRASE, HOME) == SECRET


def test_wrapping_twice_gives_different_ciphertexts() -> None:
    first, second = _wrap(), _wrap()
    assert first != second
    assert first[PARAMS.stop : PARAMS.stop + 16] != second[PARAMS.stop : PARAMS.stop + 16]


@pytest.mark.parametrize(
    "attempt",
    [
        "correct horse battery stapler",
        "Correct horse battery staple",
        "correct horse battery staple ",
        "",
    ],
)
def test_wrong_passphrase_is_refused(attempt: str) -> None:
    with pytest.raises(WrongPassphrase):
        unwrap_with_passphrase(_wrap(), attempt, HOME)


def test_wrap_moved_to_another_binding_is_refused(moved_binding: Binding) -> None:
    # Without the key there is no telling a moved wrap from a wrong passphrase:
    # both only fail the tag. See the report on this suite.
    with pytest.raises(WrongPassphrase):
        unwrap_with_passphrase(_wrap(HOME), PASSPHRASE, moved_binding)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_format_version_of_a_wrap_is_refused(version: int) -> None:
    with pytest.raises(UnknownFormatVersion):
        unwrap_with_passphrase(with_byte(_wrap(), 0, version), PASSPHRASE, HOME)


@pytest.mark.parametrize(
    "kind_byte",
    [pytest.param(b, id=f"{b:#04x}") for b in (0x00, 0xFF, *Kind) if b != Kind.PASSPHRASE],
)
def test_wrong_kind_byte_of_a_wrap_is_refused(kind_byte: int) -> None:
    with pytest.raises(TamperedCiphertext):
        unwrap_with_passphrase(with_byte(_wrap(), 1, kind_byte), PASSPHRASE, HOME)


def _expected_for_params(blob: bytes) -> type[CryptoError]:
    """Edited costs out of range are tampering; in range they just give a wrong key."""
    try:
        Argon2Params(*struct.unpack(">IIB", blob[PARAMS]))
    except ValueError:
        return TamperedCiphertext
    return WrongPassphrase


def _expected_for_byte(position: int) -> type[CryptoError]:
    if position == 0:
        return UnknownFormatVersion
    if position == 1:
        return TamperedCiphertext
    return WrongPassphrase


def test_every_flipped_bit_of_the_salt_nonce_and_ciphertext_is_a_wrong_passphrase() -> None:
    blob = _wrap()
    bits = range(SALT_NONCE_CIPHERTEXT_START * 8, len(blob) * 8)
    assert misjudged(every_bit_flip(blob, _expected_for_byte, bits), _unwrap) == []


def test_every_flipped_bit_of_the_header_is_refused() -> None:
    blob = _wrap()
    assert misjudged(every_bit_flip(blob, _expected_for_byte, range(16)), _unwrap) == []


def test_every_flipped_bit_of_the_stored_cost_is_refused(
    argon2_calls: list[dict[str, Any]],
) -> None:
    blob = WRAPPED
    attempts = [
        (f"bit {bit}", altered, _expected_for_params(altered))
        for bit in range(PARAMS.start * 8, PARAMS.stop * 8)
        for altered in [flip_bit(blob, bit)]
    ]
    assert misjudged(attempts, _unwrap) == []
    # Both outcomes occur: the oracle is not trivially one of them.
    outcomes = [expected for _, _, expected in attempts]
    assert TamperedCiphertext in outcomes
    assert WrongPassphrase in outcomes
    # Argon2id ran only for the edits that stayed in range.
    assert len(argon2_calls) == outcomes.count(WrongPassphrase)


def test_every_truncation_of_a_wrap_is_refused() -> None:
    blob = _wrap()
    problems = []
    for length in range(len(blob)):
        # Too short to hold a tag is tampering; shorter ciphertext merely fails the tag.
        expected = TamperedCiphertext if length < SHORTEST else WrongPassphrase
        try:
            result = unwrap_with_passphrase(blob[:length], PASSPHRASE, HOME)
        except expected:
            continue
        except CryptoError as error:
            problems.append(f"{length}: {type(error).__name__}, not {expected.__name__}")
        else:
            problems.append(f"{length}: returned {result!r}")
    assert problems == []


@pytest.mark.parametrize(
    ("time_cost", "memory_kib", "parallelism"),
    [
        pytest.param(0, 8, 1, id="no-passes"),
        pytest.param(MAX_TIME_COST + 1, 8, 1, id="too-many-passes"),
        pytest.param(2**32 - 1, 8, 1, id="4-billion-passes"),
        pytest.param(1, 0, 1, id="no-memory"),
        pytest.param(1, 7, 1, id="7-kib"),
        pytest.param(1, MAX_MEMORY_KIB + 1, 1, id="over-the-memory-limit"),
        pytest.param(1, 2**32 - 1, 1, id="4-tib"),
        pytest.param(1, 8, 0, id="no-lanes"),
        pytest.param(1, 1024, MAX_PARALLELISM + 1, id="too-many-lanes"),
        pytest.param(1, 8 * 255, 255, id="255-lanes"),
        pytest.param(1, 31, 4, id="less-than-8-kib-per-lane"),
    ],
)
def test_wrap_with_absurd_stored_cost_is_refused_before_running_argon2(
    argon2_calls: list[dict[str, Any]], time_cost: int, memory_kib: int, parallelism: int
) -> None:
    blob = _with_params(WRAPPED, time_cost, memory_kib, parallelism)
    with pytest.raises(TamperedCiphertext):
        unwrap_with_passphrase(blob, PASSPHRASE, HOME)
    assert argon2_calls == []


def test_wrap_with_a_stored_cost_edited_within_range_is_refused() -> None:
    blob = _with_params(_wrap(), 2, 8, 1)
    with pytest.raises(WrongPassphrase):
        unwrap_with_passphrase(blob, PASSPHRASE, HOME)


@pytest.mark.parametrize(
    ("time_cost", "memory_kib", "parallelism"),
    [
        pytest.param(0, 64 * 1024, 4, id="no-passes"),
        pytest.param(-1, 64 * 1024, 4, id="negative-passes"),
        pytest.param(MAX_TIME_COST + 1, 64 * 1024, 4, id="too-many-passes"),
        pytest.param(3, 0, 1, id="no-memory"),
        pytest.param(3, 31, 4, id="less-than-8-kib-per-lane"),
        pytest.param(3, MAX_MEMORY_KIB + 1, 4, id="over-the-memory-limit"),
        pytest.param(3, 64 * 1024, 0, id="no-lanes"),
        pytest.param(3, 64 * 1024, MAX_PARALLELISM + 1, id="too-many-lanes"),
    ],
)
def test_out_of_range_argon2_params_are_refused(
    time_cost: int, memory_kib: int, parallelism: int
) -> None:
    with pytest.raises(ValueError, match="out of range"):
        Argon2Params(time_cost=time_cost, memory_kib=memory_kib, parallelism=parallelism)


@pytest.mark.parametrize(
    "params",
    [
        Argon2Params(),
        Argon2Params(time_cost=1, memory_kib=8, parallelism=1),
        Argon2Params(
            time_cost=MAX_TIME_COST, memory_kib=MAX_MEMORY_KIB, parallelism=MAX_PARALLELISM
        ),
    ],
    ids=str,
)
def test_argon2_params_within_range_are_accepted(params: Argon2Params) -> None:
    assert Argon2Params(params.time_cost, params.memory_kib, params.parallelism) == params


def test_default_cost_is_rfc_9106_second_recommendation() -> None:
    assert Argon2Params() == Argon2Params(time_cost=3, memory_kib=64 * 1024, parallelism=4)


def test_derived_key_depends_on_passphrase_and_salt() -> None:
    key = derive_key(PASSPHRASE, bytes(16), CHEAP_ARGON2)
    assert len(key) == 32
    assert derive_key(PASSPHRASE, bytes(16), CHEAP_ARGON2) == key
    assert derive_key(PASSPHRASE + "!", bytes(16), CHEAP_ARGON2) != key
    assert derive_key(PASSPHRASE, bytes(15) + b"\x01", CHEAP_ARGON2) != key


# Properties over arbitrary secrets, passphrases and bindings.

passphrases = st.text(max_size=40)


@settings(max_examples=50, deadline=None)
@given(secret=st.binary(max_size=64), passphrase=passphrases, home=bindings)
def test_any_secret_round_trips_under_any_passphrase(
    secret: bytes, passphrase: str, home: Binding
) -> None:
    blob = wrap_with_passphrase(secret, passphrase, CHEAP_ARGON2, home)
    assert unwrap_with_passphrase(blob, passphrase, home) == secret


@settings(max_examples=50, deadline=None)
@given(passphrase=passphrases, attempt=passphrases)
def test_any_other_passphrase_is_refused(passphrase: str, attempt: str) -> None:
    assume(attempt != passphrase)
    blob = wrap_with_passphrase(SECRET, passphrase, CHEAP_ARGON2, HOME)
    with pytest.raises(WrongPassphrase):
        unwrap_with_passphrase(blob, attempt, HOME)


@settings(max_examples=50, deadline=None)
@given(pair=other_bindings)
def test_any_wrap_opens_under_no_other_binding(pair: tuple[Binding, Binding]) -> None:
    home, elsewhere = pair
    blob = wrap_with_passphrase(SECRET, PASSPHRASE, CHEAP_ARGON2, home)
    with pytest.raises(WrongPassphrase):
        unwrap_with_passphrase(blob, PASSPHRASE, elsewhere)
