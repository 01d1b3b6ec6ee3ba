"""A waiting report's slot seal is the same in the browser (js/seal/src/release.js) and in
Python (`crypto.matching`), both ways.

Python derives a slot's release key pair from a polynomial secret and seals a data key to
it in several slots; node opens each with the private key and refuses it moved to another
slot, report or consent, or altered (js/seal/test/release.test.js). Node seals to the
public key, binding each seal as the report page does (`releaseBinding`), and Python opens
what it made with the secret and the instance's key, as matching does, in the slot the
portal's binding names, and nowhere else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto import matching
from crypto.errors import TamperedCiphertext
from crypto.format import Kind
from portal.core import bindings
from tests.support import node

SECRET = int.from_bytes(bytes(range(1, 33)), "big") % matching.PRIME
THRESHOLD = 3
INSTANCE = bytes(range(64, 96))  # the instance's release key (`escrow.instance_release_key`)
REPORT_ID = "5f1c2a9b0e7d4c36a8b1f0e2d3c4b5a6"
CONSENT = "consent=1001000"  # the advocates may read, and her facts may be counted
DATA_KEY = bytes(range(200, 232))
SLOTS = 3


@pytest.fixture(scope="module")
def made_by_node(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Node opens Python's seals, refuses them moved, and makes its own."""
    folder = tmp_path_factory.mktemp("release-vectors")
    vectors, output = folder / "python.json", folder / "node.json"
    public = matching.release_public_key(SECRET, THRESHOLD, INSTANCE)
    private = matching.release_private_key(SECRET, THRESHOLD, INSTANCE).private_bytes_raw()
    seals = [
        {
            "slot": slot,
            "blob": matching.seal_to_release(
                public, DATA_KEY, bindings.escrow_release(REPORT_ID, slot, CONSENT)
            ).hex(),
        }
        for slot in range(SLOTS)
    ]
    vectors.write_text(
        json.dumps(
            {
                "privateKey": private.hex(),
                "reportId": REPORT_ID,
                "consent": CONSENT,
                "dataKey": DATA_KEY.hex(),
                "seals": seals,
                "make": {"publicKey": public.hex(), "slots": SLOTS},
            }
        )
    )
    node.installed_packages()
    node.run(
        ["node", "--test", "test/release.test.js"],
        env={"SEAL_VECTORS": str(vectors), "SEAL_OUTPUT": str(output)},
    )
    made: dict[str, Any] = json.loads(Path(output).read_text())
    return made


def test_python_opens_node_seals_with_the_secret_in_their_own_slot_only(
    made_by_node: dict[str, Any],
) -> None:
    seals = made_by_node["seals"]
    assert [made["slot"] for made in seals] == list(range(SLOTS))
    for made in seals:
        blob = bytes.fromhex(made["blob"])
        assert len(blob) == matching.RELEASE_SEAL_SIZE
        assert blob[:2] == bytes((1, Kind.RELEASE))
        home = bindings.escrow_release(REPORT_ID, made["slot"], CONSENT)
        assert matching.unlock(2, SECRET, THRESHOLD, blob, home, INSTANCE) == DATA_KEY
        elsewhere = bindings.escrow_release(REPORT_ID, (made["slot"] + 1) % SLOTS, CONSENT)
        with pytest.raises(TamperedCiphertext):
            matching.unlock(2, SECRET, THRESHOLD, blob, elsewhere, INSTANCE)
        with pytest.raises(TamperedCiphertext):
            matching.unlock(2, SECRET, THRESHOLD + 1, blob, home, INSTANCE)
