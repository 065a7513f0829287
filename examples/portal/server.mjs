// The municipal portal's demo server (Node 20, no framework): serves the page and the SDK, hands
// out one-time login challenges, and verifies a card's authentication with the SDK's own
// verification (wasm core in Node): signature over the challenge, 利用者証明用 certificate
// chained to the trusted CA, revocation from the CRL. Listens on 127.0.0.1 only.
//
//   node examples/portal/server.mjs [--port 8080]      (scripts/demo.sh --portal starts it)
//
// Trust: the test PKI of the virtual card (tests/virtual-card/pki), so the virtual card and
// nothing else logs in. A real portal passes the JPKI CAs and the current CRLs instead.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve, extname, sep, join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { madoguchi } from './madoguchi.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm',
  '.json': 'application/json', '.css': 'text/css; charset=utf-8', '.der': 'application/pkix-cert',
};
// URL prefix → folder. Nothing else of the repository is served.
const MOUNTS = [
  ['/sdk/', join(root, 'npm')],
  ['/target/browser-test/virtual-usb/', join(root, 'target', 'browser-test', 'virtual-usb')],
  ['/virtual/', join(root, 'npm', 'test', 'browser')],
  ['/', join(here, 'public')],
];

/** The SDK's Node entry: the wasm core with verify(). */
async function loadSdk() {
  for (const f of ['npm/node.js', 'npm/dist/node/mynacard_wasm.js']) {
    const p = join(root, f);
    if (existsSync(p)) return import(pathToFileURL(p).href);
  }
  throw new Error('the SDK is not built: run scripts/wasm-build.sh');
}

const pki = (name) => new Uint8Array(readFileSync(join(root, 'tests', 'virtual-card', 'pki', name)));
const CHALLENGE_TTL_MS = 120_000;
const MAX_BODY = 16_384;
// A pending login lives as long as the core's (ClientConfig's login_ttl, 600 s by default);
// expired ones are purged on every start and callback, and at most this many are kept.
const LOGIN_TTL_S = 600;
const MAX_PENDING_LOGINS = 10_000;

/**
 * `oidc`: the hand-off to デジタル認証アプリ (or its stand-in, tests/oidc-provider):
 * `{ issuer, clientId, keyPkcs8: Uint8Array, keyId?, discovery?: Uint8Array }`; the redirect URI
 * is this server's `/handoff/callback`. Without it, `/handoff/start` says the hand-off is not
 * configured. `counter`: the 窓口 page's 対面確認 (examples/portal/madoguchi.mjs):
 * `{ reader?, issuerKey?, cli? }`; without a reader the demo page names a virtual persona.
 */
