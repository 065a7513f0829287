// Development stand-in for デジタル認証アプリ's OIDC side, on 127.0.0.1 only. Not the agency's
// service: `oidc-provider` with the service's published shape (see docs/oidc.md and
// shared/spec/digital-auth-app.md): issuer http://127.0.0.1:PORT/api/realms/main, endpoints
// /api/realms/main/protocol/openid-connect/{auth,token,userinfo,certs}, authorization code +
// PKCE S256, private_key_jwt clients, scopes name/address/birthdate/gender (基本4情報) and sign,
// `sign_transaction_id`, client credentials, and a stand-in 署名API at /api/sign-transactions
// whose result is JWE (RSA-OAEP-256, A256GCM) to the client's encryption key.
//
// Nobody types anything: the interaction endpoint logs the test account in and grants what was
// asked (a real user confirms in the app). `login_hint` picks the account.
//
// Usage: OIDC_DEV_CLIENTS='[{client metadata}, ...]' node server.mjs [port]
// Prints one JSON line {"issuer": "..."} on stdout once listening (port 0: any free port).

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

// Test accounts, matching the virtual card's personas. gender as ISO 5218 (unconfirmed format).
const ACCOUNTS = {
  hanako: {
    sub: 'hanako-pairwise-0001',
    name: '佐藤　花子',
    address: '大阪府大阪市北区中之島一丁目三番二〇号',
    birthdate: '1992-11-03',
    gender: '2',
  },
};

const clients = JSON.parse(process.env.OIDC_DEV_CLIENTS || '[]');
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
      const accountId = ACCOUNTS[params.login_hint] ? params.login_hint : 'hanako';
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
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
    const digestInfo = tx.hash.length === 32 ? Buffer.concat([SHA256_PREFIX, tx.hash]) : tx.hash;
    const signature = crypto.privateEncrypt({ key: signKey, padding: crypto.constants.RSA_PKCS1_PADDING }, digestInfo);
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
