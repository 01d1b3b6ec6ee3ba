"""Properties over arbitrary contents, bindings and modifications, for every kind of envelope.

For any plaintext and any binding, the envelope opens to exactly that plaintext; and any
change at all to the stored bytes (a flipped bit anywhere, a byte replaced, bytes cut off,
inserted or appended, or a splice from another envelope of the same kind) is refused with a
named error, never returned as plaintext and never raised as anything else.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crypto.envelope import (
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    new_key,
    unwrap_key,
    wrap_key,
)
from crypto.errors import CryptoError
from crypto.format import Binding
from crypto.keys import PrivateKey, open_sealed, seal
from crypto.passphrase import unwrap_with_passphrase, wrap_with_passphrase
from crypto.stream import StreamDecryptor, StreamEncryptor, padded_stream_size
from tests.crypto.conftest import CHEAP_ARGON2, bindings

KEY = new_key()
RECIPIENT = PrivateKey.generate()  # ML-KEM key generation is slow: one for the module
SEGMENT = 1024
PASSPHRASE = "orbit velvet lantern harbour"
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def modified(draw: st.DrawFn, blob: bytes) -> bytes:
    """The blob changed in one of the ways an attacker holding the database could."""
    how = draw(st.sampled_from(["flip", "replace", "truncate", "insert", "append", "cut"]))
    if how == "flip":
        bit = draw(st.integers(0, len(blob) * 8 - 1))
        altered = bytearray(blob)
        altered[bit // 8] ^= 1 << (bit % 8)
        return bytes(altered)
    if how == "replace":
        position = draw(st.integers(0, len(blob) - 1))
        value = draw(st.integers(0, 255).filter(lambda v: v != blob[position]))
        return blob[:position] + bytes((value,)) + blob[position + 1 :]
    if how == "truncate":
        return blob[: draw(st.integers(0, len(blob) - 1))]
    if how == "insert":
        position = draw(st.integers(0, len(blob)))
        return blob[:position] + draw(st.binary(min_size=1, max_size=32)) + blob[position:]
    if how == "append":
        return blob + draw(st.binary(min_size=1, max_size=32))
    start = draw(st.integers(0, len(blob) - 1))
    end = draw(st.integers(start + 1, len(blob)))
    return blob[:start] + blob[end:]


Seal = Callable[[bytes, Binding], bytes]
Open = Callable[[bytes, Binding], bytes]

ENVELOPES: dict[str, tuple[Seal, Open]] = {
    "field": (
        lambda data, b: encrypt_field(KEY, data, b),
        lambda blob, b: decrypt_field(KEY, blob, b),
    ),
    "wrapped-key": (
        lambda data, b: wrap_key(KEY, data, b),
        lambda blob, b: unwrap_key(KEY, blob, b),
    ),
    "sealed": (
        lambda data, b: seal(RECIPIENT.public_key, data, b),
        lambda blob, b: open_sealed(RECIPIENT, blob, b),
    ),
    "passphrase": (
        lambda data, b: wrap_with_passphrase(data, PASSPHRASE, CHEAP_ARGON2, b),
        lambda blob, b: unwrap_with_passphrase(blob, PASSPHRASE, b),
    ),
}


def _refused(open_: Open, blob: bytes, binding: Binding) -> None:
    try:
        result = open_(blob, binding)
    except CryptoError:
        return
    raise AssertionError(f"a modified envelope opened, to {result!r:.60}")


@pytest.mark.parametrize("kind", sorted(ENVELOPES))
@PROPERTY
@given(data=st.data(), plaintext=st.binary(max_size=600), home=bindings)
def test_any_envelope_round_trips_and_refuses_any_modification(
    kind: str, data: st.DataObject, plaintext: bytes, home: Binding
) -> None:
    seal_, open_ = ENVELOPES[kind]
    blob = seal_(plaintext, home)
    assert open_(blob, home) == plaintext
    altered = data.draw(modified(blob))
    assume(altered != blob)
    _refused(open_, altered, home)


@pytest.mark.parametrize("kind", sorted(ENVELOPES))
@PROPERTY
@given(data=st.data(), first=st.binary(max_size=300), second=st.binary(max_size=300))
def test_a_splice_of_two_envelopes_is_refused(
    kind: str, data: st.DataObject, first: bytes, second: bytes
) -> None:
    seal_, open_ = ENVELOPES[kind]
    binding = Binding("reports", "r1", "account")
    one, other = seal_(first, binding), seal_(second, binding)
    cut = data.draw(st.integers(1, min(len(one), len(other)) - 1))
    spliced = one[:cut] + other[cut:]
    assume(spliced not in (one, other))
    _refused(open_, spliced, binding)


@PROPERTY
@given(data=st.data(), text=st.text(max_size=300), home=bindings)
def test_any_text_field_round_trips_and_refuses_any_modification(
    data: st.DataObject, text: str, home: Binding
) -> None:
    blob = encrypt_text(KEY, text, home)
    assert decrypt_text(KEY, blob, home) == text
    altered = data.draw(modified(blob))
    assume(altered != blob)
    with pytest.raises(CryptoError):
        decrypt_text(KEY, altered, home)


def _stream(plaintext: bytes, binding: Binding) -> tuple[bytes, list[bytes]]:
    encryptor = StreamEncryptor(KEY, binding, segment_size=SEGMENT)
    return encryptor.header, list(encryptor.encrypt_file(io.BytesIO(plaintext)))


def _read_stream(header: bytes, segments: list[bytes], binding: Binding) -> bytes:
    return b"".join(StreamDecryptor(KEY, binding, header).decrypt_segments(segments))


@PROPERTY
@given(data=st.data(), plaintext=st.binary(max_size=4 * SEGMENT), home=bindings)
def test_any_stream_round_trips_and_refuses_any_modification_of_any_part(
    data: st.DataObject, plaintext: bytes, home: Binding
) -> None:
    header, segments = _stream(plaintext, home)
    assert _read_stream(header, segments, home) == plaintext
    part = data.draw(st.integers(-1, len(segments) - 1))  # -1: the header
    if part == -1:
        header = data.draw(modified(header))
    else:
        original = segments[part]
        segments = [*segments[:part], data.draw(modified(original)), *segments[part + 1 :]]
        assume(segments[part] != original)
    try:
        _read_stream(header, segments, home)
    except CryptoError:
        return
    raise AssertionError("a modified stream was read to the end")


@PROPERTY
@given(
    plaintext=st.binary(min_size=1, max_size=4 * SEGMENT),
    drop=st.integers(0, 3),
    home=bindings,
)
def test_any_stream_with_segments_dropped_or_reordered_is_refused(
    plaintext: bytes, drop: int, home: Binding
) -> None:
    header, segments = _stream(plaintext, home)
    orders = [segments[:-1], segments[::-1], [*segments, segments[-1]]]
    if len(segments) > 1:
        orders.append(segments[: drop % len(segments)] + segments[drop % len(segments) + 1 :])
    for order in orders:
        if order == segments:
            continue
        with pytest.raises(CryptoError):
            _read_stream(header, order, home)


def _forge_stream(data: bytes, claimed: int, binding: Binding) -> tuple[bytes, list[bytes]]:
    """A stream sealed with the key whose length record says `claimed` (a lying writer)."""
    encryptor = StreamEncryptor(KEY, binding, segment_size=SEGMENT)
    record = 8
    body = data + bytes(padded_stream_size(len(data)) - len(data) - record)
    body += claimed.to_bytes(record, "big")
    chunks = [body[i : i + SEGMENT] for i in range(0, len(body), SEGMENT)]
    return encryptor.header, [
        encryptor._seal(chunk, last=i == len(chunks) - 1) for i, chunk in enumerate(chunks)
    ]


@PROPERTY
@given(
    plaintext=st.binary(max_size=4 * SEGMENT),
    claimed=st.one_of(st.integers(0, 5 * SEGMENT), st.integers(0, 2**64 - 1)),
    home=bindings,
)
def test_any_stream_whose_length_record_lies_is_refused(
    plaintext: bytes, claimed: int, home: Binding
) -> None:
    # A claim is honest for some file only if it lands in the same bucket and everything
    # past it is zero: then the stream is that file (the data and some zeros), not a lie.
    honest_for_another_file = padded_stream_size(claimed) == padded_stream_size(
        len(plaintext)
    ) and not any(plaintext[claimed:])
    assume(not honest_for_another_file)
    header, segments = _forge_stream(plaintext, claimed, home)
    with pytest.raises(CryptoError):
        _read_stream(header, segments, home)


@PROPERTY
@given(plaintext=st.binary(max_size=40 * SEGMENT), data=st.data(), home=bindings)
def test_any_stream_missing_any_run_of_its_segments_is_refused(
    plaintext: bytes, data: st.DataObject, home: Binding
) -> None:
    header, segments = _stream(plaintext, home)
    start = data.draw(st.integers(0, len(segments) - 1))
    stop = data.draw(st.integers(start + 1, len(segments)))
    with pytest.raises(CryptoError):
        _read_stream(header, segments[:start] + segments[stop:], home)
