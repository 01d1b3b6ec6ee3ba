/**
 * Evidence files cleaned of their hidden details in the browser, before
 * they are sealed, by the server's rules (portal/core/cleaning/): pictures
 * (JPEG, PNG, WebP) losslessly, videos and recordings (MP4, MOV, 3GP, M4A)
 * with their metadata overwritten in place, byte for byte as the server
 * writes them. The type is read from the file's structure, in the server's
 * order; its first bytes, its name and the type the browser gives are only
 * hints. PDFs and office documents need the server's tools (qpdf, a ZIP
 * reader), so they, and every other file, are left to the server.
 */

import { indexOf, startsWithAt } from "./bytes.js";
import { checkJpeg, checkPng } from "./check.js";
import { Unreadable } from "./errors.js";
import { MOVIES, checkIsobmff, cleanIsobmff, mediaType as movieType } from "./isobmff.js";
import { JPEG_SEARCH, JPEG_START, cleanJpeg } from "./jpeg.js";
import { PNG_SIGNATURE, cleanPng } from "./png.js";
import { cleanWebp } from "./webp.js";

export { Unreadable } from "./errors.js";
export { MAX_WEBP_BYTES, cleanWebp } from "./webp.js";
export { cleanJpeg } from "./jpeg.js";
export { cleanPng } from "./png.js";
export { cleanIsobmff } from "./isobmff.js";

/** The server's default upload limit (config.DEFAULT_MAX_UPLOAD_MB). */
export const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
export const BY_THE_SERVER = "This kind of file is cleaned by the portal's server.";
const KEEP_BOX = "“Keep hidden details in my files”";
// Pictures whose details nobody removes: the server names them in its message.
const UNCLEANABLE_PICTURES = new Set(
  ["image/heic", "image/avif", "image/tiff", "image/gif", "image/jxl"],
);
const HEIF_BRANDS = ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1"]
  .concat(["msf1", "avci"]);
const PDF_WINDOW = 1024; // readers accept "%PDF-" anywhere in the first kilobyte

/**
 * @typedef {{ mediaType: string, extension: string,
 *             clean: (bytes: Uint8Array) => Uint8Array,
 *             check: (bytes: Uint8Array) => void }} Cleaner
 */

/** @type {Record<string, Cleaner>} */
const PICTURES = {
  jpeg: { mediaType: "image/jpeg", extension: ".jpg", clean: cleanJpeg, check: checkJpeg },
  png: { mediaType: "image/png", extension: ".png", clean: cleanPng, check: checkPng },
  webp: { mediaType: "image/webp", extension: ".webp", clean: cleanWebp, check: () => {} },
};

/**
 * A media type from a file's first bytes, as the server's sniff_media_type
 * tells it, in the same order: a hint, never proof.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function sniffMediaType(bytes) {
  const at = (/** @type {number} */ offset, /** @type {string} */ text) =>
    startsWithAt(bytes, offset, text);
  const ftyp = at(4, "ftyp");
  if (indexOf(bytes, JPEG_START, 0, JPEG_SEARCH + JPEG_START.length) >= 0) return "image/jpeg";
  if (PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) return "image/png";
  if (at(0, "RIFF") && at(8, "WEBP")) return "image/webp";
  if (at(0, "GIF87a") || at(0, "GIF89a")) return "image/gif";
  if (ftyp && HEIF_BRANDS.some((brand) => at(8, brand))) return "image/heic";
  if (ftyp && (at(8, "avif") || at(8, "avis"))) return "image/avif";
  if (at(0, "II*\0") || at(0, "MM\0*")) return "image/tiff";
  if (at(0, "\xff\x0a") || at(0, "\0\0\0\x0cJXL \r\n\x87\n")) return "image/jxl";
  if (at(0, "%PDF-")) return "application/pdf";
  return "application/octet-stream";
}

/**
 * The cleaner for a file, chosen from its structure in the order the
 * server's `identify` follows; null for a file the browser leaves to the
 * server (a PDF, an office document, a ZIP, a picture nobody cleans here,
 * anything else).
 * @param {Uint8Array} bytes
 * @returns {Cleaner | null}
 */
export function cleanerFor(bytes) {
  const hint = sniffMediaType(bytes);
  if (startsWithAt(bytes, 0, "\xff\xd8\xff")) return PICTURES.jpeg;
  if (hint === "image/png") return PICTURES.png;
  if (hint === "image/webp") return PICTURES.webp;
  if (UNCLEANABLE_PICTURES.has(hint) || startsWithAt(bytes, 0, "PK\x03\x04")) return null;
  const movie = movieType(bytes);
  if (movie !== null && movie in MOVIES) {
    const extension = MOVIES[/** @type {keyof typeof MOVIES} */ (movie)];
    return { mediaType: movie, extension, clean: cleanIsobmff, check: checkIsobmff };
  }
  if (movie !== null) return null; // a HEIF or AVIF picture
  if (indexOf(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d], 0, PDF_WINDOW) >= 0) return null; // %PDF-
  // A few stray bytes before a JPEG, and nothing else it could be.
  return hint === "image/jpeg" ? PICTURES.jpeg : null;
}

/**
 * @param {string} mediaType
 */
function label(mediaType) {
  if (mediaType.startsWith("image/")) return "the picture";
  if (mediaType.startsWith("video/")) return "the video";
  return "the recording";
}

/**
 * A file's bytes without its hidden details, or why the browser does not
 * give them: a file it leaves to the server (PDF, office documents, every
 * other kind), with `byServer` true; a picture or video that does not read
 * whole as its type, or a file over the portal's upload limit, refused as
 * the server refuses it.
 * The bytes given are never changed.
 *
 * `type` is the type the browser gives the file: like the name, it is
 * chosen by whoever made the file, so it is never used to choose a cleaner.
 *
 * @param {Uint8Array} bytes
 * @param {string} name the file's name, for the message
 * @param {string} [type]
 * @param {{ maxBytes?: number }} [options] the portal's upload limit
 * @returns {{ cleaned: true, bytes: Uint8Array, mediaType: string, extension: string }
 *         | { cleaned: false, cleanable: false, byServer: boolean, reason: string }}
 */
export function cleanFile(bytes, name, type = "", { maxBytes = DEFAULT_MAX_BYTES } = {}) {
  if (bytes.length > maxBytes) {
    const limit = Math.floor(maxBytes / (1024 * 1024));
    const reason = `“${name}” is larger than the ${limit} MB limit.`;
    return { cleaned: false, cleanable: false, byServer: false, reason };
  }
  const cleaner = cleanerFor(bytes);
  if (cleaner === null) {
    return { cleaned: false, cleanable: false, byServer: true, reason: BY_THE_SERVER };
  }
  try {
    const cleaned = cleaner.clean(bytes);
    cleaner.check(cleaned);
    if (cleaned.length > maxBytes) throw new Unreadable("the clean copy is larger than the limit");
    const { mediaType, extension } = cleaner;
    return { cleaned: true, bytes: cleaned, mediaType, extension };
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error;
    return {
      cleaned: false,
      cleanable: false,
      byServer: false,
      reason:
        `We could not read ${label(cleaner.mediaType)} “${name}” to remove its hidden ` +
        `details (it may be damaged). To send it as it is, tick ${KEEP_BOX}.`,
    };
  }
}
