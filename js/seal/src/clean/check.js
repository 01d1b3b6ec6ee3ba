/**
 * A cleaned picture's header read the way the server's check reads it
 * (Pillow, in check_picture): a JPEG needs a frame header of 8-bit grey, RGB
 * or CMYK with a size before its first scan, a PNG a whole header of a known
 * kind, and neither may have more pixels than Pillow opens (it refuses a
 * "decompression bomb"). This is the part of Pillow's check that can be told
 * from the header; the server's check of a WebP's bitstream is not repeated.
 */

import { readBigEndian, startsWithAt } from "./bytes.js";
import { Unreadable } from "./errors.js";

// Pillow's MAX_IMAGE_PIXELS is 1024 ** 3 / 4 / 3; it refuses twice that.
const MAX_PIXELS = 2 * Math.floor((1024 * 1024 * 1024) / 4 / 3);
// Start-of-frame markers (not DHT 0xC4, JPG 0xC8 or DAC 0xCC).
const FRAMES = new Set(
  [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7].concat([0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]),
);
// PNG bit depth and colour type pairs Pillow reads.
const PNG_KINDS = new Set(
  ["1,0", "2,0", "4,0", "8,0", "16,0", "8,2", "16,2", "1,3", "2,3", "4,3", "8,3"].concat(
    ["8,4", "16,4", "8,6", "16,6"],
  ),
);

/**
 * @param {number} width
 * @param {number} height
 */
function checkSize(width, height) {
  if (width <= 0 || height <= 0 || width * height > MAX_PIXELS) {
    throw new Unreadable("the cleaned picture does not open");
  }
}

/**
 * Whether a quantization table segment holds whole tables, as Pillow reads them.
 * @param {Uint8Array} payload
 */
function wholeTables(payload) {
  let position = 0;
  while (position < payload.length) {
    position += 1 + (payload[position] >> 4 === 0 ? 64 : 128);
    if (position > payload.length) return false;
  }
  return true;
}

/**
 * The array that sorts first byte by byte (a prefix before what extends it).
 * @param {Uint8Array[]} arrays
 */
function sortsFirst(arrays) {
  /** @param {Uint8Array} a @param {Uint8Array} b */
  const before = (a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i];
    return a.length < b.length;
  };
  return arrays.reduce((first, array) => (before(array, first) ? array : first));
}

/**
 * Check a JPEG cleaned by stripJpeg (its segments are known to be whole),
 * up to its first scan as Pillow reads it.
 * @param {Uint8Array} bytes
 */
export function checkJpeg(bytes) {
  let position = 2;
  /** @type {Uint8Array | null} */
  let frame = null;
  /** @type {Uint8Array[]} */
  let profiles = [];
  for (;;) {
    const marker = bytes[position + 1];
    if (marker === 0xda) break;
    if (marker === 0xd9) throw new Unreadable("the cleaned picture does not open");
    if (marker >= 0xd0 && marker <= 0xd7) {
      position += 2;
      continue;
    }
    const length = readBigEndian(bytes, position + 2, 2);
    const payload = bytes.subarray(position + 4, position + 2 + length);
    const adobe = marker === 0xee && startsWithAt(payload, 0, "Adobe") && payload.length < 7;
    // Pillow knows no marker below 0xC0 (0x01, a bare marker, among them).
    if (marker < 0xc0 || adobe || (marker === 0xdb && !wholeTables(payload))) {
      throw new Unreadable("the cleaned picture does not open");
    }
    if (marker === 0xe2) profiles.push(payload); // the cleaner kept only ICC profiles
    if (FRAMES.has(marker)) {
      // Pillow reads each profile part's count at a frame header, in the
      // part that sorts first, and each component's three bytes.
      if (profiles.length && sortsFirst(profiles).length < 14) {
        throw new Unreadable("the cleaned picture does not open");
      }
      const layers = payload[5];
      const whole = payload.length >= 6 && (payload.length - 6) % 3 === 0;
      if (!whole || payload[0] !== 8 || !(layers === 1 || layers === 3 || layers === 4)) {
        throw new Unreadable("the cleaned picture does not open");
      }
      frame = payload;
      profiles = [];
    }
    position += 2 + length;
  }
  if (frame === null) throw new Unreadable("the cleaned picture does not open");
  checkSize(readBigEndian(frame, 3, 2), readBigEndian(frame, 1, 2));
}

/**
 * Check a PNG cleaned by cleanPng (its chunks are known to be whole, IHDR first).
 * @param {Uint8Array} bytes
 */
export function checkPng(bytes) {
  const length = readBigEndian(bytes, 8, 4);
  const header = bytes.subarray(16, 16 + length);
  if (length < 13 || !PNG_KINDS.has(`${header[8]},${header[9]}`) || header[11] !== 0) {
    throw new Unreadable("the cleaned picture does not open");
  }
  checkSize(readBigEndian(header, 0, 4), readBigEndian(header, 4, 4));
}
