"""Fields, texts and wrapped keys open only intact, in place and under their own key."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.envelope import (
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    field_size,
    is_field_size,
    new_key,
    padded_size,
    unwrap_key,
    wrap_key,
    wrapped_size,
)
from crypto.errors import TamperedCiphertext, UnknownFormatVersion
from crypto.format import Binding, Kind
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

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
ACCOUNT = "He took my phone every night. Ça a duré deux ans. 🙁"


@dataclass(frozen=True)
class Envelope:
    """One kind of symmetric envelope: how to make one and how to open it."""

    kind: Kind
    plaintext: object
    encrypt: Callable[[bytes, object, Binding], bytes]
    decrypt: Callable[[bytes, bytes, Binding], object]

    def seal(self, key: bytes = KEY, binding: Binding = HOME) -> bytes:
        return self.encrypt(key, self.plaintext, binding)


ENVELOPES = {
    "field": Envelope(Kind.FIELD, b"\x00binary\xffanswer", encrypt_field, decrypt_field),
    "text": Envelope(Kind.FIELD, ACCOUNT, encrypt_text, decrypt_text),
    "wrapped-key": Envelope(Kind.KEY_WRAP, bytes(range(100, 132)), wrap_key, unwrap_key),
}


@pytest.fixture(params=sorted(ENVELOPES), ids=sorted(ENVELOPES))
def envelope(request: pytest.FixtureRequest) -> Envelope:
    return ENVELOPES[request.param]


def test_envelope_round_trips(envelope: Envelope, binding: Binding) -> None:
    blob = envelope.seal(binding=binding)
    assert envelope.decrypt(KEY, blob, binding) == envelope.plaintext


def test_encrypting_twice_gives_different_ciphertexts(envelope: Envelope) -> None:
    assert envelope.seal() != envelope.seal()


def test_every_flipped_bit_is_refused(envelope: Envelope, binding: Binding) -> None:
    blob = envelope.seal(binding=binding)
    problems = misjudged(
        every_bit_flip(blob, version_or_tampered),
        lambda altered: envelope.decrypt(KEY, altered, binding),
    )
    assert problems == []


def test_every_truncation_is_refused(envelope: Envelope, binding: Binding) -> None:
    blob = envelope.seal(binding=binding)
    problems = misjudged(
        every_truncation(blob, TamperedCiphertext),
        lambda altered: envelope.decrypt(KEY, altered, binding),
    )
    assert problems == []


def test_appended_bytes_are_refused(envelope: Envelope, binding: Binding) -> None:
    blob = envelope.seal(binding=binding)
    with pytest.raises(TamperedCiphertext):
        envelope.decrypt(KEY, blob + b"\x00", binding)


def test_envelope_moved_to_another_binding_is_refused(
    envelope: Envelope, binding: Binding, moved_binding: Binding
) -> None:
    blob = envelope.seal(binding=binding)
    with pytest.raises(TamperedCiphertext):
        envelope.decrypt(KEY, blob, moved_binding)


def test_envelope_under_another_key_is_refused(envelope: Envelope) -> None:
    blob = envelope.seal(key=KEY)
    with pytest.raises(TamperedCiphertext):
        envelope.decrypt(OTHER_KEY, blob, HOME)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_format_version_is_refused(envelope: Envelope, version: int) -> None:
    blob = with_byte(envelope.seal(), 0, version)
    with pytest.raises(UnknownFormatVersion):
        envelope.decrypt(KEY, blob, HOME)


@pytest.mark.parametrize(
    ("name", "kind_byte"),
    [
        pytest.param(name, byte, id=f"{name}-as-{byte:#04x}")
        for name, envelope in sorted(ENVELOPES.items())
        for byte in (0x00, 0xFF, *Kind)
        if byte != envelope.kind
    ],
)
def test_wrong_kind_byte_is_refused(name: str, kind_byte: int) -> None:
    envelope = ENVELOPES[name]
    blob = with_byte(envelope.seal(), 1, kind_byte)
    with pytest.raises(TamperedCiphertext):
        envelope.decrypt(KEY, blob, HOME)


def test_wrapped_key_is_refused_where_a_field_is_expected() -> None:
    blob = wrap_key(KEY, new_key(), HOME)
    with pytest.raises(TamperedCiphertext):
        decrypt_field(KEY, blob, HOME)


def test_field_is_refused_where_a_wrapped_key_is_expected() -> None:
    blob = encrypt_field(KEY, b"answer", HOME)
    with pytest.raises(TamperedCiphertext):
        unwrap_key(KEY, blob, HOME)


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_keys_of_the_wrong_length_are_refused(envelope: Envelope, length: int) -> None:
    blob = envelope.seal()
    with pytest.raises(ValueError, match="32 bytes"):
        envelope.seal(key=bytes(length))
    with pytest.raises(ValueError, match="32 bytes"):
        envelope.decrypt(bytes(length), blob, HOME)


def test_new_keys_are_32_random_bytes() -> None:
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100
    assert {len(key) for key in keys} == {32}


def test_field_that_is_not_utf8_is_refused_as_text() -> None:
    blob = encrypt_field(KEY, b"\xff\xfe not text", HOME)
    with pytest.raises(TamperedCiphertext):
        decrypt_text(KEY, blob, HOME)


def _authentic_field(padded: bytes) -> bytes:
    """A correctly authenticated field whose padded plaintext we choose ourselves."""
    head, nonce = bytes((1, Kind.FIELD)), bytes(12)
    aad = HOME.associated_data(b"envelope", head)
    return head + nonce + AESGCM(KEY).encrypt(nonce, padded, aad)


@pytest.mark.parametrize(
    "padded",
    [
        pytest.param((300).to_bytes(4, "big") + bytes(252), id="length-past-the-end"),
        pytest.param((2**32 - 1).to_bytes(4, "big") + bytes(252), id="huge-length"),
        pytest.param((3).to_bytes(4, "big") + b"abc" + bytes(248) + b"\x01", id="nonzero-padding"),
    ],
)
def test_authentic_field_with_malformed_padding_is_refused(padded: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        decrypt_field(KEY, _authentic_field(padded), HOME)


# Padding: the ciphertext length reveals the size bucket, never the exact length.


@pytest.mark.parametrize("encrypt", [encrypt_text, encrypt_field], ids=["text", "bytes"])
def test_short_answers_are_indistinguishable_by_length(encrypt: Callable[..., bytes]) -> None:
    lengths = {
        len(encrypt(KEY, "a" * n if encrypt is encrypt_text else b"a" * n, HOME))
        for n in (0, 1, 100, 200)
    }
    assert len(lengths) == 1


def test_texts_in_the_same_bucket_give_ciphertexts_of_the_same_length() -> None:
    short, long = "x" * 1000, "x" * 1010
    assert padded_size(len(short)) == padded_size(len(long))
    assert len(encrypt_text(KEY, short, HOME)) == len(encrypt_text(KEY, long, HOME))


def test_a_text_in_a_larger_bucket_gives_a_longer_ciphertext() -> None:
    assert len(encrypt_text(KEY, "x" * 2000, HOME)) > len(encrypt_text(KEY, "x" * 1000, HOME))


def test_ciphertext_length_grows_with_the_text_in_few_steps() -> None:
    lengths = [len(encrypt_field(KEY, bytes(n), HOME)) for n in range(0, 4097)]
    assert lengths == sorted(lengths)
    assert all(length >= n for n, length in enumerate(lengths))
    # 4,097 different lengths collapse into 1 + 4 doublings of 16 Padmé buckets (+1).
    assert len(set(lengths)) <= 66


def test_padded_size_is_at_least_the_length_and_monotonic() -> None:
    sizes = [padded_size(n) for n in range(0, 1 << 17)]
    assert all(size >= n for n, size in enumerate(sizes))
    assert all(a <= b for a, b in itertools.pairwise(sizes))


def test_everything_up_to_256_bytes_pads_to_one_size() -> None:
    assert {padded_size(n) for n in range(0, 257)} == {256}


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=257, max_value=2**48))
def test_padding_above_256_bytes_costs_at_most_12_percent(length: int) -> None:
    size = padded_size(length)
    assert length <= size <= length * 1.12
    assert padded_size(size) == size  # a bucket size is its own bucket
    assert padded_size(length - 1) <= size <= padded_size(length + 1)


def test_padding_overhead_is_at_most_12_percent_for_every_length_up_to_64_kib() -> None:
    too_big = [n for n in range(257, 1 << 16) if padded_size(n) > n * 1.12]
    assert too_big == []


@pytest.mark.parametrize("exponent", range(8, 40))
def test_each_doubling_of_length_has_few_buckets(exponent: int) -> None:
    # Padmé: lengths in [2**E, 2**(E+1)) pad to at most 2**bitlen(E) sizes below
    # 2**(E+1) (the longest round up to it), so the length leaks O(log log n) bits.
    low, high = 1 << exponent, 1 << (exponent + 1)
    step = max(1, (high - low) // 5000)
    sizes = {padded_size(n) for n in [*range(max(low, 257), high, step), high - 1]}
    assert len(sizes - {high}) <= 1 << exponent.bit_length()


@pytest.mark.parametrize("length", [0, 1, 252, 253, 300, 1000, 4097, 65_000, 250_000])
def test_envelope_sizes_are_known_before_encrypting(length: int) -> None:
    # What the server checks a field or key wrap sealed elsewhere against.
    field = encrypt_field(new_key(), bytes(length), HOME)
    assert len(field) == field_size(length)
    assert is_field_size(len(field))
    assert len(wrap_key(new_key(), bytes(length), HOME)) == wrapped_size(length)


def test_only_the_lengths_of_padded_buckets_are_field_sizes() -> None:
    limit = 1 << 15
    made = {size for size in map(field_size, range(limit)) if size <= limit}
    claimed = {size for size in range(limit + 1) if is_field_size(size)}
    assert claimed == made


# Properties over arbitrary plaintexts and bindings.


@settings(max_examples=75, deadline=None)
@given(plaintext=st.binary(max_size=2000), home=bindings)
def test_any_field_round_trips(plaintext: bytes, home: Binding) -> None:
    assert decrypt_field(KEY, encrypt_field(KEY, plaintext, home), home) == plaintext


@settings(max_examples=75, deadline=None)
@given(text=st.text(max_size=500), home=bindings)
def test_any_text_round_trips(text: str, home: Binding) -> None:
    assert decrypt_text(KEY, encrypt_text(KEY, text, home), home) == text


@settings(max_examples=75, deadline=None)
@given(secret=st.binary(max_size=100), home=bindings)
def test_any_wrapped_secret_round_trips(secret: bytes, home: Binding) -> None:
    assert unwrap_key(KEY, wrap_key(KEY, secret, home), home) == secret


@settings(max_examples=75, deadline=None)
@given(plaintext=st.binary(max_size=300), pair=other_bindings)
def test_any_field_opens_under_no_other_binding(
    plaintext: bytes, pair: tuple[Binding, Binding]
) -> None:
    home, elsewhere = pair
    blob = encrypt_field(KEY, plaintext, home)
    with pytest.raises(TamperedCiphertext):
        decrypt_field(KEY, blob, elsewhere)


@settings(max_examples=75, deadline=None)
@given(secret=st.binary(max_size=64), pair=other_bindings)
def test_any_wrapped_key_opens_under_no_other_binding(
    secret: bytes, pair: tuple[Binding, Binding]
) -> None:
    home, elsewhere = pair
    blob = wrap_key(KEY, secret, home)
    with pytest.raises(TamperedCiphertext):
        unwrap_key(KEY, blob, elsewhere)
