import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { hashToken } from '../../src/http/auth.js';
import { POLICY_A, POLICY_B, POLICY_BROKEN, ruleDir } from './helpers.js';

async function sanso(args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), stdin: new PassThrough(), env });
  return { code, stdout, stderr };
}

t.test('serve --help', async (t) => {
  const r = await sanso(['serve', '--help']);
  t.equal(r.code, 0);
  t.match(r.stdout, /usage: sanso serve/);
  t.match(r.stdout, /--insecure/);
});

t.test('no tokens and a non-loopback host: refused unless --insecure', async (t) => {
  for (const args of [
    ['--host', '0.0.0.0'],
    ['--host', '::'],
  ]) {
    const r = await sanso(['serve', ...args]);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, /refusing to listen on .* with no tokens configured/);
    t.match(r.stderr, /--insecure/);
  }
  const fromEnv = await sanso(['serve'], { HOST: '0.0.0.0' });
  t.equal(fromEnv.code, 2, 'HOST from the environment counts too');
});

t.test('usage errors', async (t) => {
  for (const args of [
    ['--port', '70000'],
    ['--port', 'http'],
    ['--log-level', 'loud'],
    ['--decision-log-sample', '2'],
    ['--decision-log-redact', 'input[0]'],
    ['--batch-limit', '0'],
    ['extra'],
  ]) {
    const r = await sanso(['serve', ...args]);
    t.equal(r.code, 2, args.join(' '));
  }
});

t.test('a bad token list does not start', async (t) => {
  const dir = ruleDir(t, { 'tokens.yaml': '- name: x\n  sha256: nothex\n  scopes: [decide]\n' });
  const r = await sanso(['serve', '--tokens', join(dir, 'tokens.yaml')]);
  t.equal(r.code, 1);
  t.match(r.stderr, /64-hex-digit/);
  const env = await sanso(['serve'], { SANSO_TOKENS: '[{"name": "x", "sha256": "00", "scopes": ["decide"]}]' });
  t.equal(env.code, 1);
  t.match(env.stderr, /SANSO_TOKENS: token "x"/);
});

t.test('a rule set with errors does not start, and the report says why', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_BROKEN });
  const r = await sanso(['serve', '--rules', dir, '--port', '0']);
  t.equal(r.code, 1);
  t.match(r.stderr, /rules\.yaml:\d+:\d+: error YAML-SYNTAX /);
  t.match(r.stderr, /does not start/);
});

/** Runs `sanso serve` in a child process (the TypeScript loader tap runs us with). */
function child(args: string[], env: NodeJS.ProcessEnv) {
  const p = spawn(process.execPath, [...process.execArgv, 'bin/sanso.ts', 'serve', ...args], {
    env: { ...process.env, ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const listening = new Promise<number>((resolve, reject) => {
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    p.on('exit', (code) => reject(new Error(`exited ${code} before listening:\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, listening, exited, out: () => ({ stdout, stderr }) };
}

t.test('sanso serve: tokens, SIGHUP reloads, SIGTERM exits 0 after draining', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  const tokens = JSON.stringify([{ name: 'ops', sha256: hashToken('s3cret-ops'), scopes: ['admin'] }]);
  const c = child(['--rules', dir, '--port', '0', '--no-watch'], { SANSO_TOKENS: tokens, HOST: '127.0.0.1' });
  t.teardown(() => c.p.kill('SIGKILL'));
  const port = await c.listening;
  const base = `http://127.0.0.1:${port}`;
  const auth = { authorization: 'Bearer s3cret-ops' };
  const probe = JSON.stringify({ src: '10.1.0.1', dst: '10.2.0.1', service: 'tcp/443' });
  const decide = async () =>
    (await fetch(`${base}/v1/decide`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: probe })).json() as Promise<{ rule: string }>;

  t.equal((await fetch(`${base}/healthz`)).status, 200);
  t.equal((await fetch(`${base}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: probe })).status, 401);
  t.equal((await decide()).rule, 'F-A');

  writeFileSync(join(dir, 'rules.yaml'), POLICY_B);
  c.p.kill('SIGHUP');
  // Wait for the reload the signal asked for (polling the API, not the clock).
  for (;;) {
    const info = (await (await fetch(`${base}/v1/policy`, { headers: auth })).json()) as { lastReload: { trigger: string } };
    if (info.lastReload.trigger === 'signal') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  t.equal((await decide()).rule, 'F-B');

  c.p.kill('SIGTERM');
  t.equal(await c.exited, 0, 'exit 0 on SIGTERM');
  const { stdout, stderr } = c.out();
  t.notMatch(stderr, /Error|at .*\.ts:\d+/, 'no stack trace');
  // Decision logs go to stdout, one JSON line per decision.
  const entries = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(entries.filter((e) => e.msg === 'decision').length, 2);
  // One time format in both logs (docs/service.md): ISO 8601 UTC with milliseconds.
  const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  const service = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  t.ok(service.length > 0, 'the service log is JSON lines');
  for (const e of [...service, ...entries]) t.match(e.time, ISO_MS, `${e.msg}: ${e.time}`);
});
