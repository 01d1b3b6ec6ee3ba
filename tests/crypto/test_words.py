"""Codenames and recovery phrases: forgiving to type, strict about the words, checksummed."""

from __future__ import annotations

import hashlib
import hmac
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import InvalidPhrase
from crypto.keys import KeyKind, PrivateKey
from crypto.words import (
    CODENAME_WORDS,
    FINGERPRINT_WORDS,
    MIN_PASSPHRASE_WORDS,
    PASSPHRASE_WORDS,
    RECOVERY_WORDS,
    codename_lookup_id,
    codename_lookup_secret,
    codename_wrap_key,
    key_fingerprint,
    listed_word_count,
    lookup_id_from_secret,
    new_codename,
    new_passphrase,
    normalise_codename,
    phrase_to_seed,
    same_fingerprint,
    seed_to_phrase,
    split_words,
    word_list,
)

CODENAME = "abacus zoom velvet mango ladder pebble quarry"
PEPPER = bytes(range(32))
SEEDS = [bytes(32), b"\xff" * 32, bytes(range(32)), bytes(range(100, 132))]


def _phrase_for_number(number: int, checksum_word: str = "abacus") -> str:
    """The 20 words that write number in base 7,772, then a checksum word."""
    words, digits = word_list(), []
    for _ in range(RECOVERY_WORDS - 1):
        number, digit = divmod(number, len(words))
        digits.append(digit)
    return " ".join([*(words[d] for d in reversed(digits)), checksum_word])


# The word list.


def test_word_list_has_7772_unique_lowercase_ascii_words() -> None:
    words = word_list()
    assert len(words) == 7772
    assert len(set(words)) == 7772
    assert [w for w in words if not re.fullmatch("[a-z]+", w)] == []


def test_word_list_is_the_eff_long_list_without_its_four_hyphenated_words() -> None:
    eff = resources.files("xkcdpass").joinpath("static/eff-long").read_text("utf-8").split()
    assert len(eff) == 7776
    hyphenated = {"drop-down", "felt-tip", "t-shirt", "yo-yo"}
    assert hyphenated <= set(eff)
    assert word_list() == tuple(w for w in eff if w not in hyphenated)


def test_every_word_of_the_example_codename_is_in_the_list() -> None:
    assert set(CODENAME.split()) <= set(word_list())


# Codenames.


def test_new_codename_has_seven_listed_words() -> None:
    words = set(word_list())
    for _ in range(50):
        codename = new_codename()
        parts = codename.split(" ")
        assert len(parts) == CODENAME_WORDS == 7
        assert set(parts) <= words
        assert normalise_codename(codename) == codename


def test_new_codenames_are_all_different() -> None:
    assert len({new_codename() for _ in range(200)}) == 200


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(CODENAME, id="canonical"),
        pytest.param(CODENAME.upper(), id="upper-case"),
        pytest.param(CODENAME.title(), id="title-case"),
        pytest.param("  " + CODENAME.replace(" ", "   ") + "\n", id="extra-spaces"),
        pytest.param(CODENAME.replace(" ", "-"), id="hyphens"),
        pytest.param(CODENAME.replace(" ", "\t"), id="tabs"),
        pytest.param(CODENAME.replace(" ", ", "), id="commas"),
        pytest.param(CODENAME.replace(" ", ".") + ".", id="full-stops"),
        # \u2013 is an en dash, which phones put in for a typed hyphen.
        pytest.param("Abacus-ZOOM  velvet,mango; ladder \u2013 pebble/quarry!", id="mixed"),
        pytest.param(
            "1. abacus 2. zoom 3. velvet 4. mango 5. ladder 6. pebble 7. quarry", id="numbered"
        ),
        # Phones add accents unasked; a Turkish keyboard's capital I is İ.
        pytest.param(CODENAME.replace("mango", "mangó"), id="accented-letter"),
    ],
)
def test_codename_typed_differently_normalises_to_the_canonical_form(typed: str) -> None:
    assert normalise_codename(typed) == CODENAME


