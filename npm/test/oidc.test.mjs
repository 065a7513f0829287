// The hand-off to デジタル認証アプリ from a Node backend through the wasm core's OidcBackend,
// against the development stand-in provider (tests/oidc-provider) on 127.0.0.1: authorization
// request, the resident's login at the provider, callback, private_key_jwt token exchange, ID
// token and userinfo checks, 基本4情報 in the card read's shape. Plus: replayed and foreign
// callbacks fail with typed errors; a login completes only in the browser that started it
// (the login cookie); a redirect from the token endpoint is not followed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, publicDecrypt, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run, startProvider, residentSigns } from '../../tests/harness/node.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sdk = await import(pathToFileURL(process.env.MYNACARD_NODE_SDK ?? join(root, 'npm', 'node.js')).href);
const { OidcBackend } = sdk;
const REDIRECT = 'http://127.0.0.1:9/callback'; // never contacted: the test reads the redirect
const now = () => Math.floor(Date.now() / 1000);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyPkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'portal-1', alg: 'RS256', use: 'sig' };
// The 署名API result is JWE to this key.
const enc = generateKeyPairSync('rsa', { modulusLength: 2048 });
const encPem = enc.privateKey.export({ type: 'pkcs8', format: 'pem' });
const encJwk = { ...enc.publicKey.export({ format: 'jwk' }), kid: 'enc', alg: 'RSA-OAEP-256', use: 'enc' };
// A platform operator's key (PF事業者): a relying party that signs through it registers this
// public half, and the result is encrypted to the operator, not to the relying party.
const operator = generateKeyPairSync('rsa', { modulusLength: 2048 });
const operatorPkcs8 = new Uint8Array(operator.privateKey.export({ type: 'pkcs8', format: 'der' }));
const operatorJwk = { ...operator.publicKey.export({ format: 'jwk' }), kid: 'operator-enc', alg: 'RSA-OAEP-256', use: 'enc' };

let provider, issuer;
before(async () => {
  const clients = [{
    client_id: 'PORTAL0001', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256', id_token_signed_response_alg: 'RS256', jwks: { keys: [jwk, encJwk] },
  }, {
    client_id: 'PORTAL0002', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'RS256', id_token_signed_response_alg: 'RS256', jwks: { keys: [jwk, operatorJwk] },
  }];
  provider = await startProvider(clients);
  issuer = provider.issuer;
});
after(() => provider?.stop());

/** A browser's part: follows the provider's redirects (cookies kept) and logs the resident in
 * at the provider's login page when it asks, until the redirect to the relying party. */
async function residentLogsIn(url, persona = 'hanako', pin = '5678') {
  const jar = new Map();
  for (let i = 0; i < 20; i++) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'application/json, text/html' } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (next.startsWith(REDIRECT)) return next;
      url = next;
      continue;
    }
    const body = await res.text();
    let page;
    try { page = JSON.parse(body); } catch { throw new Error(`provider page without a next step: ${res.status} ${body.slice(0, 200)}`); }
    if (!page.challenge) throw new Error(`provider answered ${res.status}: ${body.slice(0, 200)}`);
    // The provider's login screen: sign its challenge with the resident's (virtual) card.
    const { certificate, signature } = residentSigns(Buffer.from(page.challenge, 'base64').toString('hex'), persona, pin);
    const post = await fetch(new URL(page.action ?? `${new URL(url).pathname}/login`, url), {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/json', accept: 'application/json', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: JSON.stringify({ certificate, signature }),
    });
    url = new URL(post.headers.get('location') ?? url, url).href;
  }
  throw new Error('too many redirects');
}

async function exchange(backend, flow) {
  for (let i = 0; i < 5; i++) {
    const req = flow.request(backend, now());
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined, redirect: 'manual' }).catch(() => null);
    const step = flow.receive(backend, res?.status ?? 0, res ? new Uint8Array(await res.arrayBuffer()) : null, now());
    if (step.done) return step;
  }
  throw new Error('the flow did not finish');
}

