"""Attachment streams: segments open only complete, in order, in place, and in bounded memory;
the stored size shows only a Padmé bucket, and streams written before padding still open."""

from __future__ import annotations

import hashlib
import io
import os
import random
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.envelope import padded_size
from crypto.errors import TamperedCiphertext, UnknownFormatVersion
from crypto.format import Binding, Kind
from crypto.stream import (
    SEGMENT_SIZE,
    STREAM_HEADER_SIZE,
    SeekableStream,
    StreamDecryptor,
    StreamEncryptor,
    padded_stream_size,
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
SIZES = [0, 1, 247, 248, 249, SEG - 9, SEG - 8, SEG - 1, SEG, SEG + 1, 5 * SEG, 5 * SEG + 7]
RECORD = 8  # the length record at the end of a padded stream


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


def _released_before_refusal(header: bytes, segments: list[bytes], genuine: int) -> bytes:
    """The plaintext a reader is handed before the damage is noticed, which must be noticed.

    It may only ever be a part of the file from the first `genuine` segments, which were
    authenticated in their place before the damaged one.
    """
    released = []
    with pytest.raises(TamperedCiphertext):
        for plaintext in StreamDecryptor(KEY, HOME, header).decrypt_segments(segments):
            released.append(plaintext)
    joined = b"".join(released)
    assert DATA.startswith(joined)
    assert len(joined) <= genuine * SEG
    return joined


def _view(header: bytes, segments: list[bytes], key: bytes = KEY) -> SeekableStream:
    decryptor = StreamDecryptor(key, HOME, header)
    return SeekableStream(decryptor, len(segments), lambda start, stop: segments[start:stop])


# Round trips.


@pytest.mark.parametrize("size", SIZES)
def test_file_round_trips(size: int) -> None:
    data = _file(size)
    header, segments = _encrypt(data)
    assert _decrypt(header, segments) == data


@pytest.mark.parametrize("size", SIZES)
def test_file_is_padded_to_its_bucket_and_cut_into_full_segments_and_one_last(size: int) -> None:
    header, segments = _encrypt(_file(size))
    padded = padded_size(size + RECORD)
    assert padded_stream_size(size) == padded >= size + RECORD
    assert len(header) == STREAM_HEADER_SIZE
    assert len(segments) == -(-padded // SEG)
    assert all(len(segment) == SEG + TAG for segment in segments[:-1])
    assert len(segments[-1]) == padded - SEG * (len(segments) - 1) + TAG


def _stored_size(size: int) -> int:
    header, segments = _encrypt(_file(size))
    return len(header) + sum(len(segment) for segment in segments)


@pytest.mark.parametrize("sizes", [(1, 200), (5000, 5003), (SEG * 40 + 1, SEG * 40 + 900)])
def test_files_of_nearby_sizes_are_stored_in_the_same_size(sizes: tuple[int, int]) -> None:
    assert len({_stored_size(size) for size in sizes}) == 1


def test_the_stored_size_is_the_padme_bucket_whatever_the_exact_size() -> None:
    # Padmé: at most 12% more, and about log log of the size is all that shows.
    sizes = range(98_400, 100_340, 7)  # one bucket: 98,304 to 100,352 bytes padded
    stored = {_stored_size(size) for size in sizes}
    assert len(stored) == 1
    assert stored.pop() <= 1.12 * 98_400 + STREAM_HEADER_SIZE + TAG * 100


def test_empty_file_gives_exactly_one_padded_segment() -> None:
    header, segments = _encrypt(b"")
    assert len(segments) == 1 and len(segments[0]) == padded_size(RECORD) + TAG
    assert _decrypt(header, segments) == b""


def test_the_padding_is_zero_and_the_last_bytes_record_the_length() -> None:
    header, segments = _encrypt(DATA)
    decryptor = StreamDecryptor(KEY, HOME, header)
    raw = b"".join(
        decryptor.decrypt_segment(i, s, last=i == len(segments) - 1) for i, s in enumerate(segments)
    )
    assert raw[: len(DATA)] == DATA
    assert raw[-RECORD:] == len(DATA).to_bytes(RECORD, "big")
    assert not any(raw[len(DATA) : -RECORD])


@pytest.mark.parametrize("data", [bytes(9000), bytes(3000) + b"x" + bytes(4000), b"x" + bytes(SEG)])
def test_zero_bytes_at_the_end_of_a_file_are_data_not_padding(data: bytes) -> None:
    header, segments = _encrypt(data)
    assert _decrypt(header, segments) == data
    assert _view(header, segments).read() == data


def test_a_length_record_split_over_the_last_two_segments_is_read() -> None:
    # Padded sizes are multiples of 16; an odd segment size can leave the last segment
    # shorter than the record.
    size, segment_size = 15358, 1058
    assert 0 < padded_stream_size(size) % segment_size < RECORD
    data = _file(size)
    encryptor = StreamEncryptor(KEY, HOME, segment_size=segment_size)
    segments = list(encryptor.encrypt_file(io.BytesIO(data)))
    assert len(segments[-1]) < RECORD + TAG
    assert _decrypt(encryptor.header, segments) == data
    assert _view(encryptor.header, segments).read() == data


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


def test_full_segments_are_sealed_as_soon_as_they_are_complete() -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    assert encryptor.update(DATA[: SEG - 1]) == []
    assert len(encryptor.update(DATA[SEG - 1 : 3 * SEG])) == 3
    assert len(encryptor.update(DATA[3 * SEG :])) == 2
    rest = list(encryptor.finish())
    assert len(rest) == 1


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
    # Every kept segment but the one posing as last was genuine and in place.
    _released_before_refusal(HEADER, kept, len(kept) - 1)
    with pytest.raises(TamperedCiphertext):
        _view(HEADER, kept)


def test_stream_with_no_segments_is_refused() -> None:
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, [])


@pytest.mark.parametrize("missing", range(len(SEGMENTS) - 1))
def test_stream_missing_a_segment_is_refused(missing: int) -> None:
    segments = SEGMENTS[:missing] + SEGMENTS[missing + 1 :]
    _released_before_refusal(HEADER, segments, missing)


@pytest.mark.parametrize("first", range(len(SEGMENTS) - 1))
def test_stream_with_swapped_segments_is_refused(first: int) -> None:
    segments = list(SEGMENTS)
    segments[first], segments[first + 1] = segments[first + 1], segments[first]
    _released_before_refusal(HEADER, segments, first)


@pytest.mark.parametrize("repeated", range(len(SEGMENTS)))
def test_stream_with_a_duplicated_segment_is_refused(repeated: int) -> None:
    segments = SEGMENTS[: repeated + 1] + SEGMENTS[repeated:]
    # The copy is noticed where it stands; a copy of the last is caught in place of it.
    genuine = min(repeated + 1, len(SEGMENTS) - 1)
    _released_before_refusal(HEADER, segments, genuine)


def test_stream_reversed_is_refused() -> None:
    assert _released_before_refusal(HEADER, SEGMENTS[::-1], 0) == b""


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
    _released_before_refusal(HEADER, [*SEGMENTS, extra], 5)
    with pytest.raises(TamperedCiphertext):
        _view(HEADER, [*SEGMENTS, extra])


def test_segments_from_another_file_under_the_same_key_are_refused() -> None:
    other_header, other_segments = _encrypt(_file(len(DATA) + 1)[1:])
    assert len(other_segments) == len(SEGMENTS)
    with pytest.raises(TamperedCiphertext):
        _decrypt(HEADER, other_segments)
    with pytest.raises(TamperedCiphertext):
        _decrypt(other_header, SEGMENTS)
    mixed = [SEGMENTS[0], other_segments[1], *SEGMENTS[2:]]
    _released_before_refusal(HEADER, mixed, 1)


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


@pytest.mark.parametrize("version", [0, 3, 255])
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


def test_a_padded_stream_relabelled_as_unpadded_is_refused() -> None:
    # Read as version 1, the padding and length record would pass for data.
    with pytest.raises(TamperedCiphertext):
        _decrypt(with_byte(HEADER, 0, 1), SEGMENTS)
    with pytest.raises(TamperedCiphertext):
        _view(with_byte(HEADER, 0, 1), SEGMENTS)


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


def test_encryptor_refuses_anything_after_the_end() -> None:
    encryptor = StreamEncryptor(KEY, HOME, segment_size=SEG)
    encryptor.update(bytes(SEG + 7))
    list(encryptor.finish())
    with pytest.raises(ValueError, match="already finished"):
        encryptor.update(b"more")
    with pytest.raises(ValueError, match="already finished"):
        list(encryptor.finish())


# The padding and the length record.

BIG = _file(SEG * 1024 + 1)  # padded by 31 KiB: many segments of padding only
BIG_HEADER, BIG_SEGMENTS = _encrypt(BIG)
BIG_DATA_SEGMENTS = -(-len(BIG) // SEG)


def test_a_large_file_ends_in_many_segments_of_padding() -> None:
    assert len(BIG_SEGMENTS) - BIG_DATA_SEGMENTS >= 30
    assert _decrypt(BIG_HEADER, BIG_SEGMENTS) == BIG


@pytest.mark.parametrize("dropped", [1, 2, 10, 31])
def test_dropping_padding_segments_from_the_end_is_refused(dropped: int) -> None:
    kept = BIG_SEGMENTS[:-dropped]
    with pytest.raises(TamperedCiphertext):
        _decrypt(BIG_HEADER, kept)
    with pytest.raises(TamperedCiphertext):
        _view(BIG_HEADER, kept)


@pytest.mark.parametrize("position", [0, 1, 15, 30])
def test_dropping_a_padding_segment_in_the_middle_is_refused(position: int) -> None:
    index = BIG_DATA_SEGMENTS + position
    kept = BIG_SEGMENTS[:index] + BIG_SEGMENTS[index + 1 :]
    with pytest.raises(TamperedCiphertext):
        _decrypt(BIG_HEADER, kept)
    with pytest.raises(TamperedCiphertext):
        _view(BIG_HEADER, kept).read()


class _Forger(StreamEncryptor):
    """An encryptor holding the key that writes a dishonest end (as a hostile browser could)."""

    def forge(self, plaintext: bytes) -> list[bytes]:
        """Seal exactly these bytes as the whole stream, padding and record included."""
        size = self.segment_size
        chunks = [plaintext[i : i + size] for i in range(0, len(plaintext), size)] or [b""]
        return [self._seal(c, last=i == len(chunks) - 1) for i, c in enumerate(chunks)]


def _forged(data: bytes, claimed: int, padding: bytes | None = None) -> tuple[bytes, list[bytes]]:
    forger = _Forger(KEY, HOME, segment_size=SEG)
    total = padded_stream_size(len(data))
    filler = bytes(total - len(data) - RECORD) if padding is None else padding
    return forger.header, forger.forge(data + filler + claimed.to_bytes(RECORD, "big"))


@pytest.mark.parametrize(
    "claimed",
    [0, 1, len(DATA) // 2, padded_stream_size(len(DATA)), 2**63, 2**64 - 1],
    ids=["zero", "one", "half", "the-padded-size", "huge", "largest"],
)
def test_a_length_record_outside_the_streams_bucket_is_refused(claimed: int) -> None:
    header, segments = _forged(DATA, claimed)
    with pytest.raises(TamperedCiphertext):
        _decrypt(header, segments)
    with pytest.raises(TamperedCiphertext):
        _view(header, segments)


@pytest.mark.parametrize("short", [1, 2, 100])
def test_a_length_record_that_cuts_off_data_is_refused(short: int) -> None:
    # Within the same bucket, but what it calls padding is not zero: the stream is not
    # the file it claims to be. (A longer claim over zero padding is another file, and
    # a key holder could have written that one honestly.)
    assert DATA[-1] != 0
    header, segments = _forged(DATA, len(DATA) - short)
    with pytest.raises(TamperedCiphertext):
        _decrypt(header, segments)


def test_the_honest_forger_is_read_so_the_refusals_above_mean_something() -> None:
    header, segments = _forged(DATA, len(DATA))
    assert _decrypt(header, segments) == DATA
    assert _view(header, segments).read() == DATA


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_padding_that_is_not_zero_is_refused(where: str) -> None:
    filler = bytearray(padded_stream_size(len(DATA)) - len(DATA) - RECORD)
    filler[{"first": 0, "middle": len(filler) // 2, "last": -1}[where]] = 1
    header, segments = _forged(DATA, len(DATA), bytes(filler))
    with pytest.raises(TamperedCiphertext):
        _decrypt(header, segments)


def test_a_stream_shorter_than_its_record_is_refused() -> None:
    forger = _Forger(KEY, HOME, segment_size=SEG)
    for plaintext in (b"", b"\x00" * 7):
        with pytest.raises(TamperedCiphertext):
            _decrypt(forger.header, forger.forge(plaintext))


def test_every_flipped_bit_of_the_length_record_is_refused() -> None:
    header, segments = _encrypt(_file(SEG - 40))
    last = segments[-1]
    record_bits = range((len(last) - TAG - RECORD) * 8, (len(last) - TAG) * 8)
    attempts = [
        (f"bit {bit}", [*segments[:-1], flip_bit(last, bit)], TamperedCiphertext)
        for bit in record_bits
    ]
    assert misjudged(attempts, lambda altered: _decrypt(header, altered)) == []


# Streams written before padding (format version 1) still open.

VECTOR = Path(__file__).parent / "vectors" / "stream-v1.bin"
VECTOR_BINDING = Binding("attachments", "a1", "content")


def _v1(data: bytes, segment_size: int = SEG) -> tuple[bytes, list[bytes]]:
    """A version-1 stream, written from its description: no padding, no length record."""
    head = bytes((1, Kind.STREAM)) + segment_size.to_bytes(4, "big")
    salt, prefix = os.urandom(32), os.urandom(7)
    header = head + salt + prefix
    info = HOME.associated_data(b"stream", header[:2])
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(KEY)
    chunks = [data[i : i + segment_size] for i in range(0, len(data), segment_size)] or [b""]
    return header, [
        AESGCM(key).encrypt(
            prefix + i.to_bytes(4, "big") + bytes((i == len(chunks) - 1,)), chunk, header
        )
        for i, chunk in enumerate(chunks)
    ]


def test_a_stream_stored_by_the_previous_version_still_opens() -> None:
    blob = VECTOR.read_bytes()
    header, body = blob[:STREAM_HEADER_SIZE], blob[STREAM_HEADER_SIZE:]
    assert header[0] == 1
    segments = [body[: SEG + TAG], body[SEG + TAG :]]
    expected = random.Random(1).randbytes(1030)
    opened = StreamDecryptor(bytes(range(32)), VECTOR_BINDING, header)
    assert b"".join(opened.decrypt_segments(segments)) == expected
    view = SeekableStream(opened, 2, lambda start, stop: segments[start:stop])
    assert view.length == 1030 and view.read() == expected


@pytest.mark.parametrize("size", SIZES)
def test_version_1_streams_of_any_size_open_exactly(size: int) -> None:
    data = _file(size)
    header, segments = _v1(data)
    assert _decrypt(header, segments) == data
    assert _view(header, segments).read() == data


def test_version_1_streams_are_still_refused_when_truncated_or_altered() -> None:
    header, segments = _v1(DATA)
    with pytest.raises(TamperedCiphertext):
        _decrypt(header, segments[:-1])
    with pytest.raises(TamperedCiphertext):
        _decrypt(header, [*segments[:-1], flip_bit(segments[-1], 3)])
    with pytest.raises(TamperedCiphertext):
        _decrypt(with_byte(header, 0, 2), segments)


# The seekable view, for formats read from the end or by jumping around.


@pytest.mark.parametrize("size", [0, 1, SEG, 5 * SEG + 7, 40 * SEG + 3])
def test_the_view_reads_any_range_exactly(size: int) -> None:
    data = _file(size)
    header, segments = _encrypt(data)
    view = _view(header, segments)
    assert view.length == size and view.seekable()
    rng = random.Random(size)
    for _ in range(200):
        start = rng.randrange(size + 2)
        count = rng.randrange(3 * SEG)
        view.seek(start)
        assert view.read(count) == data[start : start + count]
    view.seek(-min(3, size), io.SEEK_END)
    assert view.read() == data[-3:]
    view.seek(0)
    assert io.BufferedReader(view).read() == data


def test_the_view_never_reads_the_padding_or_the_record() -> None:
    header, segments = _encrypt(DATA)
    view = _view(header, segments)
    view.seek(len(DATA) - 2)
    assert view.read(100) == DATA[-2:]
    assert view.read(100) == b""


def test_the_view_refuses_a_segment_altered_where_it_reads() -> None:
    header, segments = _encrypt(DATA)
    altered = [*segments[:2], flip_bit(segments[2], 100), *segments[3:]]
    view = _view(header, altered)
    with pytest.raises(TamperedCiphertext):
        view.read()
    view.seek(2 * SEG + 5)
    with pytest.raises(TamperedCiphertext):
        view.read(1)


def test_the_view_under_another_key_is_refused() -> None:
    with pytest.raises(TamperedCiphertext):
        _view(HEADER, SEGMENTS, key=OTHER_KEY)


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
    # A handful of 64 KiB segments in flight, not the 32 MiB file nor its 1 MiB of padding.
    assert peak < 2 * 1024 * 1024


def test_a_file_of_zeros_is_not_held_while_it_might_be_padding() -> None:
    size = 16 * 1024 * 1024
    encryptor = StreamEncryptor(KEY, HOME)
    decryptor = StreamDecryptor(KEY, HOME, encryptor.header)
    length = 0
    tracemalloc.start()
    try:
        segments = encryptor.encrypt_file(io.BytesIO(bytes(size)))
        for plaintext in decryptor.decrypt_segments(segments):
            assert not any(plaintext)
            length += len(plaintext)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert length == size
    assert peak < 20 * 1024 * 1024  # the source (16 MiB) and a few segments


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
