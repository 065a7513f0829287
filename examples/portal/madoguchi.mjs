// The 窓口 (counter) page's server side: 対面確認 (PIN-less, issue 19 part 4) on the counter
// terminal's own card reader. Staff type 照合番号B on the page; this runs `mynacard face-check`
// (the SDK's Rust core, with its JPEG 2000 decoder: browsers cannot show the card's photo) on
// the reader attached to this machine, or on a built-in virtual card in the demo, reads its
// output into memory, deletes it at once and answers the page. Nothing is stored, nothing is
// logged. The J-LIS issuer key is not public: the demo checks key records against the virtual
// card's test stand-in (--test-pki); a real counter passes its own (`issuerKey`).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEADLINE_MS = 30_000;
const IMAGES = ['photo.png', 'name.png', 'address.png', 'security-code.png'];

/** Runs the CLI with 照合番号B on stdin, under a deadline; resolves { code, stdout, stderr }. */
function run(cli, args, stdin) {
  return new Promise((ok) => {
    const child = spawn(cli, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', () => { clearTimeout(timer); ok({ code: -1, stdout: '', stderr: 'error: CLI_NOT_FOUND: the mynacard CLI could not be started' }); });
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(`${stdin}\n`);
  });
}

/**
 * The `/madoguchi/check` handler. `options`: `{ root, cli?, reader?, issuerKey?, testPki? }`;
 * without `reader`, the page may name a built-in virtual persona (the demo).
 */
export function madoguchi({ root, cli = null, reader = null, issuerKey = null, testPki = true }) {
  const binary = cli ?? process.env.MYNACARD_CLI ?? join(root, 'target', 'debug', 'mynacard');
  return async function check(body) {
    const numberB = typeof body?.numberB === 'string' ? body.numberB : '';
    // Checked here too so a malformed number never reaches the card (the CLI checks it again).
    if (!/^[0-9]{14}$/.test(numberB)) return { status: 400, body: { code: 'PIN_FORMAT' } };
    const persona = typeof body?.virtual === 'string' && /^[a-z0-9]{1,16}$/.test(body.virtual) ? body.virtual : null;
    if (!existsSync(binary)) return { status: 503, body: { code: 'CLI_NOT_FOUND' } };
    const out = await mkdtemp(join(tmpdir(), 'madoguchi-'));
    try {
      const source = reader ? ['--reader', reader] : persona ? ['--virtual', persona] : null;
      if (!source) return { status: 400, body: { code: 'INVALID_ARGUMENT' } };
      const trust = issuerKey ? ['--issuer-key', issuerKey] : testPki ? ['--test-pki'] : [];
      const r = await run(binary, [...source, 'face-check', '--pin-stdin', '-q', '--out', out, ...trust], numberB);
      let check = null;
      try { check = JSON.parse(await readFile(join(out, 'check.json'), 'utf8')); } catch { /* no result */ }
      const error = /error: ([A-Z_]+): (.*)/.exec(r.stderr);
      const errorJa = /エラー: (.*)/.exec(r.stderr);
      if (!check) {
        return { status: 422, body: { code: error?.[1] ?? 'FACE_CHECK_FAILED', messageEn: error?.[2] ?? '', messageJa: errorJa?.[1] ?? '' } };
      }
      const images = {};
      for (const name of IMAGES) images[name] = (await readFile(join(out, name))).toString('base64');
      return { status: 200, body: { check, images } };
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  };
}
