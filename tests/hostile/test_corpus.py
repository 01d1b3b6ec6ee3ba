"""The hostile corpus covers what it must: big enough, every family present, each family
really what it claims (malformed UTF-8 is malformed, a megabyte is a megabyte), and the
control characters it expects the portal to drop are exactly Unicode's."""

from __future__ import annotations

import sys
import unicodedata
from collections import Counter

from tests.hostile.payloads import (
    CONTROL_CHARACTERS,
    FAMILIES,
    MALFORMED_UTF8,
    PAYLOADS,
)

REQUIRED_FAMILIES = {
    "script",
    "event-handler",
    "sql",
    "template",
    "path",
    "malformed-utf8",
    "control",
    "confusable",
    "bidi",
    "zero-width",
    "emoji",
    "huge-number",
    "megabyte",
}


def test_the_corpus_holds_at_least_300_distinct_payloads() -> None:
    sent = [p.raw if p.raw is not None else p.text.encode() for p in PAYLOADS]
    assert len(set(sent)) == len(PAYLOADS) >= 300
    assert len({p.id for p in PAYLOADS}) == len(PAYLOADS)


def test_every_family_is_there_with_several_payloads() -> None:
    counts = Counter(p.family for p in PAYLOADS)
    assert set(FAMILIES) >= REQUIRED_FAMILIES
    assert all(counts[family] >= 4 for family in REQUIRED_FAMILIES), counts


def test_control_characters_are_exactly_unicodes_category_cc() -> None:
    every = (chr(c) for c in range(sys.maxunicode + 1))
    cc = {ch for ch in every if unicodedata.category(ch) == "Cc"}
    assert cc == {chr(c) for c in range(0x110000) if CONTROL_CHARACTERS.fullmatch(chr(c))}


def test_malformed_payloads_really_are_not_utf8() -> None:
    for payload in MALFORMED_UTF8:
        assert payload.raw is not None
        try:
            payload.raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        raise AssertionError(f"{payload.id} is valid UTF-8")


def test_the_megabyte_payloads_are_a_megabyte_or_more_in_utf8() -> None:
    for payload in (p for p in PAYLOADS if p.family == "megabyte"):
        assert len(payload.text.encode()) >= 1_000_000, payload.id
