"""The VOPRF gives RFC 9497's outputs; a client refuses answers not made with the key it holds."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from crypto import voprf
from crypto.errors import InvalidEncoding, InvalidInput, ProofFailed
from crypto.voprf import ServerKey

# RFC 9497 Appendix A.1.2: ristretto255-SHA512, VOPRF Mode, as printed there
# (key, then A.1.2.1 Test Vector 1, A.1.2.2 Test Vector 2 and A.1.2.3 Test
# Vector 3, batch size 2). Long values wrap onto the next line; a batch
# separates its values with commas.
RFC_9497_A_1_2 = """
Seed = a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a
3a3
KeyInfo = 74657374206b6579
skSm = e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd
909
pkSm = c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476a
d4e

Input = 00
Blind = 64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f
6706
BlindedElement = 863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b
642ddc439b945
EvaluationElement = aa8fa048764d5623868679402ff6108d2521884fa138cd7f
9c7669a9a014267e
Proof = ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985
dd066d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d
ProofRandomScalar = 222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d98
81aa6f61d645fc0e
Output = b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402d
a1a7da4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3
c

Input = 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
Blind = 64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f
6706
BlindedElement = cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f9
1443c2bf9ef0c
EvaluationElement = 60a59a57208d48aca71e9e850d22674b611f752bed48b36f
7a91b372bd7ad468
Proof = 401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9
dc0a67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02
ProofRandomScalar = 222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d98
81aa6f61d645fc0e
Output = 8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a
6df60356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b
6

Input = 00,5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a
Blind = 64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f
6706,222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0
e
BlindedElement = 863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b
642ddc439b945,90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbba
dac751e654
EvaluationElement = aa8fa048764d5623868679402ff6108d2521884fa138cd7f
9c7669a9a014267e,cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db
920b7eee36a2a
Proof = cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb7460
0b0a5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08
ProofRandomScalar = 419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdb
cf037f9ea84bbe0c
Output = b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402d
a1a7da4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3
c,8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df6035
6f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6
"""


def _parse(text: str) -> list[dict[str, list[bytes]]]:
    """The RFC's blocks as name -> list of values (one value unless batched)."""
    blocks = []
    for block in text.strip().split("\n\n"):
        fields = re.findall(r"^(\w+) = ([0-9a-f,\n]+?)(?=\n\w+ = |\Z)", block, re.MULTILINE | re.S)
        blocks.append(
            {
                name: [bytes.fromhex(part) for part in value.replace("\n", "").split(",")]
                for name, value in fields
            }
        )
    return blocks


KEY, *VECTORS = _parse(RFC_9497_A_1_2)
SINGLE = [vector for vector in VECTORS if len(vector["Input"]) == 1]
BATCH = next(vector for vector in VECTORS if len(vector["Input"]) == 2)
RFC_KEY = ServerKey.from_secret(KEY["skSm"][0])
OTHER_KEY = voprf.derive_key_pair(bytes(range(32)), b"another key")


def test_the_rfc_text_was_read_whole() -> None:
    assert len(SINGLE) == 2
    assert all(len(value) == 32 for value in KEY["Seed"] + KEY["skSm"] + KEY["pkSm"])
    for vector in VECTORS:
        assert [len(value) for value in vector["Output"]] == [64] * len(vector["Input"])
        assert len(vector["Proof"][0]) == voprf.PROOF_SIZE


def test_derive_key_pair_gives_the_rfc_key_pair() -> None:
    key = voprf.derive_key_pair(KEY["Seed"][0], KEY["KeyInfo"][0])
    assert (key.secret.hex(), key.public.hex()) == (KEY["skSm"][0].hex(), KEY["pkSm"][0].hex())


@pytest.mark.parametrize("vector", SINGLE, ids=["A.1.2.1", "A.1.2.2"])
def test_each_step_gives_the_rfc_values(vector: dict[str, list[bytes]]) -> None:
    [data], [blind_scalar] = vector["Input"], vector["Blind"]
    blind, blinded = voprf.blind(data, blind_scalar)
    assert (blind, blinded.hex()) == (blind_scalar, vector["BlindedElement"][0].hex())

    evaluated, proof = voprf.blind_evaluate(RFC_KEY, blinded, vector["ProofRandomScalar"][0])
    assert evaluated.hex() == vector["EvaluationElement"][0].hex()
    assert proof.hex() == vector["Proof"][0].hex()

    output = voprf.finalize(data, blind, evaluated, blinded, RFC_KEY.public, proof)
    assert output.hex() == vector["Output"][0].hex()
    assert voprf.evaluate(RFC_KEY, data).hex() == vector["Output"][0].hex()


