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

/**
 * `oidc`: the hand-off to デジタル認証アプリ (or its stand-in, tests/oidc-provider):
 * `{ issuer, clientId, keyPkcs8: Uint8Array, keyId?, discovery?: Uint8Array }`; the redirect URI
 * is this server's `/handoff/callback`. Without it, `/handoff/start` says the hand-off is not
 * configured.
 */
export async function startPortal({ port = 0, now = () => Math.floor(Date.now() / 1000), oidc = null } = {}) {
  const sdk = await loadSdk();
  if (typeof sdk.default === 'function' && !sdk.verify) await sdk.default();
  const anchors = [pki('auth-ca.crt.der')];
  const crls = [pki('auth-ca.crl.der')];
  /** id → { challenge, expires }: each challenge is handed out once and used once. */
  const challenges = new Map();

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

  /** state → { pending, handoff }: the pending login (JSON with the PKCE verifier and nonce;
   * server side, single use) and the page's popup id when it started one. */
  const pendingLogins = new Map();
  let rp = null;
  const html = (res, status, title, body) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    const esc = (v) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
    res.end(`<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/style.css"><main><h1>${esc(title)}</h1>${body(esc)}<p><a href="/">ポータルに戻る</a></p></main>`);
  };

  async function handoff(req, res, path, base) {
    if (!oidc) {
      return html(res, 503, 'デジタル認証アプリ連携は未設定です', () => '<p>このデモサーバーには認証サービス（デジタル認証アプリまたは開発用スタンドイン）が設定されていません。</p>');
    }
    rp ??= new sdk.OidcBackend({ ...oidc, redirectUri: `${base}/handoff/callback` });
    if (path === '/handoff/start') {
      const { url, state, pending } = rp.authorize({ claims: ['name', 'address', 'birthdate', 'gender'] }, now());
      const id = new URL(req.url, base).searchParams.get('handoff');
      pendingLogins.set(state, { pending, handoff: /^[0-9a-f]{32}$/.test(id ?? '') ? id : null });
      res.writeHead(302, { location: url, 'cache-control': 'no-store' });
      return res.end();
    }
    if (path === '/handoff/callback') {
      const callback = `${base}${req.url}`;
      let handoffId = null;
      // A popup started by the page: hand the outcome back to it (same origin) and close.
      const toPage = (outcome) => handoffId
        ? `<script type="module">import { completeHandoff } from '/sdk/handoff.js'; completeHandoff(${JSON.stringify(handoffId)}, ${JSON.stringify(outcome).replace(/</g, '\\u003c')});</script>`
        : '';
      try {
        const state = sdk.OidcBackend.callbackState(callback);
        const entry = pendingLogins.get(state);
        pendingLogins.delete(state);
        if (!entry) throw Object.assign(new Error('unknown login'), { code: 'OIDC_STATE_MISMATCH' });
        const { pending } = entry;
        handoffId = entry.handoff;
        const flow = rp.start(pending, callback, now());
        for (let i = 0; i < 5; i++) {
          const r = flow.request(rp, now());
          const answer = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body ?? undefined }).catch(() => null);
          const step = flow.receive(rp, answer?.status ?? 0, answer ? new Uint8Array(await answer.arrayBuffer()) : null, now());
          if (step.done) {
            const f = step.fourInfo ?? {};
            const script = toPage({ result: { subject: step.subject, fourInfo: step.fourInfo ?? null } });
            return html(res, 200, '本人確認ができました', (esc) => `<dl class="fourinfo"><dt>氏名</dt><dd>${esc(f.name ?? '')}</dd><dt>住所</dt><dd>${esc(f.address ?? '')}</dd><dt>生年月日</dt><dd>${esc(f.birthDate ?? '')}</dd></dl>${script}`);
          }
        }
        throw Object.assign(new Error('the login did not finish'), { code: 'OIDC_RESPONSE_INVALID' });
      } catch (e) {
        const script = toPage({ error: { code: e.code ?? 'OIDC_RESPONSE_INVALID', messageEn: e.messageEn ?? e.message, messageJa: e.messageJa ?? e.message } });
        return html(res, 400, '本人確認できませんでした', (esc) => `<p class="error">${esc(e.messageJa ?? e.message)} [${esc(e.code ?? 'ERROR')}]</p>${script}`);
      }
    }
    return json(res, 404, { code: 'NOT_FOUND' });
  }

  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (path.startsWith('/api/')) return await api(req, res, path);
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
