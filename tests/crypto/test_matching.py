"""Shamir shares and escrow entries: t shares give the secret, fewer give nothing useful."""

from __future__ import annotations

import os

import pytest

from crypto import matching
from crypto.envelope import new_key, wrap_key
from crypto.errors import CryptoError, TamperedCiphertext
from crypto.format import Binding


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


def _entry(slots: int, threshold: int = 2, version: int = matching.ENTRY_VERSION) -> matching.Entry:
    return matching.Entry(
        os.urandom(16).hex(),
        threshold,
        tuple(
            matching.Slot(
                os.urandom(32),
                matching.shares(os.urandom(64), 7),
                os.urandom(matching.LOCKED_KEY_SIZES[version]),
            )
            for _ in range(slots)
        ),
        version,
    )


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("slots", [1, 2, 6])
def test_every_entry_encodes_to_one_size_and_back(slots: int, version: int) -> None:
    entry = _entry(slots, version=version)
    encoded = matching.encode_entry(entry)
    assert len(encoded) == matching.entry_size(version)
    assert matching.decode_entry(encoded) == entry


def test_version_2_slots_hold_an_82_byte_seal_and_every_new_entry_is_version_2() -> None:
    """docs/browser-sealing.md, point 8: 2 bytes of header, 32 of enc, 48 of data key and
    tag; a slot of 242 bytes in place of 222, six of them after 19 bytes of head."""
    assert matching.RELEASE_SEAL_SIZE == 82
    assert (matching.slot_size(1), matching.slot_size(2)) == (222, 242)
    assert (matching.entry_size(1), matching.entry_size(2)) == (1351, 1471)
    assert matching.ENTRY_VERSION == 2 and matching.ENTRY_SIZE == 1471
    assert matching.Entry("00" * 16, 2, ()).version == 2


REPORT = os.urandom(16).hex()
CONSENT = "consent=1000000"


INSTANCE = os.urandom(32)  # the instance's release key (`escrow.instance_release_key`)


def _release(report_id: str = REPORT, slot: int = 0, consent: str = CONSENT) -> Binding:
    """Where a slot's seal belongs, written out as `bindings.escrow_release` writes it."""
    return Binding("escrow_entries", report_id, f"release/{slot}/{consent}")


@pytest.mark.parametrize("threshold", matching.THRESHOLDS)
def test_a_seal_to_the_release_public_key_opens_with_the_interpolated_secret(
    threshold: int,
) -> None:
    prf_output, data_key = os.urandom(64), new_key()
    public = matching.release_public_key(
        matching.secret(prf_output, threshold), threshold, INSTANCE
    )
    assert len(public) == matching.RELEASE_KEY_SIZE
    sealed = matching.seal_to_release(public, data_key, _release())
    assert len(sealed) == matching.RELEASE_SEAL_SIZE and sealed[:2] == bytes((1, 0x52))
    found = matching.interpolate_secret(_points(prf_output, threshold, threshold))
    assert matching.unlock(2, found, threshold, sealed, _release(), INSTANCE) == data_key
    fewer = matching.interpolate_secret(_points(prf_output, threshold, threshold - 1))
    with pytest.raises(TamperedCiphertext):
        matching.unlock(2, fewer, threshold, sealed, _release(), INSTANCE)


def test_the_release_key_is_clamped_and_differs_by_threshold() -> None:
    polynomial_secret = int.from_bytes(os.urandom(31), "big")
    private = matching.release_private_key(polynomial_secret, 2, INSTANCE).private_bytes_raw()
    assert private[0] & 7 == 0 and private[31] & 0xC0 == 0x40
    keys = {
        matching.release_public_key(polynomial_secret, t, INSTANCE) for t in matching.THRESHOLDS
    }
    assert len(keys) == len(matching.THRESHOLDS)


def test_the_release_key_needs_the_instance_key_beside_the_secret() -> None:
    """Whoever interpolates a secret from entries (an escrow member) but lacks the
    instance's secrets cannot compute the public key the server hands out."""
    polynomial_secret = int.from_bytes(os.urandom(31), "big")
    ours = matching.release_public_key(polynomial_secret, 2, INSTANCE)
    assert ours != matching.release_public_key(polynomial_secret, 2, os.urandom(32))
    assert ours == matching.release_public_key(polynomial_secret, 2, INSTANCE)
    with pytest.raises(ValueError, match="32 bytes"):
        matching.release_public_key(polynomial_secret, 2, b"")


