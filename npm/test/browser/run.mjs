// Browser tests: real headless Chromium (playwright-core, the system's /usr/bin/chromium),
// page → mynacard JS API → wasm face → reader driver → USB frames → navigator.usb double
// (fake-usb.js) → VirtualUsbDevice (emulated RC-S380 / RC-S300 / CCID reader with the virtual
// card, built to wasm). Needs the output of scripts/wasm-build.sh and of the test wasm crate;
// scripts/browser-test.sh builds both and runs this file:
//   node --test npm/test/browser/run.mjs
// One screenshot of the test page per case goes to target/browser-artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve, launchChromium } from './server.mjs';
import { withDeadline } from '../../../tests/harness/node.mjs';

// A scenario that never settles (a driver waiting for a USB answer that never comes) fails
// the test with its name instead of hanging the run.
const SCENARIO_MS = 90_000;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const artifacts = join(root, 'target', 'browser-artifacts');
const AT = 1780272000; // 2026-06-01, inside the test PKI's validity

for (const f of ['npm/dist/web/mynacard_wasm.js', 'target/browser-test/virtual-usb/mynacard_virtual_usb_wasm.js']) {
  if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run scripts/browser-test.sh (it builds the wasm modules)`);
}

let browser, server, url;
before(async () => {
  mkdirSync(artifacts, { recursive: true });
  ({ server, url } = await serve(root));
  browser = await launchChromium(chromium);
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** A fresh page with the navigator.usb double; runs `fn(args)` in it; screenshots it. */
async function inPage(name, fn, args = {}) {
  const context = await browser.newContext({ viewport: { width: 760, height: 420 } });
  await context.addInitScript({ path: join(here, 'fake-usb.js') });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${url}/npm/test/browser/page.html`);
  await page.waitForFunction(() => window.pageReady === true, null, { timeout: 20000 });
  try {
    const result = await withDeadline(page.evaluate(fn, { ...args, AT }), SCENARIO_MS, `scenario ${name} in the page`);
    await page.evaluate(([n, r]) => window.show(n, r.reader ?? '-', true, Object.entries(r).map(([k, v]) => `${k}: ${JSON.stringify(v)}`)), [name, result]);
    await page.screenshot({ path: join(artifacts, `${name}.png`) });
    assert.deepEqual(errors.filter((e) => !e.includes('favicon')), [], 'no page errors');
    return result;
  } finally {
    await context.close();
  }
}

// ---- scenarios, run inside the page (no closures over Node variables) ----

