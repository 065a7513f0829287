// The packed npm tarball in a vendor's project, built by Vite and by webpack with no
// configuration for the wasm, then loaded in headless Chromium: init() must find its module
// and the API must answer. Run by scripts/browser-test.sh after the wasm build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { run as bounded, withDeadline } from '../../../tests/harness/node.mjs';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { serve, launchChromium } from '../browser/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const npmDir = join(here, '..', '..');
const { chromium } = createRequire(join(npmDir, 'package.json'))('playwright-core');
const run = (cmd, args, cwd) => bounded(cmd, args, { cwd, timeoutMs: 300_000 });

let browser, work;
before(async () => {
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], here);
  work = mkdtempSync(join(tmpdir(), 'mynacard-bundlers-'));
  run('npm', ['pack', '--silent', '--pack-destination', work], npmDir);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  // The tarball as a vendor installs it (no save: the lock file stays as committed).
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball)], here);
  browser = await launchChromium(chromium);
});
after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  rmSync(join(here, 'dist'), { recursive: true, force: true });
  rmSync(join(here, 'webpack-dist'), { recursive: true, force: true });
});

async function load(root, page) {
  const { server, url } = await serve(root);
  try {
    const p = await browser.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(String(e)));
    await p.goto(`${url}/${page}`);
    await p.waitForFunction(() => window.bundlerResult, null, { timeout: 15000 });
    const result = await withDeadline(p.evaluate(() => window.bundlerResult), 30_000, 'reading window.bundlerResult');
    await p.close();
    assert.deepEqual(errors, []);
    return result;
  } finally {
    server.close();
  }
}

test('Vite builds it with no configuration and the page runs', async () => {
  run(join(here, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'error'], here);
  assert.ok(readdirSync(join(here, 'dist', 'assets')).some((f) => f.endsWith('.wasm')), 'the wasm is emitted as an asset');
  assert.deepEqual(await load(join(here, 'dist'), 'index.html'), { pin: 'PIN_FORMAT', connect: 'function', verify: 'function', handoff: 'function' });
});

test('webpack builds it with no configuration and the page runs', async () => {
  run(join(here, 'node_modules', '.bin', 'webpack'), ['--mode', 'production', '--entry', './src/main.js', '--output-path', 'webpack-dist', '--no-stats'], here);
  assert.ok(readdirSync(join(here, 'webpack-dist')).some((f) => f.endsWith('.wasm')), 'the wasm is emitted as an asset');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(here, 'webpack-dist', 'index.html'), '<!doctype html><script src="main.js"></script>');
  assert.deepEqual(await load(join(here, 'webpack-dist'), 'index.html'), { pin: 'PIN_FORMAT', connect: 'function', verify: 'function', handoff: 'function' });
});
