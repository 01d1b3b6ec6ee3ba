"""Attachment streams: segments open only complete, in order, in place, and in bounded memory."""

from __future__ import annotations

import hashlib
import io
import random
import tracemalloc
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import TamperedCiphertext, UnknownFormatVersion
from crypto.format import Binding, Kind
from crypto.stream import (
    SEGMENT_SIZE,
    STREAM_HEADER_SIZE,
    StreamDecryptor,
    StreamEncryptor,
)
from tests.crypto.conftest import (
    HOME,
    bindings,
    every_bit_flip,
    every_truncation,
    flip_bit,
    misjudged,
    other_bindings,
    version_or_tampered,
    with_byte,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
SEG = 1024  # the smallest segment size keeps multi-segment tests fast
TAG = 16
SIZES = [0, 1, SEG - 1, SEG, SEG + 1, 5 * SEG, 5 * SEG + 7]


def _file(size: int) -> bytes:
    return random.Random(size).randbytes(size)


DATA = _file(5 * SEG + 7)  # six segments, the last one short


def _encrypt(data: bytes, binding: Binding = HOME) -> tuple[bytes, list[bytes]]:
    encryptor = StreamEncryptor(KEY, binding, segment_size=SEG)
    return encryptor.header, list(encryptor.encrypt_file(io.BytesIO(data)))


def _decrypt(
    header: bytes, segments: Iterable[bytes], binding: Binding = HOME, key: bytes = KEY
) -> bytes:
    return b"".join(StreamDecryptor(key, binding, header).decrypt_segments(segments))


HEADER, SEGMENTS = _encrypt(DATA)


def _released_before_refusal(header: bytes, segments: list[bytes]) -> bytes:
    """The plaintext a reader is handed before the damage is noticed, which must be noticed."""
    released = []
    with pytest.raises(TamperedCiphertext):
        for plaintext in StreamDecryptor(KEY, HOME, header).decrypt_segments(segments):
            released.append(plaintext)
    return b"".join(released)


# Round trips.


@pytest.mark.parametrize("size", SIZES)
def test_file_round_trips(size: int) -> None:
    data = _file(size)
    header, segments = _encrypt(data)
    assert _decrypt(header, segments) == data


@pytest.mark.parametrize("size", SIZES)
def test_file_is_cut_into_full_segments_and_one_last(size: int) -> None:
    header, segments = _encrypt(_file(size))
    assert len(header) == STREAM_HEADER_SIZE
    assert len(segments) == max(1, -(-size // SEG))
    assert all(len(segment) == SEG + TAG for segment in segments[:-1])
    assert len(segments[-1]) == size - SEG * (len(segments) - 1) + TAG


def test_empty_file_gives_exactly_one_segment() -> None:
    header, segments = _encrypt(b"")
    assert len(segments) == 1
    assert _decrypt(header, segments) == b""


class TrickleFile:
    """A file that hands out at most a few bytes per read, like a slow socket."""

    def __init__(self, data: bytes, most: int) -> None:
        self._data, self._most = io.BytesIO(data), most

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, self._most) if size >= 0 else self._most)


@pytest.mark.parametrize("most", [1, 100, SEG - 1, SEG + 1])
def test_short_reads_give_the_same_segments(most: int) -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    segments = list(encryptor.encrypt_file(TrickleFile(DATA, most)))
    assert [len(s) for s in segments] == [len(s) for s in SEGMENTS]
    assert _decrypt(encryptor.header, segments) == DATA


def test_segments_encrypted_one_by_one_decrypt_one_by_one() -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    chunks = [DATA[i : i + SEG] for i in range(0, len(DATA), SEG)]
    sealed = [
        encryptor.encrypt_segment(chunk, last=i == len(chunks) - 1)
        for i, chunk in enumerate(chunks)
    ]
    decryptor = StreamDecryptor(KEY, HOME, encryptor.header)
    opened = [
        decryptor.decrypt_segment(i, segment, last=i == len(sealed) - 1)
        for i, segment in enumerate(sealed)
    ]
    assert b"".join(opened) == DATA


def test_encrypting_twice_gives_different_ciphertexts() -> None:
    header, segments = _encrypt(DATA)
    assert header != HEADER
    assert not set(segments) & set(SEGMENTS)


def test_default_segment_size_is_64_kib() -> None:
    encryptor = StreamEncryptor(KEY, HOME)
    assert encryptor.segment_size == SEGMENT_SIZE == 64 * 1024
    assert StreamDecryptor(KEY, HOME, encryptor.header).segment_size == SEGMENT_SIZE


# Truncation, reordering, duplication, extension.


@pytest.mark.parametrize("dropped", range(1, len(SEGMENTS)))
def test_stream_missing_its_last_segments_is_refused(dropped: int) -> None:
    kept = SEGMENTS[:-dropped]
    released = _released_before_refusal(HEADER, kept)
    # Every kept segment but the one posing as last was genuine and in place.
    assert released == DATA[: (len(kept) - 1) * SEG]


def test_stream_with_no_segments_is_refused() -> None:
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, [])


