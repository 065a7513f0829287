// The hand-off to デジタル認証アプリ from a page: start it by redirect or in a popup, and on the
// relying party's callback page hand the backend's outcome back to the page that opened it.
// Plain ESM, no WebAssembly: the code exchange happens on the relying party's backend
// ('mynacard/node', OidcBackend), never in the page.
//
//   // the page (in a click handler: browsers only allow popups from a user gesture)
//   import { startHandoff } from 'mynacard/handoff';
//   const result = await startHandoff('/handoff/start', { mode: 'popup' });
//   // the callback page the backend renders after the exchange
//   import { completeHandoff } from 'mynacard/handoff';
//   completeHandoff(handoffId, { result: { subject, fourInfo } });  // or { error: { code } }
//
// The page names the login with a random id (`handoff` in the start URL's query); the backend
// keeps it with the pending login and gives it to completeHandoff on the callback page, which
// posts on a same-origin BroadcastChannel: the outcome never leaves the relying party's origin,
// and the opener link is not needed (providers may cut it with Cross-Origin-Opener-Policy).
import { MynaError } from './dist/myna-error.js';

const CHANNEL = 'mynacard-handoff';

// The messages of the codes this module raises, as in the core's table (`mynacard error-codes`).
const MESSAGES = {
  CANCELLED: ['The operation was cancelled.', '操作は中止されました。'],
  LOGIN_EXPIRED: ['The sign-in took too long. Please start again.', 'ログインの有効期限が切れました。最初からやり直してください。'],
};

function failure(code, detail) {
  const [en, ja] = MESSAGES[code];
  return new MynaError(code, en, ja, detail ? { detail } : {}, undefined);
}

function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Starts the hand-off at `startUrl` (the backend's endpoint that redirects to the provider).
 * `mode: 'redirect'` leaves the page (the promise never settles); `mode: 'popup'` opens the
 * provider in a popup and resolves with the `result` the callback page hands back, or rejects
 * with a MynaError: `CANCELLED` (popup blocked or closed, or `signal` aborted), `LOGIN_EXPIRED`
 * (no answer within `timeoutMs`), or the code the backend reported.
 */
export function startHandoff(startUrl, { mode = 'redirect', signal, timeoutMs = 600_000, detectClose = true, popupFeatures = 'popup,width=520,height=760' } = {}) {
  if (mode !== 'redirect' && mode !== 'popup') throw new TypeError("mode must be 'redirect' or 'popup'");
  const id = randomId();
  const url = new URL(startUrl, location.href);
  if (url.origin !== location.origin) throw new TypeError('startUrl must be on this origin (the backend starts the login)');
  url.searchParams.set('handoff', id);
  if (mode === 'redirect') {
    location.assign(url.href);
    return new Promise(() => {});
  }
  if (signal?.aborted) return Promise.reject(failure('CANCELLED'));
  const popup = window.open(url.href, `mynacard-handoff-${id}`, popupFeatures);
  if (!popup) return Promise.reject(failure('CANCELLED', 'popup blocked'));
  return new Promise((resolve, reject) => {
    const channel = new BroadcastChannel(CHANNEL);
    let settled = false;
    let poll;
    let timer;
    const settle = (outcome) => {
      if (settled) return;
      settled = true;
      channel.close();
      clearInterval(poll);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (!popup.closed) popup.close();
      outcome();
    };
    const onAbort = () => settle(() => reject(failure('CANCELLED')));
    channel.onmessage = (event) => {
      const data = event.data;
      if (!data || data.id !== id) return;
      if (data.error) {
        const e = data.error;
        const code = String(e.code ?? 'OIDC_RESPONSE_INVALID');
        settle(() => reject(new MynaError(code, String(e.messageEn ?? code), String(e.messageJa ?? code), {}, undefined)));
      } else {
        settle(() => resolve(data.result));
      }
    };
    signal?.addEventListener('abort', onAbort);
    timer = setTimeout(() => settle(() => reject(failure('LOGIN_EXPIRED'))), timeoutMs);
    // The resident closed the popup. A provider whose pages set Cross-Origin-Opener-Policy
    // makes the popup look closed while it is open: pass detectClose: false for it.
    if (detectClose) {
      poll = setInterval(() => {
        // A last message may be on its way as the popup closes itself: wait a moment.
        if (popup.closed) setTimeout(() => settle(() => reject(failure('CANCELLED'))), 500);
      }, 300);
    }
  });
}

/**
 * On the callback page: hands `{ result }` or `{ error: { code, messageEn, messageJa } }` to the
 * page that started the hand-off `id` (same origin only) and closes the popup. Returns false
 * when there is no id (the redirect mode: show the outcome on this page instead).
 */
export function completeHandoff(id, outcome, { close = true } = {}) {
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) return false;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ id, ...outcome });
  channel.close();
  if (close && window.opener !== undefined) setTimeout(() => window.close(), 50);
  return true;
}
