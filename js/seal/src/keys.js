/**
 * HPKE sealing (RFC 9180) to the portal's hybrid post-quantum keys, as
 * crypto/keys.py seals.
 *
 * Suite: KEM X-Wing (ML-KEM-768 + X25519, what `cryptography` calls
 * MLKEM768_X25519, id 0x647a), KDF HKDF-SHA256, AEAD AES-256-GCM. A public
 * key is 1,216 bytes: the ML-KEM-768 key, then the X25519 key. A private key
 * is given in its stored form (crypto/keys.py `to_bytes`): the byte 0x02
 * naming the X-Wing kind, then the 32-byte seed, which the X-Wing draft
 * expands: SHAKE256(seed, 96) gives the ML-KEM seed d | z (64) and the X25519
 * key (32). Keys of the old kind, a bare seed that Python expands with HKDF,
 * are refused here: they open only in Python.
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
const XWING_KIND = 0x02;
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
 * The X-Wing seed inside a private key's stored form.
 * @param {Uint8Array} stored
 * @returns {Uint8Array}
 */
function xwingSeed(stored) {
  if (stored.length === SEED_SIZE) {
    throw new TypeError("a key of the old kind (a bare seed) opens only in Python");
  }
  if (stored.length !== SEED_SIZE + 1 || stored[0] !== XWING_KIND) {
    throw new TamperedCiphertext("stored private key is malformed");
  }
  return stored.slice(1);
}

/**
 * The public key of a private key given in its stored form.
 * @param {Uint8Array} stored
 * @returns {Promise<Uint8Array>}
 */
export async function publicKeyOf(stored) {
  const pair = await suite.kem.generateKeyPairDerand(xwingSeed(stored));
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
  let sealed;
  try {
    const recipientPublicKey = await suite.kem.importKey("raw", publicKey.slice(), true);
    sealed = await suite.seal({ recipientPublicKey, info: info(binding, head) }, plaintext);
  } catch {
    throw new TamperedCiphertext("the public key is malformed: it cannot be sealed to");
  }
  return concat(head, new Uint8Array(sealed.enc), new Uint8Array(sealed.ct));
}

/**
 * Open a sealed envelope with a private key given in its stored form.
 * TamperedCiphertext if it was altered, moved or sealed to another key.
 * @param {Uint8Array} stored
 * @param {Uint8Array} blob
 * @param {Binding} binding
 * @returns {Promise<Uint8Array>}
 */
export async function openSealed(stored, blob, binding) {
  const seed = xwingSeed(stored);
  checkHeader(blob, Kind.SEALED, SEALED_MINIMUM);
  const head = blob.subarray(0, HEADER_SIZE);
  const recipientKey = await suite.kem.importKey("raw", seed, false);
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