async function authenticateScenario({ kind, persona = 'taro', options = {}, pin = '1234', AT }) {
  const { MynaCard, verify, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true; // as an Isolated Web App
  const dev = await fakeUsb.plug(persona, kind, options);
  const reader = await requestReader();
  const steps = new Set();
  const codes = new Set();
  const t0 = performance.now();
  const card = await MynaCard.connect(reader, { onProgress: (p) => { steps.add(p.step); codes.add(p.code); onProgressShown(p); } });
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const auth = await outcome(card.authenticate(pin, challenge));
  const ms = Math.round(performance.now() - t0);
  if (!auth.ok) return { reader: card.reader, error: auth };
  const anchors = [await der('/tests/virtual-card/pki/auth-ca.crt.der')];
  const crls = [await der('/tests/virtual-card/pki/auth-ca.crl.der')];
  const v = await outcome(Promise.resolve().then(() => verify({ certificate: auth.value.certificate, signature: auth.value.signature, data: challenge, kind: 'auth', anchors, crls, at: AT })));
  const forged = await outcome(Promise.resolve().then(() => verify({ certificate: auth.value.certificate, signature: auth.value.signature, data: new Uint8Array(32), kind: 'auth', anchors, crls, at: AT })));
  const result = {
    reader: card.reader, status: v.value?.status, forged: forged.code, forgedIsMynaError: forged.mynaError,
    signatureBytes: auth.value.signature.length, certificateBytes: auth.value.certificate.length,
    apdus: card.apdus, usbTransfers: card.usbTransfers, deviceTransfers: dev.transfers,
    extensions: dev.virtual.extensionsSent, chained: dev.virtual.chainedBlocks, steps: [...steps], codes: [...codes], ms,
    readers: (await window.mynacard.getReaders()).length,
  };
  await card.close();
  result.afterClose = (await outcome(card.pinTries())).code;
  return result;
}

async function fourInfoScenario({ kind }) {
  const { MynaCard, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  await fakeUsb.plug('taro', kind);
  const card = await MynaCard.connect(await requestReader());
  const info = await card.readFourInfo('1234');
  return { reader: card.reader, ...info, apdus: card.apdus };
}

async function wrongPinScenario({ kind }) {
  const { MynaCard, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  const dev = await fakeUsb.plug('taro', kind);
  const card = await MynaCard.connect(await requestReader());
  const before = [card.apdus, dev.virtual.apdus, dev.transfers];
  const malformed = await outcome(card.authenticate('12a4', new Uint8Array(32)));
  const malformedSentNothing = JSON.stringify(before) === JSON.stringify([card.apdus, dev.virtual.apdus, dev.transfers]);
  const wrong = await outcome(card.authenticate('9999', new Uint8Array(32)));
  const tries = await card.pinTries();
  return {
    reader: card.reader, malformed: malformed.code, malformedSentNothing,
    code: wrong.code, remaining: wrong.remaining, mynaError: wrong.mynaError, messageJa: wrong.messageJa,
    triesAuth: tries.jpki_auth, triesSign: tries.jpki_sign, pinVerifies: dev.virtual.pinVerifies,
  };
}

async function lockedScenario({ kind }) {
  const { MynaCard, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  const dev = await fakeUsb.plug('locked', kind);
  const card = await MynaCard.connect(await requestReader());
  const r = await outcome(card.authenticate('1234', new Uint8Array(32)));
  const state = await card.pinState('jpki_auth');
  return { reader: card.reader, code: r.code, pinVerifies: dev.virtual.pinVerifies, state: state.state };
}

async function changePinScenario({ kind }) {
  // changePin is in the mynacard/verify module (the card page's size budget); the card
  // module's session does not have it.
  const { MynaCard, FullCard, requestReader } = window.mynacard;
  const dev = await fakeUsb.plug('taro', kind);
  const pageOnly = typeof MynaCard.prototype.changePin;
  const card = await FullCard.connect(await requestReader());
  const before = [card.apdus, dev.virtual.apdus, dev.transfers];
  const malformedNew = await outcome(card.changePin('auth', '1234', '12a4'));
  const malformedCurrent = await outcome(card.changePin('sign', 'ab', 'NEWPASS1'));
  const notAPin = await outcome(card.changePin('surface_card_number_b', '1234', '5678'));
  const malformedSentNothing = JSON.stringify(before) === JSON.stringify([card.apdus, dev.virtual.apdus, dev.transfers]);
  const wrong = await outcome(card.changePin('auth', '9999', '5678'));
  const changed = await outcome(card.changePin('auth', '1234', '5678'));
  const assist = await outcome(card.changePin('assist', '1234', '0000'));
  const old = await outcome(card.authenticate('1234', new Uint8Array(32)));
  const now = await outcome(card.authenticate('5678', new Uint8Array(32)));
  const info = await outcome(card.readFourInfo('0000'));
  return {
    reader: card.reader, malformedNew: malformedNew.code, malformedCurrent: malformedCurrent.code,
    notAPin: notAPin.code, malformedSentNothing, wrong: wrong.code, wrongRemaining: wrong.remaining,
    changed: changed.ok, assist: assist.ok, old: old.code, oldRemaining: old.remaining, now: now.ok,
    name: info.value?.name, pinVerifies: dev.virtual.pinVerifies, pageOnly,
  };
}

async function unplugScenario({ kind }) {
  const { MynaCard, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  const dev = await fakeUsb.plug('taro', kind);
  let disconnectEvents = 0;
  navigator.usb.addEventListener('disconnect', () => { disconnectEvents += 1; });
  const card = await MynaCard.connect(await requestReader());
  dev.unplugAfter = dev.transfers + 4; // a few transfers into the certificate read
  const r = await outcome(card.readAuthCertificate());
  const again = await outcome(card.readAuthCertificate());
  return { reader: card.reader, code: r.code, again: again.code, disconnectEvents, messageJa: r.messageJa };
}

async function liftScenario({ kind, after }) {
  const { MynaCard, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  const dev = await fakeUsb.plug('taro', kind);
  const card = await MynaCard.connect(await requestReader());
  dev.virtual.liftAfter(after);
  const r = await outcome(card.readAuthCertificate());
  const again = await outcome(card.readAuthCertificate());
  return { reader: card.reader, code: r.code, again: again.code, messageJa: r.messageJa };
}

async function signScenario({ kind, AT }) {
  const { MynaCard, verify, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  await fakeUsb.plug('taro', kind);
  const card = await MynaCard.connect(await requestReader());
  const data = new TextEncoder().encode('転入届');
  const signed = await card.sign('taro2025', data); // lower case: the same PIN
  const cert = await card.readSignCertificate('TARO2025');
  const anchors = [await der('/tests/virtual-card/pki/sign-ca.crt.der')];
  const crls = [await der('/tests/virtual-card/pki/sign-ca.crl.der')];
  const v = verify({ certificate: signed.certificate, signature: signed.signature, data, kind: 'sign', anchors, crls, at: AT });
  return { reader: card.reader, status: v.status, name: v.fourInfo?.name, sameCertificate: cert.length === signed.certificate.length };
}

async function abortScenario({ kind }) {
  const { MynaCard, requestReader } = window.mynacard;
  if (kind === 'ccid') fakeUsb.allowProtected = true;
  const dev = await fakeUsb.plug('taro', kind);
  const card = await MynaCard.connect(await requestReader());
  const controller = new AbortController();
  // Abort when the SDK announces the VERIFY: it must not go out.
  const onProgress = (p) => { if (p.step === 'verifyingPin') controller.abort(); };
  const r = await outcome(card.readFourInfo('1234', { signal: controller.signal, onProgress }));
  const verifiesAfterAbort = dev.virtual.pinVerifies;
  const again = await card.readFourInfo('1234');
  return { reader: card.reader, code: r.code, verifiesAfterAbort, name: again.name, verifies: dev.virtual.pinVerifies };
}

const READERS = [
  { kind: 'rcs380', lift: 3 },
  { kind: 'rcs300', lift: 3 },
  { kind: 'ccid', lift: 1 },
];

for (const { kind, lift } of READERS) {
  test(`${kind}: authentication, verified with verify()`, async (t) => {
    const r = await inPage(`${kind}-authenticate`, authenticateScenario, { kind });
    t.diagnostic(`${kind}: connect + authenticate = ${r.apdus} APDUs, ${r.usbTransfers} USB transfers (open included), ${r.ms} ms in the page`);
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    assert.equal(r.reader, kind);
    assert.equal(r.status, 'good');
    assert.equal(r.forged, 'SIGNATURE_INVALID');
    assert.equal(r.forgedIsMynaError, true, "verify()'s errors (verify module) are the card entry's MynaError class");
    assert.equal(r.signatureBytes, 256);
    assert.ok(r.certificateBytes > 1000);
    assert.equal(r.usbTransfers, r.deviceTransfers, 'every transfer reached the device');
    assert.ok(r.steps.includes('verifyingPin') && r.steps.includes('signing'), String(r.steps));
    assert.ok(r.codes.includes('verifying_pin') && r.codes.includes('checking_tries'), String(r.codes));
    assert.equal(r.readers, 1, 'getReaders() lists the allowed reader');
    assert.equal(r.afterClose, 'SESSION_CLOSED', 'a closed session refuses operations');
  });

  test(`${kind}: 4情報`, async () => {
    const r = await inPage(`${kind}-four-info`, fourInfoScenario, { kind });
    assert.equal(r.name, '〓田　太郎');
    assert.equal(r.birthDate, '1980-02-17');
    assert.equal(r.sex, '1');
    assert.ok(r.address.length > 0);
  });

  test(`${kind}: wrong PIN → PIN_INCORRECT, remaining 2; malformed PIN costs nothing`, async () => {
    const r = await inPage(`${kind}-wrong-pin`, wrongPinScenario, { kind });
    assert.equal(r.malformed, 'PIN_FORMAT');
    assert.equal(r.malformedSentNothing, true, 'no APDU, no USB transfer for a malformed PIN');
    assert.equal(r.code, 'PIN_INCORRECT');
    assert.equal(r.remaining, 2);
    assert.equal(r.mynaError, true);
    assert.match(r.messageJa, /残り2回/);
    assert.deepEqual(r.triesAuth, { state: 'remaining', remaining: 2 });
    assert.equal(r.pinVerifies, 1, 'one VERIFY with a PIN reached the card');
  });

  test(`${kind}: locked PIN → PIN_LOCKED, no VERIFY sent`, async () => {
    const r = await inPage(`${kind}-locked`, lockedScenario, { kind });
    assert.equal(r.code, 'PIN_LOCKED');
    assert.equal(r.pinVerifies, 0);
    assert.equal(r.state, 'locked');
  });

  test(`${kind}: reader unplugged mid-read → READER_DISCONNECTED`, async () => {
    const r = await inPage(`${kind}-unplugged`, unplugScenario, { kind });
    assert.equal(r.code, 'READER_DISCONNECTED');
    assert.equal(r.again, 'READER_DISCONNECTED');
    assert.equal(r.disconnectEvents, 1);
  });

  test(`${kind}: card lifted mid-read → CARD_REMOVED`, async () => {
    const r = await inPage(`${kind}-lifted`, liftScenario, { kind, after: lift });
    assert.equal(r.code, 'CARD_REMOVED');
    assert.equal(r.again, 'CARD_REMOVED', 'no silent re-activation');
  });

  test(`${kind}: waiting time extensions during the signature`, async () => {
    const r = await inPage(`${kind}-wtx`, authenticateScenario, { kind, options: { wtx: 3 } });
    assert.equal(r.status, 'good');
    assert.ok(r.extensions >= 3, `extensions: ${r.extensions}`);
  });

  test(`${kind}: AbortSignal between APDUs: the VERIFY is not sent, the session goes on`, async () => {
    const r = await inPage(`${kind}-abort`, abortScenario, { kind });
    assert.equal(r.code, 'CANCELLED');
    assert.equal(r.verifiesAfterAbort, 0);
    assert.equal(r.name, '〓田　太郎');
    assert.equal(r.verifies, 1);
  });

  test(`${kind}: 署名 and 署名用 certificate`, async () => {
    const r = await inPage(`${kind}-sign`, signScenario, { kind });
    assert.equal(r.status, 'good');
    assert.equal(r.name, '吉田　太郎');
    assert.equal(r.sameCertificate, true);
  });
}

test('changePin: both PINs checked before any APDU; wrong current → PIN_INCORRECT; the new PIN is the PIN', async () => {
  const r = await inPage('rcs380-change-pin', changePinScenario, { kind: 'rcs380' });
  assert.equal(r.malformedNew, 'PIN_FORMAT');
  assert.equal(r.malformedCurrent, 'PIN_FORMAT');
  assert.equal(r.notAPin, 'INVALID_ARGUMENT');
  assert.equal(r.malformedSentNothing, true, 'no APDU, no USB transfer for a malformed PIN');
  assert.equal(r.wrong, 'PIN_INCORRECT');
  assert.equal(r.wrongRemaining, 2);
  assert.equal(r.changed, true);
  assert.equal(r.assist, true);
  assert.equal(r.old, 'PIN_INCORRECT');
  assert.equal(r.oldRemaining, 2);
  assert.equal(r.now, true);
  assert.equal(r.name, '〓田　太郎');
  // wrong, change, assist change, old, new, 4情報: one VERIFY with a PIN each.
  assert.equal(r.pinVerifies, 6);
  // The card page module (mynacard) has no changePin: it is mynacard/verify's.
  assert.equal(r.pageOnly, 'undefined');
});

test('rcs380 / rcs300: chained commands and responses with a 32-byte card frame size', async () => {
  for (const kind of ['rcs380', 'rcs300']) {
    const r = await inPage(`${kind}-chaining`, authenticateScenario, { kind, options: { fsci: 2 } });
    assert.equal(r.status, 'good', kind);
    const [rx, tx] = r.chained;
    assert.ok(rx >= 1, `${kind}: command chaining ${rx}`);
    assert.ok(tx >= 6, `${kind}: response chaining ${tx}`);
  }
});

test('ccid: short-APDU reader (256-byte reads) and extended reader with chained CCID messages', async () => {
  const short = await inPage('ccid-short-apdu', authenticateScenario, { kind: 'ccid', options: { ccidLevel: 'short' } });
  assert.equal(short.status, 'good');
  const ext = await inPage('ccid-extended-chained', authenticateScenario, { kind: 'ccid', options: { ccidLevel: 'extended', ccidMaxMessage: 271 } });
  assert.equal(ext.status, 'good');
  assert.ok(short.apdus > ext.apdus, `short ${short.apdus} APDUs, extended ${ext.apdus}`);
});

test('ccid: an ordinary page cannot claim a CCID reader (protected class) → TRANSPORT with the reason', async () => {
  const r = await inPage('ccid-protected', async () => {
    const { MynaCard, requestReader } = window.mynacard;
    await fakeUsb.plug('taro', 'ccid');
    const e = await outcome(MynaCard.connect(await requestReader()));
    return { reader: 'ccid', code: e.code, message: e.message };
  });
  assert.equal(r.code, 'TRANSPORT');
  assert.match(r.message, /protected/);
});

test('rcs380 held by another driver (claimInterface fails) → TRANSPORT with the hint', async () => {
  const r = await inPage('rcs380-claimed-elsewhere', async () => {
    const { MynaCard, requestReader } = window.mynacard;
    await fakeUsb.plug('taro', 'rcs380', { claimError: 'NetworkError' });
    const e = await outcome(MynaCard.connect(await requestReader()));
    return { reader: 'rcs380', code: e.code, message: e.message };
  });
  assert.equal(r.code, 'TRANSPORT');
  assert.match(r.message, /port100/);
});

test('a 住基カード on the reader → WRONG_CARD, and the reader is released', async () => {
  const r = await inPage('wrong-card', async () => {
    const { MynaCard, requestReader } = window.mynacard;
    const dev = await fakeUsb.plug('juki', 'rcs380');
    const e = await outcome(MynaCard.connect(await requestReader()));
    return { reader: 'rcs380', code: e.code, messageJa: e.messageJa, opened: dev.opened, claimed: dev.configuration.interfaces[0].claimed };
  });
  assert.equal(r.code, 'WRONG_CARD');
  assert.equal(r.opened, false);
  assert.equal(r.claimed, false);
});

test('requestReader() without a reader → READER_NOT_FOUND; readerKind() by ids and class', async () => {
  const r = await inPage('no-reader', async () => {
    const { requestReader, readerKind } = window.mynacard;
    const none = await outcome(requestReader());
    const kinds = [];
    for (const k of ['rcs380', 'rcs300', 'ccid']) kinds.push(readerKind(await fakeUsb.plug('taro', k)));
    kinds.push(readerKind({ vendorId: 1, productId: 2, configurations: [] }) ?? null);
    return { reader: '-', none: none.code, kinds };
  });
  assert.equal(r.none, 'READER_NOT_FOUND');
  assert.deepEqual(r.kinds, ['rcs380', 'rcs300', 'ccid', null]);
});

// A JS-supplied transport over the virtual card at APDU level.
async function jsTransportScenario({ abortAfter, preAborted, throwCode, AT }) {
  const { MynaCard, verify } = window.mynacard;
  const m = await import('/target/browser-test/virtual-usb/mynacard_virtual_usb_wasm.js');
  await m.default();
  const vcard = new m.VirtualApduCard('taro');
  const controller = new AbortController();
  if (preAborted) controller.abort();
  let sent = 0;
  const transport = {
    extendedLength: true,
    async transmit(apdu) {
      sent += 1;
      if (throwCode && sent > 2) throw Object.assign(new Error('gone'), { code: throwCode });
      const r = vcard.transmit(apdu);
      if (abortAfter && sent === abortAfter) controller.abort();
      return r;
    },
  };
  if (preAborted) {
    const r = await outcome(MynaCard.connect(transport, { signal: controller.signal }));
    return { reader: 'js', code: r.code, sent };
  }
  const card = await MynaCard.connect(transport);
  if (throwCode) {
    const r = await outcome(card.readAuthCertificate());
    return { reader: card.reader, code: r.code, sent };
  }
  if (abortAfter) {
    const before = sent;
    const r = await outcome(card.authenticate('1234', new Uint8Array(32), { signal: controller.signal }));
    const sentAtAbort = sent;
    // The session itself survives a cancelled call.
    const tries = await card.pinTries();
    return { reader: card.reader, code: r.code, sentDuringCall: sentAtAbort - before, triesAuth: tries.jpki_auth };
  }
  // Two calls at once: the second is refused while the first holds the session.
  const first = card.readAuthCertificate();
  const second = await outcome(card.readAuthCertificate());
  await first;
  const challenge = new Uint8Array(32).fill(7);
  const auth = await card.authenticate('1234', challenge);
  const anchors = [await der('/tests/virtual-card/pki/auth-ca.crt.der')];
  const crls = [await der('/tests/virtual-card/pki/auth-ca.crl.der')];
  const v = verify({ certificate: auth.certificate, signature: auth.signature, data: challenge, kind: 'auth', anchors, crls, at: AT });
  return { reader: card.reader, status: v.status, busy: second.code, apdus: card.apdus, cardApdus: vcard.apdus };
}

test('JS transport: authentication with an APDU-level card; concurrent call refused', async () => {
  const r = await inPage('js-transport', jsTransportScenario, {});
  assert.equal(r.reader, 'js');
  assert.equal(r.status, 'good');
  assert.equal(r.busy, 'BUSY', 'a second call while one runs: BUSY, nothing sent');
  assert.equal(r.apdus, r.cardApdus);
});

test('AbortSignal: aborted between APDUs → CANCELLED, nothing more sent; pre-aborted → no APDU', async () => {
  const r = await inPage('abort', jsTransportScenario, { abortAfter: 3 });
  assert.equal(r.code, 'CANCELLED');
  assert.equal(r.sentDuringCall, 1, 'the APDU in flight finished, no further APDU went out');
  assert.equal(r.triesAuth.state, 'remaining');
  const pre = await inPage('abort-before', jsTransportScenario, { preAborted: true });
  assert.equal(pre.code, 'CANCELLED');
  assert.equal(pre.sent, 0);
});

// An abort that lands right after the VERIFY: the operation stops, but the SDK still clears
// the card's security state, so the PIN is not left verified for whoever sends next.
async function abortAfterVerifyScenario() {
  const { MynaCard } = window.mynacard;
  const m = await import('/target/browser-test/virtual-usb/mynacard_virtual_usb_wasm.js');
  await m.default();
  const vcard = new m.VirtualApduCard('taro');
  const controller = new AbortController();
  const hex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
  let afterAbort = null;
  const transport = {
    extendedLength: true,
    async transmit(apdu) {
      if (afterAbort) afterAbort.push(hex(apdu));
      const r = vcard.transmit(apdu);
      // VERIFY with a PIN (INS 20, data): abort once it has gone out.
      if (!afterAbort && apdu[1] === 0x20 && apdu.length > 5) {
        controller.abort();
        afterAbort = [];
      }
      return r;
    },
  };
  const card = await MynaCard.connect(transport);
  const r = await outcome(card.authenticate('1234', new Uint8Array(32), { signal: controller.signal }));
  // Another client of the card, straight after: SELECT JPKI AP, SELECT the auth key EF, sign.
  const raw = (h) => hex(vcard.transmit(Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16)))).slice(-4);
  const select = raw('00A4040C0AD392F000260100000001');
  const selectKey = raw('00A4020C020017');
  const di = '3031300D060960864801650304020105000420' + '00'.repeat(32);
  const sign = raw('802A008033' + di + '00');
  return { code: r.code, afterAbort, select, selectKey, sign };
}

test('AbortSignal right after the VERIFY: CANCELLED, and the PIN is still cleared', async () => {
  const r = await inPage('abort-after-verify', abortAfterVerifyScenario, {});
  assert.equal(r.code, 'CANCELLED');
  assert.deepEqual(r.afterAbort, ['00A4040C07A0000001510000'], 'only the clearing SELECT after the abort');
  assert.equal(r.select, '9000');
  assert.equal(r.selectKey, '9000');
  assert.equal(r.sign, '6982', 'the key is not usable: no PIN left verified');
});

test('JS transport errors keep their code (CARD_REMOVED)', async () => {
  const r = await inPage('js-transport-removed', jsTransportScenario, { throwCode: 'CARD_REMOVED' });
  assert.equal(r.code, 'CARD_REMOVED');
});

// Web Smart Card API (Isolated Web Apps only in Chrome): a navigator.smartCard double over the
// APDU-level virtual card checks the face's calls (establishContext, listReaders, connect,
// transmit, disconnect) and the SmartCardError mapping. Not a test of Chrome's implementation.
test('Web Smart Card API double: authentication; removed-card → CARD_REMOVED', async () => {
  const r = await inPage('smartcard-double', async ({ AT }) => {
    const { MynaCard, verify } = window.mynacard;
    const m = await import('/target/browser-test/virtual-usb/mynacard_virtual_usb_wasm.js');
    await m.default();
    const vcard = new m.VirtualApduCard('taro');
    const calls = [];
    let removeAfter = Infinity;
    let inTransaction = false;
    const connection = {
      async transmit(buffer) {
        calls.push(inTransaction ? 'transmit:in-transaction' : 'transmit');
        if (--removeAfter < 0) throw Object.assign(new DOMException('card removed', 'SmartCardError'), { responseCode: 'removed-card' });
        return vcard.transmit(new Uint8Array(buffer)).buffer;
      },
      async disconnect(disposition) { calls.push(`disconnect:${disposition}`); },
      // As Chrome does: runs the callback, the transaction lasts until its promise settles.
      async startTransaction(callback) {
        calls.push('startTransaction');
        inTransaction = true;
        const disposition = await callback();
        inTransaction = false;
        calls.push(`endTransaction:${disposition}`);
      },
    };
    const context = {
      async listReaders() { calls.push('listReaders'); return ['Virtual PCD 00 00']; },
      async connect(reader, mode, options) { calls.push(`connect:${reader}:${mode}:${options.preferredProtocols}`); return { connection, activeProtocol: 't1' }; },
    };
    Object.defineProperty(navigator, 'smartCard', { configurable: true, value: { async establishContext() { calls.push('establishContext'); return context; } } });
    const card = await MynaCard.connect({ smartCardReader: null });
    const challenge = new Uint8Array(32).fill(1);
    const auth = await card.authenticate('1234', challenge);
    const anchors = [await der('/tests/virtual-card/pki/auth-ca.crt.der')];
    const crls = [await der('/tests/virtual-card/pki/auth-ca.crl.der')];
    const v = verify({ certificate: auth.certificate, signature: auth.signature, data: challenge, kind: 'auth', anchors, crls, at: AT });
    removeAfter = 1;
    const removed = await outcome(card.readFourInfo('1234'));
    await card.close();
    return { reader: card.reader, status: v.status, removed: removed.code, calls: [...new Set(calls)] };
  });
  assert.equal(r.reader, 'smartcard');
  assert.equal(r.status, 'good');
  assert.equal(r.removed, 'CARD_REMOVED');
  // The PIN operation runs inside one transaction ended with "leave" (the core cleared the PIN);
  // the session closes with "unpower" (a "reset" keeps verified PINs on the card).
  assert.deepEqual(r.calls, ['establishContext', 'listReaders', 'connect:Virtual PCD 00 00:shared:t1,t0', 'transmit', 'startTransaction', 'transmit:in-transaction', 'endTransaction:leave', 'disconnect:unpower']);
});

// Web NFC: a NDEFReader double; a My Number Card is not NDEF, so Chrome fires readingerror.
test('detectNfcTap(): resolves on a tap (readingerror → "other"), CANCELLED on abort, error without Web NFC', async () => {
  const r = await inPage('nfc-tap', async () => {
    const { detectNfcTap } = window.mynacard;
    const missing = await outcome(detectNfcTap());
    window.NDEFReader = class {
      async scan() { setTimeout(() => this.onreadingerror?.(new Event('readingerror')), 20); }
    };
    const tapped = await detectNfcTap();
    window.NDEFReader = class { async scan() {} };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const aborted = await outcome(detectNfcTap(controller.signal));
    return { reader: '-', missing: missing.code, tapped, aborted: aborted.code };
  });
  assert.equal(r.missing, 'TRANSPORT');
  assert.equal(r.tapped, 'other');
  assert.equal(r.aborted, 'CANCELLED');
});

// Hostile devices: readers and JS transports answering random bytes. Every outcome must be a
// MynaError (never a wasm trap, a hang or a non-MynaError exception).
test('hostile readers and transports: random answers give MynaErrors, no trap', async (t) => {
  const r = await inPage('hostile', async () => {
    const { MynaCard, requestReader } = window.mynacard;
    let x = 0x9e3779b9;
    const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
    const bytes = (max) => Uint8Array.from({ length: rnd() % (max + 1) }, () => rnd() & 0xff);
    fakeUsb.allowProtected = true;
    const codes = {};
    let others = 0;
    for (let round = 0; round < 5; round++) {
      for (const kind of ['rcs380', 'rcs300', 'ccid']) {
        const dev = await fakeUsb.plug('taro', kind);
        const real = dev.transferIn.bind(dev);
        // Half the time a real answer with a few bytes flipped, else random bytes.
        dev.transferIn = async (ep, len) => {
          const answer = await real(ep, len);
          const data = rnd() % 2 ? new Uint8Array(answer.data.buffer.slice(0)) : bytes(Math.min(len, 300));
          for (let i = 0; i < data.length; i++) if (rnd() % 8 === 0) data[i] = rnd() & 0xff;
          return { status: 'ok', data: new DataView(data.buffer) };
        };
        const device = await requestReader();
        const outcomeOf = async (p) => { const o = await outcome(p); if (!o.ok && !o.mynaError) others += 1; return o; };
        const c = await outcomeOf(MynaCard.connect(device));
        let code = c.code ?? 'ok';
        if (c.ok) code = (await outcomeOf(c.value.readAuthCertificate())).code ?? 'ok';
        codes[code] = (codes[code] ?? 0) + 1;
        dev.unplug();
      }
    }
    for (let round = 0; round < 30; round++) {
      const o = await outcome(MynaCard.connect({ transmit: async () => bytes(40) }));
      if (!o.ok && !o.mynaError) others += 1;
      codes[o.code ?? 'ok'] = (codes[o.code ?? 'ok'] ?? 0) + 1;
    }
    return { reader: '-', codes, others };
  });
  t.diagnostic(`hostile outcomes: ${JSON.stringify(r.codes)}`);
  assert.equal(r.others, 0, JSON.stringify(r.codes));
  assert.ok(Object.keys(r.codes).length >= 2, JSON.stringify(r.codes));
});
