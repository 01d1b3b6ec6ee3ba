/**
 * What the codename derives, as crypto/words derives it: the survivor's key
 * for one report (`codename_wrap_key`), and the lookup secret a browser sends
 * in its place (`codename_lookup_secret`), which finds the report but opens
 * nothing. The server never stores the codename, so it derives neither.
 */

import { hkdf, utf8 } from "./bytes.js";

const SALT = utf8("portal/v1/survivor-wrap");
const LOOKUP_SALT = utf8("portal/v1/lookup");

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
