/**
 * A PNG with only the chunks needed to show it, by the rules of strip_png
 * in portal/core/cleaning/pictures.py: the same allow-list, the colour
 * profile renamed the same way, every checksum checked, the same refusals.
 */

import { Cursor, Pieces, bigEndian, fourCC, readBigEndian } from "./bytes.js";
import { crc32 } from "./crc32.js";
import { Unreadable } from "./errors.js";

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// What a viewer needs to show the picture as it was made: the critical
// chunks, how colours and transparency are read, the background, the pixel
// size and an animated PNG's frames. Text, EXIF, times, content credentials
// and every private or unknown chunk are left out.
const KEPT = new Set([
  ...["IHDR", "PLTE", "IDAT", "IEND"],
  ...["tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "cICP", "mDCV", "cLLI"],
  ...["bKGD", "pHYs", "acTL", "fcTL", "fdAT"],
]);
// A colour profile's name is free text (some programs write the owner's or
// the device's name there): it is replaced by a neutral one.
const NEUTRAL_PROFILE_NAME = Uint8Array.from("ICC profile", (c) => c.charCodeAt(0));
const MAX_PROFILE_NAME = 79;
const ascii = (/** @type {string} */ text) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** @param {string} kind */
const isLetters = (kind) => /^[A-Za-z]{4}$/.test(kind);
/** @param {string} kind an upper-case first letter */
const isCritical = (kind) => (kind.charCodeAt(0) & 0x20) === 0;

/**
 * An iCCP chunk (its length and type read) under a neutral name.
 * @param {Cursor} reader
 * @param {number} length
 * @param {Pieces} out
 */
function renamedProfile(reader, length, out) {
  const whole = reader.exactly(length);
  const end = whole.subarray(0, Math.min(length, MAX_PROFILE_NAME + 2)).indexOf(0);
  if (end < 1) throw new Unreadable("a PNG colour profile has no name");
  if (readBigEndian(reader.exactly(4)) !== crc32(whole, crc32(ascii("iCCP")))) {
    throw new Unreadable("a PNG chunk is damaged");
  }
  const rest = whole.subarray(end);
  const crc = crc32(rest, crc32(NEUTRAL_PROFILE_NAME, crc32(ascii("iCCP"))));
  out.push(bigEndian(NEUTRAL_PROFILE_NAME.length + rest.length, 4), ascii("iCCP"));
  out.push(NEUTRAL_PROFILE_NAME, rest, bigEndian(crc, 4));
}

/**
 * The PNG with only the chunks needed to show it, and nothing after its
 * end; Unreadable if malformed.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function cleanPng(bytes) {
  const reader = new Cursor(bytes);
  const signature = reader.exactly(8);
  if (!PNG_SIGNATURE.every((byte, i) => signature[i] === byte)) {
    throw new Unreadable("not a PNG picture");
  }
  const out = new Pieces();
  out.push(signature);
  let first = true;
  for (;;) {
    const header = reader.exactly(8);
    const length = readBigEndian(header, 0, 4);
    const kind = fourCC(header, 4);
    if (length > 2 ** 31 - 1 || !isLetters(kind) || first !== (kind === "IHDR")) {
      throw new Unreadable("a PNG chunk is malformed");
    }
    first = false;
    if (kind === "iCCP") {
      renamedProfile(reader, length, out);
      continue;
    }
    const keep = KEPT.has(kind);
    if (!keep && isCritical(kind)) {
      throw new Unreadable("the PNG has a chunk needed to show it that we do not know");
    }
    const body = reader.exactly(length);
    const stored = reader.exactly(4);
    if (readBigEndian(stored) !== crc32(body, crc32(header.subarray(4)))) {
      throw new Unreadable("a PNG chunk is damaged");
    }
    if (keep) out.push(header, body, stored);
    if (kind === "IEND") return out.join();
  }
}
