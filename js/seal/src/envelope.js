/**
 * Symmetric envelopes, as crypto/envelope.py writes them: AES-256-GCM fields
 * and wrapped keys bound to a record.
 *
 * Layout: version (1) | kind (1) | nonce (12) | AES-256-GCM ciphertext and tag.
 * Fields are padded first (Padmé), so the ciphertext's length shows only the
 * order of magnitude of the text.
 */

import {
  aesDecrypt,
  aesEncrypt,
  aesKey,
  bigEndian,
  concat,
  randomBytes,
  readBigEndian,
} from "./bytes.js";
import { TamperedCiphertext } from "./errors.js";
import { HEADER_SIZE, Kind, checkHeader, header } from "./format.js";

/** @typedef {import("./format.js").Binding} Binding */

export const KEY_SIZE = 32;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
// Short texts all pad to the same size: a two-word answer and a paragraph
// of 200 characters cannot be told apart.
export const MIN_PADDED_SIZE = 256;
const LENGTH_PREFIX = 4;

/**
 * A fresh random 256-bit key.
 * @returns {Uint8Array}
 */
export function newKey() {
  return randomBytes(KEY_SIZE);
}

/**
 * How many bits a non-negative integer needs (arithmetic, so past 2**32 too).
 * @param {number} value
 * @returns {number}
 */
function bitLength(value) {
  let bits = 0;
  while (2 ** bits <= value) bits++;
  return bits;
}

/**
 * The Padmé bucket for a plaintext of this length (at most 12% overhead).
 * @param {number} length
 * @returns {number}
 */
export function paddedSize(length) {
  if (length <= MIN_PADDED_SIZE) return MIN_PADDED_SIZE;
  const exponent = bitLength(length) - 1;
  const step = 2 ** (exponent - bitLength(exponent));
  return Math.ceil(length / step) * step;
}

/** @param {Uint8Array} plaintext */
function pad(plaintext) {
  const framed = concat(bigEndian(plaintext.length, LENGTH_PREFIX), plaintext);
  const padded = new Uint8Array(paddedSize(framed.length));
  padded.set(framed);
  return padded;
}

/** @param {Uint8Array} padded */
function unpad(padded) {
  const end = LENGTH_PREFIX + readBigEndian(padded.subarray(0, LENGTH_PREFIX));
  if (end > padded.length || padded.subarray(end).some((byte) => byte !== 0)) {
    throw new TamperedCiphertext("padding is malformed");
  }
  return padded.slice(LENGTH_PREFIX, end);
}

/** @param {Uint8Array} key */
function checkKey(key) {
  if (!(key instanceof Uint8Array) || key.length !== KEY_SIZE) {
    throw new TypeError("keys are 32 bytes");
  }
}

/**
 * @param {number} kind
 * @param {Uint8Array} key
 * @param {Uint8Array} plaintext
 * @param {Binding} binding
 */
async function encrypt(kind, key, plaintext, binding) {
  checkKey(key);
  const head = header(kind);
  const nonce = randomBytes(NONCE_SIZE);
  const aad = binding.associatedData("envelope", head);
  return concat(head, nonce, await aesEncrypt(await aesKey(key), nonce, plaintext, aad));
}

/**
 * @param {number} kind
 * @param {Uint8Array} key
 * @param {Uint8Array} blob
 * @param {Binding} binding
 */
async function decrypt(kind, key, blob, binding) {
  checkKey(key);
  checkHeader(blob, kind, HEADER_SIZE + NONCE_SIZE + TAG_SIZE);
  const head = blob.subarray(0, HEADER_SIZE);
  const nonce = blob.subarray(HEADER_SIZE, HEADER_SIZE + NONCE_SIZE);
  const aad = binding.associatedData("envelope", head);
  const sealed = blob.subarray(HEADER_SIZE + NONCE_SIZE);
  const message = "ciphertext failed authentication: altered, moved or under another key";
  return aesDecrypt(await aesKey(key), nonce, sealed, aad, message);
}

/**
 * Encrypt one field of one record, padded to its size bucket.
 * @param {Uint8Array} key
 * @param {Uint8Array} plaintext
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export function encryptField(key, plaintext, binding) {
  return encrypt(Kind.FIELD, key, pad(plaintext), binding);
}

/**
 * Decrypt a field; TamperedCiphertext unless it is intact and in place.
 * @param {Uint8Array} key
 * @param {Uint8Array} blob
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export async function decryptField(key, blob, binding) {
  return unpad(await decrypt(Kind.FIELD, key, blob, binding));
}

/**
 * Wrap a key (or any short secret) under a symmetric key, unpadded.
 * @param {Uint8Array} wrappingKey
 * @param {Uint8Array} secret
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export function wrapKey(wrappingKey, secret, binding) {
  return encrypt(Kind.KEY_WRAP, wrappingKey, secret, binding);
}

/**
 * Unwrap a secret wrapped by wrapKey.
 * @param {Uint8Array} wrappingKey
 * @param {Uint8Array} blob
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export function unwrapKey(wrappingKey, blob, binding) {
  return decrypt(Kind.KEY_WRAP, wrappingKey, blob, binding);
}

/**
 * Encrypt a text field (UTF-8), as encrypt_text does.
 * @param {Uint8Array} key
 * @param {string} text
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export function encryptText(key, text, binding) {
  return encryptField(key, new TextEncoder().encode(text), binding);
}

/**
 * Decrypt a text field written by encryptText.
 * @param {Uint8Array} key
 * @param {Uint8Array} blob
 * @param {Binding} binding
 * @returns {Promise<string>}
 */
export async function decryptText(key, blob, binding) {
  const plaintext = await decryptField(key, blob, binding);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
  } catch {
    throw new TamperedCiphertext("decrypted text is not UTF-8");
  }
}
