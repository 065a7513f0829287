// The wasm core's verify() in Node 20, on material made by the virtual card through the CLI.
// Run by scripts/test.sh after scripts/wasm-build.sh: node --test npm/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../../tests/harness/node.mjs';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verify, checkPinFormat } from '../node.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = process.env.MYNACARD_BIN ?? join(root, 'target', 'debug', 'mynacard');
const pki = join(root, 'tests', 'virtual-card', 'pki');
const file = (name) => new Uint8Array(readFileSync(join(pki, name)));
const cli = (args, input = '') => run(bin, args, { input });
const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
// 2026-06-01, inside the test certificates' and CRLs' validity.
const at = 1780272000;
const anchors = [file('auth-ca.crt.der'), file('sign-ca.crt.der')];
const crls = [file('auth-ca.crl.der'), file('sign-ca.crl.der')];

const dir = mkdtempSync(join(tmpdir(), 'mynacard-node-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function authenticate(persona, pin, challengeHex) {
  const out = cli(['--virtual', persona, 'auth', '--pin-stdin', '-q', '--challenge', challengeHex], `${pin}\n`);
  cli(['--virtual', persona, 'certs', '-q', '--out', dir]);
  return {
    certificate: new Uint8Array(readFileSync(join(dir, 'auth.der'))),
    signature: hex(out.match(/^signature: ([0-9a-f]+)$/m)[1]),
  };
}

test('a login signature from the card verifies, with chain and CRL', () => {
  const challenge = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
  const { certificate, signature } = authenticate('taro', '1234', challenge);
  const r = verify({ certificate, signature, data: hex(challenge), kind: 'auth', anchors, crls, at });
  assert.equal(r.status, 'good');
  assert.equal(r.fourInfo, null);
  assert.match(r.serial, /^[0-9A-F]+$/);
  assert.throws(
    () => verify({ certificate, signature, data: hex('ff'), anchors, crls, at }),
    (e) => e.name === 'MynaError' && e.code === 'SIGNATURE_INVALID' && e.messageJa.includes('署名'),
  );
  // The real JPKI CAs (the default anchors) do not trust the test PKI.
  assert.throws(() => verify({ certificate, at }), (e) => e.code === 'CHAIN_UNTRUSTED');
});

test('revoked and expired certificates fail with their codes', () => {
  assert.throws(
    () => verify({ certificate: file('revoked-auth.crt.der'), anchors, crls, at }),
    (e) => e.code === 'REVOKED' && e.params.reason === 'key_compromise',
  );
  assert.throws(
    () => verify({ certificate: file('expired-auth.crt.der'), anchors, at }),
    (e) => e.code === 'CERTIFICATE_EXPIRED',
  );
  assert.throws(() => verify({ certificate: 'not bytes', anchors, at }), (e) => e.code === 'INVALID_ARGUMENT');
});

test('a signed document (CMS) from the card verifies, with 4情報', () => {
  const doc = join(dir, 'doc.txt');
  writeFileSync(doc, '転入届');
  const p7s = join(dir, 'doc.p7s');
  cli(['--virtual', 'taro', 'sign-file', doc, '--out', p7s, '--pin-stdin', '-q'], 'TARO2025\n');
  const r = verify({ cms: new Uint8Array(readFileSync(p7s)), anchors, crls, at });
  assert.equal(r.status, 'good');
  assert.equal(r.fourInfo.name, '吉田　太郎');
  assert.equal(Buffer.from(r.content).toString('utf8'), '転入届');
});

test('PIN format checks never need a card', () => {
  assert.equal(checkPinFormat('auth', '1234'), undefined);
  assert.equal(checkPinFormat('sign', 'abc'), 'PIN_FORMAT');
});

test('absent and empty anchors both mean the real JPKI CAs (the core\'s one default)', () => {
  // The real CA's own certificate: trusted by the real anchors, then refused as a CA
  // (CERTIFICATE_INVALID). A verify() trusting nothing would throw CHAIN_UNTRUSTED instead.
  const pem = readFileSync(join(root, 'core', 'anchors', 'auth_ca_2023.pem'), 'utf8');
  const realCa = new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
  for (const options of [{}, { anchors: [] }]) {
    assert.throws(() => verify({ certificate: realCa, kind: 'auth', at, ...options }), (e) => e.code === 'CERTIFICATE_INVALID', JSON.stringify(options));
  }
  assert.throws(() => verify({ certificate: realCa, kind: 'auth', at, anchors }), (e) => e.code === 'CHAIN_UNTRUSTED');
});

test('the modelled ECDSA P-384 generation verifies (issue 18), and a tampered one fails', () => {
  const p384Anchors = [file('p384-auth-ca.crt.der'), file('p384-sign-ca.crt.der')];
  const p384Crls = [file('p384-auth-ca.crl.der'), file('p384-sign-ca.crl.der')];
  const challenge = '8899aabbccddeeff00112233445566778899aabbccddeeff0011223344556677';
  const { certificate, signature } = authenticate('p384', '2468', challenge);
  const r = verify({ certificate, signature, data: hex(challenge), kind: 'auth', anchors: p384Anchors, crls: p384Crls, at });
  assert.equal(r.status, 'good');
  assert.equal(r.keyAlgorithm, 'ecdsa-p384');
  assert.equal(r.keyBits, 384);
  const tampered = new Uint8Array(signature);
  tampered[10] ^= 1;
  assert.throws(
    () => verify({ certificate, signature: tampered, data: hex(challenge), anchors: p384Anchors, crls: p384Crls, at }),
    (e) => e.code === 'SIGNATURE_INVALID',
  );
  assert.throws(
    () => verify({ certificate, signature, data: hex(challenge), anchors: p384Anchors, crls: p384Crls, at, rsaOnly: true }),
    (e) => e.code === 'CERTIFICATE_INVALID',
  );
  assert.throws(
    () => verify({ certificate: file('p384-revoked-auth.crt.der'), anchors: p384Anchors, crls: p384Crls, at }),
    (e) => e.code === 'REVOKED' && e.params.reason === 'key_compromise',
  );
  // RSA results name their key too.
  const rsa = verify({ certificate: file('taro-auth.crt.der'), anchors, crls, at });
  assert.equal(rsa.keyAlgorithm, 'rsa');
  assert.equal(rsa.keyBits, 2048);
});
