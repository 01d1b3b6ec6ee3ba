"""Shamir shares and escrow entries: t shares give the secret, fewer give nothing useful."""

from __future__ import annotations

import os

import pytest

from crypto import matching
from crypto.errors import TamperedCiphertext


def _points(prf_output: bytes, threshold: int, count: int) -> list[tuple[int, int]]:
    column = matching.THRESHOLDS.index(threshold)
    xs = [matching.x_coordinate(os.urandom(16).hex()) for _ in range(count)]
    return [(x, matching.shares(prf_output, x)[column]) for x in xs]


@pytest.mark.parametrize("threshold", matching.THRESHOLDS)
def test_t_shares_give_the_secret_and_t_minus_one_do_not(threshold: int) -> None:
    prf_output = os.urandom(64)
    secret = matching.secret(prf_output, threshold)
    assert matching.interpolate_secret(_points(prf_output, threshold, threshold)) == secret
    assert matching.interpolate_secret(_points(prf_output, threshold, threshold + 2)) == secret
    fewer = _points(prf_output, threshold, threshold - 1)
    assert matching.interpolate_secret(fewer) != secret


def test_another_identifier_gives_another_polynomial_and_tag() -> None:
    one, two = os.urandom(64), os.urandom(64)
    assert matching.match_tag(one) != matching.match_tag(two)
    assert matching.secret(one, 2) != matching.secret(two, 2)
    assert matching.secret(one, 2) != matching.secret(one, 3)  # one polynomial per threshold


def test_the_match_tag_is_not_the_prf_output_nor_a_secret() -> None:
    prf_output = os.urandom(64)
    tag = matching.match_tag(prf_output)
    assert tag not in prf_output
    secrets = {matching.secret(prf_output, t).to_bytes(32, "big") for t in matching.THRESHOLDS}
    assert tag not in secrets


def test_a_report_has_one_x_never_zero() -> None:
    report_id = os.urandom(16).hex()
    assert matching.x_coordinate(report_id) == matching.x_coordinate(report_id)
    assert 0 < matching.x_coordinate(report_id) < matching.PRIME


def test_points_sharing_an_x_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        matching.interpolate_secret([(5, 1), (5, 2)])


def _entry(slots: int, threshold: int = 2) -> matching.Entry:
    return matching.Entry(
        os.urandom(16).hex(),
        threshold,
        tuple(
            matching.Slot(
                os.urandom(32),
                matching.shares(os.urandom(64), 7),
                os.urandom(matching.WRAPPED_KEY_SIZE),
            )
            for _ in range(slots)
        ),
    )


@pytest.mark.parametrize("slots", [1, 2, 6])
def test_every_entry_encodes_to_one_size_and_back(slots: int) -> None:
    entry = _entry(slots)
    encoded = matching.encode_entry(entry)
    assert len(encoded) == matching.ENTRY_SIZE
    assert matching.decode_entry(encoded) == entry


def test_an_entry_that_is_not_one_is_refused() -> None:
    encoded = matching.encode_entry(_entry(2))
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(encoded[:-1])
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(bytes([9]) + encoded[1:])
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(encoded[:1] + bytes([7]) + encoded[2:])  # no such threshold
    with pytest.raises(ValueError):
        matching.encode_entry(_entry(7))
