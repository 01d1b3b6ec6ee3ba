// Envelopes exchanged with the Python modules of crypto/, both ways; run by
// tests/crypto/test_browser_vectors.py, which names the two files:
//   SEAL_VECTORS  what Python made (read here: opened, and refused once altered)
//   SEAL_OUTPUT   what these modules make (written here, opened by Python)
import "./webcrypto.js";

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, test } from "node:test";

import * as seal from "../src/index.js";
import { fromHex, toHex } from "./hex.js";

const given = JSON.parse(readFileSync(process.env.SEAL_VECTORS ?? "", "utf8"));
const home = new seal.Binding(...given.binding);
const moved = new seal.Binding(...given.moved);
const key = fromHex(given.key);

/**
 * @param {Uint8Array} blob
 * @param {number} position
 */
function flipped(blob, position) {
  const altered = blob.slice();
  altered[position] ^= 0x01;
  return altered;
}

/**
 * @param {{ header: string, segments: string[] }} stream
 * @param {import("../src/index.js").Binding} [binding]
 * @param {(segments: Uint8Array[]) => Uint8Array[]} [alter]
 */
async function openStream(stream, binding = home, alter = (segments) => segments) {
  const decryptor = await seal.StreamDecryptor.create(key, binding, fromHex(stream.header));
  return decryptor.decryptSegments(alter(stream.segments.map(fromHex)));
}

test("a Python field opens, and refuses another binding or an altered header", async () => {
  const blob = fromHex(given.field.blob);
  assert.equal(toHex(await seal.decryptField(key, blob, home)), given.field.plaintext);
  await assert.rejects(seal.decryptField(key, blob, moved), seal.TamperedCiphertext);
  await assert.rejects(seal.decryptField(key, flipped(blob, 0), home), seal.UnknownFormatVersion);
  await assert.rejects(seal.decryptField(key, flipped(blob, 1), home), seal.TamperedCiphertext);
  await assert.rejects(seal.decryptField(key, flipped(blob, 20), home), seal.TamperedCiphertext);
});

test("a Python key wrap opens, and refuses another binding", async () => {
  const blob = fromHex(given.wrap.blob);
  assert.equal(toHex(await seal.unwrapKey(key, blob, home)), given.wrap.secret);
  await assert.rejects(seal.unwrapKey(key, blob, moved), seal.TamperedCiphertext);
});

test("a Python seal opens with the stored key; refused moved, altered or to another key", async () => {
  const seed = fromHex(given.seal.privateKey);
  const blob = fromHex(given.seal.blob);
  assert.equal(toHex(await seal.publicKeyOf(seed)), given.seal.publicKey);
  assert.equal(toHex(await seal.openSealed(seed, blob, home)), given.seal.plaintext);
  await assert.rejects(seal.openSealed(seed, blob, moved), seal.TamperedCiphertext);
  await assert.rejects(seal.openSealed(seed, flipped(blob, 0), home), seal.UnknownFormatVersion);
  await assert.rejects(seal.openSealed(seed, flipped(blob, 1), home), seal.TamperedCiphertext);
  await assert.rejects(seal.openSealed(seed, flipped(blob, 500), home), seal.TamperedCiphertext);
  const stranger = new Uint8Array(33).fill(1);
  stranger[0] = 2;
  await assert.rejects(seal.openSealed(stranger, blob, home), seal.TamperedCiphertext);
  // A key of the old kind, or of no known form, is refused before anything is opened.
  await assert.rejects(seal.openSealed(seed.slice(1), blob, home), TypeError);
  const unknownKind = seed.slice();
  unknownKind[0] = 1;
  await assert.rejects(seal.openSealed(unknownKind, blob, home), seal.TamperedCiphertext);
});

test("the codename key and lookup secret are Python's", async () => {
  const { codename, reportId } = given.codename;
  assert.equal(toHex(await seal.codenameWrapKey(codename, reportId)), given.codename.key);
  assert.equal(toHex(await seal.codenameLookupSecret(codename)), given.codename.lookup);
});

