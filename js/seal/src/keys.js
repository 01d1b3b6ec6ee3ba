/**
 * HPKE sealing (RFC 9180) to the portal's hybrid post-quantum keys, as
 * crypto/keys.py seals.
 *
 * Suite: KEM X-Wing (ML-KEM-768 + X25519, what `cryptography` calls
 * MLKEM768_X25519, id 0x647a), KDF HKDF-SHA256, AEAD AES-256-GCM. A public
 * key is 1,216 bytes: the ML-KEM-768 key, then the X25519 key. A private key
 * is a 32-byte seed, expanded as the X-Wing draft does: SHAKE256(seed, 96)
 * gives the ML-KEM seed d | z (64) and the X25519 key (32).
 *
 * Sealed layout: version (1) | kind (1) | encapsulated key (1120) | ciphertext
 * and tag. The HPKE `info` names the purpose, the header and the binding, so a
 * sealed key moved to another record does not open.
 */

import { Aes256Gcm, CipherSuite, HkdfSha256 } from "@hpke/core";
import { XWing } from "@hpke/hybridkem-x-wing";

import { concat } from "./bytes.js";
import { TamperedCiphertext } from "./errors.js";
import { HEADER_SIZE, Kind, checkHeader, header } from "./format.js";

/** @typedef {import("./format.js").Binding} Binding */

export const SEED_SIZE = 32;
export const PUBLIC_KEY_SIZE = 1216;
const ENC_SIZE = 1120;
const SEALED_MINIMUM = HEADER_SIZE + ENC_SIZE + 16;

const suite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

/**
 * @param {Binding} binding
 * @param {Uint8Array} head
 */
function info(binding, head) {
  return binding.associatedData("sealed", head);
}

/**
 * The public key of the key pair grown from this 32-byte seed.
 * @param {Uint8Array} seed
 * @returns {Promise<Uint8Array>}
 */
export async function publicKeyFromSeed(seed) {
  if (seed.length !== SEED_SIZE) throw new TypeError("private key seeds are 32 bytes");
  const pair = await suite.kem.generateKeyPairDerand(seed.slice());
  return new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
}

/**
 * Encrypt to a 1,216-byte public key so that only its private half can open it.
 * @param {Uint8Array} publicKey
 * @param {Uint8Array} plaintext
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export async function sealTo(publicKey, plaintext, binding) {
  if (publicKey.length !== PUBLIC_KEY_SIZE) {
    throw new TamperedCiphertext("the public key has the wrong length");
  }
  const head = header(Kind.SEALED);
  const recipientPublicKey = await suite.kem.importKey("raw", publicKey.slice(), true);
  let sealed;
  try {
    sealed = await suite.seal({ recipientPublicKey, info: info(binding, head) }, plaintext);
  } catch {
    throw new TamperedCiphertext("the public key is malformed: it cannot be sealed to");
  }
  return concat(head, new Uint8Array(sealed.enc), new Uint8Array(sealed.ct));
}

/**
 * Open a sealed envelope with the 32-byte seed of the private key.
 * TamperedCiphertext if it was altered, moved or sealed to another key.
 * @param {Uint8Array} seed
 * @param {Uint8Array} blob
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export async function openSealed(seed, blob, binding) {
  if (seed.length !== SEED_SIZE) throw new TypeError("private key seeds are 32 bytes");
  checkHeader(blob, Kind.SEALED, SEALED_MINIMUM);
  const head = blob.subarray(0, HEADER_SIZE);
  const recipientKey = await suite.kem.importKey("raw", seed.slice(), false);
  const enc = blob.slice(HEADER_SIZE, HEADER_SIZE + ENC_SIZE);
  const ciphertext = blob.slice(HEADER_SIZE + ENC_SIZE);
  try {
    const opened = await suite.open({ recipientKey, enc, info: info(binding, head) }, ciphertext);
    return new Uint8Array(opened);
  } catch {
    throw new TamperedCiphertext(
      "sealed key failed authentication: altered, moved or sealed to another key",
    );
  }
}
