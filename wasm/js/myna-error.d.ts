/** Every failure of mynacard: a stable `code` shared by all faces, English and Japanese messages. */
export declare class MynaError extends Error {
  readonly name: 'MynaError';
  /** PIN_FORMAT, PIN_INCORRECT, PIN_LOCKED, CARD_REMOVED, READER_DISCONNECTED, CANCELLED, ... */
  readonly code: string;
  readonly messageEn: string;
  readonly messageJa: string;
  /** Message parameters (e.g. remaining, detail) as strings. */
  readonly params: Record<string, string>;
  /** Tries left after PIN_INCORRECT; undefined for other codes. */
  readonly remaining?: number;
}
export declare function mynaError(code: string, messageEn: string, messageJa: string, params: object, remaining: number): MynaError;