def test_a_codename_typed_in_turkish_capitals_is_recognised() -> None:
    codename = CODENAME.replace("mango", "igloo")
    assert normalise_codename(codename.upper().replace("I", "\u0130")) == codename


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("", id="empty"),
        pytest.param("  - . ", id="only-punctuation"),
        pytest.param(" ".join(CODENAME.split()[:6]), id="six-words"),
        pytest.param(CODENAME + " zoom", id="eight-words"),
        pytest.param(CODENAME.replace("velvet", "velvett"), id="misspelt-word"),
        pytest.param(CODENAME.replace("velvet", "xyzzy"), id="unknown-word"),
        pytest.param(
            CODENAME.replace("zoom velvet", "zoomvelvet") + " zoom", id="words-run-together"
        ),
    ],
)
def test_malformed_codename_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPhrase):
        normalise_codename(typed)


def test_split_words_ignores_everything_but_letters() -> None:
    assert split_words("  Abacus--ZOOM,\tvelvet42mango ") == ["abacus", "zoom", "velvet", "mango"]


def test_lookup_id_is_deterministic() -> None:
    lookup_id = codename_lookup_id(PEPPER, CODENAME)
    assert len(lookup_id) == 32
    assert codename_lookup_id(PEPPER, CODENAME) == lookup_id


def test_lookup_id_is_the_same_however_the_codename_is_typed() -> None:
    typed = "ABACUS-zoom  Velvet, mango ladder pebble quarry."
    assert codename_lookup_id(PEPPER, typed) == codename_lookup_id(PEPPER, CODENAME)


def test_lookup_id_differs_per_pepper() -> None:
    other_pepper = bytes(range(1, 33))
    assert codename_lookup_id(other_pepper, CODENAME) != codename_lookup_id(PEPPER, CODENAME)


def test_lookup_id_differs_per_codename() -> None:
    other = CODENAME.replace("quarry", "quench")
    assert codename_lookup_id(PEPPER, other) != codename_lookup_id(PEPPER, CODENAME)
    ids = {codename_lookup_id(PEPPER, new_codename()) for _ in range(100)}
    assert len(ids) == 100


def test_lookup_id_of_a_malformed_codename_is_refused() -> None:
    with pytest.raises(InvalidPhrase):
        codename_lookup_id(PEPPER, "abacus zoom velvet")


def test_wrap_key_is_deterministic_and_32_bytes() -> None:
    key = codename_wrap_key(CODENAME, "report-1")
    assert len(key) == 32
    assert codename_wrap_key(CODENAME, "report-1") == key


def test_wrap_key_differs_per_report() -> None:
    keys = {codename_wrap_key(CODENAME, f"report-{n}") for n in range(20)}
    assert len(keys) == 20


def test_wrap_key_differs_per_codename() -> None:
    other = CODENAME.replace("quarry", "quench")
    assert codename_wrap_key(other, "report-1") != codename_wrap_key(CODENAME, "report-1")


def test_wrap_key_is_the_same_however_the_codename_is_typed() -> None:
    typed = CODENAME.upper().replace(" ", " - ")
    assert codename_wrap_key(typed, "report-1") == codename_wrap_key(CODENAME, "report-1")


def test_wrap_key_is_not_the_lookup_id() -> None:
    # The server stores the lookup id; it must not learn the wrap key from it.
    assert codename_wrap_key(CODENAME, "report-1") != codename_lookup_id(PEPPER, CODENAME)


def test_wrap_key_of_a_malformed_codename_is_refused() -> None:
    with pytest.raises(InvalidPhrase):
        codename_wrap_key(CODENAME + " zoom", "report-1")


def _hkdf_sha256(key: bytes, salt: bytes, length: int = 32) -> bytes:
    """RFC 5869 written out with hmac alone, to check the library's HKDF against."""
    prk = hmac.new(salt, key, hashlib.sha256).digest()
    return hmac.new(prk, b"\x01", hashlib.sha256).digest()[:length]


def test_lookup_secret_is_hkdf_of_the_normalised_codename() -> None:
    # What a browser computes from the codename it made: RFC 5869, salt "portal/v1/lookup".
    expected = _hkdf_sha256(CODENAME.encode(), b"portal/v1/lookup")
    assert codename_lookup_secret(CODENAME) == expected
    assert codename_lookup_secret(CODENAME.upper().replace(" ", " - ")) == expected


