// The error class of every mynacard failure. Imported by the wasm glue (raw module
// "./myna-error.js") and re-exported by the package entry, so `e instanceof MynaError` holds
// for errors thrown by the wasm face. Plain ESM, no dependencies.
export class MynaError extends Error {
  constructor(code, messageEn, messageJa, params, remaining) {
    super(messageEn);
    this.name = 'MynaError';
    /** Stable code shared by every face (PIN_INCORRECT, CARD_REMOVED, ...). */
    this.code = code;
    this.messageEn = messageEn;
    this.messageJa = messageJa;
    /** Message parameters (remaining, detail, ...) as strings. */
    this.params = params;
    /** Tries left, for PIN_INCORRECT; otherwise undefined. */
    this.remaining = remaining;
  }
}

export function mynaError(code, messageEn, messageJa, params, remaining) {
  return new MynaError(code, messageEn, messageJa, params, remaining === 255 ? undefined : remaining);
}
