"""Hybrid key pairs and HPKE sealing: only the right private key opens an intact, in-place seal."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import TamperedCiphertext, UnknownFormatVersion
from crypto.format import Binding, Kind
from crypto.keys import (
    PUBLIC_KEY_SIZE,
    KeyKind,
    PrivateKey,
    PublicKey,
    open_private_key,
    open_sealed,
    seal,
    seal_private_key,
    sealed_size,
)
from tests.crypto.conftest import (
    HOME,
    bindings,
    every_bit_flip,
    every_truncation,
    misjudged,
    other_bindings,
    version_or_tampered,
    with_byte,
)

SEED = bytes(range(32))
HOLDER = PrivateKey(SEED, KeyKind.XWING)  # a member's personal key pair
STRANGER = PrivateKey(bytes(range(32, 64)), KeyKind.XWING)
GROUP = PrivateKey(bytes(range(64, 96)), KeyKind.XWING)  # a group key sealed to members
OLD = PrivateKey(bytes(range(96, 128)), KeyKind.HKDF)  # a key of the kind made before
XWING_VECTORS = json.loads(
    (Path(__file__).parents[2] / "js" / "seal" / "test" / "xwing-vectors.json").read_text()
)  # the X-Wing draft's, also checked in the browser module
DATA_KEY = bytes(range(200, 232))


def _seal_data_key(binding: Binding = HOME) -> bytes:
    return seal(HOLDER.public_key, DATA_KEY, binding)


def _seal_group_key(binding: Binding = HOME) -> bytes:
    return seal_private_key(HOLDER.public_key, GROUP, binding)


def _open_data_key(blob: bytes, holder: PrivateKey = HOLDER, binding: Binding = HOME) -> bytes:
    return open_sealed(holder, blob, binding)


def _open_group_key(blob: bytes, holder: PrivateKey = HOLDER, binding: Binding = HOME) -> bytes:
    return open_private_key(holder, blob, binding).to_bytes()


@dataclass(frozen=True)
class Sealed:
    """One kind of sealed envelope: how to make one, how to open it, what it holds."""

    make: Callable[..., bytes]
    open: Callable[..., bytes]
    content: bytes


SEALED = {
    "sealed-key": Sealed(_seal_data_key, _open_data_key, DATA_KEY),
    "sealed-private-key": Sealed(_seal_group_key, _open_group_key, GROUP.to_bytes()),
}


@pytest.fixture(params=sorted(SEALED), ids=sorted(SEALED))
def sealed(request: pytest.FixtureRequest) -> Sealed:
    return SEALED[request.param]


# Key pairs.


def test_same_seed_gives_the_same_key_pair() -> None:
    again = PrivateKey(bytes(SEED), KeyKind.XWING)
    assert again.public_key.to_bytes() == HOLDER.public_key.to_bytes()
    assert again.public_key == HOLDER.public_key
    assert again.seed == SEED


def test_different_seeds_give_different_key_pairs() -> None:
    assert HOLDER.public_key.to_bytes() != STRANGER.public_key.to_bytes()
    assert HOLDER.public_key != STRANGER.public_key


def test_generated_key_pairs_are_all_different_and_of_the_x_wing_kind() -> None:
    keys = [PrivateKey.generate() for _ in range(5)]
    assert len({key.seed for key in keys}) == 5
    assert len({key.public_key for key in keys}) == 5
    assert {key.kind for key in keys} == {KeyKind.XWING}


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_seeds_of_the_wrong_length_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        PrivateKey(bytes(length), KeyKind.XWING)


@pytest.mark.parametrize("vector", XWING_VECTORS["vectors"], ids=["1", "2", "3"])
def test_an_x_wing_seed_gives_the_public_key_of_the_draft_s_test_vectors(
    vector: dict[str, str],
) -> None:
    key = PrivateKey(bytes.fromhex(vector["seed"]), KeyKind.XWING)
    assert key.public_key.to_bytes().hex() == vector["pk"]


def test_a_key_of_the_old_kind_is_the_one_it_always_was() -> None:
    # Recorded from the code before X-Wing's expansion: grants and phrases made
    # then must keep opening.
    old = PrivateKey(bytes(range(32)), KeyKind.HKDF)
    assert hashlib.sha256(old.public_key.to_bytes()).hexdigest() == (
        "7b277bd87befce00e893caefab7bde9e511034f3863f37edea88d71c2f0c4122"
    )
    assert old.public_key != HOLDER.public_key  # the same seed, the other kind


@pytest.mark.parametrize("key", [HOLDER, OLD], ids=["x-wing", "old"])
def test_a_key_s_stored_form_keeps_its_kind(key: PrivateKey) -> None:
    again = PrivateKey.from_bytes(key.to_bytes())
    assert (again.kind, again.seed, again.public_key) == (key.kind, key.seed, key.public_key)
    opened = open_private_key(HOLDER, seal_private_key(HOLDER.public_key, key, HOME), HOME)
    assert (opened.kind, opened.public_key) == (key.kind, key.public_key)


def test_the_old_kind_is_stored_as_the_bare_seed_as_before() -> None:
    assert OLD.to_bytes() == OLD.seed
    assert HOLDER.to_bytes() == bytes((KeyKind.XWING,)) + SEED


@pytest.mark.parametrize(
    "stored",
    [b"", bytes(31), bytes((KeyKind.HKDF,)) + SEED, bytes((0,)) + SEED, bytes(34), bytes(64)],
    ids=["empty", "short", "old-kind-byte", "unknown-kind", "long", "twice"],
)
def test_a_stored_key_of_no_known_form_is_refused(stored: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        PrivateKey.from_bytes(stored)


def test_public_key_round_trips_through_bytes() -> None:
    data = HOLDER.public_key.to_bytes()
    assert len(data) == PUBLIC_KEY_SIZE
    parsed = PublicKey.from_bytes(data)
    assert parsed.to_bytes() == data
    assert parsed == HOLDER.public_key
    assert hash(parsed) == hash(HOLDER.public_key)
    assert parsed.fingerprint() == HOLDER.public_key.fingerprint()


def test_sealing_to_a_parsed_public_key_opens_with_the_private_key() -> None:
    parsed = PublicKey.from_bytes(HOLDER.public_key.to_bytes())
    assert open_sealed(HOLDER, seal(parsed, DATA_KEY, HOME), HOME) == DATA_KEY


@pytest.mark.parametrize(
    "length", [0, 32, 1184, PUBLIC_KEY_SIZE - 1, PUBLIC_KEY_SIZE + 1, 2 * PUBLIC_KEY_SIZE]
)
def test_public_key_of_the_wrong_length_is_refused(length: int) -> None:
    data = (HOLDER.public_key.to_bytes() * 2)[:length]
    with pytest.raises(TamperedCiphertext):
        PublicKey.from_bytes(data)


def test_public_key_with_an_invalid_ml_kem_half_is_refused() -> None:
    # 0xFFF is not a coefficient modulo q = 3329, so this is no ML-KEM key.
    data = b"\xff" * 1184 + HOLDER.public_key.to_bytes()[1184:]
    with pytest.raises(TamperedCiphertext):
        PublicKey.from_bytes(data)


def test_public_key_with_a_degenerate_x25519_half_is_refused() -> None:
    # The all-zero X25519 point has small order: no shared secret can be agreed
    # with it. A stored key edited to it must fail with the named error, whether
    # on parsing or on sealing, not with a bare ValueError.
    data = HOLDER.public_key.to_bytes()[:1184] + bytes(32)
    with pytest.raises(TamperedCiphertext):
        seal(PublicKey.from_bytes(data), DATA_KEY, HOME)


def test_fingerprint_is_short_stable_hex() -> None:
    fingerprint = HOLDER.public_key.fingerprint()
    assert re.fullmatch("[0-9a-f]{16}", fingerprint)
    assert PrivateKey(SEED, KeyKind.XWING).public_key.fingerprint() == fingerprint
    assert STRANGER.public_key.fingerprint() != fingerprint


def test_private_key_repr_does_not_reveal_the_seed() -> None:
    shown = repr(HOLDER)
    assert SEED.hex() not in shown
    assert repr(SEED) not in shown
    assert HOLDER.public_key.fingerprint() in shown


# Sealed envelopes.


@pytest.mark.parametrize("length", [0, 32, 1024])
def test_a_seals_size_is_known_before_sealing(length: int) -> None:
    public = PrivateKey.generate().public_key
    assert len(seal(public, bytes(length), HOME)) == sealed_size(length)


def test_sealed_envelope_round_trips(sealed: Sealed) -> None:
    assert sealed.open(sealed.make()) == sealed.content


def test_opened_group_key_is_the_same_key_pair() -> None:
    opened = open_private_key(HOLDER, _seal_group_key(), HOME)
    assert opened.public_key == GROUP.public_key


def test_sealing_twice_gives_different_ciphertexts(
    sealed: Sealed,
) -> None:
    assert sealed.make() != sealed.make()


def test_every_flipped_bit_of_a_seal_is_refused(
    sealed: Sealed,
) -> None:
    blob = sealed.make()
    assert misjudged(every_bit_flip(blob, version_or_tampered), sealed.open) == []


def test_every_truncation_of_a_seal_is_refused(sealed: Sealed) -> None:
    assert misjudged(every_truncation(sealed.make(), TamperedCiphertext), sealed.open) == []


def test_appended_bytes_are_refused(sealed: Sealed) -> None:
    with pytest.raises(TamperedCiphertext):
        sealed.open(sealed.make() + b"\x00")


def test_seal_moved_to_another_binding_is_refused(sealed: Sealed, moved_binding: Binding) -> None:
    with pytest.raises(TamperedCiphertext):
        sealed.open(sealed.make(HOME), binding=moved_binding)


def test_seal_does_not_open_with_another_private_key(
    sealed: Sealed,
) -> None:
    with pytest.raises(TamperedCiphertext):
        sealed.open(sealed.make(), holder=STRANGER)


def test_key_sealed_to_one_member_does_not_open_for_another() -> None:
    blob = seal_private_key(STRANGER.public_key, GROUP, HOME)
    assert open_private_key(STRANGER, blob, HOME).public_key == GROUP.public_key
    with pytest.raises(TamperedCiphertext):
        open_private_key(HOLDER, blob, HOME)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_format_version_of_a_seal_is_refused(sealed: Sealed, version: int) -> None:
    with pytest.raises(UnknownFormatVersion):
        sealed.open(with_byte(sealed.make(), 0, version))


@pytest.mark.parametrize(
    "kind_byte",
    [pytest.param(byte, id=f"{byte:#04x}") for byte in (0x00, 0xFF, *Kind) if byte != Kind.SEALED],
)
def test_wrong_kind_byte_of_a_seal_is_refused(sealed: Sealed, kind_byte: int) -> None:
    with pytest.raises(TamperedCiphertext):
        sealed.open(with_byte(sealed.make(), 1, kind_byte))


@pytest.mark.parametrize("length", [0, 1, 31, 33, 64])
def test_sealed_secret_that_is_not_a_seed_is_refused_as_a_private_key(length: int) -> None:
    blob = seal(HOLDER.public_key, bytes(length), HOME)
    with pytest.raises(TamperedCiphertext):
        open_private_key(HOLDER, blob, HOME)


# Properties over arbitrary plaintexts and bindings.


@settings(max_examples=50, deadline=None)
@given(plaintext=st.binary(max_size=500), home=bindings)
def test_any_sealed_plaintext_round_trips(plaintext: bytes, home: Binding) -> None:
    assert open_sealed(HOLDER, seal(HOLDER.public_key, plaintext, home), home) == plaintext


@settings(max_examples=50, deadline=None)
@given(plaintext=st.binary(max_size=100), pair=other_bindings)
def test_any_seal_opens_under_no_other_binding(
    plaintext: bytes, pair: tuple[Binding, Binding]
) -> None:
    home, elsewhere = pair
    blob = seal(HOLDER.public_key, plaintext, home)
    with pytest.raises(TamperedCiphertext):
        open_sealed(HOLDER, blob, elsewhere)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    kind=st.sampled_from(KeyKind),
    pair=other_bindings,
)
def test_any_sealed_private_key_opens_only_in_place(
    seed: bytes, kind: KeyKind, pair: tuple[Binding, Binding]
) -> None:
    home, elsewhere = pair
    blob = seal_private_key(HOLDER.public_key, PrivateKey(seed, kind), home)
    opened = open_private_key(HOLDER, blob, home)
    assert (opened.seed, opened.kind) == (seed, kind)
    with pytest.raises(TamperedCiphertext):
        open_private_key(HOLDER, blob, elsewhere)
