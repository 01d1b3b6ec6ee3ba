"""portal/static/seal.js is what its sources build to, and it seals in a real Chromium.

The bundle is committed so that serving the portal needs no node; these tests
rebuild it with the pinned esbuild (js/seal/package-lock.json) and load the
committed file in Chromium to round-trip envelopes with Python.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from crypto.envelope import decrypt_field, encrypt_field
from crypto.keys import PrivateKey, open_sealed, seal
from portal.web.scripts import integrity
from tests.crypto.conftest import HOME
from tests.support import node

KEY = bytes(range(1, 33))


@pytest.mark.parametrize("bundle", ["seal", "keys"])
def test_committed_bundle_is_what_the_sources_build(tmp_path: Path, bundle: str) -> None:
    node.installed_packages()
    rebuilt = tmp_path / f"{bundle}.js"
    node.run(["npm", "run", "--silent", f"build:{bundle}", "--", f"--outfile={rebuilt}"])
    committed = node.BUNDLE.with_name(f"{bundle}.js")
    assert rebuilt.read_bytes() == committed.read_bytes(), (
        f"portal/static/{bundle}.js differs from what js/seal/src builds to: "
        "run `make js` and commit it"
    )


def test_packages_are_pinned_to_exact_versions() -> None:
    manifest = json.loads((node.SEAL / "package.json").read_text())
    versions = {**manifest["dependencies"], **manifest["devDependencies"]}
    loose = {name: v for name, v in versions.items() if not re.fullmatch(r"\d+\.\d+\.\d+", v)}
    assert not loose, f"pin exact versions in js/seal/package.json: {loose}"
    assert "--outfile=../../portal/static/seal.js" in manifest["scripts"]["build:seal"]
    assert "--outfile=../../portal/static/keys.js" in manifest["scripts"]["build:keys"]


# Served from http://localhost so that the page is a secure context (WebCrypto
# needs one); the route answers every request, so nothing reaches the network.
ORIGIN = "http://localhost"
ROUND_TRIP = """async ({ publicKey, seed, sealed, field, key, binding }) => {
  const seal = await import("/seal.js");
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const bytes = (text) => Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
  const home = new seal.Binding(...binding);
  const secret = new TextEncoder().encode("sealed in the browser");
  return {
    sealed: hex(await seal.sealTo(bytes(publicKey), secret, home)),
    opened: new TextDecoder().decode(await seal.openSealed(bytes(seed), bytes(sealed), home)),
    field: hex(await seal.encryptField(bytes(key), new TextEncoder().encode("Café"), home)),
    read: new TextDecoder().decode(await seal.decryptField(bytes(key), bytes(field), home)),
  };
}"""


@pytest.mark.browser
def test_committed_bundle_seals_and_opens_with_python_in_chromium(browser: Browser) -> None:
    bundle = node.BUNDLE.read_bytes()

    def serve(route: Route) -> None:
        if route.request.url == f"{ORIGIN}/seal.js":
            route.fulfill(body=bundle, content_type="text/javascript")
        else:
            route.fulfill(body="<!doctype html><title>seal</title>", content_type="text/html")

    python_key, browser_key = PrivateKey.generate(), PrivateKey.generate()
    context = browser.new_context()
    try:
        context.route(f"{ORIGIN}/**", serve)
        page = context.new_page()
        page.goto(f"{ORIGIN}/")
        made = page.evaluate(
            ROUND_TRIP,
            {
                "publicKey": python_key.public_key.to_bytes().hex(),
                "seed": browser_key.to_bytes().hex(),
                "sealed": seal(browser_key.public_key, b"sealed in Python", HOME).hex(),
                "field": encrypt_field(KEY, "Ünïcode".encode(), HOME).hex(),
                "key": KEY.hex(),
                "binding": [HOME.table, HOME.record_id, HOME.field],
            },
        )
    finally:
        context.close()
    assert open_sealed(python_key, bytes.fromhex(made["sealed"]), HOME) == b"sealed in the browser"
    assert made["opened"] == "sealed in Python"
    assert decrypt_field(KEY, bytes.fromhex(made["field"]), HOME) == "Café".encode()
    assert made["read"] == "Ünïcode"


def test_the_readme_publishes_the_committed_bundle_s_hash() -> None:
    readme = (node.BUNDLE.parents[2] / "README.md").read_text()
    published = re.search(r"^    seal\.js (sha384-\S+)$", readme, re.M)
    assert published, "README.md publishes no hash for seal.js"
    assert published.group(1) == integrity("seal.js"), (
        "README.md's hash of seal.js is not the committed bundle's: after `make js`, "
        "publish the new one"
    )


@pytest.mark.parametrize("bundle", ["seal.js", "keys.js"])
def test_the_readme_publishes_each_bundles_hash(bundle: str) -> None:
    """Anyone can compare what their browser received with the hash the README gives."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"    {bundle} {integrity(bundle)}" in readme