@pytest.mark.parametrize("missing", range(len(SEGMENTS) - 1))
def test_stream_missing_a_segment_is_refused(missing: int) -> None:
    segments = SEGMENTS[:missing] + SEGMENTS[missing + 1 :]
    assert _released_before_refusal(HEADER, segments) == DATA[: missing * SEG]


@pytest.mark.parametrize("first", range(len(SEGMENTS) - 1))
def test_stream_with_swapped_segments_is_refused(first: int) -> None:
    segments = list(SEGMENTS)
    segments[first], segments[first + 1] = segments[first + 1], segments[first]
    assert _released_before_refusal(HEADER, segments) == DATA[: first * SEG]


@pytest.mark.parametrize("repeated", range(len(SEGMENTS)))
def test_stream_with_a_duplicated_segment_is_refused(repeated: int) -> None:
    segments = SEGMENTS[: repeated + 1] + SEGMENTS[repeated:]
    # The copy is noticed where it stands; a copy of the last is caught in place of it.
    genuine = min(repeated + 1, len(SEGMENTS) - 1)
    assert _released_before_refusal(HEADER, segments) == DATA[: genuine * SEG]


def test_stream_reversed_is_refused() -> None:
    assert _released_before_refusal(HEADER, SEGMENTS[::-1]) == b""


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(SEGMENTS[-1], id="copy-of-last"),
        pytest.param(SEGMENTS[0], id="copy-of-first"),
        pytest.param(b"", id="empty"),
        pytest.param(bytes(TAG), id="zero-tag"),
        pytest.param(_encrypt(b"more")[1][0], id="from-another-file"),
    ],
)
def test_stream_with_an_extra_segment_appended_is_refused(extra: bytes) -> None:
    assert _released_before_refusal(HEADER, [*SEGMENTS, extra]) == DATA[: 5 * SEG]


def test_segments_from_another_file_under_the_same_key_are_refused() -> None:
    other_header, other_segments = _encrypt(_file(len(DATA) + 1)[1:])
    assert len(other_segments) == len(SEGMENTS)
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, other_segments)
    with pytest.raises(TamperedCiphertext):
        _decrypt(other_header, SEGMENTS)
    mixed = [SEGMENTS[0], other_segments[1], *SEGMENTS[2:]]
    assert _released_before_refusal(HEADER, mixed) == DATA[:SEG]


# Tampering with segments.


def test_every_flipped_bit_of_every_segment_is_refused() -> None:
    data = _file(2 * SEG + 7)
    header, segments = _encrypt(data)
    attempts = []
    for index, segment in enumerate(segments):
        for bit in range(len(segment) * 8):
            altered = [*segments[:index], flip_bit(segment, bit), *segments[index + 1 :]]
            attempts.append((f"segment {index} bit {bit}", altered, TamperedCiphertext))
    assert misjudged(attempts, lambda altered: _decrypt(header, altered)) == []


def test_every_truncation_of_every_segment_is_refused() -> None:
    data = _file(2 * SEG + 7)
    header, segments = _encrypt(data)
    attempts = [
        (f"segment {index} {label}", [*segments[:index], cut, *segments[index + 1 :]], error)
        for index, segment in enumerate(segments)
        for label, cut, error in every_truncation(segment, TamperedCiphertext)
    ]
    assert misjudged(attempts, lambda altered: _decrypt(header, altered)) == []


@pytest.mark.parametrize("index", [0, len(SEGMENTS) - 1])
def test_segment_longer_than_the_segment_size_is_refused(index: int) -> None:
    segments = list(SEGMENTS)
    segments[index] += bytes(SEG + TAG + 1 - len(segments[index]))
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, segments)


@pytest.mark.parametrize(
    ("index", "last"),
    [(0, True), (1, False), (5, False), (6, True), (2**32 - 1, True)],
)
def test_segment_opened_as_another_position_is_refused(index: int, last: bool) -> None:
    decryptor = StreamDecryptor(KEY, HOME, HEADER)
    with pytest.raises(TamperedCiphertext):
        decryptor.decrypt_segment(index, SEGMENTS[0], last=last)


# Tampering with the header.


def test_every_flipped_bit_of_the_header_is_refused() -> None:
    problems = misjudged(
        every_bit_flip(HEADER, version_or_tampered),
        lambda altered: _decrypt(altered, SEGMENTS),
    )
    assert problems == []


def test_every_truncation_of_the_header_is_refused() -> None:
    problems = misjudged(
        every_truncation(HEADER, TamperedCiphertext),
        lambda altered: _decrypt(altered, SEGMENTS),
    )
    assert problems == []


@pytest.mark.parametrize("extra", [b"\x00", bytes(SEG)])
def test_header_that_is_too_long_is_refused(extra: bytes) -> None:
    with pytest.raises(TamperedCiphertext):
        StreamDecryptor(KEY, HOME, HEADER + extra)


def _with_segment_size(header: bytes, size: int) -> bytes:
    return header[:2] + size.to_bytes(4, "big") + header[6:]


