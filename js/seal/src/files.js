/**
 * Evidence files made ready and sealed in the survivor's browser: checked and
 * cleaned by the server's rules, with its words (portal/core/evidence.py),
 * then sealed as the server stores them (portal/core/sealed_files.py).
 *
 * Each file is numbered from 1 in the order it is sent, and its id comes
 * from the form's token and that number (`attachmentIdOf`, as
 * `Submission.attachment_id`), so everything it is sealed as is bound to its
 * record before the server has answered: the padded stream under a file key
 * of its own, that key wrapped under the report's data key, and its details
 * (`FileDetails` JSON) encrypted under the data key.
 */

import { sha256, toBase64, toHex, utf8 } from "./bytes.js";
import { indexOf, startsWithAt } from "./clean/bytes.js";
import { DEFAULT_MAX_BYTES, cleanFile, cleanerFor, sniffMediaType } from "./clean/index.js";
import { mediaType as movieType } from "./clean/isobmff.js";
import { encryptField, newKey, wrapKey } from "./envelope.js";
import { Binding } from "./format.js";
import { StreamEncryptor } from "./stream.js";

/** The most files one form sends (portal/core/evidence.py). */
export const FILES_PER_REQUEST = 5;
const ID_PATTERN = /^[0-9a-f]{32}$/;
const MAX_NAME_LENGTH = 200;
const MIB = 1024 * 1024;
const KEEP_BOX = "“Keep hidden details in my files”";
const CLEANED_KINDS =
  "photos (JPEG, PNG, WebP), videos and recordings (MP4, MOV, 3GP, M4A), PDFs, and Word, " +
  "Excel, PowerPoint or LibreOffice documents";
const UNCLEANABLE_PICTURES = new Set(
  ["image/heic", "image/avif", "image/tiff", "image/gif", "image/jxl"],
);
const PDF_START = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"
const PDF_WINDOW = 1024;
// What Python's str.isprintable refuses; the space is the one separator it keeps.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/**
 * A file's name as the server keeps it (`clean_filename`): its last part,
 * without characters that do not print, at most 200 characters, "file" if
 * nothing is left.
 * @param {string} name
 * @returns {string}
 */
export function cleanFilename(name) {
  const last = String(name ?? "").replaceAll("\\", "/").split("/").pop() ?? "";
  const kept = Array.from(last)
    .filter((char) => char === " " || !NOT_PRINTABLE.test(char))
    .join("")
    .trim();
  if (kept === "" || kept === "." || kept === "..") return "file";
  return Array.from(kept).slice(0, MAX_NAME_LENGTH).join("");
}

/**
 * What the server's `identify` makes of a file, as far as the browser can
 * tell: the cleaner to use, or the media type of a file nobody cleans; or
 * that only the server can tell (a ZIP may be an office document) or clean
 * it (a PDF).
 * @param {Uint8Array} bytes
 * @returns {{ cleaner?: import("./clean/index.js").Cleaner, mediaType: string,
 *             unnamed?: boolean, serverCleans?: boolean }}
 */
function identify(bytes) {
  const cleaner = cleanerFor(bytes);
  if (cleaner !== null) return { cleaner, mediaType: cleaner.mediaType };
  const hint = sniffMediaType(bytes);
  if (UNCLEANABLE_PICTURES.has(hint)) return { mediaType: hint };
  if (startsWithAt(bytes, 0, "PK\x03\x04")) return { mediaType: "application/zip", unnamed: true };
  const movie = movieType(bytes);
  if (movie !== null) return { mediaType: movie }; // a HEIF or AVIF picture
  if (indexOf(bytes, PDF_START, 0, PDF_WINDOW) >= 0) {
    return { mediaType: "application/pdf", serverCleans: true };
  }
  return { mediaType: hint };
}

/**
 * @typedef {{ name: string, media_type: string, size: number, sha256: string,
 *             metadata_removed: boolean }} FileDetails
 *   As the server's `FileDetails`, whose JSON it is sealed as.
 * @typedef {{ name: string, size: number, arrayBuffer: () => Promise<ArrayBuffer> }} ChosenFile
 *   A File from the form's file input.
 * @typedef {{ file: ChosenFile, outcome: "seal", bytes: Uint8Array, details: FileDetails }
 *         | { file: ChosenFile, outcome: "server" }
 *         | { file: ChosenFile, outcome: "refused", problem: string }} PreparedFile
 */

/**
 * @param {Uint8Array} bytes
 * @param {string} name
 * @param {string} mediaType
 * @param {boolean} removed
 * @returns {Promise<FileDetails>}
 */
async function detailsOf(bytes, name, mediaType, removed) {
  return {
    name,
    media_type: mediaType,
    size: bytes.length,
    sha256: toHex(await sha256(bytes)),
    metadata_removed: removed,
  };
}

/**
 * Each file chosen, read and made ready as the server would make it
 * (`prepare_files`): cleaned of its hidden details unless `keepDetails`, and
 * named as the server stores it (`evidence-<number><extension>` once
 * cleaned, her own name cleaned as `clean_filename` does if she keeps the
 * details), numbered from 1 among the files ready to seal, in order. For
 * each, in order: `outcome` "seal" with the bytes to seal and their details;
 * "server" for a file only the server can clean or name (a PDF, an office
 * document or another ZIP), to be sent by the server's path; or "refused"
 * with the problem in the server's own words (too large, empty, one too
 * many, a kind nobody cleans, a picture or video that does not read whole).
 * A file over the limit is never read.
 *
 * @param {Iterable<ChosenFile>} files
 * @param {boolean} keepDetails her choice to keep the files' hidden details
 * @param {{ maxBytes?: number }} [options] the portal's upload limit
 * @returns {Promise<PreparedFile[]>}
 */