function backend() {
  return new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8, keyId: 'portal-1' });
}

test('a backend logs a resident in and gets 基本4情報 in the card read’s shape', async () => {
  const discovery = new Uint8Array(await (await fetch(`${issuer}/.well-known/openid-configuration`)).arrayBuffer());
  const rp = new OidcBackend({ issuer, discovery, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8, keyId: 'portal-1' });
  const { url, state, pending, browser, setCookie } = rp.authorize({ claims: ['name', 'address', 'birthdate', 'gender'] }, now());
  const u = new URL(url);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(u.searchParams.get('acr_values'), 'aal3 crl');
  assert.equal(setCookie, `__Host-mynacard-login=${browser}; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax`);
  assert.ok(!pending.includes(browser), 'the pending login keeps only the hash');
  assert.equal(u.searchParams.get('state'), state);
  assert.equal(u.searchParams.get('scope'), 'openid name address birthdate gender');
  const callback = await residentLogsIn(url);
  assert.equal(OidcBackend.callbackState(callback), state);
  const cookieHeader = `theme=dark; ${setCookie.split(';')[0]}`;
  const result = await exchange(rp, rp.start(pending, OidcBackend.browserCookie(cookieHeader), callback, now()));
  assert.match(result.subject, /hanako/);
  assert.deepEqual(result.fourInfo, { name: '佐藤　花子', address: '大阪府大阪市北区中之島一丁目三番二〇号', birthDate: '1992-11-03', sex: '2' });
});

test('a replayed code, a wrong state and an error response are typed errors', async () => {
  const rp = backend();
  const { url, pending, browser } = rp.authorize({}, now());
  const callback = await residentLogsIn(url);
  await exchange(rp, rp.start(pending, browser, callback, now()));
  // The same code again: the provider refuses it, the flow ends with HTTP_STATUS or an OAuth error.
  await assert.rejects(exchange(rp, rp.start(pending, browser, callback, now())), (e) => ['OIDC_ERROR_RESPONSE', 'HTTP_STATUS'].includes(e.code));
  const other = rp.authorize({}, now());
  assert.throws(() => rp.start(other.pending, other.browser, callback, now()), (e) => ['OIDC_STATE_MISMATCH', 'OIDC_ISSUER_MISMATCH'].includes(e.code));
  const denied = `${REDIRECT}?error=access_denied&state=${other.state}&iss=${encodeURIComponent(issuer)}`;
  assert.throws(() => rp.start(other.pending, other.browser, denied, now()), (e) => e.code === 'OIDC_ERROR_RESPONSE' && e.messageJa.length > 0);
  const mixUp = `${REDIRECT}?code=x&state=${other.state}&iss=${encodeURIComponent('http://127.0.0.1:1/evil')}`;
  assert.throws(() => rp.start(other.pending, other.browser, mixUp, now()), (e) => e.code === 'OIDC_ISSUER_MISMATCH');
  // A key that is not PKCS#8 is refused when the backend is built.
  assert.throws(() => new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8: new Uint8Array([1, 2, 3]) }), (e) => e.name === 'MynaError');
});