@pytest.mark.parametrize(
    "moved",
    [
        _release(slot=1),
        _release(report_id=os.urandom(16).hex()),
        _release(consent="consent=1100000"),
    ],
    ids=["another-slot", "another-report", "another-consent"],
)
def test_a_seal_moved_to_another_slot_report_or_consent_does_not_open(moved: Binding) -> None:
    polynomial_secret = int.from_bytes(os.urandom(31), "big")
    public = matching.release_public_key(polynomial_secret, 3, INSTANCE)
    sealed = matching.seal_to_release(public, new_key(), _release())
    with pytest.raises(TamperedCiphertext):
        matching.unlock(2, polynomial_secret, 3, sealed, moved, INSTANCE)


def test_a_seal_to_another_threshold_or_altered_does_not_open() -> None:
    polynomial_secret = int.from_bytes(os.urandom(31), "big")
    sealed = matching.seal_to_release(
        matching.release_public_key(polynomial_secret, 2, INSTANCE), new_key(), _release()
    )
    with pytest.raises(TamperedCiphertext):
        matching.unlock(2, polynomial_secret, 3, sealed, _release(), INSTANCE)
    for position in (1, 10, len(sealed) - 1):
        altered = bytearray(sealed)
        altered[position] ^= 1
        with pytest.raises(TamperedCiphertext):
            matching.unlock(2, polynomial_secret, 2, bytes(altered), _release(), INSTANCE)
    with pytest.raises(CryptoError):  # a version 1 wrap is not a version 2 seal
        matching.unlock(
            2, polynomial_secret, 2, os.urandom(matching.WRAPPED_KEY_SIZE), _release(), INSTANCE
        )


def test_a_version_1_entry_and_a_version_2_entry_give_the_secret_together() -> None:
    """Shares are the same in both versions: an old waiting entry's wrap opens with the
    secret its share and a new entry's interpolate, and the new one's seal too."""
    prf_output, old_key, new_data_key = os.urandom(64), new_key(), new_key()
    old_id, new_id = os.urandom(16).hex(), os.urandom(16).hex()
    wrapped = wrap_key(
        matching.release_key(matching.secret(prf_output, 2), 2), old_key, _release(old_id)
    )
    public = matching.release_public_key(matching.secret(prf_output, 2), 2, INSTANCE)
    sealed = matching.seal_to_release(public, new_data_key, _release(new_id))
    tag = matching.match_tag(prf_output)
    old = matching.Entry(
        old_id,
        2,
        (matching.Slot(tag, matching.shares(prf_output, matching.x_coordinate(old_id)), wrapped),),
        1,
    )
    new = matching.Entry(
        new_id,
        2,
        (matching.Slot(tag, matching.shares(prf_output, matching.x_coordinate(new_id)), sealed),),
    )
    old, new = (matching.decode_entry(matching.encode_entry(e)) for e in (old, new))
    assert (old.version, new.version) == (1, 2)
    found = matching.interpolate_secret([(e.x, e.slots[0].shares[0]) for e in (old, new)])
    assert (
        matching.unlock(1, found, 2, old.slots[0].locked_key, _release(old_id), INSTANCE) == old_key
    )
    assert (
        matching.unlock(2, found, 2, new.slots[0].locked_key, _release(new_id), INSTANCE)
        == new_data_key
    )


def test_an_entry_that_is_not_one_is_refused() -> None:
    encoded = matching.encode_entry(_entry(2))
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(encoded[:-1])
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(bytes([9]) + encoded[1:])
    with pytest.raises(TamperedCiphertext):  # a version 2 entry's bytes called version 1
        matching.decode_entry(bytes([1]) + encoded[1:])
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(b"")
    with pytest.raises(TamperedCiphertext):
        matching.decode_entry(encoded[:1] + bytes([7]) + encoded[2:])  # no such threshold
    with pytest.raises(ValueError):
        matching.encode_entry(_entry(7))
