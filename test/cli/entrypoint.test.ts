/**
 * The container entrypoint (docker/entrypoint.sh), run by hand as there is no Docker engine
 * here: `serve` refuses to start without a mounted rule set unless SANSO_SERVE_SAMPLE=1, and
 * then serves the sample instead of the empty mount; other commands pass through.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync('sh', ['docker/entrypoint.sh', ...args], {
    encoding: 'utf8',
    // `echo` stands in for node: what it prints is the command the container would run.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SANSO_ENTRYPOINT_NODE: 'echo', SANSO_ENTRYPOINT_BIN: 'sanso.js', ...env },
  });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}

t.test('serve needs a mounted rule set, or SANSO_SERVE_SAMPLE=1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-entry-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const rules = join(dir, 'rules');
  const env = { SANSO_ENTRYPOINT_RULES: rules, SANSO_ENTRYPOINT_SAMPLE: '/sample' };
  const cmd = ['serve', '--rules', rules, '--port', '8080'];

  const missing = run(cmd, env);
  t.equal(missing.code, 1);
  t.match(missing.err, /no rule set mounted at .*SANSO_SERVE_SAMPLE=1/s);
  t.equal(missing.out, '', 'node never started');
  mkdirSync(rules);
  t.equal(run(cmd, env).code, 1, 'an empty mount is no rule set either');

  const sample = run(cmd, { ...env, SANSO_SERVE_SAMPLE: '1' });
  t.equal(sample.code, 0);
  t.equal(sample.out, 'sanso.js serve --rules /sample --port 8080', 'the sample, and no --rules for the empty mount');
  t.match(sample.err, /serving the bundled sample city/);

  writeFileSync(join(rules, 'city.yaml'), 'segments: []\n');
  const mounted = run(cmd, { ...env, SANSO_SERVE_SAMPLE: '1' });
  t.equal(mounted.out, `sanso.js serve --rules ${rules} --port 8080`, 'a mounted rule set wins over the sample');
  t.equal(run(['validate', '--rules', '/x'], env).out, 'sanso.js validate --rules /x', 'other commands pass through');
});

t.test('the Dockerfile runs the entrypoint on a Node LTS image and no longer bakes rules into /etc/sanso/rules', async (t) => {
  const df = readFileSync('Dockerfile', 'utf8');
  t.match(df, /^FROM node:24-trixie-slim AS build$/m);
  t.match(df, /^ENTRYPOINT \["\/usr\/local\/bin\/sanso-entrypoint"\]$/m);
  t.match(df, /^COPY docker\/entrypoint\.sh \/usr\/local\/bin\/sanso-entrypoint$/m);
  t.notMatch(df, /^COPY rules \/etc\/sanso\/rules$/m);
});