test('a login completes only in the browser that started it (login CSRF, a leaked callback)', async () => {
  const rp = backend();
  // The attacker starts a login in their browser and finishes it at the provider as themselves.
  const attacker = rp.authorize({}, now());
  const attackersCallback = await residentLogsIn(attacker.url, 'taro', '1234');
  // The victim's browser, with a login of its own in progress, follows the attacker's link.
  const victim = rp.authorize({}, now());
  const victimCookie = victim.setCookie.split(';')[0];
  assert.throws(() => rp.start(attacker.pending, OidcBackend.browserCookie(victimCookie), attackersCallback, now()), (e) => e.code === 'BROWSER_MISMATCH' && e.messageJa.includes('ブラウザ'));
  // The victim's own callback, leaked and used from another browser: no cookie, or another one.
  const victimsCallback = await residentLogsIn(victim.url, 'hanako');
  assert.equal(OidcBackend.browserCookie('theme=dark'), undefined);
  assert.throws(() => rp.start(victim.pending, OidcBackend.browserCookie('theme=dark'), victimsCallback, now()), (e) => e.code === 'BROWSER_MISMATCH');
  assert.throws(() => rp.start(victim.pending, null, victimsCallback, now()), (e) => e.code === 'BROWSER_MISMATCH');
  assert.throws(() => rp.start(victim.pending, attacker.browser, victimsCallback, now()), (e) => e.code === 'BROWSER_MISMATCH');
  // The right browser logs in as the victim.
  const result = await exchange(rp, rp.start(victim.pending, OidcBackend.browserCookie(`a=1; ${victimCookie}`), victimsCallback, now()));
  assert.match(result.subject, /hanako/);
  assert.equal(OidcBackend.clearCookie(), '__Host-mynacard-login=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax');
});

test('endpoints are checked by parsed host: user-info tricks and cleartext sign endpoints are refused', () => {
  for (const signTransactionsEndpoint of ['http://localhost:@evil.example/api/sign-transactions', 'http://sign.example/api/sign-transactions']) {
    assert.throws(() => new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8, signTransactionsEndpoint }), (e) => e.code === 'INVALID_ARGUMENT', signTransactionsEndpoint);
  }
  assert.throws(() => new OidcBackend({ issuer: 'http://localhost:@evil.example/realms/main', clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8 }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => new OidcBackend({ issuer, clientId: 'PORTAL-0001', redirectUri: REDIRECT, keyPkcs8 }), (e) => e.code === 'INVALID_ARGUMENT');
});

test('a 307 from the token endpoint is not followed: HTTP_STATUS, the code and verifier go nowhere else', async () => {
  const { createServer } = await import('node:http');
  let reposted = 0;
  const trap = createServer((req, res) => {
    if (req.url === '/elsewhere') { reposted++; res.end('{}'); return; }
    res.writeHead(307, { location: '/elsewhere' }).end();
  });
  await new Promise((ok) => trap.listen(0, '127.0.0.1', ok));
  try {
    const base = `http://127.0.0.1:${trap.address().port}`;
    const discovery = new TextEncoder().encode(JSON.stringify({
      issuer, authorization_endpoint: `${issuer}/protocol/openid-connect/auth`, token_endpoint: `${base}/token`,
      userinfo_endpoint: `${issuer}/protocol/openid-connect/userinfo`, jwks_uri: `${issuer}/protocol/openid-connect/certs`,
    }));
    const rp = new OidcBackend({ issuer, discovery, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8, keyId: 'portal-1' });
    const { url, pending, browser } = rp.authorize({}, now());
    const callback = await residentLogsIn(url);
    await assert.rejects(exchange(rp, rp.start(pending, browser, callback, now())), (e) => e.code === 'HTTP_STATUS' && e.params.status === '307');
    assert.equal(reposted, 0);
  } finally {
    trap.close();
  }
});

