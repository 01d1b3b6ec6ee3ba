"""The browser's envelopes (js/seal) and Python's are the same bytes, both ways.

Python makes a field, a key wrap, a seal and streams with the real modules
of crypto/; node opens them all and refuses them once altered, moved,
truncated or reordered (js/seal/test/interop.test.js). Node makes its own,
which Python opens here and measures against `padded_size` and
`padded_stream_size`. The seed of the key node opens seals with is expanded
the X-Wing way (SHAKE256), as js/seal expects; the draft's own vectors check
that expansion in js/seal/test/xwing.test.js.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from crypto.envelope import (
    NONCE_SIZE,
    TAG_SIZE,
    decrypt_field,
    decrypt_text,
    encrypt_field,
    padded_size,
    unwrap_key,
    wrap_key,
)
from crypto.format import HEADER_SIZE, Binding, Kind
from crypto.keys import KeyKind, PrivateKey, open_sealed, seal
from crypto.stream import (
    PADDED_VERSION,
    STREAM_HEADER_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    padded_stream_size,
)
from crypto.words import codename_lookup_secret, codename_wrap_key
from tests.crypto.conftest import HOME, MOVED
from tests.support import node

KEY = bytes(range(100, 132))
XWING_SEED = bytes(range(32))
PYTHON_KEY = PrivateKey(bytes(range(32, 64)), KeyKind.XWING)  # what node seals to
CODENAME = "zestfully mutual unlisted cosmic outgrow vaporizer tinsel"
# Lengths with a segment size of 1024: one segment (empty, one byte), several
# (3000 and 5000 bytes); at 1534, 3000 bytes leave 4 bytes in the last segment,
# so the 8-byte length record straddles the last two.
STREAMS = [
    ("empty", 0, 1024),
    ("one byte", 1, 1024),
    ("three segments", 3000, 1024),
    ("five segments", 5000, 1024),
    ("record across two segments", 3000, 1534),
]
FIELD_LENGTHS = [0, 5, 252, 253, 1000, 70_000]
PADDED_LENGTHS = [0, 1, 248, 256, 257, 1000, 4096, 65_536, 70_001, 10**6, 2**32 + 5, 2**40 + 3]


def pattern(length: int) -> bytes:
    """A recognisable plaintext of this length, never all zeros."""
    return bytes((i * 7 + 1) % 251 for i in range(length))


def python_stream(name: str, length: int, segment_size: int) -> dict[str, Any]:
    """A stream written by crypto.stream, as hex."""
    encryptor = StreamEncryptor(KEY, HOME, segment_size)
    plaintext = pattern(length)
    segments = [*encryptor.update(plaintext), *encryptor.finish()]
    assert len(segments) == math.ceil(padded_stream_size(length) / segment_size)
    return {
        "name": name,
        "plaintext": plaintext.hex(),
        "header": encryptor.header.hex(),
        "segments": [segment.hex() for segment in segments],
    }


def binding_parts(binding: Binding) -> list[str]:
    return [binding.table, binding.record_id, binding.field]


def python_vectors() -> dict[str, Any]:
    """What Python makes for node to open, and what node is asked to make."""
    secret = bytes(range(32))
    plaintext = "Café, 5 May: badge 4471".encode()
    private_key = PrivateKey(XWING_SEED, KeyKind.XWING)
    public_key = private_key.public_key
    report_id = "7c4f3f0e-0b7a-4f6e-9d55-1f2b3c4d5e6f"
    return {
        "binding": binding_parts(HOME),
        "moved": binding_parts(MOVED["another-record"]),
        "key": KEY.hex(),
        "field": {"plaintext": plaintext.hex(), "blob": encrypt_field(KEY, plaintext, HOME).hex()},
        "wrap": {"secret": secret.hex(), "blob": wrap_key(KEY, secret, HOME).hex()},
        "seal": {
            "privateKey": private_key.to_bytes().hex(),
            "publicKey": public_key.to_bytes().hex(),
            "plaintext": secret.hex(),
            "blob": seal(public_key, secret, HOME).hex(),
        },
        "codename": {
            "codename": CODENAME,
            "reportId": report_id,
            "key": codename_wrap_key(CODENAME, report_id).hex(),
            "lookup": codename_lookup_secret(CODENAME).hex(),
        },
        "streams": [python_stream(*stream) for stream in STREAMS],
        "make": {
            "publicKey": PYTHON_KEY.public_key.to_bytes().hex(),
            "fieldLengths": FIELD_LENGTHS,
            "paddedLengths": PADDED_LENGTHS,
            "streams": [
                {"name": name, "length": length, "segmentSize": size, "pieces": [7, 1500]}
                for name, length, size in STREAMS
            ],
        },
    }


@pytest.fixture(scope="module")
def made_by_node(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Node opens Python's envelopes, refuses them altered, and writes its own."""
    folder = tmp_path_factory.mktemp("seal-vectors")
    vectors, output = folder / "python.json", folder / "node.json"
    vectors.write_text(json.dumps(python_vectors()))
    node.installed_packages()
    node.run(
        ["node", "--test", "test/interop.test.js"],
        env={"SEAL_VECTORS": str(vectors), "SEAL_OUTPUT": str(output)},
    )
    made: dict[str, Any] = json.loads(Path(output).read_text())
    return made