for (const stream of given.streams) {
  test(`Python stream "${stream.name}" opens`, async () => {
    assert.equal(toHex(await openStream(stream)), stream.plaintext);
  });
}

test("a Python stream is refused truncated, reordered, extended, moved or altered", async () => {
  const [stream] = given.streams.filter((each) => each.segments.length >= 3);
  const refusals = {
    "last segment dropped": (segments) => segments.slice(0, -1),
    "first two swapped": ([first, second, ...rest]) => [second, first, ...rest],
    "last two swapped": (segments) => [...segments.slice(0, -2), ...segments.slice(-2).reverse()],
    "last segment repeated": (segments) => [...segments, segments.at(-1)],
    "no segments": () => [],
    "a segment altered": ([first, ...rest]) => [flipped(first, 3), ...rest],
  };
  for (const [label, alter] of Object.entries(refusals)) {
    await assert.rejects(openStream(stream, home, alter), seal.TamperedCiphertext, label);
  }
  await assert.rejects(openStream(stream, moved), seal.TamperedCiphertext, "another binding");
  const header = fromHex(stream.header);
  const headerFlips = [
    [0, seal.UnknownFormatVersion], // the version
    [1, seal.TamperedCiphertext], // the kind
    [10, seal.TamperedCiphertext], // the salt
    [44, seal.TamperedCiphertext], // the nonce prefix
  ];
  for (const [position, error] of headerFlips) {
    const altered = { ...stream, header: toHex(flipped(header, position)) };
    await assert.rejects(openStream(altered), error, `header byte ${position} flipped`);
  }
});

// What these modules make, for Python to open and measure.

const made = { fields: [], streams: [], paddedSizes: [] };
after(() => writeFileSync(process.env.SEAL_OUTPUT ?? "", JSON.stringify(made)));

/** A recognisable plaintext of this length (never all zeros, so padding shows). */
const pattern = (length) => Uint8Array.from({ length }, (_, i) => (i * 7 + 1) % 251);

test("make fields of every size class", async () => {
  for (const length of given.make.fieldLengths) {
    const plaintext = pattern(length);
    const blob = await seal.encryptField(key, plaintext, home);
    made.fields.push({ plaintext: toHex(plaintext), blob: toHex(blob) });
  }
  const text = "Café, 5 May: the officer's number was 4471 ✓";
  made.text = { text, blob: toHex(await seal.encryptText(key, text, home)) };
});

test("make a key wrap, a seal to Python's key, the codename key and lookup secret", async () => {
  const secret = pattern(32).reverse();
  made.wrap = { secret: toHex(secret), blob: toHex(await seal.wrapKey(key, secret, home)) };
  const plaintext = pattern(32);
  const publicKey = fromHex(given.make.publicKey);
  const sealed = await seal.sealTo(publicKey, plaintext, home);
  made.seal = { plaintext: toHex(plaintext), blob: toHex(sealed) };
  const { codename, reportId } = given.codename;
  const codenameKey = await seal.codenameWrapKey(codename, reportId);
  const lookup = toHex(await seal.codenameLookupSecret(codename));
  made.codename = { codename, reportId, key: toHex(codenameKey), lookup };
});

test("make streams, fed in uneven pieces", async () => {
  for (const { name, length, segmentSize, pieces } of given.make.streams) {
    const plaintext = pattern(length);
    const encryptor = await seal.StreamEncryptor.create(key, home, segmentSize);
    const segments = [];
    let offset = 0;
    for (const size of [...pieces, length]) {
      segments.push(...(await encryptor.update(plaintext.subarray(offset, offset + size))));
      offset = Math.min(length, offset + size);
    }
    for await (const segment of encryptor.finish()) segments.push(segment);
    const stream = { header: toHex(encryptor.header), segments: segments.map(toHex) };
    assert.deepEqual(await openStream(stream), plaintext);
    made.streams.push({ name, plaintext: toHex(plaintext), ...stream });
  }
});

test("padded sizes, past 2**32 too", () => {
  made.paddedSizes = given.make.paddedLengths.map((length) => [
    length,
    seal.paddedSize(length),
    seal.paddedStreamSize(length),
  ]);
});
