"""A verifiable oblivious pseudorandom function: RFC 9497, ristretto255-SHA512, VOPRF mode.

The key holder turns an input into a 64-byte output that nobody without the
key can compute, or test a guess against. A client can also have the input
evaluated blind: it sends `blind(input)`, the server answers with
`blind_evaluate` and a DLEQ proof that it used the key whose public half the
client holds, and `finalize` checks the proof and unblinds. The server's
`evaluate` gives the same output without blinding.

The group arithmetic is libsodium's ristretto255, through rbcl. rbcl quietly
answers 32 zero bytes when handed an element that does not decode, and its
libsodium takes an encoding with the top bit set as if the bit were clear, so
every element that comes in is checked here (canonical, top bit clear, not the
identity) before any arithmetic touches it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field

import rbcl

from crypto.errors import InvalidEncoding, InvalidInput, ProofFailed

SUITE = "ristretto255-SHA512"
OUTPUT_SIZE = 64
ELEMENT_SIZE = 32
SCALAR_SIZE = 32
PROOF_SIZE = 2 * SCALAR_SIZE
MAX_INPUT_SIZE = 2**16 - 1  # inputs are prefixed with their length in two bytes
MAX_BATCH = 2**16  # composites number each element with two bytes

_MODE_VOPRF = 0x01
_CONTEXT = b"OPRFV1-" + bytes([_MODE_VOPRF]) + b"-" + SUITE.encode()
_HASH_TO_GROUP_DST = b"HashToGroup-" + _CONTEXT
_HASH_TO_SCALAR_DST = b"HashToScalar-" + _CONTEXT
_DERIVE_KEY_PAIR_DST = b"DeriveKeyPair" + _CONTEXT
_SEED_DST = b"Seed-" + _CONTEXT
# The order of the ristretto255 group (RFC 9496 §4).
_ORDER = 2**252 + 27742317777372353535851937790883648493
# The one canonical encoding of the identity element (RFC 9496 §4.3.2).
_IDENTITY = bytes(ELEMENT_SIZE)


@dataclass(frozen=True)
class ServerKey:
    """A key pair: skS as a 32-byte little-endian scalar, pkS as a 32-byte element."""

    secret: bytes = field(repr=False)
    public: bytes

    def __post_init__(self) -> None:
        secret = _scalar(self.secret, "the secret key")
        if not hmac.compare_digest(_base_mul(secret), bytes(self.public)):
            raise InvalidEncoding("the public key is not the secret key's")

    @classmethod
    def generate(cls) -> ServerKey:
        """A new random key pair."""
        return cls.from_secret(_random_scalar())

    @classmethod
    def from_secret(cls, secret: bytes) -> ServerKey:
        """The key pair of a stored secret; refuses a bad length, zero or a non-canonical scalar."""
        secret = _scalar(secret, "the secret key")
        return cls(secret, _base_mul(secret))


def derive_key_pair(seed: bytes, info: bytes) -> ServerKey:
    """DeriveKeyPair (RFC 9497 §3.2.1): the key pair of a 32-byte secret seed and public info."""
    if len(seed) != SCALAR_SIZE:
        raise InvalidInput(f"the seed must be {SCALAR_SIZE} bytes")
    derive_input = bytes(seed) + _prefixed(_checked_input(info, "info"))
    for counter in range(256):
        secret = _hash_to_scalar(derive_input + bytes([counter]), _DERIVE_KEY_PAIR_DST)
        if any(secret):
            return ServerKey.from_secret(secret)
    raise InvalidInput("no key pair derives from this seed")  # probability about 2**-64000


def evaluate(key: ServerKey, data: bytes) -> bytes:
    """Evaluate (RFC 9497 §3.3.1, VOPRF too): the PRF output of data, by the key holder."""
    data = _checked_input(data, "the input")
    return _output(data, _mul(key.secret, _input_element(data)))


def blind(data: bytes, blind: bytes | None = None) -> tuple[bytes, bytes]:
    """Blind (RFC 9497 §3.3.1): (blind scalar, blinded element) for data; blind is for tests."""
    data = _checked_input(data, "the input")
    scalar = _random_scalar() if blind is None else _scalar(blind, "the blind")
    return scalar, _mul(scalar, _input_element(data))


def blind_evaluate(
    key: ServerKey, blinded: bytes, proof_random: bytes | None = None
) -> tuple[bytes, bytes]:
    """BlindEvaluate (RFC 9497 §3.3.2): (evaluated element, proof c||s) for one blinded element."""
    evaluated, proof = blind_evaluate_batch(key, [blinded], proof_random)
    return evaluated[0], proof


def blind_evaluate_batch(
    key: ServerKey, blinded: Sequence[bytes], proof_random: bytes | None = None
) -> tuple[list[bytes], bytes]:
    """Evaluate several blinded elements under one batched DLEQ proof (RFC 9497 §2.2.1)."""
    elements = _elements(blinded, "a blinded element")
    evaluated = [_mul(key.secret, element) for element in elements]
    randomness = _random_scalar() if proof_random is None else _scalar(proof_random, "randomness")
    return evaluated, _generate_proof(key, elements, evaluated, randomness)


def finalize(
    data: bytes, blind: bytes, evaluated: bytes, blinded: bytes, public: bytes, proof: bytes
) -> bytes:
    """Finalize (RFC 9497 §3.3.2): check the proof (else ProofFailed), unblind, hash."""
    return finalize_batch([data], [blind], [evaluated], [blinded], public, proof)[0]


def finalize_batch(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    evaluated: Sequence[bytes],
    blinded: Sequence[bytes],
    public: bytes,
    proof: bytes,
) -> list[bytes]:
    """Finalize several inputs evaluated under one batched proof, in order."""
    if not len(inputs) == len(blinds) == len(evaluated) == len(blinded):
        raise InvalidInput("inputs, blinds and elements must be as many")
    datas = [_checked_input(data, "an input") for data in inputs]
    scalars = [_scalar(value, "a blind") for value in blinds]
    evaluated_elements = _elements(evaluated, "an evaluated element")
    blinded_elements = _elements(blinded, "a blinded element")
    public_element = _element(public, "the public key")
    if not _verify_proof(public_element, blinded_elements, evaluated_elements, proof):
        raise ProofFailed("the server's proof does not verify for this public key")
    return [
        _output(data, _mul(_invert(scalar), element))
        for data, scalar, element in zip(datas, scalars, evaluated_elements, strict=True)
    ]


# The DLEQ proof (RFC 9497 §2.2), with A the generator and B the public key.


def _generate_proof(
    key: ServerKey, blinded: Sequence[bytes], evaluated: Sequence[bytes], randomness: bytes
) -> bytes:
    composite, evaluated_composite = _composites(key.public, blinded, evaluated, key.secret)
    challenge = _challenge(
        key.public,
        composite,
        evaluated_composite,
        _base_mul(randomness),
        _mul(randomness, composite),
    )
    response = _scalar_sub(randomness, _scalar_mul(challenge, key.secret))
    return challenge + response


def _verify_proof(
    public: bytes, blinded: Sequence[bytes], evaluated: Sequence[bytes], proof: bytes
) -> bool:
    if len(proof) != PROOF_SIZE:
        raise ProofFailed(f"a proof is {PROOF_SIZE} bytes")
    try:
        challenge = _scalar(proof[:SCALAR_SIZE], "the proof's challenge", allow_zero=True)
        response = _scalar(proof[SCALAR_SIZE:], "the proof's response", allow_zero=True)
    except InvalidEncoding:
        raise ProofFailed("the proof's scalars are not canonical") from None
    composite, evaluated_composite = _composites(public, blinded, evaluated)
    expected = _challenge(
        public,
        composite,
        evaluated_composite,
        _add(_base_mul(response), _mul(challenge, public)),
        _add(_mul(response, composite), _mul(challenge, evaluated_composite)),
    )
    return hmac.compare_digest(expected, challenge)


def _composites(
    public: bytes,
    blinded: Sequence[bytes],
    evaluated: Sequence[bytes],
    secret: bytes | None = None,
) -> tuple[bytes, bytes]:
    """ComputeComposites, or ComputeCompositesFast when the secret key is given."""
    seed = hashlib.sha512(_prefixed(public) + _prefixed(_SEED_DST)).digest()
    composite = evaluated_composite = _IDENTITY
    for index, (c, d) in enumerate(zip(blinded, evaluated, strict=True)):
        transcript = (
            _prefixed(seed) + index.to_bytes(2, "big") + _prefixed(c) + _prefixed(d) + b"Composite"
        )
        weight = _hash_to_scalar(transcript)
        composite = _add(_mul(weight, c), composite)
        if secret is None:
            evaluated_composite = _add(_mul(weight, d), evaluated_composite)
    if secret is not None:
        evaluated_composite = _mul(secret, composite)
    return composite, evaluated_composite


def _challenge(public: bytes, m: bytes, z: bytes, t2: bytes, t3: bytes) -> bytes:
    transcript = b"".join(_prefixed(part) for part in (public, m, z, t2, t3))
    return _hash_to_scalar(transcript + b"Challenge")


# Hashing (RFC 9380, RFC 9497 §4.1).


def _expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """expand_message_xmd with SHA-512 (RFC 9380 §5.3.1)."""
    blocks = -(-length // 64)
    if blocks > 255 or length > 0xFFFF or len(dst) > 255:
        raise ValueError("expand_message_xmd cannot give that length")
    dst_prime = dst + bytes([len(dst)])
    padded = bytes(128) + message + length.to_bytes(2, "big") + b"\x00" + dst_prime
    b_0 = hashlib.sha512(padded).digest()
    uniform = [hashlib.sha512(b_0 + b"\x01" + dst_prime).digest()]
    for index in range(2, blocks + 1):
        mixed = bytes(x ^ y for x, y in zip(b_0, uniform[-1], strict=True))
        uniform.append(hashlib.sha512(mixed + bytes([index]) + dst_prime).digest())
    return b"".join(uniform)[:length]


def _hash_to_group(data: bytes) -> bytes:
    """hash_to_ristretto255: 64 uniform bytes through libsodium's from_hash (RFC 9496 §4.3.4)."""
    uniform = _expand_message_xmd(data, _HASH_TO_GROUP_DST, 64)
    return bytes(rbcl.crypto_core_ristretto255_from_hash(uniform))


