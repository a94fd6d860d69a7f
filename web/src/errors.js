/**
 * The one error type the library throws. `code` is stable and meant for programs
 * (for example 'bundle', 'unknown-item', 'argument', 'disposed'); `message` is for people.
 */
export class HearthError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'HearthError';
    this.code = code;
  }
}