def test_lookup_id_from_the_secret_is_its_hmac_under_the_pepper() -> None:
    secret = codename_lookup_secret(CODENAME)
    lookup_id = lookup_id_from_secret(PEPPER, secret)
    assert (
        lookup_id == hmac.new(PEPPER, b"portal/v1/lookup-id\x00" + secret, hashlib.sha256).digest()
    )
    # Neither kind of lookup id is the other, nor the key that opens the report.
    assert lookup_id != codename_lookup_id(PEPPER, CODENAME)
    assert secret not in (codename_wrap_key(CODENAME, "report-1"), lookup_id)
    with pytest.raises(ValueError):
        lookup_id_from_secret(PEPPER, secret[:31])


def test_a_codename_sent_as_a_lookup_secret_does_not_give_its_report_s_id() -> None:
    # Seven words can be exactly 32 letters and spaces: sent as her lookup secret by
    # someone who knows her codename, they must not name the report it opens.
    codename = "able acid acre acts afar aim art"
    assert len(codename) == 32
    forged = lookup_id_from_secret(PEPPER, codename.encode())
    assert forged != codename_lookup_id(PEPPER, codename)


# Recovery phrases.


@settings(max_examples=100, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32))
def test_any_seed_round_trips_through_its_phrase(seed: bytes) -> None:
    phrase = seed_to_phrase(seed)
    words = phrase.split(" ")
    assert len(words) == RECOVERY_WORDS == 21
    assert set(words) <= set(word_list())
    assert phrase_to_seed(phrase) == seed


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: seed[:2].hex())
def test_phrase_typed_differently_reads_back_the_same_seed(seed: bytes) -> None:
    phrase = seed_to_phrase(seed)
    assert phrase_to_seed(phrase.upper().replace(" ", ",\n  ")) == seed


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_seed_of_the_wrong_length_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seed_to_phrase(bytes(length))


@pytest.mark.parametrize("position", range(21))
@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: seed[:2].hex())
def test_phrase_with_a_changed_word_is_refused(seed: bytes, position: int) -> None:
    words, listed = seed_to_phrase(seed).split(" "), word_list()
    # The neighbouring word in the list: the likeliest slip when reading one off.
    words[position] = listed[(listed.index(words[position]) + 1) % len(listed)]
    with pytest.raises(InvalidPhrase):
        phrase_to_seed(" ".join(words))


@pytest.mark.parametrize(
    ("seed", "position"),
    [
        pytest.param(seed, position, id=f"{seed[:2].hex()}-{position}")
        for seed in SEEDS
        for words in [seed_to_phrase(seed).split(" ")]
        for position in range(20)
        if words[position] != words[position + 1]  # swapping equal words changes nothing
    ],
)
def test_phrase_with_two_adjacent_words_swapped_is_refused(seed: bytes, position: int) -> None:
    words = seed_to_phrase(seed).split(" ")
    words[position], words[position + 1] = words[position + 1], words[position]
    with pytest.raises(InvalidPhrase):
        phrase_to_seed(" ".join(words))


@pytest.mark.parametrize("count", [0, 1, 20, 22, 42])
def test_phrase_with_the_wrong_number_of_words_is_refused(count: int) -> None:
    words = (seed_to_phrase(SEEDS[2]).split(" ") * 2)[:count]
    with pytest.raises(InvalidPhrase):
        phrase_to_seed(" ".join(words))


def test_phrase_with_an_unknown_word_is_refused() -> None:
    words = seed_to_phrase(SEEDS[2]).split(" ")
    words[5] = "xyzzy"
    with pytest.raises(InvalidPhrase):
        phrase_to_seed(" ".join(words))


@pytest.mark.parametrize(
    "number",
    [2**256, 2**256 + 1, len(word_list()) ** 20 - 1],
    ids=["2^256", "2^256+1", "largest-20-words"],
)
@pytest.mark.parametrize("checksum_word", ["abacus", "zoom"])
def test_phrase_for_a_number_too_large_for_a_seed_is_refused(
    number: int, checksum_word: str
) -> None:
    with pytest.raises(InvalidPhrase):
        phrase_to_seed(_phrase_for_number(number, checksum_word))


