// A waiting report's slot seals exchanged with crypto/matching.py, both ways;
// run by tests/crypto/test_release_vectors.py, which names the two files:
//   SEAL_VECTORS  what Python made (opened here, and refused once moved or altered)
//   SEAL_OUTPUT   what these modules make (written here, opened by Python)
import "./webcrypto.js";

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";

import * as seal from "../src/index.js";
import { fromHex, toHex } from "./hex.js";

const given = JSON.parse(readFileSync(process.env.SEAL_VECTORS ?? "", "utf8"));
const privateKey = fromHex(given.privateKey);
/** @type {{ slot: number, blob: string }[]} */
const made = [];

test("Python's seals open with the slot's private key, each in its own slot", async () => {
  for (const { slot, blob } of given.seals) {
    const binding = seal.releaseBinding(given.reportId, slot, given.consent);
    assert.equal(toHex(await seal.openReleaseSeal(privateKey, fromHex(blob), binding)), given.dataKey);
  }
});

test("a Python seal moved to another slot, report or consent, or altered, does not open", async () => {
  const blob = fromHex(given.seals[0].blob);
  const moved = [
    seal.releaseBinding(given.reportId, 1, given.consent),
    seal.releaseBinding("00".repeat(16), 0, given.consent),
    seal.releaseBinding(given.reportId, 0, "consent=1100000"),
  ];
  for (const binding of moved) {
    await assert.rejects(seal.openReleaseSeal(privateKey, blob, binding), seal.TamperedCiphertext);
  }
  const home = seal.releaseBinding(given.reportId, 0, given.consent);
  for (const position of [1, 10, blob.length - 1]) {
    const altered = blob.slice();
    altered[position] ^= 0x01;
    await assert.rejects(seal.openReleaseSeal(privateKey, altered, home), seal.TamperedCiphertext);
  }
});

test("seals made here are 82 bytes of kind R, one per slot", async () => {
  for (let slot = 0; slot < given.make.slots; slot++) {
    const binding = seal.releaseBinding(given.reportId, slot, given.consent);
    const blob = await seal.sealToRelease(fromHex(given.make.publicKey), fromHex(given.dataKey), binding);
    assert.equal(blob.length, seal.RELEASE_SEAL_SIZE);
    assert.deepEqual([...blob.subarray(0, 2)], [1, seal.Kind.RELEASE]);
    made.push({ slot, blob: toHex(blob) });
  }
});

test("a key that is not 32 bytes is refused", async () => {
  const binding = seal.releaseBinding(given.reportId, 0, given.consent);
  await assert.rejects(seal.sealToRelease(new Uint8Array(31), fromHex(given.dataKey), binding), TypeError);
});

after(() => {
  writeFileSync(process.env.SEAL_OUTPUT ?? "", JSON.stringify({ seals: made }));
});
