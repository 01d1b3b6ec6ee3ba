/**
 * Ids both sides compute from the report form's single-use token, so the
 * browser can bind its envelopes before the server has seen them. The token
 * is the bytes the form's URL-safe base64 text decodes to.
 */

import { concat, fromBase64, sha256, toHex, utf8 } from "./bytes.js";

const REPORT_ID = utf8("portal/v1/report-id");
const ATTACHMENT_ID = utf8("portal/v1/attachment-id");

/**
 * The report's id, as `Submission.report_id` computes it: the first 16 bytes
 * of SHA-256("portal/v1/report-id" ‖ token) in hex.
 * @param {string} token the form's `submission` token, as the page carries it
 * @returns {Promise<string>}
 */
export async function reportIdOf(token) {
  return toHex((await sha256(concat(REPORT_ID, fromBase64(token)))).subarray(0, 16));
}

/**
 * The id of the report's file number `number` (from 1): the first 16 bytes of
 * SHA-256("portal/v1/attachment-id" ‖ token ‖ number as 4 bytes, big-endian),
 * in hex, as `Submission.attachment_id` computes it.
 * @param {string} token the form's `submission` token, as the page carries it
 * @param {number} number
 * @returns {Promise<string>}
 */
export async function attachmentIdOf(token, number) {
  if (!Number.isInteger(number) || number < 1 || number >= 2 ** 32) {
    throw new RangeError("files are numbered from 1");
  }
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, number);
  return toHex((await sha256(concat(ATTACHMENT_ID, fromBase64(token), counter))).subarray(0, 16));
}
