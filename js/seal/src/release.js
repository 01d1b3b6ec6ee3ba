/**
 * A waiting report's data key sealed to one escrow slot, as crypto/matching.py
 * seals it (`seal_to_release`, entry version 2).
 *
 * Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, base mode, to
 * the 32-byte X25519 public key the server derives from the slot's release
 * secret and answers at /report/release-keys. The public key opens nothing;
 * the private key needs the secret, which only enough reports naming the
 * same officer give.
 *
 * Layout: version (1) | kind "R" (1) | encapsulated key (32) | data key and
 * tag (48): 82 bytes. The HPKE `info` names the purpose, the header and the
 * binding (the report, the slot and the consent a match will apply), so a
 * seal moved to another slot, report or consent does not open.
 */

import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";

import { concat } from "./bytes.js";
import { TamperedCiphertext } from "./errors.js";
import { Binding, HEADER_SIZE, Kind, checkHeader, header } from "./format.js";

export const RELEASE_KEY_SIZE = 32;
const ENC_SIZE = 32;
export const RELEASE_SEAL_SIZE = HEADER_SIZE + ENC_SIZE + 32 + 16;

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

/**
 * Where a slot's seal belongs, as `bindings.escrow_release` writes it: the
 * report, the slot, and the consent a match will apply (`consent=` then a 0 or
 * 1 for each of her choices, in `Consent`'s order, waiting last and 0).
 * @param {string} reportId
 * @param {number} slot
 * @param {string} consent
 */
export function releaseBinding(reportId, slot, consent) {
  return new Binding("escrow_entries", reportId, `release/${slot}/${consent}`);
}

/**
 * @param {Binding} binding
 * @param {Uint8Array} head
 */
function info(binding, head) {
  return binding.associatedData("sealed", head);
}

/**
 * Whether this browser's WebCrypto has X25519, which the seal needs (older
 * browsers do not: their waiting reports go by the server's path).
 * @returns {Promise<boolean>}
 */
export async function releaseSealing() {
  try {
    await globalThis.crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Seal a 32-byte data key to a slot's release public key.
 * @param {Uint8Array} publicKey the 32 bytes /report/release-keys answered
 * @param {Uint8Array} dataKey
 * @param {Binding} binding `escrow_entries`, the report id, `release/<slot>/<consent>`
 * @returns {Promise<Uint8Array>}
 */
export async function sealToRelease(publicKey, dataKey, binding) {
  if (publicKey.length !== RELEASE_KEY_SIZE || dataKey.length !== 32) {
    throw new TypeError("a release key and a data key are 32 bytes each");
  }
  const head = header(Kind.RELEASE);
  let sealed;
  try {
    const recipientPublicKey = await suite.kem.importKey("raw", publicKey.slice(), true);
    sealed = await suite.seal({ recipientPublicKey, info: info(binding, head) }, dataKey);
  } catch {
    throw new TamperedCiphertext("the release key is malformed: it cannot be sealed to");
  }
  return concat(head, new Uint8Array(sealed.enc), new Uint8Array(sealed.ct));
}

/**
 * Open a slot's seal with the slot's raw X25519 private key (what matching
 * derives; here for the tests that check both sides agree).
 * @param {Uint8Array} privateKey
 * @param {Uint8Array} blob
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export async function openReleaseSeal(privateKey, blob, binding) {
  checkHeader(blob, Kind.RELEASE, RELEASE_SEAL_SIZE);
  if (blob.length !== RELEASE_SEAL_SIZE) {
    throw new TamperedCiphertext("a release seal has the wrong size");
  }
  const head = blob.subarray(0, HEADER_SIZE);
  const recipientKey = await suite.kem.importKey("raw", privateKey.slice(), false);
  const enc = blob.slice(HEADER_SIZE, HEADER_SIZE + ENC_SIZE);
  try {
    const opened = await suite.open(
      { recipientKey, enc, info: info(binding, head) },
      blob.slice(HEADER_SIZE + ENC_SIZE),
    );
    return new Uint8Array(opened);
  } catch {
    throw new TamperedCiphertext(
      "release seal failed authentication: altered, moved or sealed to another key",
    );
  }
}
