// The portal's 窓口 page (issue 19 part 4) in headless Chromium (playwright-core,
// /usr/bin/chromium), as portal.test.mjs runs the resident's page: staff type 照合番号B, the
// counter server runs the SDK's 対面確認 (the mynacard CLI, target/debug/mynacard, on a built-in
// virtual card), the page shows the photo (decoded from the card's JPEG 2000 by the server)
// beside the name, address and birth date, and the verdict with each check named. Screenshots in
// target/portal-artifacts/. Needs `cargo build -p mynacard-cli` and the SDK's wasm build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startPortal } from '../server.mjs';
import { launchChromium } from '../../../npm/test/browser/server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { chromium } = createRequire(join(root, 'npm', 'package.json'))('playwright-core');
const shots = join(root, 'target', 'portal-artifacts');
let browser, portal;
const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith('madoguchi-'));

before(async () => {
  mkdirSync(shots, { recursive: true });
  portal = await startPortal({ now: () => 1780272000 });
  browser = await launchChromium(chromium);
});
after(async () => {
  await browser?.close();
  portal?.server.close();
});

async function open(persona) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${portal.url}/madoguchi.html?virtual=${persona}`);
  await page.waitForFunction(() => window.madoguchiReady === true, null, { timeout: 20000 });
  return { page, context, errors };
}

async function submit(page, numberB) {
  await page.fill('#numberB', numberB);
  await page.click('#check');
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const before0 = leftovers().length;

test('窓口: a genuine card shows its photo large, its face data and three passed checks', async () => {
  const { page, context, errors } = await open('taro');
  await shot(page, 'madoguchi-1-entry');
  await submit(page, '55021720352285');
  await page.waitForSelector('#result:not([hidden])', { timeout: 30000 });
  // The photo came as a PNG the browser decoded, at the card photo's size.
  const size = await page.$eval('#photo', (img) => [img.complete, img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [true, 90, 120]);
  for (const id of ['name', 'address', 'code']) {
    assert.ok(await page.$eval(`#${id}`, (img) => img.naturalWidth > 0), id);
  }
  assert.equal(await page.textContent('#birth'), '1980-02-17');
  assert.match(await page.textContent('#sex'), /男/);
  assert.equal(await page.textContent('#expiry'), '2035-02-17');
  assert.match(await page.getAttribute('#verdict', 'class'), /\bgenuine\b/);
  assert.match(await page.textContent('#verdict h2'), /^真正なカードです/);
  for (const key of ['face_signature', 'key_record', 'challenge_answer']) {
    assert.equal(await page.getAttribute(`[data-check="${key}"]`, 'class'), 'passed', key);
  }
  // The number typed is not kept in the form.
  assert.equal(await page.inputValue('#numberB'), '');
  await shot(page, 'madoguchi-2-genuine');
  await page.click('#clear');
  assert.equal(await page.isHidden('#result'), true);
  assert.equal(await page.$eval('#photo', (img) => img.hasAttribute('src')), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('窓口: a copy of a card (nise) is NOT shown genuine, the challenge answer named as failed', async () => {
  const { page, context, errors } = await open('nise');
  await submit(page, '55021720352285');
  await page.waitForSelector('#result:not([hidden])', { timeout: 30000 });
  assert.match(await page.getAttribute('#verdict', 'class'), /not-genuine/);
  assert.match(await page.textContent('#verdict h2'), /真正性を確認できません/);
  assert.equal(await page.getAttribute('[data-check="face_signature"]', 'class'), 'passed');
  assert.equal(await page.getAttribute('[data-check="key_record"]', 'class'), 'passed');
  assert.equal(await page.getAttribute('[data-check="challenge_answer"]', 'class'), 'failed');
  assert.match(await page.textContent('[data-check="challenge_answer"]'), /CARD_NOT_GENUINE/);
  await shot(page, 'madoguchi-3-not-genuine');
  assert.deepEqual(errors, []);
  await context.close();
});

test('窓口: a wrong 照合番号B costs one try and says how many are left; a malformed one costs none', async () => {
  const { page, context } = await open('taro');
  await submit(page, '5502172035228');
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /PIN_FORMAT/);
  assert.match(await page.textContent('#error'), /回数は減っていません/);
  await submit(page, '55021720350000');
  await page.waitForFunction(() => /PIN_INCORRECT/.test(document.getElementById('error').textContent), null, { timeout: 30000 });
  assert.match(await page.textContent('#error'), /9/);
  assert.equal(await page.isHidden('#result'), true);
  await shot(page, 'madoguchi-4-wrong-number');
  await context.close();
  // Nothing stored: the CLI's output folders are gone.
  assert.equal(leftovers().length, before0);
});
