/**
 * Segmented encryption of files (STREAM), version 2 as crypto/stream.py writes it.
 *
 * A file is cut into fixed-size segments, each sealed with AES-256-GCM under
 * a per-file key. The nonce of segment i is prefix (7) | i (4, big-endian) |
 * last-flag (1), so segments cannot be reordered, dropped from the end or
 * followed by others without detection.
 *
 * Header: version 2 (1) | kind (1) | segment size (4) | salt (32) | nonce
 * prefix (7). The per-file key is HKDF(data key, salt, binding), and the
 * header is the associated data of every segment. What is encrypted is the
 * file, zero bytes, then the file's length (8 bytes, big-endian), together
 * exactly `paddedSize(length + 8)` bytes: the stored size shows only that
 * Padmé bucket, and the length record is sealed with the last flag.
 */

import {
  aesDecrypt,
  aesEncrypt,
  aesKey,
  bigEndian,
  concat,
  hkdf,
  randomBytes,
  readBigEndian,
} from "./bytes.js";
import { KEY_SIZE, TAG_SIZE, paddedSize } from "./envelope.js";
import { TamperedCiphertext } from "./errors.js";
import { HEADER_SIZE, Kind, checkHeader, header } from "./format.js";

/** @typedef {import("./format.js").Binding} Binding */

export const SEGMENT_SIZE = 64 * 1024;
export const PADDED_VERSION = 2;
const SIZE_BYTES = 4;
const SALT_SIZE = 32;
const PREFIX_SIZE = 7;
const LENGTH_BYTES = 8;
export const STREAM_HEADER_SIZE = HEADER_SIZE + SIZE_BYTES + SALT_SIZE + PREFIX_SIZE;
const MIN_SEGMENT = 1024;
const MAX_SEGMENT = 16 * 1024 * 1024;
const MAX_SEGMENTS = 2 ** 32;

/**
 * How many bytes a file of this length is encrypted as: data, zeros, length record.
 * @param {number} length
 * @returns {number}
 */
export function paddedStreamSize(length) {
  return paddedSize(length + LENGTH_BYTES);
}

/**
 * The AES key of one file: HKDF(data key, salt, binding and header).
 * @param {Uint8Array} key
 * @param {Uint8Array} streamHeader
 * @param {Binding} binding
 */
async function fileKey(key, streamHeader, binding) {
  if (!(key instanceof Uint8Array) || key.length !== KEY_SIZE) {
    throw new TypeError("keys are 32 bytes");
  }
  const salt = streamHeader.subarray(HEADER_SIZE + SIZE_BYTES, -PREFIX_SIZE);
  const info = binding.associatedData("stream", streamHeader.subarray(0, HEADER_SIZE));
  return aesKey(await hkdf(key, salt, info, KEY_SIZE));
}

/**
 * @param {Uint8Array} prefix
 * @param {number} index
 * @param {boolean} last
 */
function nonce(prefix, index, last) {
  if (index >= MAX_SEGMENTS) throw new RangeError("stream is too long");
  return concat(prefix, bigEndian(index, 4), Uint8Array.of(last ? 1 : 0));
}

/** Encrypts one file, in order, padding its end so that its exact size does not show. */
export class StreamEncryptor {
  /**
   * A new stream under this data key, bound to its record (use `create`).
   * @param {Uint8Array} streamHeader
   * @param {CryptoKey} aead
   */
  constructor(streamHeader, aead) {
    /** The stream header, stored before the segments. */
    this.header = streamHeader;
    this.segmentSize = readBigEndian(streamHeader.subarray(HEADER_SIZE, HEADER_SIZE + SIZE_BYTES));
    this._aead = aead;
    this._prefix = streamHeader.subarray(-PREFIX_SIZE);
    this._index = 0;
    this._length = 0;
    this._buffer = new Uint8Array(0);
    this._finished = false;
  }

  /**
   * A new encryptor with a fresh salt and nonce prefix.
   * @param {Uint8Array} key
   * @param {Binding} binding
   * @param {number} [segmentSize]
   * @returns {Promise<StreamEncryptor>}
   */
  static async create(key, binding, segmentSize = SEGMENT_SIZE) {
    if (!Number.isInteger(segmentSize) || segmentSize < MIN_SEGMENT || segmentSize > MAX_SEGMENT) {
      throw new RangeError("segment size is out of range");
    }
    const streamHeader = concat(
      header(Kind.STREAM, PADDED_VERSION),
      bigEndian(segmentSize, SIZE_BYTES),
      randomBytes(SALT_SIZE),
      randomBytes(PREFIX_SIZE),
    );
    return new StreamEncryptor(streamHeader, await fileKey(key, streamHeader, binding));
  }

  /**
   * @param {Uint8Array} chunk
   * @param {boolean} last
   */
  async _seal(chunk, last) {
    const segmentNonce = nonce(this._prefix, this._index, last);
    const sealed = await aesEncrypt(this._aead, segmentNonce, chunk, this.header);
    this._index += 1;
    return sealed;
  }

  _checkOpen() {
    if (this._finished) throw new Error("the stream is already finished");
  }