test('署名API: a sign transaction over a document, the resident signs, the backend verifies', async () => {
  const document = new TextEncoder().encode('電子申請書 2026');
  const signEndpoint = `${new URL(issuer).origin}/api/sign-transactions`;
  const rp = new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8, keyId: 'portal-1', signTransactionsEndpoint: signEndpoint, encKeyPkcs8: encPem });
  assert.deepEqual(rp.publicJwks().keys[1], { kty: 'RSA', n: encJwk.n, e: encJwk.e, kid: 'enc', use: 'enc', alg: 'RSA-OAEP-256' });
  const send = async (req) => {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined, redirect: 'manual' });
    return [res.status, new Uint8Array(await res.arrayBuffer())];
  };
  // 1. Client-credentials token, then the transaction.
  const opening = rp.openSign({ document });
  let opened;
  for (let i = 0; i < 3 && !opened?.opened; i++) opened = opening.receive(rp, ...(await send(opening.request(rp, now()))));
  assert.equal(opened.opened, true);
  assert.match(opened.id, /^[0-9a-f-]{36}$/);
  assert.doesNotMatch(opened.transaction, /token|Bearer/i, 'the kept record holds no secret');
  // 2. The resident authorises it (a login with sign_transaction_id).
  const { url, pending, browser } = rp.authorize({ signTransactionId: opened.id }, now());
  assert.equal(new URL(url).searchParams.get('sign_transaction_id'), opened.id);
  const flow = rp.start(pending, OidcBackend.browserCookie(`__Host-mynacard-login=${browser}`), await residentLogsIn(url), now());
  assert.throws(() => rp.signResultRequest(opened.transaction, flow), (e) => e.code === 'OUT_OF_ORDER', 'not before the login finished');
  await exchange(rp, flow);
  // 3. The result, decrypted and verified (test PKI's 署名用 CA as the anchor).
  const signCa = new Uint8Array(readFileSync(join(root, 'tests', 'virtual-card', 'pki', 'sign-ca.crt.der')));
  const signed = rp.finishSign(opened.transaction, ...(await send(rp.signResultRequest(opened.transaction, flow))), { anchors: [signCa] });
  assert.equal(signed.signer.fourInfo.name, '佐藤　花子');
  // Node's crypto agrees, with the returned certificate's key. The usual 署名API mode signs the
  // bare SHA-256 (PKCS#1 v1.5, no DigestInfo: docs/oidc.md): the recovered block is the digest,
  // and the standard RSASSA-PKCS1-v1_5 check (with DigestInfo) refuses it.
  const signerKey = new X509Certificate(signed.certificate).publicKey;
  const block = publicDecrypt({ key: signerKey, padding: constants.RSA_PKCS1_PADDING }, signed.signature);
  assert.deepEqual(block, createHash('sha256').update(document).digest());
  assert.equal(cryptoVerify('sha256', document, signerKey, signed.signature), false);
  // The result is handed out once; a login that authorised nothing fetches nothing.
  const again = await send(rp.signResultRequest(opened.transaction, flow));
  assert.throws(() => rp.finishSign(opened.transaction, ...again, { anchors: [signCa] }), (e) => e.name === 'MynaError');
  const plain = rp.authorize({}, now());
  const plainFlow = rp.start(plain.pending, plain.browser, await residentLogsIn(plain.url), now());
  await exchange(rp, plainFlow);
  assert.throws(() => rp.signResultRequest(opened.transaction, plainFlow), (e) => e.code === 'INVALID_ARGUMENT');
  // Without encKeyPkcs8 there is nothing to decrypt with.
  assert.throws(() => backend().finishSign(opened.transaction, 200, new Uint8Array(), {}), (e) => e.code === 'INVALID_ARGUMENT');
});