def _hash_to_scalar(data: bytes, dst: bytes = _HASH_TO_SCALAR_DST) -> bytes:
    """64 uniform bytes read little-endian and reduced modulo the group order."""
    uniform = _expand_message_xmd(data, dst, 64)
    return bytes(rbcl.crypto_core_ristretto255_scalar_reduce(uniform))


def _input_element(data: bytes) -> bytes:
    element = _hash_to_group(data)
    if hmac.compare_digest(element, _IDENTITY):
        raise InvalidInput("the input maps to the identity element")  # InvalidInputError
    return element


def _output(data: bytes, element: bytes) -> bytes:
    return hashlib.sha512(_prefixed(data) + _prefixed(element) + b"Finalize").digest()


def _prefixed(value: bytes) -> bytes:
    return len(value).to_bytes(2, "big") + value


def _checked_input(data: bytes, what: str) -> bytes:
    if len(data) > MAX_INPUT_SIZE:
        raise InvalidInput(f"{what} is longer than {MAX_INPUT_SIZE} bytes")
    return bytes(data)


# Decoding what comes in (RFC 9497 §4.1: Deserialize refuses the identity).


def _element(encoded: bytes, what: str) -> bytes:
    encoded = bytes(encoded)
    if (
        len(encoded) != ELEMENT_SIZE
        # RFC 9496 refuses s >= 2**255 - 19; the libsodium in rbcl ignores the top
        # bit, so without this check one element would have two accepted encodings.
        or encoded[-1] & 0x80
        or not rbcl.crypto_core_ristretto255_is_valid_point(encoded)
        or hmac.compare_digest(encoded, _IDENTITY)
    ):
        raise InvalidEncoding(f"{what} is not a ristretto255 element other than the identity")
    return encoded


