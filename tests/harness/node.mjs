// The Node tests' side of the harness (the Rust side is tests/harness/src): every program a
// Node test starts and every page evaluation runs under a deadline, and a failure names the
// program, its arguments, the deadline and what it had printed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Rejects with `what … did not finish within ms` unless `promise` settles first. */
export function withDeadline(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within its deadline of ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

const describe = (cmd, args) => [cmd, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');

/**
 * Runs a program to completion within `timeoutMs` (killed on expiry) and returns its stdout
 * (text unless `encoding: 'buffer'`). Throws on a non-zero exit or the deadline, with the
 * program, its arguments, the deadline and its output in the message.
 */
export function run(cmd, args, { input, cwd, env, timeoutMs = 60_000, encoding = 'utf8' } = {}) {
  try {
    return execFileSync(cmd, args, { input, cwd, env, encoding, timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const out = (b) => (b == null ? '' : Buffer.isBuffer(b) ? b.toString('utf8') : String(b));
    const printed = `--- stdout:\n${out(e.stdout).trimEnd() || '(nothing)'}\n--- stderr:\n${out(e.stderr).trimEnd() || '(nothing)'}`;
    const why = e.code === 'ETIMEDOUT' || e.signal === 'SIGKILL'
      ? `did not finish within its deadline of ${timeoutMs} ms and was killed`
      : e.status != null ? `exited with ${e.status}` : `failed: ${e.message}`;
    const err = new Error(`\`${describe(cmd, args)}\` ${why}. It had printed:\n${printed}`);
    err.status = e.status;
    err.stdout = out(e.stdout);
    err.stderr = out(e.stderr);
    throw err;
  }
}

/**
 * Starts the stand-in for デジタル認証アプリ (tests/oidc-provider/server.mjs) with these
 * clients, installing its locked packages first when missing. Resolves once it printed its
 * issuer; rejects when it exits first or does not within `timeoutMs`. `stop()` ends it.
 */
export async function startProvider(clients, { timeoutMs = 60_000 } = {}) {
  const dir = join(root, 'tests', 'oidc-provider');
  if (!existsSync(join(dir, 'node_modules', 'oidc-provider'))) {
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, timeoutMs: 600_000 });
  }
  const args = ['server.mjs', '0'];
  const child = spawn('node', args, { cwd: dir, env: { ...process.env, OIDC_DEV_CLIENTS: JSON.stringify(clients) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; if (process.env.MYNACARD_OIDC_DEV_LOG) process.stderr.write(d); });
  const printed = () => `--- stdout:\n${stdout.trimEnd() || '(nothing)'}\n--- stderr:\n${stderr.trimEnd() || '(nothing)'}`;
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  const what = `\`node ${args.join(' ')}\` (in tests/oidc-provider)`;
  try {
    const line = await withDeadline(new Promise((resolve, reject) => {
      const check = () => { const nl = stdout.indexOf('\n'); if (nl >= 0) resolve(stdout.slice(0, nl)); };
      child.stdout.on('data', check);
      child.once('exit', (code, signal) => reject(new Error(`${what} exited (${code ?? signal}) before printing its issuer`)));
      child.once('error', reject);
    }), timeoutMs, `${what} printing its issuer`);
    const { issuer } = JSON.parse(line);
    return { issuer, stop, printed, child };
  } catch (e) {
    stop();
    throw new Error(`${e.message}. It had printed:\n${printed()}`);
  }
}

/**
 * The resident's app on the stand-in's login screen: signs `challengeHex` with the virtual
 * card `persona` through the mynacard CLI (`MYNACARD_BIN` or target/debug/mynacard) and
 * returns the 利用者証明用 certificate and the signature, both base64.
 */
export function residentSigns(challengeHex, persona = 'hanako', pin = '5678') {
  const bin = process.env.MYNACARD_BIN ?? join(root, 'target', 'debug', 'mynacard');
  const out = run(bin, ['--virtual', persona, 'auth', '--pin-stdin', '-q', '--challenge', challengeHex], { input: `${pin}\n` });
  const dir = mkdtempSync(join(tmpdir(), 'mynacard-resident-'));
  try {
    run(bin, ['--virtual', persona, 'certs', '-q', '--out', dir]);
    const certificate = readFileSync(join(dir, 'auth.der')).toString('base64');
    const signature = Buffer.from(out.match(/^signature: ([0-9a-f]+)$/m)[1], 'hex').toString('base64');
    return { certificate, signature };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
