/**
 * Every `code` a HearthError can carry, with what it means (web/README and index.d.ts list
 * the same). Programs switch on the code; the message is for people.
 */
export const ERROR_CODES = Object.freeze({
  argument: 'a call was given a value it cannot use (the message names the option or entry)',
  'unknown-item': 'an item id is not in the catalog',
  bundle: 'the bundle is not one this library can read, or it is damaged (names the section)',
  integrity: 'the bundle does not match the integrity digest it was loaded with',
  io: 'the bundle could not be read or downloaded',
  memory: 'the WebAssembly module ran out of memory',
  model: 'the model cannot compute an answer for this input',
  disposed: 'the recommender or history store was used after dispose() or close()',
  storage: 'the history storage failed, is full, or holds a newer schema',
  import: 'an exported history given to importData() is not valid (names the field)',
  worker: 'the recommender worker could not start or stopped',
  internal: 'a failure inside the library that its checks did not foresee (a bug: please report it)',
});

/**
 * The one error type the library throws. `code` is one of ERROR_CODES and stable;
 * `message` is for people.
 */
export class HearthError extends Error {
  /**
   * @param {keyof typeof ERROR_CODES} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'HearthError';
    this.code = Object.hasOwn(ERROR_CODES, code) ? code : 'internal';
    if (this.code !== code) this.message = `${message} (code '${code}')`;
  }
}