def _elements(encoded: Sequence[bytes], what: str) -> list[bytes]:
    if not 0 < len(encoded) <= MAX_BATCH:
        raise InvalidInput(f"a batch holds 1 to {MAX_BATCH} elements")
    return [_element(value, what) for value in encoded]


def _scalar(encoded: bytes, what: str, *, allow_zero: bool = False) -> bytes:
    encoded = bytes(encoded)
    if len(encoded) != SCALAR_SIZE or int.from_bytes(encoded, "little") >= _ORDER:
        raise InvalidEncoding(f"{what} is not a canonical {SCALAR_SIZE}-byte scalar")
    if not allow_zero and not any(encoded):
        raise InvalidEncoding(f"{what} is zero")
    return encoded


# Group and scalar arithmetic. Only elements decoded above, or computed here, reach these.


def _random_scalar() -> bytes:
    """A uniformly random nonzero scalar (libsodium samples by rejection)."""
    while True:
        scalar = bytes(rbcl.crypto_core_ristretto255_scalar_random())
        if any(scalar):
            return scalar


def _base_mul(scalar: bytes) -> bytes:
    return bytes(rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero(scalar))


def _mul(scalar: bytes, element: bytes) -> bytes:
    try:
        return bytes(rbcl.crypto_scalarmult_ristretto255(scalar, element))
    except RuntimeError:
        # libsodium refuses to return the identity; for a checked element and a
        # canonical scalar that is the only way it fails (the scalar is zero).
        return _IDENTITY


def _add(p: bytes, q: bytes) -> bytes:
    return bytes(rbcl.crypto_core_ristretto255_add(p, q))


def _invert(scalar: bytes) -> bytes:
    return bytes(rbcl.crypto_core_ristretto255_scalar_invert(scalar))


def _scalar_mul(s: bytes, t: bytes) -> bytes:
    return bytes(rbcl.crypto_core_ristretto255_scalar_mul(s, t))


def _scalar_sub(s: bytes, t: bytes) -> bytes:
    return bytes(rbcl.crypto_core_ristretto255_scalar_sub(s, t))
