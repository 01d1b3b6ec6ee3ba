/**
 * What the codename derives, as crypto/words derives it: the survivor's key
 * for one report (`codename_wrap_key`), and the lookup secret a browser sends
 * in its place (`codename_lookup_secret`), which finds the report but opens
 * nothing. The server never stores the codename, so it derives neither.
 * Also a new codename, from the words crypto/words uses (words.json, the EFF
 * long list without its hyphenated entries, checked equal by the tests).
 */

import { hkdf, utf8 } from "./bytes.js";
import WORDS from "./words.json" with { type: "json" };

const SALT = utf8("portal/v1/survivor-wrap");
const LOOKUP_SALT = utf8("portal/v1/lookup");
// 7 words of 7,772 give 90.4 bits (crypto/words.py says why that is enough).
const CODENAME_WORDS = 7;

/**
 * HKDF-SHA256 of the codename (already normalised: lower-case words, one
 * space between them), salted, with the report id as info: 32 bytes.
 * @param {string} codename
 * @param {string} reportId
 * @returns {Promise<Uint8Array>}
 */
export function codenameWrapKey(codename, reportId) {
  return hkdf(utf8(codename), SALT, utf8(reportId), 32);
}

/**
 * HKDF-SHA256 of the normalised codename, salted, with no info: 32 bytes.
 * @param {string} codename
 * @returns {Promise<Uint8Array>}
 */
export function codenameLookupSecret(codename) {
  return hkdf(utf8(codename), LOOKUP_SALT, new Uint8Array(0), 32);
}

/**
 * A new codename as crypto/words makes one: seven words drawn uniformly from
 * the same list, one space between them.
 * @returns {string}
 */
export function newCodename() {
  const chosen = [];
  const draw = new Uint32Array(1);
  // Rejection sampling: only values below the largest multiple of the list's
  // length are used, so every word is equally likely.
  const below = Math.floor(2 ** 32 / WORDS.length) * WORDS.length;
  while (chosen.length < CODENAME_WORDS) {
    globalThis.crypto.getRandomValues(draw);
    if (draw[0] < below) {
      chosen.push(WORDS[draw[0] % WORDS.length]);
    }
  }
  return chosen.join(" ");
}
