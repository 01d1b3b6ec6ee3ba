/**
 * The portal's envelopes in the browser, byte for byte as crypto/ writes
 * them: padded fields and key wraps (AES-256-GCM), HPKE seals to the
 * portal's X-Wing keys, padded attachment streams, and the survivor's
 * codename key; and evidence files cleaned of their hidden details by the
 * server's rules before they are sealed (clean/), then sealed as the
 * server stores them (files.js). Bundled into portal/static/seal.js by
 * `make js`; on the report page it also takes over "Send my report"
 * (page/report.js), and elsewhere does nothing.
 */

import { startReportForm } from "./page/report.js";

export { Binding, FORMAT_VERSION, Kind } from "./format.js";
export { CryptoError, TamperedCiphertext, UnknownFormatVersion } from "./errors.js";
export {
  decryptField,
  decryptText,
  encryptField,
  encryptText,
  newKey,
  paddedSize,
  unwrapKey,
  wrapKey,
} from "./envelope.js";
export { PUBLIC_KEY_SIZE, SEED_SIZE, openSealed, publicKeyOf, sealTo } from "./keys.js";
export {
  RELEASE_KEY_SIZE,
  RELEASE_SEAL_SIZE,
  openReleaseSeal,
  releaseBinding,
  releaseSealing,
  sealToRelease,
} from "./release.js";
export { SEGMENT_SIZE, StreamDecryptor, StreamEncryptor, paddedStreamSize } from "./stream.js";
export { codenameLookupSecret, codenameWrapKey, newCodename } from "./codename.js";
export { attachmentIdOf, reportIdOf } from "./ids.js";
export { accountOf, cleanText, problemsOf, sealReport, startReportForm } from "./page/report.js";
export { FILES_PER_REQUEST, appendSealedFile, prepareReportFiles, sealReportFile } from "./files.js";
export {
  BY_THE_SERVER,
  MAX_WEBP_BYTES,
  Unreadable,
  cleanFile,
  cleanIsobmff,
  cleanJpeg,
  cleanPng,
  cleanWebp,
  sniffMediaType,
} from "./clean/index.js";

if (typeof document !== "undefined") {
  startReportForm(document);
}
