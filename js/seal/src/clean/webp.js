/**
 * A WebP with only the chunks needed to show it, by the rules of strip_webp
 * in portal/core/cleaning/pictures.py: the same allow-list (frames of an
 * animation sorted the same way), the same header flags cleared, the same
 * size limit and refusals.
 */

import { Cursor, Pieces, fourCC, readLittleEndian32, startsWithAt } from "./bytes.js";
import { Unreadable } from "./errors.js";

/** RIFF states the whole size, so the server holds the whole picture, up to this. */
export const MAX_WEBP_BYTES = 32 * 1024 * 1024;
// The bitstreams, transparency, the extended header, animation and the
// colour profile; EXIF, XMP and every other chunk are left out.
const KEPT = new Set(["VP8 ", "VP8L", "VP8X", "ALPH", "ANIM", "ANMF", "ICCP"]);
const FRAME_KEPT = new Set(["VP8 ", "VP8L", "ALPH"]);
// VP8X flags kept: colour profile, transparency, animation. Cleared: EXIF,
// XMP and the reserved bits.
const VP8X_FLAGS_KEPT = 0x32;
const VP8X_SIZE = 10;
const ANMF_HEADER = 16;

/**
 * A chunk's header: its type and little-endian size.
 * @param {string} kind
 * @param {number} size
 */
function chunkHeader(kind, size) {
  const header = Uint8Array.from(kind, (c) => c.charCodeAt(0));
  const withSize = new Uint8Array(8);
  withSize.set(header);
  new DataView(withSize.buffer).setUint32(4, size, true);
  return withSize;
}

/**
 * The chunks of data on the allow-list, each whole, pushed onto out.
 * @param {Uint8Array} data
 * @param {Set<string>} kept
 * @param {Pieces} out
 */
function keptChunks(data, kept, out) {
  let position = 0;
  while (position < data.length) {
    if (data.length - position < 8) throw new Unreadable("a WebP chunk is cut short");
    const kind = fourCC(data, position);
    const size = readLittleEndian32(data, position + 4);
    let content = data.subarray(position + 8, position + 8 + size);
    position += 8 + size + (size & 1);
    if (position > data.length) throw new Unreadable("a WebP chunk runs past the end of the file");
    if (!kept.has(kind)) continue;
    if (kind === "VP8X") {
      if (size < VP8X_SIZE) throw new Unreadable("a WebP header is cut short");
      content = content.slice();
      content[0] &= VP8X_FLAGS_KEPT;
      content.fill(0, 1, 4);
    } else if (kind === "ANMF") {
      if (size < ANMF_HEADER) throw new Unreadable("a WebP frame is cut short");
      const frame = new Pieces();
      frame.push(content.subarray(0, ANMF_HEADER));
      keptChunks(content.subarray(ANMF_HEADER), FRAME_KEPT, frame);
      content = frame.join();
    }
    out.push(chunkHeader(kind, content.length), content);
    if (content.length & 1) out.push([0]);
  }
}

/**
 * The WebP with only the chunks needed to show it; Unreadable if malformed
 * or larger than the server cleans.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function cleanWebp(bytes) {
  const reader = new Cursor(bytes);
  const header = reader.exactly(12);
  if (!startsWithAt(header, 0, "RIFF") || !startsWithAt(header, 8, "WEBP")) {
    throw new Unreadable("not a WebP picture");
  }
  const declared = readLittleEndian32(header, 4);
  if (declared > MAX_WEBP_BYTES) throw new Unreadable("the WebP picture is too large to clean");
  if (declared < 4) throw new Unreadable("the WebP picture is empty");
  const chunks = new Pieces();
  keptChunks(reader.exactly(declared - 4), KEPT, chunks);
  const out = new Pieces();
  out.push(chunkHeader("RIFF", 4 + chunks.length), Uint8Array.from([0x57, 0x45, 0x42, 0x50]));
  out.push(...chunks.parts);
  return out.join();
}
