/**
 * A JPEG without its hidden details, losslessly, by the rules of
 * stripJpeg in portal/core/cleaning/pictures.py: the same segments kept and
 * dropped, the same JFIF thumbnail cut, the same refusals.
 */

import { Cursor, Pieces, bigEndian, indexOf, startsWithAt } from "./bytes.js";
import { Unreadable } from "./errors.js";

// Kept: APP0 (JFIF, its thumbnail cut), APP2 only as an ICC colour profile,
// APP14 (Adobe, needed to decode CMYK). Dropped: every other APPn (EXIF, XMP,
// IPTC, maker notes), JFXX thumbnails and COM comments.
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;
const SOS = 0xda;
const EOI = 0xd9;
// "JFIF\0", version, density units and densities: the thumbnail after them
// can show the picture before it was cropped, so its size is set to 0 by 0.
const JFIF_FIELDS = 12;
/** A stray byte or two before a JPEG: it is looked for this far in. */
export const JPEG_SEARCH = 16;
export const JPEG_START = [0xff, 0xd8, 0xff];

/**
 * The payload to write for a segment, or null to leave it out.
 * @param {number} marker
 * @param {Uint8Array} payload
 * @returns {Uint8Array | null}
 */
function segmentKept(marker, payload) {
  if (marker === COM) return null;
  if (marker === APP0) {
    if (!startsWithAt(payload, 0, "JFIF\0") || payload.length < JFIF_FIELDS + 2) return null;
    const kept = new Uint8Array(JFIF_FIELDS + 2); // the last two bytes: a 0 by 0 thumbnail
    kept.set(payload.subarray(0, JFIF_FIELDS));
    return kept;
  }
  if (marker >= 0xe1 && marker <= 0xef) {
    const keep = marker === APP14 || (marker === APP2 && startsWithAt(payload, 0, "ICC_PROFILE\0"));
    return keep ? payload : null;
  }
  return payload;
}

/**
 * Where the scan data that starts at from ends: the next marker that is
 * neither a restart nor a stuffed 0xFF00 (fill bytes 0xFF before it belong
 * to the scan, as the server copies them).
 * @param {Uint8Array} bytes
 * @param {number} from
 */
function scanEnd(bytes, from) {
  let position = from;
  for (;;) {
    const found = bytes.indexOf(0xff, position);
    if (found === -1 || found === bytes.length - 1) {
      throw new Unreadable("the picture ends inside its image data");
    }
    const following = bytes[found + 1];
    if (following === 0x00 || (following >= 0xd0 && following <= 0xd7)) position = found + 2;
    else if (following === 0xff) position = found + 1;
    else return found;
  }
}

/**
 * The JPEG that starts at bytes[0], without its metadata segments, and
 * nothing after its end; Unreadable if malformed.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function stripJpeg(bytes) {
  const reader = new Cursor(bytes);
  const start = reader.exactly(2);
  if (start[0] !== 0xff || start[1] !== 0xd8) throw new Unreadable("not a JPEG picture");
  const out = new Pieces();
  out.push([0xff, 0xd8]);
  for (;;) {
    if (reader.byte() !== 0xff) throw new Unreadable("a JPEG marker was expected");
    let marker = reader.byte();
    while (marker === 0xff) marker = reader.byte(); // fill bytes before a marker
    if (marker === EOI) {
      out.push([0xff, 0xd9]);
      return out.join(); // anything after the end of the picture is dropped
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      out.push([0xff, marker]);
      continue;
    }
    const length = reader.byte() * 256 + reader.byte();
    if (length < 2) throw new Unreadable("a JPEG segment length is impossible");
    const kept = segmentKept(marker, reader.exactly(length - 2));
    if (kept !== null) out.push([0xff, marker], bigEndian(kept.length + 2, 2), kept);
    if (marker === SOS) {
      const end = scanEnd(bytes, reader.position);
      out.push(bytes.subarray(reader.position, end));
      reader.position = end;
    }
  }
}

/**
 * The JPEG without its metadata, from its first marker on (a stray byte or
 * two before it is left out, as no part of it).
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function cleanJpeg(bytes) {
  const start = indexOf(bytes, JPEG_START, 0, JPEG_SEARCH + JPEG_START.length);
  if (start < 0) throw new Unreadable("not a JPEG picture");
  return stripJpeg(bytes.subarray(start));
}
