/**
 * The one error the cleaners raise, as portal/core/cleaning/common.py names
 * it: the file's structure could not be read in full, so its hidden details
 * cannot be removed.
 */

/** The file does not read whole as its type: it is refused, never sent half-cleaned. */
export class Unreadable extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}
