/**
 * The versioned header and the associated data every ciphertext shares, as
 * crypto/format.py writes them.
 *
 * Every ciphertext starts with two bytes, the format version and the kind of
 * envelope; both are also authenticated. The binding (table, record id,
 * field) is never stored, only authenticated, so a ciphertext moved to
 * another record or field fails to open.
 */

import { bigEndian, concat, utf8 } from "./bytes.js";
import { TamperedCiphertext, UnknownFormatVersion } from "./errors.js";

export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 2;

/** What an envelope holds; each kind has its own layout. */
export const Kind = Object.freeze({
  FIELD: 0x46, // "F": a padded field under a data key
  KEY_WRAP: 0x4b, // "K": a key wrapped under another symmetric key
  SEALED: 0x53, // "S": HPKE-sealed to a public key
  STREAM: 0x41, // "A": the header of a segmented attachment stream
  RELEASE: 0x52, // "R": HPKE-sealed to an escrow slot's X25519 release key
});

/**
 * The two header bytes for a new envelope of this kind.
 * @param {number} kind
 * @param {number} [version]
 * @returns {Uint8Array}
 */
export function header(kind, version = FORMAT_VERSION) {
  return Uint8Array.of(version, kind);
}

/**
 * Refuse a blob whose version or kind is unknown, or that is too short.
 * @param {Uint8Array} blob
 * @param {number} kind
 * @param {number} minimumSize
 * @param {number[]} [versions]
 */
export function checkHeader(blob, kind, minimumSize, versions = [FORMAT_VERSION]) {
  if (blob.length < HEADER_SIZE) {
    throw new TamperedCiphertext("ciphertext is too short to carry a header");
  }
  if (!versions.includes(blob[0])) {
    throw new UnknownFormatVersion(`unknown ciphertext format version ${blob[0]}`);
  }
  if (blob[1] !== kind) {
    throw new TamperedCiphertext("ciphertext is of a different kind than expected");
  }
  if (blob.length < minimumSize) {
    throw new TamperedCiphertext("ciphertext is truncated");
  }
}

/**
 * Join parts unambiguously: each is preceded by its 4-byte big-endian length.
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function lengthPrefixed(...parts) {
  return concat(...parts.flatMap((part) => [bigEndian(part.length, 4), part]));
}

/** Where a ciphertext belongs: the table, the record id and the field. */
export class Binding {
  /**
   * @param {string} table
   * @param {string} recordId
   * @param {string} field
   */
  constructor(table, recordId, field) {
    this.table = table;
    this.recordId = recordId;
    this.field = field;
    Object.freeze(this);
  }

  /**
   * Associated data naming the purpose, the header and this binding.
   * @param {string} purpose  "envelope", "sealed" or "stream"
   * @param {Uint8Array} head
   * @returns {Uint8Array}
   */
  associatedData(purpose, head) {
    return lengthPrefixed(
      utf8(`portal/v1/${purpose}`),
      head,
      utf8(this.table),
      utf8(this.recordId),
      utf8(this.field),
    );
  }
}
