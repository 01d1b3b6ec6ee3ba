/**
 * Named errors, as crypto/errors.py names them: every failure to decrypt is
 * one of these, and nothing is ever partly decrypted.
 */

/** Base class for every error these modules raise. */
export class CryptoError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** Authentication failed: altered, truncated, moved to another record or field, or not ours. */
export class TamperedCiphertext extends CryptoError {}

/** The ciphertext names a format version this code does not know. */
export class UnknownFormatVersion extends CryptoError {}