def test_a_batch_gives_the_rfc_values() -> None:
    blinded = [
        voprf.blind(data, scalar)[1]
        for data, scalar in zip(BATCH["Input"], BATCH["Blind"], strict=True)
    ]
    assert blinded == BATCH["BlindedElement"]
    evaluated, proof = voprf.blind_evaluate_batch(RFC_KEY, blinded, BATCH["ProofRandomScalar"][0])
    assert (evaluated, proof.hex()) == (BATCH["EvaluationElement"], BATCH["Proof"][0].hex())
    outputs = voprf.finalize_batch(
        BATCH["Input"], BATCH["Blind"], evaluated, blinded, RFC_KEY.public, proof
    )
    assert outputs == BATCH["Output"]
    assert [voprf.evaluate(RFC_KEY, data) for data in BATCH["Input"]] == BATCH["Output"]


def test_a_random_blind_and_proof_give_the_same_output_as_evaluate() -> None:
    key = ServerKey.generate()
    data = b"v1|Kent Police|number|4471"
    blind, blinded = voprf.blind(data)
    evaluated, proof = voprf.blind_evaluate(key, blinded)
    output = voprf.finalize(data, blind, evaluated, blinded, key.public, proof)
    assert output == voprf.evaluate(key, data)
    assert len(output) == voprf.OUTPUT_SIZE


def _rfc_exchange() -> tuple[bytes, bytes, bytes, bytes]:
    """(input, blind, blinded, evaluated) of the first RFC vector."""
    vector = SINGLE[0]
    return (
        vector["Input"][0],
        vector["Blind"][0],
        vector["BlindedElement"][0],
        vector["EvaluationElement"][0],
    )


def test_a_proof_made_with_another_key_is_refused() -> None:
    data, blind, blinded, _ = _rfc_exchange()
    evaluated, proof = voprf.blind_evaluate(OTHER_KEY, blinded)
    with pytest.raises(ProofFailed):
        voprf.finalize(data, blind, evaluated, blinded, RFC_KEY.public, proof)


def test_a_proof_checked_against_another_public_key_is_refused() -> None:
    data, blind, blinded, evaluated = _rfc_exchange()
    proof = SINGLE[0]["Proof"][0]
    with pytest.raises(ProofFailed):
        voprf.finalize(data, blind, evaluated, blinded, OTHER_KEY.public, proof)


def test_a_changed_evaluated_element_is_refused() -> None:
    data, blind, blinded, evaluated = _rfc_exchange()
    proof = SINGLE[0]["Proof"][0]
    # A valid element, but not the key times the blinded element: the other key's.
    swapped = voprf.blind_evaluate(OTHER_KEY, blinded)[0]
    with pytest.raises(ProofFailed):
        voprf.finalize(data, blind, swapped, blinded, RFC_KEY.public, proof)
    # The proof still holds for the untouched exchange.
    assert voprf.finalize(data, blind, evaluated, blinded, RFC_KEY.public, proof)


def test_an_answer_for_another_blinded_element_is_refused() -> None:
    data, blind, _, _ = _rfc_exchange()
    other = SINGLE[1]
    with pytest.raises(ProofFailed):
        voprf.finalize(
            data,
            blind,
            other["EvaluationElement"][0],
            other["BlindedElement"][0],
            RFC_KEY.public,
            SINGLE[0]["Proof"][0],
        )