export async function prepareReportFiles(files, keepDetails, { maxBytes = DEFAULT_MAX_BYTES } = {}) {
  /** @type {PreparedFile[]} */
  const prepared = [];
  let number = 0;
  for (const [index, file] of Array.from(files).entries()) {
    const name = cleanFilename(file.name);
    /** @param {string} problem */
    const refused = (problem) => prepared.push({ file, outcome: "refused", problem });
    if (index >= FILES_PER_REQUEST) {
      refused(`“${name}” was not attached. Only ${FILES_PER_REQUEST} files can be sent at once.`);
      continue;
    }
    if (file.size > maxBytes) {
      refused(`“${name}” is larger than the ${Math.floor(maxBytes / MIB)} MB limit.`);
      continue;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0) {
      refused(`“${name}” is empty.`);
      continue;
    }
    const found = identify(bytes);
    if (found.unnamed || (found.serverCleans && !keepDetails)) {
      prepared.push({ file, outcome: "server" });
    } else if (keepDetails) {
      const details = await detailsOf(bytes, name, found.mediaType, false);
      prepared.push({ file, outcome: "seal", bytes, details });
      number += 1;
    } else if (found.cleaner === undefined) {
      const what = found.mediaType.startsWith("image/") ? ", such as where it was taken," : "";
      refused(
        `We cannot remove hidden details${what} from “${name}”, so it was not attached. ` +
          `We can remove them from ${CLEANED_KINDS}. To send it as it is, tick ${KEEP_BOX}.`,
      );
    } else {
      const answer = cleanFile(bytes, name, "", { maxBytes });
      if (!answer.cleaned) {
        refused(answer.reason);
        continue;
      }
      number += 1;
      const stored = `evidence-${number}${answer.extension}`;
      const details = await detailsOf(answer.bytes, stored, answer.mediaType, true);
      prepared.push({ file, outcome: "seal", bytes: answer.bytes, details });
    }
  }
  return prepared;
}

/**
 * A string as Python's json.dumps writes it: every character outside
 * printable ASCII escaped as \uXXXX.
 * @param {string} text
 */
function pythonString(text) {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The details as `claim_attachment` writes them: json.dumps of the dataclass.
 * @param {FileDetails} details
 * @returns {string}
 */
export function detailsJson(details) {
  const { name, media_type: mediaType, size, sha256: digest } = details;
  if (!Number.isSafeInteger(size) || size < 0) throw new TypeError("size is a whole number");
  return (
    `{"name": ${pythonString(name)}, "media_type": ${pythonString(mediaType)}, ` +
    `"size": ${size}, "sha256": ${pythonString(digest)}, ` +
    `"metadata_removed": ${details.metadata_removed ? "true" : "false"}}`
  );
}

/**
 * @typedef {{ attachmentId: string, stream: Blob, fileKey: Uint8Array,
 *             details: Uint8Array }} SealedFile
 */

/**
 * One file sealed as the server stores it: the padded stream (header, then
 * segments, as crypto/stream.py writes them) under a new file key, bound to
 * `attachments/<id>/content`; that key wrapped under the report's data key
 * (`attachments/<id>/file_key`); and the details' JSON encrypted under the
 * data key (`attachments/<id>/details`).
 * @param {Uint8Array} dataKey the report's data key
 * @param {string} attachmentId `attachmentIdOf(token, number)`
 * @param {Uint8Array} bytes the file, as `prepareReportFiles` made it ready
 * @param {FileDetails} details its details, likewise
 * @returns {Promise<SealedFile>}
 */
export async function sealReportFile(dataKey, attachmentId, bytes, details) {
  if (!ID_PATTERN.test(attachmentId)) throw new TypeError("an attachment id is 32 hex digits");
  const bound = (/** @type {string} */ field) => new Binding("attachments", attachmentId, field);
  const fileKey = newKey();
  const encryptor = await StreamEncryptor.create(fileKey, bound("content"));
  const parts = [encryptor.header, ...(await encryptor.update(bytes))];
  for await (const segment of encryptor.finish()) parts.push(segment);
  return {
    attachmentId,
    stream: new Blob(parts),
    fileKey: await wrapKey(dataKey, fileKey, bound("file_key")),
    details: await encryptField(dataKey, utf8(detailsJson(details)), bound("details")),
  };
}

/**
 * Add a sealed file to the form sent to /report/sealed, after those before
 * it: its stream as a `sealed_file` part named by its attachment id (her own
 * file name is sealed in the details, never sent), and its key and details.
 * @param {FormData} form
 * @param {SealedFile} sealed
 */
export function appendSealedFile(form, sealed) {
  form.append("sealed_file", sealed.stream, sealed.attachmentId);
  form.append("sealed_file_key", toBase64(sealed.fileKey));
  form.append("sealed_file_details", toBase64(sealed.details));
}