def test_largest_seed_is_just_below_the_limit() -> None:
    phrase = seed_to_phrase(b"\xff" * 32)
    assert phrase.split(" ")[:20] == _phrase_for_number(2**256 - 1).split(" ")[:20]
    assert phrase_to_seed(phrase) == b"\xff" * 32


# Passphrases offered to charity accounts.


def test_an_offered_passphrase_is_six_different_listed_words() -> None:
    words = set(word_list())
    for _ in range(200):
        parts = new_passphrase().split(" ")
        assert len(parts) == PASSPHRASE_WORDS == 6
        assert set(parts) <= words
        assert len(set(parts)) == 6  # each word counts towards the five required
        assert listed_word_count(" ".join(parts)) >= MIN_PASSPHRASE_WORDS


def test_offered_passphrases_are_all_different() -> None:
    assert len({new_passphrase() for _ in range(200)}) == 200


@pytest.mark.parametrize(
    ("text", "count"),
    [
        pytest.param("abacus zoom velvet mango ladder", 5, id="five-words"),
        pytest.param("Abacus-ZOOM_velvet.Mango42ladder!", 5, id="any-case-and-separator"),
        pytest.param("abacus abacus abacus abacus abacus", 1, id="one-word-five-times"),
        pytest.param("abacus zoom velvet mango harbour", 4, id="a-word-not-listed"),
        pytest.param("abacuszoomvelvetmangoladder", 0, id="run-together"),
        pytest.param("Jessica12345!", 0, id="a-name-and-digits"),
        pytest.param("", 0, id="empty"),
    ],
)
def test_listed_word_count_counts_different_listed_words(text: str, count: int) -> None:
    assert listed_word_count(text) == count


# Key fingerprints.

PUBLIC = PrivateKey(bytes(32), KeyKind.HKDF).public_key.to_bytes()


def test_a_fingerprint_is_six_listed_words() -> None:
    words = key_fingerprint(PUBLIC).split(" ")
    assert len(words) == FINGERPRINT_WORDS == 6
    assert set(words) <= set(word_list())


def test_a_fingerprint_is_sha256_of_the_public_key_written_in_words() -> None:
    # Pinned: a change here would change every fingerprint members have compared.
    assert key_fingerprint(PUBLIC) == "fragility purplish ditzy vacation passcode rhyme"
    number = int.from_bytes(
        hashlib.sha256(b"portal/v1/key-fingerprint\x00" + PUBLIC).digest(), "big"
    )
    digits = [(number // 7772**i) % 7772 for i in range(6)]
    assert key_fingerprint(PUBLIC) == " ".join(word_list()[d] for d in digits)


def test_fingerprints_of_different_keys_differ() -> None:
    keys = [PrivateKey.generate().public_key.to_bytes() for _ in range(20)]
    assert len({key_fingerprint(key) for key in keys}) == 20


@pytest.mark.parametrize("position", [0, 1183, 1184, 1215])  # both halves of the hybrid key
def test_a_fingerprint_changes_with_any_byte_of_the_key(position: int) -> None:
    changed = bytearray(PUBLIC)
    changed[position] ^= 1
    assert key_fingerprint(bytes(changed)) != key_fingerprint(PUBLIC)


def test_a_fingerprint_read_back_in_any_case_or_spacing_is_the_same() -> None:
    fingerprint = key_fingerprint(PUBLIC)
    assert same_fingerprint(fingerprint, fingerprint)
    assert same_fingerprint("  " + fingerprint.upper().replace(" ", " - ") + "\n", fingerprint)


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("fragility purplish ditzy vacation passcode", id="five-words"),
        pytest.param("purplish fragility ditzy vacation passcode rhyme", id="two-swapped"),
        pytest.param("fragility purplish ditzy vacation passcode rhymes", id="one-changed"),
        pytest.param("fragility purplish ditzy vacation passcode rhyme rhyme", id="seven-words"),
        pytest.param("", id="empty"),
    ],
)
def test_other_words_are_not_the_fingerprint(typed: str) -> None:
    assert not same_fingerprint(typed, key_fingerprint(PUBLIC))