export async function startPortal({ port = 0, now = () => Math.floor(Date.now() / 1000), oidc = null, counter = {} } = {}) {
  const sdk = await loadSdk();
  if (typeof sdk.default === 'function' && !sdk.verify) await sdk.default();
  const anchors = [pki('auth-ca.crt.der')];
  const crls = [pki('auth-ca.crl.der')];
  /** id → { challenge, expires }: each challenge is handed out once and used once. */
  const challenges = new Map();
  // The 窓口 page's 対面確認 (examples/portal/madoguchi.mjs): the counter's own reader.
  const faceCheck = madoguchi({ root, ...counter });

  const json = (res, status, body) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const readJson = (req) => new Promise((ok, fail) => {
    let size = 0;
    const parts = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { fail(new Error('body too large')); req.destroy(); } else parts.push(c);
    });
    req.on('end', () => { try { ok(JSON.parse(Buffer.concat(parts).toString('utf8'))); } catch (e) { fail(e); } });
    req.on('error', fail);
  });
  const b64 = (s) => (typeof s === 'string' && /^[A-Za-z0-9+/=]+$/.test(s) ? new Uint8Array(Buffer.from(s, 'base64')) : null);

  async function api(req, res, path) {
    if (req.method === 'POST' && path === '/api/challenge') {
      for (const [id, c] of challenges) if (c.expires < Date.now()) challenges.delete(id);
      const id = randomUUID();
      const challenge = randomBytes(32);
      challenges.set(id, { challenge, expires: Date.now() + CHALLENGE_TTL_MS });
      return json(res, 200, { id, challenge: challenge.toString('base64') });
    }
    if (req.method === 'POST' && path === '/api/login') {
      let body;
      try { body = await readJson(req); } catch { return json(res, 400, { code: 'INVALID_ARGUMENT' }); }
      const entry = challenges.get(body?.id);
      challenges.delete(body?.id); // one use, whatever the outcome
      if (!entry || entry.expires < Date.now()) return json(res, 400, { code: 'CHALLENGE_INVALID' });
      const certificate = b64(body.certificate);
      const signature = b64(body.signature);
      if (!certificate || !signature) return json(res, 400, { code: 'INVALID_ARGUMENT' });
      try {
        const r = sdk.verify({ certificate, signature, data: new Uint8Array(entry.challenge), kind: 'auth', anchors, crls, at: now() });
        // The relying party keeps the subject and serial, never more than it needs.
        return json(res, 200, { ok: true, subject: r.subject, serial: r.serial, status: r.status, notAfter: r.notAfter });
      } catch (e) {
        return json(res, 401, { code: e.code ?? 'SIGNATURE_INVALID', messageJa: e.messageJa, messageEn: e.messageEn });
      }
    }
    return json(res, 404, { code: 'NOT_FOUND' });
  }

  /** state → { pending, handoff, expires }: the pending login (JSON with the PKCE verifier,
   * the nonce and the hash of the browser's login cookie; server side, single use), the page's
   * popup id when it started one, and when it expires (seconds). */
  const pendingLogins = new Map();
  const purgeLogins = (t) => {
    for (const [state, entry] of pendingLogins) if (entry.expires < t) pendingLogins.delete(state);
  };
  let rp = null;
  const html = (res, status, title, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
    const esc = (v) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
    res.end(`<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/style.css"><main><h1>${esc(title)}</h1>${body(esc)}<p><a href="/">ポータルに戻る</a></p></main>`);
  };

  async function handoff(req, res, path, base) {
    if (!oidc) {
      return html(res, 503, 'デジタル認証アプリ（マイナアプリ）連携は未設定です', () => '<p>このデモサーバーには認証サービス（デジタル認証アプリ（マイナアプリ）または開発用スタンドイン）が設定されていません。</p>');
    }
    rp ??= new sdk.OidcBackend({ ...oidc, redirectUri: `${base}/handoff/callback` });
    if (path === '/handoff/start') {
      purgeLogins(now());
      if (pendingLogins.size >= MAX_PENDING_LOGINS) {
        return html(res, 503, '混み合っています', () => '<p>しばらくしてからもう一度お試しください。</p>');
      }
      // The login cookie binds the pending login to this browser: a callback in another
      // browser (login CSRF, a leaked callback URL) is refused with BROWSER_MISMATCH.
      const { url, state, pending, setCookie } = rp.authorize({ claims: ['name', 'address', 'birthdate', 'gender'] }, now());
      const id = new URL(req.url, base).searchParams.get('handoff');
      pendingLogins.set(state, { pending, handoff: /^[0-9a-f]{32}$/.test(id ?? '') ? id : null, expires: now() + LOGIN_TTL_S });
      res.writeHead(302, { location: url, 'cache-control': 'no-store', 'set-cookie': setCookie });
      return res.end();
    }
    if (path === '/handoff/callback') {
      const callback = `${base}${req.url}`;
      let handoffId = null;
      // A popup started by the page: hand the outcome back to it (same origin) and close.
      const toPage = (outcome) => handoffId
        ? `<script type="module">import { completeHandoff } from '/sdk/handoff.js'; completeHandoff(${JSON.stringify(handoffId)}, ${JSON.stringify(outcome).replace(/</g, '\\u003c')});</script>`
        : '';
      // The login cookie is spent whatever the outcome.
      const clear = { 'set-cookie': sdk.OidcBackend.clearCookie() };
      try {
        purgeLogins(now());
        const state = sdk.OidcBackend.callbackState(callback);
        const entry = pendingLogins.get(state);
        pendingLogins.delete(state);
        if (!entry) throw Object.assign(new Error('unknown login'), { code: 'OIDC_STATE_MISMATCH' });
        const { pending } = entry;
        const browser = sdk.OidcBackend.browserCookie(req.headers.cookie ?? '');
        // The popup id goes back to a page only in the browser that started the login.
        const flow = rp.start(pending, browser, callback, now());
        handoffId = entry.handoff;
        for (let i = 0; i < 5; i++) {
          const r = flow.request(rp, now());
          // redirect: 'manual': a 3xx from the token or userinfo endpoint is an answer
          // (HTTP_STATUS), never re-sent elsewhere with the code, verifier or token.
          const answer = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body ?? undefined, redirect: 'manual' }).catch(() => null);
          const step = flow.receive(rp, answer?.status ?? 0, answer ? new Uint8Array(await answer.arrayBuffer()) : null, now());
          if (step.done) {
            const f = step.fourInfo ?? {};
            const script = toPage({ result: { subject: step.subject, fourInfo: step.fourInfo ?? null } });
            return html(res, 200, '本人確認ができました', (esc) => `<dl class="fourinfo"><dt>氏名</dt><dd>${esc(f.name ?? '')}</dd><dt>住所</dt><dd>${esc(f.address ?? '')}</dd><dt>生年月日</dt><dd>${esc(f.birthDate ?? '')}</dd></dl>${script}`, clear);
          }
        }
        throw Object.assign(new Error('the login did not finish'), { code: 'OIDC_RESPONSE_INVALID' });
      } catch (e) {
        const script = toPage({ error: { code: e.code ?? 'OIDC_RESPONSE_INVALID', messageEn: e.messageEn ?? e.message, messageJa: e.messageJa ?? e.message } });
        return html(res, 400, '本人確認できませんでした', (esc) => `<p class="error">${esc(e.messageJa ?? e.message)} [${esc(e.code ?? 'ERROR')}]</p>${script}`, clear);
      }
    }
    return json(res, 404, { code: 'NOT_FOUND' });
  }

  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path.startsWith('/api/')) return await api(req, res, path);
      if (req.method === 'POST' && path === '/madoguchi/check') {
        let body;
        try { body = await readJson(req); } catch { return json(res, 400, { code: 'INVALID_ARGUMENT' }); }
        const r = await faceCheck(body);
        return json(res, r.status, r.body);
      }
      if (path.startsWith('/handoff/')) return await handoff(req, res, path, `http://127.0.0.1:${server.address().port}`);
      if (req.method !== 'GET') return json(res, 405, { code: 'METHOD' });
      const [prefix, dir] = MOUNTS.find(([p]) => path.startsWith(p));
      const rel = path.slice(prefix.length) || 'index.html';
      const file = resolve(dir, rel);
      if (file !== dir && !file.startsWith(dir + sep)) return json(res, 403, { code: 'FORBIDDEN' });
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(data);
    } catch {
      if (!res.headersSent) json(res, 404, { code: 'NOT_FOUND' });
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    server,
    url,
    /** The redirect URI to register at the provider. */
    redirectUri: `${url}/handoff/callback`,
    /** How many pending logins the server holds (expired ones are purged on each start and callback). */
    pendingLoginCount: () => pendingLogins.size,
    /** Sets (or replaces) the hand-off configuration after start (the port is known then). */
    configureHandoff(config) {
      oidc = config;
      rp = null;
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--port');
  const { url } = await startPortal({ port: i > 0 ? Number(process.argv[i + 1]) : 8080 });
  console.log(`portal: ${url}/  (仮想カードで試す: ${url}/?virtual=taro)`);
}
