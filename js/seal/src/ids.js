/**
 * Ids both sides compute from the report form's single-use token, so the
 * browser can bind its envelopes before the server has seen them.
 */

import { concat, fromBase64, sha256, utf8 } from "./bytes.js";

const REPORT_ID = utf8("portal/v1/report-id");

/**
 * The report's id, as `Submission.report_id` computes it: the first 16 bytes
 * of SHA-256("portal/v1/report-id" || token) in hex, where token is the bytes
 * the form's URL-safe base64 text decodes to.
 * @param {string} token
 * @returns {Promise<string>}
 */
export async function reportIdOf(token) {
  const digest = await sha256(concat(REPORT_ID, fromBase64(token)));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}