def test_node_opens_python_envelopes_and_refuses_them_altered(made_by_node: dict[str, Any]) -> None:
    """Node's test run passed (the fixture fails with node's output otherwise)."""
    assert made_by_node["fields"], "node wrote no envelopes"


def test_python_opens_node_fields_padded_to_the_same_sizes(made_by_node: dict[str, Any]) -> None:
    fields = made_by_node["fields"]
    assert [len(bytes.fromhex(f["plaintext"])) for f in fields] == FIELD_LENGTHS
    for made in fields:
        plaintext, blob = bytes.fromhex(made["plaintext"]), bytes.fromhex(made["blob"])
        assert decrypt_field(KEY, blob, HOME) == plaintext
        overhead = HEADER_SIZE + NONCE_SIZE + TAG_SIZE
        assert len(blob) == overhead + padded_size(4 + len(plaintext)), len(plaintext)
    text = made_by_node["text"]
    assert decrypt_text(KEY, bytes.fromhex(text["blob"]), HOME) == text["text"]


def test_python_unwraps_node_key_wrap_and_opens_its_seal(made_by_node: dict[str, Any]) -> None:
    wrap, sealed = made_by_node["wrap"], made_by_node["seal"]
    wrapped = bytes.fromhex(wrap["blob"])
    assert wrapped[:HEADER_SIZE] == bytes((1, Kind.KEY_WRAP))
    assert unwrap_key(KEY, wrapped, HOME) == bytes.fromhex(wrap["secret"])
    blob = bytes.fromhex(sealed["blob"])
    assert blob[:HEADER_SIZE] == bytes((1, Kind.SEALED))
    assert open_sealed(PYTHON_KEY, blob, HOME) == bytes.fromhex(sealed["plaintext"])


def test_node_derives_the_codename_key_and_lookup_secret_python_derives(
    made_by_node: dict[str, Any],
) -> None:
    made = made_by_node["codename"]
    expected = codename_wrap_key(made["codename"], made["reportId"])
    assert bytes.fromhex(made["key"]) == expected
    assert bytes.fromhex(made["lookup"]) == codename_lookup_secret(made["codename"])


@pytest.mark.parametrize(("name", "length", "segment_size"), STREAMS, ids=[s[0] for s in STREAMS])
def test_python_opens_node_streams_laid_out_as_its_own(
    made_by_node: dict[str, Any], name: str, length: int, segment_size: int
) -> None:
    made = next(stream for stream in made_by_node["streams"] if stream["name"] == name)
    header = bytes.fromhex(made["header"])
    segments = [bytes.fromhex(segment) for segment in made["segments"]]
    assert len(header) == STREAM_HEADER_SIZE
    assert header[:6] == bytes((PADDED_VERSION, Kind.STREAM)) + segment_size.to_bytes(4, "big")
    total = padded_stream_size(length)
    full, rest = divmod(total, segment_size)
    expected = [segment_size + TAG_SIZE] * full + ([rest + TAG_SIZE] if rest else [])
    assert [len(segment) for segment in segments] == expected
    decryptor = StreamDecryptor(KEY, HOME, header)
    assert b"".join(decryptor.decrypt_segments(segments)) == bytes.fromhex(made["plaintext"])
    assert decryptor.file_length(len(segments), segments[-2:]) == length


def test_node_pads_to_python_sizes(made_by_node: dict[str, Any]) -> None:
    expected = [[n, padded_size(n), padded_stream_size(n)] for n in PADDED_LENGTHS]
    assert made_by_node["paddedSizes"] == expected


def test_xwing_seed_import_matches_the_drafts_vectors() -> None:
    """js/seal imports a 32-byte seed as the X-Wing draft expands it (its test vectors)."""
    node.installed_packages()
    node.run(["node", "--test", "test/xwing.test.js"])
