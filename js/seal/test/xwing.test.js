// The seed import against the X-Wing draft's own test vectors (see
// xwing-vectors.json for where they come from): the public key grown from
// each seed, and the shared secret the key imported from it decapsulates.
import "./webcrypto.js";

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { XWing } from "@hpke/hybridkem-x-wing";

import { publicKeyOf } from "../src/index.js";
import { fromHex, toHex } from "./hex.js";

const source = new URL("./xwing-vectors.json", import.meta.url);
const { vectors } = JSON.parse(readFileSync(source, "utf8"));

test("the draft's three vectors are all here", () => {
  assert.equal(vectors.length, 3);
});

for (const [number, vector] of vectors.entries()) {
  test(`vector ${number + 1}: the seed grows the draft's public key`, async () => {
    const stored = new Uint8Array([0x02, ...fromHex(vector.seed)]); // the X-Wing kind
    assert.equal(toHex(await publicKeyOf(stored)), vector.pk);
  });

  test(`vector ${number + 1}: the imported seed decapsulates the draft's secret`, async () => {
    const kem = new XWing();
    const recipientKey = await kem.importKey("raw", fromHex(vector.seed), false);
    const secret = await kem.decap({ recipientKey, enc: fromHex(vector.ct) });
    assert.equal(toHex(new Uint8Array(secret)), vector.ss);
  });
}
