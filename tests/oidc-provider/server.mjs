// Development stand-in for デジタル認証アプリ's OIDC side, on 127.0.0.1 only. Not the agency's
// service: `oidc-provider` with the service's published shape (see docs/oidc.md and
// shared/spec/digital-auth-app.md): issuer http://127.0.0.1:PORT/api/realms/main, endpoints
// /api/realms/main/protocol/openid-connect/{auth,token,userinfo,certs}, authorization code +
// PKCE S256, private_key_jwt clients, scopes name/address/birthdate/gender (基本4情報) and sign,
// `sign_transaction_id`, client credentials, and a stand-in 署名API at /api/sign-transactions
// whose result is JWE (RSA-OAEP-256, A256GCM) to the client's encryption key.
//
// The login screen is the service's test-card substitute: the resident signs the screen's
// challenge with the 利用者証明用 key of a (virtual) My Number Card — through the SDK, e.g.
// `mynacard --virtual hanako auth --challenge HEX` — and posts certificate and signature. This
// server checks them on its own, with Node's crypto and OpenSSL (not the SDK, so a bug in the
// SDK is not mirrored here): signature over the challenge, chain to the test 利用者証明用 CA,
// validity, and the CRL. The certificate picks the account; consent is then granted as asked.
//
// Usage: OIDC_DEV_CLIENTS='[{client metadata}, ...]' node server.mjs [port]
// Prints one JSON line {"issuer": "..."} on stdout once listening (port 0: any free port).

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const PREFIX = '/api/realms/main';
const OIDC = '/protocol/openid-connect';

// The virtual card's test PKI: hanako's 署名用 certificate and key sign the sign transactions.
const pki = (name) => fs.readFileSync(path.join(here, '..', 'virtual-card', 'pki', name));
const signCert = pki('hanako-sign.crt.der');
const signKey = crypto.createPrivateKey({ key: pki('hanako-sign.key.der'), format: 'der', type: 'pkcs8' });

// Test accounts, matching the virtual card's personas (their 利用者証明用 certificates log
// them in). gender as ISO 5218 and birthdate as YYYYMMDD: the forms a third-party client that
// passed the sandbox stores (INTER-Mediator MyNumberCardAdapter.php, 2025-05: 8 and 1
// characters); the service's own format is unconfirmed, and the core accepts YYYY-MM-DD too.
const ACCOUNTS = {
  taro: {
    sub: 'taro-pairwise-0001',
    name: '\uE0A1田　太郎',
    address: '東京都千代田区霞が関二丁目一番二号',
    birthdate: '19800217',
    gender: '1',
  },
  hanako: {
    sub: 'hanako-pairwise-0001',
    name: '佐藤　花子',
    address: '大阪府大阪市北区中之島一丁目三番二〇号',
    birthdate: '19921103',
    gender: '2',
  },
};

const clients = JSON.parse(process.env.OIDC_DEV_CLIENTS || '[]');

// The login screen's trust: the test 利用者証明用 CA and the serials its CRL revokes (read once
// with OpenSSL, which has a CRL parser; Node's crypto has none).
const authCa = new crypto.X509Certificate(pki('auth-ca.crt.der'));
const revokedSerials = new Set(
  [...execFileSync('openssl', ['crl', '-inform', 'DER', '-in', path.join(here, '..', 'virtual-card', 'pki', 'auth-ca.crl.der'), '-noout', '-text'], { encoding: 'utf8' })
    .matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)].map((m) => m[1].toUpperCase().replace(/^0+/, '')),
);
// Persona certificates → accounts.
const certAccounts = new Map(
  Object.keys(ACCOUNTS).map((id) => [pki(`${id}-auth.crt.der`).toString('base64'), id]),
);
// uid → { challenge, expires }: one challenge per login screen, used once.
const challenges = new Map();

/** Checks a login: `{ certificate, signature }` (base64) over `challenge`. Returns the account
 * or throws { error, message }. */
function checkJpkiLogin(body, challenge) {
  const refuse = (error, message) => Object.assign(new Error(message), { error });
  let cert;
  try {
    cert = new crypto.X509Certificate(Buffer.from(String(body.certificate || ''), 'base64'));
  } catch {
    throw refuse('invalid_certificate', '証明書を読み取れません');
  }
  if (!cert.verify(authCa.publicKey) || cert.issuer !== authCa.subject) throw refuse('untrusted', '利用者証明用電子証明書ではありません');
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) throw refuse('expired', '電子証明書の有効期間外です');
  if (revokedSerials.has(cert.serialNumber.toUpperCase().replace(/^0+/, ''))) throw refuse('revoked', '電子証明書は失効しています');
  const signature = Buffer.from(String(body.signature || ''), 'base64');
  if (!crypto.verify('sha256', challenge, cert.publicKey, signature)) throw refuse('bad_signature', '署名を検証できません');
  const account = certAccounts.get(cert.raw.toString('base64'));
  if (!account) throw refuse('unknown_account', 'この証明書の利用者は登録されていません');
  return account;
}

