import type { MynaError } from './dist/myna-error.js';

export interface HandoffOptions {
  /** 'redirect' (default) leaves the page; 'popup' opens the provider in a popup. */
  mode?: 'redirect' | 'popup';
  /** Aborting closes the popup and rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Rejects with LOGIN_EXPIRED after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Treat a closed popup as CANCELLED (default true; false for providers that set COOP). */
  detectClose?: boolean;
  /** `window.open` features. */
  popupFeatures?: string;
}

/** What the callback page hands back: the backend's result, or a MynaError's fields. */
export type HandoffOutcome<T> =
  | { result: T; error?: undefined }
  | { error: { code: string; messageEn?: string; messageJa?: string }; result?: undefined };

/** Starts the hand-off at the backend's `startUrl` (same origin). Popup mode resolves with the
 * callback page's result or rejects with a {@link MynaError}. */
export function startHandoff<T = unknown>(startUrl: string | URL, options?: HandoffOptions): Promise<T>;

/** On the callback page: hands the outcome to the page that started hand-off `id`; false when
 * `id` is not a hand-off id (redirect mode). */
export function completeHandoff<T = unknown>(id: string | null | undefined, outcome: HandoffOutcome<T>, options?: { close?: boolean }): boolean;

export type { MynaError };