@pytest.mark.parametrize("size", [0, 1, SEG - 1, 16 * 1024 * 1024 + 1, 2**32 - 1])
def test_header_with_an_absurd_segment_size_is_refused(size: int) -> None:
    with pytest.raises(TamperedCiphertext):
        StreamDecryptor(KEY, HOME, _with_segment_size(HEADER, size))


@pytest.mark.parametrize("size", [SEG + 1, 2 * SEG, SEGMENT_SIZE])
def test_header_with_another_plausible_segment_size_is_refused(size: int) -> None:
    with pytest.raises(TamperedCiphertext):
        _decrypt(_with_segment_size(HEADER, size), SEGMENTS)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_format_version_of_a_stream_is_refused(version: int) -> None:
    with pytest.raises(UnknownFormatVersion):
        StreamDecryptor(KEY, HOME, with_byte(HEADER, 0, version))


@pytest.mark.parametrize(
    "kind_byte",
    [pytest.param(b, id=f"{b:#04x}") for b in (0x00, 0xFF, *Kind) if b != Kind.STREAM],
)
def test_wrong_kind_byte_of_a_stream_is_refused(kind_byte: int) -> None:
    with pytest.raises(TamperedCiphertext):
        StreamDecryptor(KEY, HOME, with_byte(HEADER, 1, kind_byte))


def test_stream_moved_to_another_binding_is_refused(moved_binding: Binding) -> None:
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, SEGMENTS, binding=moved_binding)


def test_stream_under_another_key_is_refused() -> None:
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, SEGMENTS, key=OTHER_KEY)


# The encryptor refuses to write a stream it could not read back.


@pytest.mark.parametrize("size", [0, 1, SEG - 1, 16 * 1024 * 1024 + 1])
def test_encryptor_refuses_an_out_of_range_segment_size(size: int) -> None:
    with pytest.raises(ValueError, match="segment size"):
        StreamEncryptor(KEY, HOME, segment_size=size)


@pytest.mark.parametrize("length", [0, 16, 31, 33])
def test_stream_keys_of_the_wrong_length_are_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        StreamEncryptor(bytes(length), HOME, segment_size=SEG)
    with pytest.raises(ValueError, match="32 bytes"):
        StreamDecryptor(bytes(length), HOME, HEADER)


@pytest.mark.parametrize("length", [0, 1, SEG - 1])
def test_encryptor_refuses_a_short_segment_that_is_not_last(length: int) -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    with pytest.raises(ValueError, match="only the last segment"):
        encryptor.encrypt_segment(bytes(length), last=False)


@pytest.mark.parametrize("last", [True, False])
def test_encryptor_refuses_a_segment_longer_than_the_segment_size(last: bool) -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    with pytest.raises(ValueError, match="only the last segment"):
        encryptor.encrypt_segment(bytes(SEG + 1), last=last)


@pytest.mark.parametrize("final_length", [0, 7, SEG])
@pytest.mark.parametrize("then", [0, 7, SEG])
@pytest.mark.parametrize("then_last", [True, False])
def test_encryptor_refuses_any_segment_after_the_last(
    final_length: int, then: int, then_last: bool
) -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    encryptor.encrypt_segment(bytes(SEG), last=False)
    encryptor.encrypt_segment(bytes(final_length), last=True)
    with pytest.raises(ValueError, match="already been written"):
        encryptor.encrypt_segment(bytes(then), last=then_last)


# Bounded memory.


class PseudoRandomFile:
    """A large file made up on demand, never held whole; it hashes what it hands out."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.sha256 = hashlib.sha256()
        self._random = random.Random(size)

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size < 0 else min(size, self.remaining)
        chunk = self._random.randbytes(size)
        self.remaining -= size
        self.sha256.update(chunk)
        return chunk


def test_32_mib_file_round_trips_in_bounded_memory() -> None:
    size = 32 * 1024 * 1024
    source = PseudoRandomFile(size)
    received, length = hashlib.sha256(), 0
    tracemalloc.start()
    try:
        encryptor = StreamEncryptor(KEY, HOME)
        decryptor = StreamDecryptor(KEY, HOME, encryptor.header)
        for plaintext in decryptor.decrypt_segments(encryptor.encrypt_file(source)):
            received.update(plaintext)
            length += len(plaintext)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert source.remaining == 0
    assert length == size
    assert received.hexdigest() == source.sha256.hexdigest()
    # A handful of 64 KiB segments in flight, not the 32 MiB file.
    assert peak < 2 * 1024 * 1024


# Properties over arbitrary files and bindings.


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=4 * SEG), home=bindings)
def test_any_file_round_trips(data: bytes, home: Binding) -> None:
    header, segments = _encrypt(data, home)
    assert _decrypt(header, segments, home) == data


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=2 * SEG), pair=other_bindings)
def test_any_stream_opens_under_no_other_binding(
    data: bytes, pair: tuple[Binding, Binding]
) -> None:
    home, elsewhere = pair
    header, segments = _encrypt(data, home)
    with pytest.raises(TamperedCiphertext):
        _decrypt(header, segments, elsewhere)