function loginPage(uid, challenge, error) {
  const hex = challenge.toString('hex');
  return `<!doctype html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>デジタル認証アプリ（開発用スタンドイン）</title>
<style>body{font-family:sans-serif;max-width:42em;margin:1em auto;padding:0 1em}pre{white-space:pre-wrap;word-break:break-all;background:#f1f3f4;padding:.5em}textarea{width:100%}</style>
<body>
<h1>マイナンバーカードで本人確認（開発用）</h1>
${error ? `<p style="color:#b3261e">${error}</p>` : ''}
<p>利用者証明用電子証明書で次のチャレンジに署名してください。仮想カードでは：</p>
<pre>mynacard --virtual hanako auth --challenge ${hex}</pre>
<form method="post" action="/interaction/${uid}/login">
<p><label>証明書（DER, base64）<br><textarea name="certificate" rows="4" cols="60"></textarea></label></p>
<p><label>署名（base64）<br><textarea name="signature" rows="3" cols="60"></textarea></label></p>
<p><button>本人確認</button></p></form></body></html>`;
}
const port = Number(process.argv[2] || process.env.PORT || 0);

// Provider signing keys, fresh per run: RS256 and ES256.
async function signingKeys() {
  const rsa = await jose.generateKeyPair('RS256', { extractable: true });
  const ec = await jose.generateKeyPair('ES256', { extractable: true });
  return [
    { ...(await jose.exportJWK(rsa.privateKey)), kid: 'dev-rs256', alg: 'RS256', use: 'sig' },
    { ...(await jose.exportJWK(ec.privateKey)), kid: 'dev-es256', alg: 'ES256', use: 'sig' },
  ];
}