test('署名API through a platform operator: the relying party forwards the sealed result, the operator verifies it', async () => {
  const document = new TextEncoder().encode('委任状 2026');
  const signEndpoint = `${new URL(issuer).origin}/api/sign-transactions`;
  // No encKeyPkcs8: the relying party holds no key that opens the result.
  const rp = new OidcBackend({ issuer, clientId: 'PORTAL0002', redirectUri: REDIRECT, keyPkcs8, keyId: 'portal-1', signTransactionsEndpoint: signEndpoint });
  const send = async (req) => {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body ?? undefined, redirect: 'manual' });
    return [res.status, new Uint8Array(await res.arrayBuffer())];
  };
  // The DigestInfo mode: a standard RSASSA-PKCS1-v1_5 signature comes back.
  const digestInfo = new Uint8Array(Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(document).digest()]));
  const opening = rp.openSign({ digestInfo });
  let opened;
  for (let i = 0; i < 3 && !opened?.opened; i++) opened = opening.receive(rp, ...(await send(opening.request(rp, now()))));
  assert.equal(opened.opened, true);
  const { url, pending, browser } = rp.authorize({ signTransactionId: opened.id }, now());
  const flow = rp.start(pending, browser, await residentLogsIn(url), now());
  await exchange(rp, flow);
  const answer = await send(rp.signResultRequest(opened.transaction, flow));
  const signCa = new Uint8Array(readFileSync(join(root, 'tests', 'virtual-card', 'pki', 'sign-ca.crt.der')));
  const certificate = readFileSync(join(root, 'tests', 'virtual-card', 'pki', 'hanako-sign.crt.der'));
  assert.throws(() => rp.finishSign(opened.transaction, ...answer, { anchors: [signCa] }), (e) => e.code === 'INVALID_ARGUMENT', 'no key to decrypt with');
  const { transactionId, sealed } = rp.forwardSign(opened.transaction, ...answer);
  assert.equal(transactionId, opened.id);
  assert.deepEqual(Object.keys(JSON.parse(sealed)).sort(), ['certificate', 'signature', 'transaction']);
  assert.ok(!sealed.includes(certificate.toString('base64').slice(0, 40)), 'no certificate in the clear');
  // The other relying party's key does not open it; the operator's does, and verifies.
  assert.throws(() => OidcBackend.openSealedSign(sealed, encPem, { anchors: [signCa] }), (e) => e.code === 'JWE_INVALID');
  const signed = OidcBackend.openSealedSign(sealed, operatorPkcs8, { anchors: [signCa] });
  assert.equal(signed.signer.fourInfo.name, '佐藤　花子');
  assert.deepEqual(Buffer.from(signed.certificate), certificate);
  // Node's standard SHA-256 RSASSA-PKCS1-v1_5 check accepts the DigestInfo mode's signature.
  assert.equal(cryptoVerify('sha256', document, new X509Certificate(signed.certificate).publicKey, signed.signature), true);
  // A garbled answer is not forwarded; a garbled record is not opened.
  assert.throws(() => rp.forwardSign(opened.transaction, 200, new TextEncoder().encode('{"signature":"a.b.c","certificate":"x"}')), (e) => e.code === 'JWE_INVALID');
  assert.throws(() => OidcBackend.openSealedSign('{}', operatorPkcs8, {}), (e) => e.code === 'INVALID_ARGUMENT');
});

test('key files as PEM or DER, RSA or P-256; publicJwks() is the public half Node computes too', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const rp = new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8: pem, keyId: 'ec-1' });
  const { x, y, crv, kty } = ec.publicKey.export({ format: 'jwk' });
  assert.deepEqual(rp.publicJwks(), { keys: [{ kty, crv, x, y, kid: 'ec-1', use: 'sig', alg: 'ES256' }] });
  const { n, e } = publicKey.export({ format: 'jwk' });
  const rsa = new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8, keyAlg: 'RS256' });
  assert.deepEqual(rsa.publicJwks(), { keys: [{ kty: 'RSA', n, e, use: 'sig', alg: 'RS256' }] });
  // keyAlg, when given, must be the key's.
  assert.throws(() => new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8: pem, keyAlg: 'RS256' }), (err) => err.code === 'INVALID_ARGUMENT');
  assert.throws(() => new OidcBackend({ issuer, clientId: 'PORTAL0001', redirectUri: REDIRECT, keyPkcs8: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }), (err) => err.code === 'INVALID_ARGUMENT');
});

test("the page-side hand-off module's messages are the core's (mynacard error-codes)", () => {
  const bin = process.env.MYNACARD_BIN ?? join(root, 'target', 'debug', 'mynacard');
  const table = new Map(run(bin, ['error-codes']).trim().split('\n')
    .map((line) => line.split('\t')).map(([code, en, ja]) => [code, [en, ja]]));
  const source = readFileSync(join(root, 'npm', 'handoff.js'), 'utf8');
  const own = [...source.matchAll(/^ {2}([A-Z_]+): \['([^']*)', '([^']*)'\],$/gm)];
  assert.ok(own.length >= 2, 'the module lists its messages');
  for (const [, code, en, ja] of own) assert.deepEqual([en, ja], table.get(code), code);
});
