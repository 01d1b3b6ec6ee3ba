/**
 * The survivor's key for one report, derived from the codename alone, as
 * crypto/words.codename_wrap_key derives it. The server never stores the
 * codename, so it cannot derive this key.
 */

import { hkdf, utf8 } from "./bytes.js";

const SALT = utf8("portal/v1/survivor-wrap");

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
