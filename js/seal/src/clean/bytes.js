/**
 * Reading a file held in memory the way the server's cleaners read a
 * stream: exactly so many bytes or a refusal, and the clean copy gathered
 * from views of the original, joined once at the end.
 */

import { Unreadable } from "./errors.js";

/** A position in a file in memory, read forwards. */
export class Cursor {
  /**
   * @param {Uint8Array} bytes
   * @param {number} [position]
   * @param {string} [short] what to say when the file ends too early
   */
  constructor(bytes, position = 0, short = "the picture ends too early") {
    this.bytes = bytes;
    this.position = position;
    this.short = short;
  }

  /** How many bytes are left. */
  get left() {
    return this.bytes.length - this.position;
  }

  /**
   * Exactly size bytes (a view, not a copy), or Unreadable if the file ends first.
   * @param {number} size
   * @returns {Uint8Array}
   */
  exactly(size) {
    if (size > this.left) throw new Unreadable(this.short);
    const view = this.bytes.subarray(this.position, this.position + size);
    this.position += size;
    return view;
  }

  /** One byte, or Unreadable if the file ends. */
  byte() {
    return this.exactly(1)[0];
  }
}

/** The pieces of a clean copy, in order. */
export class Pieces {
  constructor() {
    /** @type {Uint8Array[]} */
    this.parts = [];
    this.length = 0;
  }

  /** @param {...(Uint8Array | number[])} parts */
  push(...parts) {
    for (const part of parts) {
      const bytes = part instanceof Uint8Array ? part : Uint8Array.from(part);
      this.parts.push(bytes);
      this.length += bytes.length;
    }
  }

  /** The pieces joined into one new array. */
  join() {
    const joined = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }
}

export { bigEndian } from "../bytes.js";

/**
 * A big-endian number (exact up to 2**53; larger ones only need to compare as large).
 * @param {Uint8Array} bytes
 * @param {number} [offset]
 * @param {number} [size]
 */
export function readBigEndian(bytes, offset = 0, size = bytes.length - offset) {
  let value = 0;
  for (let i = offset; i < offset + size; i++) value = value * 256 + bytes[i];
  return value;
}

/**
 * A little-endian 32-bit number.
 * @param {Uint8Array} bytes
 * @param {number} offset
 */
export function readLittleEndian32(bytes, offset) {
  const [a, b, c, d] = bytes.subarray(offset, offset + 4);
  return a + b * 0x100 + c * 0x10000 + d * 0x1000000;
}

/**
 * Whether bytes at offset spell text (ASCII).
 * @param {Uint8Array} bytes
 * @param {number} offset
 * @param {string} text
 */
export function startsWithAt(bytes, offset, text) {
  if (offset + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Four bytes as a string of Latin-1 characters (an atom's or chunk's type).
 * @param {Uint8Array} bytes
 * @param {number} offset
 */
export function fourCC(bytes, offset) {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

/**
 * Where the first occurrence of needle is in bytes[from, to), or -1.
 * @param {Uint8Array} bytes
 * @param {number[]} needle
 * @param {number} [from]
 * @param {number} [to]
 */
export function indexOf(bytes, needle, from = 0, to = bytes.length) {
  const last = Math.min(to, bytes.length) - needle.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