  /**
   * Take more of the file; return the segments it completed (often none).
   * A full segment is sealed at once: the length record always follows it.
   * @param {Uint8Array} data
   * @returns {Promise<Uint8Array[]>}
   */
  async update(data) {
    this._checkOpen();
    this._length += data.length;
    const size = this.segmentSize;
    const sealed = [];
    let incoming = data;
    if (this._buffer.length) {
      const taken = incoming.subarray(0, size - this._buffer.length);
      this._buffer = concat(this._buffer, taken);
      incoming = incoming.subarray(taken.length);
      if (this._buffer.length < size) return sealed;
      sealed.push(await this._seal(this._buffer, false));
    }
    for (; incoming.length >= size; incoming = incoming.subarray(size)) {
      sealed.push(await this._seal(incoming.subarray(0, size), false));
    }
    this._buffer = incoming.slice();
    return sealed;
  }

  /**
   * The last segments: the file's end, zero padding, then its length.
   * Padding is made one segment at a time, as it can be 12% of a large file.
   * @returns {AsyncGenerator<Uint8Array>}
   */
  async *finish() {
    this._checkOpen();
    this._finished = true;
    const size = this.segmentSize;
    let pending = this._buffer;
    let remaining = paddedStreamSize(this._length) - (this._length - pending.length);
    let record = bigEndian(this._length, LENGTH_BYTES);
    let zeros = remaining - pending.length - record.length;
    while (remaining > size) {
      const take = Math.min(zeros, size - pending.length);
      let chunk = concat(pending, new Uint8Array(take));
      zeros -= take;
      if (chunk.length < size) {
        // The length record begins in this segment and ends in the next.
        const cut = size - chunk.length;
        chunk = concat(chunk, record.subarray(0, cut));
        record = record.subarray(cut);
      }
      yield await this._seal(chunk, false);
      remaining -= size;
      pending = new Uint8Array(0);
    }
    yield await this._seal(concat(pending, new Uint8Array(zeros), record), true);
  }
}

/** Decrypts the segments of one version 2 file, checking order, completeness and length. */
export class StreamDecryptor {
  /**
   * A decryptor for the stream with this header (use `create`).
   * @param {Uint8Array} streamHeader
   * @param {CryptoKey} aead
   */
  constructor(streamHeader, aead) {
    this.header = streamHeader;
    this.segmentSize = readBigEndian(streamHeader.subarray(HEADER_SIZE, HEADER_SIZE + SIZE_BYTES));
    this._aead = aead;
    this._prefix = streamHeader.subarray(-PREFIX_SIZE);
  }

  /**
   * Check the header and derive the file's key.
   * @param {Uint8Array} key
   * @param {Binding} binding
   * @param {Uint8Array} streamHeader
   * @returns {Promise<StreamDecryptor>}
   */
  static async create(key, binding, streamHeader) {
    checkHeader(streamHeader, Kind.STREAM, STREAM_HEADER_SIZE, [PADDED_VERSION]);
    if (streamHeader.length !== STREAM_HEADER_SIZE) {
      throw new TamperedCiphertext("stream header has the wrong length");
    }
    const size = readBigEndian(streamHeader.subarray(HEADER_SIZE, HEADER_SIZE + SIZE_BYTES));
    if (size < MIN_SEGMENT || size > MAX_SEGMENT) {
      throw new TamperedCiphertext("stream header names an impossible segment size");
    }
    const copy = streamHeader.slice();
    return new StreamDecryptor(copy, await fileKey(key, copy, binding));
  }

  /**
   * Decrypt segment number index (raw: padding and length record included);
   * TamperedCiphertext if it is not that segment.
   * @param {number} index
   * @param {Uint8Array} sealed
   * @param {boolean} last
   * @returns {Promise<Uint8Array>}
   */
  decryptSegment(index, sealed, last) {
    if (sealed.length > this.segmentSize + TAG_SIZE) {
      throw new TamperedCiphertext("segment is longer than the segment size");
    }
    const message = `segment ${index} failed authentication: altered, reordered or truncated`;
    return aesDecrypt(this._aead, nonce(this._prefix, index, last), sealed, this.header, message);
  }

  /**
   * The whole file; TamperedCiphertext if a segment is missing, moved or
   * altered, or if the length record or the padding is wrong.
   * @param {Uint8Array[]} segments
   * @returns {Promise<Uint8Array>}
   */
  async decryptSegments(segments) {
    if (segments.length === 0) throw new TamperedCiphertext("stream has no segments");
    const last = segments.length - 1;
    const raw = [];
    for (const [index, sealed] of segments.entries()) {
      raw.push(await this.decryptSegment(index, sealed, index === last));
    }
    const padded = concat(...raw);
    if (padded.length < LENGTH_BYTES) {
      throw new TamperedCiphertext("the stream's length record is missing");
    }
    const body = padded.subarray(0, -LENGTH_BYTES);
    const length = readBigEndian(padded.subarray(-LENGTH_BYTES));
    if (paddedStreamSize(length) !== padded.length) {
      throw new TamperedCiphertext("the stream's length record does not match its size");
    }
    if (body.subarray(length).some((byte) => byte !== 0)) {
      throw new TamperedCiphertext("the stream's padding is not zero");
    }
    return body.slice(0, length);
  }
}