// Sign transactions: id → { hash, clientId, accountId }.
const transactions = new Map();

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function bearer(req) {
  const auth = req.headers.authorization || '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : null;
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

// The authorization request's parameter rules as the Digital Agency's API reference publishes
// them (developers.digital.go.jp, auth-and-sign/authserver, 認可エンドポイント): client_id
// `[0-9a-zA-Z]{1,255}`, state and nonce 1-255 characters of VSCHAR (%x20-7E), PKCE S256 only.
// oidc-provider alone is more lenient; the real service refuses the rest, so the stand-in does.
function publishedRules(params) {
  const vschar = (v) => typeof v === 'string' && v.length >= 1 && v.length <= 255 && /^[\x20-\x7E]+$/.test(v);
  const clientId = params.get('client_id');
  return params.getAll('client_id').length <= 1
    && (clientId === null || /^[0-9a-zA-Z]{1,255}$/.test(clientId))
    && vschar(params.get('state'))
    && (params.get('nonce') === null || vschar(params.get('nonce')))
    && (params.get('code_challenge_method') === null || params.get('code_challenge_method') === 'S256');
}

// DER prefix of DigestInfo(SHA-256).
const SHA256_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');

async function main() {
  const server = http.createServer();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}${PREFIX}`;

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: await signingKeys() },
    routes: {
      authorization: `${OIDC}/auth`,
      token: `${OIDC}/token`,
      userinfo: `${OIDC}/userinfo`,
      jwks: `${OIDC}/certs`,
    },
    scopes: ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'],
    claims: {
      openid: ['sub'],
      name: ['name'],
      address: ['address'],
      birthdate: ['birthdate'],
      gender: ['gender'],
    },
    extraParams: ['sign_transaction_id'],
    // acr_values=aal3 crl is what the Digital Agency's API reference shows; the ID token's acr
    // here is the first value asked for (OIDC Core §3.1.2.1), what the service answers is
    // unconfirmed.
    acrValues: ['aal3', 'crl'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientDefaults: {
      grant_types: ['authorization_code', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'RS256',
    },
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256', 'ES256'],
      idTokenSigningAlgValues: ['RS256', 'ES256'],
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { ...account };
        },
      };
    },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));

  const callback = provider.callback();

  // Logs the account in and grants what was asked; ties a sign transaction to the account.
  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    if (prompt.name === 'login') {
      const uid = details.uid;
      const wantsJson = (req.headers.accept || '').includes('application/json');
      if (req.method === 'POST' && req.url.endsWith(`/interaction/${uid}/login`)) {
        const entry = challenges.get(uid);
        challenges.delete(uid); // one attempt per challenge
        const raw = await readBody(req);
        const body = (req.headers['content-type'] || '').includes('json')
          ? JSON.parse(raw || '{}')
          : Object.fromEntries(new URLSearchParams(raw));
        try {
          if (!entry || entry.expires < Date.now()) throw Object.assign(new Error('チャレンジの有効期限が切れました'), { error: 'challenge_expired' });
          const accountId = checkJpkiLogin(body, entry.challenge);
          const acr = String(params.acr_values || 'aal3').split(' ')[0];
          await provider.interactionFinished(req, res, { login: { accountId, acr } }, { mergeWithLastSubmission: false });
        } catch (e) {
          if (!e.error) throw e;
          if (wantsJson) return send(res, 401, { error: e.error, message: e.message });
          const challenge = crypto.randomBytes(32);
          challenges.set(uid, { challenge, expires: Date.now() + 300_000 });
          res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(loginPage(uid, challenge, e.message));
        }
        return;
      }
      const challenge = crypto.randomBytes(32);
      challenges.set(uid, { challenge, expires: Date.now() + 300_000 });
      if (wantsJson) {
        return send(res, 200, { challenge: challenge.toString('base64'), action: `/interaction/${uid}/login` });
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(loginPage(uid, challenge));
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details || {};
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const tx = params.sign_transaction_id && transactions.get(params.sign_transaction_id);
    if (tx && tx.clientId === params.client_id) tx.accountId = session.accountId;
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  // POST /api/sign-transactions with a client-credentials token: { hash } → { id }.
  async function openTransaction(req, res) {
    const token = bearer(req) && (await provider.ClientCredentials.find(bearer(req)));
    if (!token) return send(res, 401, { error: 'invalid_token' });
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: 'invalid_request' });
    }
    const hash = Buffer.from(String(body.hash || ''), 'base64');
    if (hash.length !== 32 && !(hash.length === 51 && hash.subarray(0, 19).equals(SHA256_PREFIX))) {
      return send(res, 400, { error: 'invalid_request' });
    }
    const id = crypto.randomUUID();
    transactions.set(id, { hash, clientId: token.clientId, accountId: null });
    return send(res, 201, { id });
  }

  // GET /api/sign-transactions/{id}/result with the signing login's access token.
  async function transactionResult(req, res, id) {
    const token = bearer(req) && (await provider.AccessToken.find(bearer(req)));
    const tx = transactions.get(id);
    if (!token) return send(res, 401, { error: 'invalid_token' });
    if (!tx || tx.clientId !== token.clientId || tx.accountId !== token.accountId) {
      return send(res, 404, { error: 'not_found' });
    }
    const client = await provider.Client.find(token.clientId);
    const encJwk = (client.jwks?.keys || []).find((k) => k.use === 'enc' && k.kty === 'RSA');
    if (!encJwk) return send(res, 400, { error: 'invalid_client' });
    const encKey = await jose.importJWK({ ...encJwk, alg: 'RSA-OAEP-256' }, 'RSA-OAEP-256');
    // As the card does: PKCS#1 v1.5 padding over exactly the bytes given: the bare SHA-256 in
    // the usual mode, the DigestInfo in the DigestInfo mode (PocketSign's guide; docs/oidc.md).
    const signature = crypto.privateEncrypt({ key: signKey, padding: crypto.constants.RSA_PKCS1_PADDING }, tx.hash);
    const jwe = (bytes) =>
      new jose.CompactEncrypt(bytes).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }).encrypt(encKey);
    transactions.delete(id);
    return send(res, 200, { signature: await jwe(signature), certificate: await jwe(signCert) });
  }

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      if (url.pathname.startsWith('/interaction/')) return await interaction(req, res);
      if (url.pathname === '/api/sign-transactions' && req.method === 'POST') {
        return await openTransaction(req, res);
      }
      const result = url.pathname.match(/^\/api\/sign-transactions\/([0-9a-f-]{36})\/result$/);
      if (result && req.method === 'GET') return await transactionResult(req, res, result[1]);
      if (url.pathname === `${PREFIX}${OIDC}/auth` && !publishedRules(url.searchParams)) {
        return send(res, 400, { error: 'invalid_request', error_description: 'parameter outside the published rules' });
      }
      if (url.pathname === PREFIX || url.pathname.startsWith(`${PREFIX}/`)) {
        req.originalUrl = req.url;
        req.url = req.url.slice(PREFIX.length) || '/';
        return callback(req, res);
      }
      return send(res, 404, { error: 'not_found' });
    } catch (err) {
      console.error(err);
      if (!res.headersSent) send(res, 500, { error: 'server_error' });
      return undefined;
    }
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
