// The portal example end to end in headless Chromium (playwright-core, /usr/bin/chromium): the
// page, the SDK's wasm face, the RC-S380 driver, the virtual card behind the emulated reader,
// and the demo server verifying the login. One screenshot per step in target/portal-artifacts/.
// Needs scripts/browser-test.sh's builds (the SDK and the virtual reader as wasm).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startPortal } from '../server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// playwright-core is a devDependency of the npm package (npm/), installed by scripts/browser-test.sh.
const { chromium } = createRequire(join(root, 'npm', 'package.json'))('playwright-core');
const shots = join(root, 'target', 'portal-artifacts');
let browser, portal;

before(async () => {
  mkdirSync(shots, { recursive: true });
  // The test PKI's validity is fixed: verify at 2026-06-01 like the other tests.
  portal = await startPortal({ now: () => 1780272000 });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
after(async () => {
  await browser?.close();
  portal?.server.close();
});

async function open(path, options = {}) {
  const context = await browser.newContext({ viewport: { width: 900, height: 860 }, ...options });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${portal.url}${path}`);
  await page.waitForFunction(() => window.portalReady === true, null, { timeout: 20000 });
  return { page, context, errors };
}

async function typePin(page, pad, pin) {
  for (const d of pin) await page.click(`#${pad} button[data-key="${d}"]`);
  await page.click(`#${pad} .ok`);
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

test('a resident logs in with the virtual card and reads 基本4情報 after consent', async () => {
  const { page, context, errors } = await open('/?virtual=taro');
  await shot(page, '1-reader');
  await page.click('#virtual');
  await page.waitForSelector('#pin:not([hidden])');
  assert.match(await page.textContent('#triesBefore'), /残り 3 回/);
  // A malformed PIN never reaches the card: the count stays at 3.
  await typePin(page, 'authPad', '123');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /PIN_FORMAT/);
  assert.match(await page.textContent('#triesBefore'), /残り 3 回/);
  await shot(page, '2-pin-format');
  // A wrong PIN: the card says 2 left, and the page shows it.
  await typePin(page, 'authPad', '9999');
  await page.waitForFunction(() => /PIN_INCORRECT/.test(document.getElementById('error').textContent));
  await page.waitForFunction(() => /残り 2 回/.test(document.getElementById('triesBefore').textContent));
  await shot(page, '3-wrong-pin');
  // The right PIN: the server verifies the signature and the chain to the test CA.
  await typePin(page, 'authPad', '1234');
  await page.waitForSelector('#login:not([hidden])');
  assert.match(await page.textContent('#loginResult'), /本人確認ができました/);
  assert.match(await page.textContent('#triesAfter'), /3 回/);
  await shot(page, '4-logged-in');
  // 基本4情報 only after consent.
  assert.equal(await page.isHidden('#info'), true);
  await page.check('#consent');
  await typePin(page, 'assistPad', '1234');
  await page.waitForSelector('#fourInfo:not([hidden])');
  assert.equal(await page.textContent('#fiName'), '〓田　太郎');
  assert.equal(await page.textContent('#fiBirth'), '1980-02-17');
  await shot(page, '5-four-info');
  // English.
  await page.click('button[data-lang="en"]');
  assert.equal(await page.textContent('h1'), 'Log in with your My Number Card');
  await shot(page, '6-english');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a locked PIN is refused before any VERIFY, and the server rejects a forged login', async () => {
  const { page, context } = await open('/?virtual=locked');
  await page.click('#virtual');
  await page.waitForSelector('#pin:not([hidden])');
  assert.match(await page.textContent('#triesBefore'), /ロック/);
  await typePin(page, 'authPad', '0000');
  await page.waitForFunction(() => /PIN_LOCKED/.test(document.getElementById('error').textContent));
  await shot(page, '7-locked');
  await context.close();
  // The server: a signature that is not over its challenge is refused, and a challenge is
  // good for one try only.
  const { id } = await (await fetch(`${portal.url}/api/challenge`, { method: 'POST' })).json();
  const forged = await fetch(`${portal.url}/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, certificate: 'AAAA', signature: 'AAAA' }),
  });
  assert.equal(forged.status, 401);
  const replay = await fetch(`${portal.url}/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, certificate: 'AAAA', signature: 'AAAA' }),
  });
  assert.equal((await replay.json()).code, 'CHALLENGE_INVALID');
});

test('a phone gets the hand-off to デジタル認証アプリ', async () => {
  const { page, context } = await open('/', {
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
    viewport: { width: 412, height: 860 },
  });
  assert.equal(await page.isVisible('#handoff'), true);
  await shot(page, '8-phone-handoff');
  await context.close();
});
