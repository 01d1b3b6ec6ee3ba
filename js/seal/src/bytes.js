/**
 * Byte helpers and the two WebCrypto primitives every envelope uses:
 * AES-256-GCM and HKDF-SHA256. Nothing here is hand-written cryptography.
 */

import { TamperedCiphertext } from "./errors.js";

const subtle = () => globalThis.crypto.subtle;
const encoder = new TextEncoder();

/**
 * UTF-8 bytes of a string.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function utf8(text) {
  return encoder.encode(text);
}

/**
 * The parts joined into one array.
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function concat(...parts) {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

/**
 * A number as big-endian bytes (at most 2**53 - 1, which any length is).
 * @param {number} value
 * @param {number} size
 * @returns {Uint8Array}
 */
export function bigEndian(value, size) {
  const bytes = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    bytes[i] = value % 256;
    value = Math.floor(value / 256);
  }
  return bytes;
}

/**
 * A big-endian number read from bytes.
 * @param {Uint8Array} bytes
 * @returns {number}
 */
export function readBigEndian(bytes) {
  return bytes.reduce((value, byte) => value * 256 + byte, 0);
}

/**
 * Fresh random bytes from the platform's generator.
 * @param {number} size
 * @returns {Uint8Array}
 */
export function randomBytes(size) {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

/**
 * An AES-256-GCM key for raw key bytes.
 * @param {Uint8Array} raw
 * @returns {Promise<CryptoKey>}
 */
export function aesKey(raw) {
  return subtle().importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * AES-GCM encryption: ciphertext followed by the 16-byte tag.
 * @param {CryptoKey} key
 * @param {Uint8Array} nonce
 * @param {Uint8Array} plaintext
 * @param {Uint8Array} aad
 * @returns {Promise<Uint8Array>}
 */
export async function aesEncrypt(key, nonce, plaintext, aad) {
  const algorithm = { name: "AES-GCM", iv: nonce, additionalData: aad };
  return new Uint8Array(await subtle().encrypt(algorithm, key, plaintext));
}

/**
 * AES-GCM decryption; TamperedCiphertext with this message when the tag fails.
 * @param {CryptoKey} key
 * @param {Uint8Array} nonce
 * @param {Uint8Array} sealed
 * @param {Uint8Array} aad
 * @param {string} message
 * @returns {Promise<Uint8Array>}
 */
export async function aesDecrypt(key, nonce, sealed, aad, message) {
  const algorithm = { name: "AES-GCM", iv: nonce, additionalData: aad };
  try {
    return new Uint8Array(await subtle().decrypt(algorithm, key, sealed));
  } catch {
    throw new TamperedCiphertext(message);
  }
}

/**
 * HKDF-SHA256 (RFC 5869) of the input key material.
 * @param {Uint8Array} ikm
 * @param {Uint8Array} salt  an empty salt is HKDF's default of zeros
 * @param {Uint8Array} info
 * @param {number} length  in bytes
 * @returns {Promise<Uint8Array>}
 */
export async function hkdf(ikm, salt, info, length) {
  const base = await subtle().importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const params = { name: "HKDF", hash: "SHA-256", salt, info };
  return new Uint8Array(await subtle().deriveBits(params, base, length * 8));
}

/**
 * Standard base64 with padding, as the server's forms read it.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/**
 * The bytes of standard or URL-safe base64 text.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function fromBase64(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/**
 * SHA-256 of the bytes.
 * @param {Uint8Array} bytes
 * @returns {Promise<Uint8Array>}
 */
export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

/**
 * Lower-case hex of the bytes.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