def test_every_single_bit_flip_of_the_proof_is_refused() -> None:
    data, blind, blinded, evaluated = _rfc_exchange()
    proof = SINGLE[0]["Proof"][0]
    accepted = []
    for bit in range(len(proof) * 8):
        altered = bytearray(proof)
        altered[bit // 8] ^= 1 << (bit % 8)
        try:
            voprf.finalize(data, blind, evaluated, blinded, RFC_KEY.public, bytes(altered))
        except ProofFailed:
            continue
        accepted.append(bit)
    assert accepted == []


@pytest.mark.parametrize(
    "proof",
    [b"", bytes(63), bytes(65), bytes(64), b"\xff" * 64],
    ids=["empty", "short", "long", "zeros", "non-canonical scalars"],
)
def test_a_malformed_proof_is_refused(proof: bytes) -> None:
    data, blind, blinded, evaluated = _rfc_exchange()
    with pytest.raises(ProofFailed):
        voprf.finalize(data, blind, evaluated, blinded, RFC_KEY.public, proof)


BAD_ELEMENTS = {
    "identity": bytes(32),
    "short": bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d"),
    "long": bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d7600"),
    # s = 1 is a "negative" field element, which no encoding uses.
    "negative": bytes([1]) + bytes(31),
    # 2**255 - 19, the field's modulus: the non-canonical twin of zero.
    "non-canonical": bytes.fromhex("ed" + "ff" * 30 + "7f"),
    # Above 2**255 - 19; the libsodium rbcl bundles would read these as the
    # identity and the generator, with the top bit ignored.
    "top bit on zero": bytes(31) + b"\x80",
    "top bit on the generator": bytes.fromhex(
        "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2df6"
    ),
}


@pytest.mark.parametrize("bad", BAD_ELEMENTS.values(), ids=BAD_ELEMENTS.keys())
@pytest.mark.parametrize("where", ["blinded at the server", "evaluated", "blinded", "public key"])
def test_an_invalid_element_is_refused(where: str, bad: bytes) -> None:
    data, blind, blinded, evaluated = _rfc_exchange()
    public, proof = RFC_KEY.public, SINGLE[0]["Proof"][0]
    calls: dict[str, Callable[[], object]] = {
        "blinded at the server": lambda: voprf.blind_evaluate(RFC_KEY, bad),
        "evaluated": lambda: voprf.finalize(data, blind, bad, blinded, public, proof),
        "blinded": lambda: voprf.finalize(data, blind, evaluated, bad, public, proof),
        "public key": lambda: voprf.finalize(data, blind, evaluated, blinded, bad, proof),
    }
    with pytest.raises(InvalidEncoding):
        calls[where]()


def test_two_keys_give_different_outputs() -> None:
    data = b"v1|Kent Police|name|hart|d"
    assert voprf.evaluate(RFC_KEY, data) != voprf.evaluate(OTHER_KEY, data)
    assert voprf.evaluate(ServerKey.generate(), data) != voprf.evaluate(RFC_KEY, data)


def test_two_inputs_give_different_outputs() -> None:
    assert voprf.evaluate(RFC_KEY, b"4471") != voprf.evaluate(RFC_KEY, b"4472")


def test_from_secret_round_trips() -> None:
    key = ServerKey.generate()
    again = ServerKey.from_secret(key.secret)
    assert again == key
    assert again.public == key.public
    assert len(key.secret) == len(key.public) == 32
    assert ServerKey.generate() != key


ORDER = 2**252 + 27742317777372353535851937790883648493
BAD_SCALARS = {
    "empty": b"",
    "short": bytes(range(1, 32)),
    "long": bytes(range(1, 34)),
    "zero": bytes(32),
    "the group order": ORDER.to_bytes(32, "little"),
    "above the order": (ORDER + 1).to_bytes(32, "little"),
    "all ones": b"\xff" * 32,
}


@pytest.mark.parametrize("bad", BAD_SCALARS.values(), ids=BAD_SCALARS.keys())
def test_from_secret_refuses_a_bad_scalar(bad: bytes) -> None:
    with pytest.raises(InvalidEncoding):
        ServerKey.from_secret(bad)


@pytest.mark.parametrize("bad", BAD_SCALARS.values(), ids=BAD_SCALARS.keys())
def test_a_bad_blind_is_refused(bad: bytes) -> None:
    data, _, blinded, evaluated = _rfc_exchange()
    with pytest.raises(InvalidEncoding):
        voprf.blind(data, bad)
    with pytest.raises(InvalidEncoding):
        voprf.finalize(data, bad, evaluated, blinded, RFC_KEY.public, SINGLE[0]["Proof"][0])


def test_a_key_pair_whose_halves_do_not_match_is_refused() -> None:
    with pytest.raises(InvalidEncoding):
        ServerKey(RFC_KEY.secret, OTHER_KEY.public)


def test_the_secret_key_is_not_in_its_repr() -> None:
    assert RFC_KEY.secret.hex() not in repr(RFC_KEY).encode().hex()
    assert repr(RFC_KEY.secret) not in repr(RFC_KEY)


def test_the_longest_input_is_taken_and_one_byte_more_refused() -> None:
    longest = bytes(voprf.MAX_INPUT_SIZE)
    blind, blinded = voprf.blind(longest)
    evaluated, proof = voprf.blind_evaluate(RFC_KEY, blinded)
    output = voprf.finalize(longest, blind, evaluated, blinded, RFC_KEY.public, proof)
    assert output == voprf.evaluate(RFC_KEY, longest)

    too_long = longest + b"\x00"
    with pytest.raises(InvalidInput):
        voprf.evaluate(RFC_KEY, too_long)
    with pytest.raises(InvalidInput):
        voprf.blind(too_long)
    with pytest.raises(InvalidInput):
        voprf.finalize(too_long, blind, evaluated, blinded, RFC_KEY.public, proof)
    with pytest.raises(InvalidInput):
        voprf.derive_key_pair(bytes(32), too_long)


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)], ids=["empty", "short", "long"])
def test_derive_key_pair_refuses_a_seed_of_the_wrong_size(seed: bytes) -> None:
    with pytest.raises(InvalidInput):
        voprf.derive_key_pair(seed, b"")


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(InvalidInput):
        voprf.blind_evaluate_batch(RFC_KEY, [])
