/**
 * Issue 14, item 3: the watcher never loads a half-written file. The attack as run: a rule file
 * rewritten in place in two writes 600 ms apart, the first leaving it broken. And the two safe
 * ways to deploy that docs/service.md gives: write aside and rename; swap a directory symlink.
 */
import t from 'tap';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ReloadRecord } from '../../src/http/lifecycle.js';
import { POLICY_A, POLICY_B, PROBE, ruleDir, server } from './helpers.js';

const keepAlive = (t: { teardown(fn: () => void): void }) => {
  const timer = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(timer));
};

function records(app: FastifyInstance): ReloadRecord[] {
  const seen: ReloadRecord[] = [];
  app.sanso.lifecycle.on('reload', (r: ReloadRecord) => seen.push(r));
  return seen;
}

function until(app: FastifyInstance, result: ReloadRecord['result'], ms = 15_000): Promise<ReloadRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${result} reload within ${ms} ms`)), ms);
    const on = (r: ReloadRecord) => {
      if (r.result !== result) return;
      clearTimeout(timer);
      app.sanso.lifecycle.off('reload', on);
      resolve(r);
    };
    app.sanso.lifecycle.on('reload', on);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function decision(app: FastifyInstance): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: PROBE });
  return (JSON.parse(r.body) as { decision: string }).decision;
}

t.test('an in-place rewrite in two writes 600 ms apart is loaded once, whole', async (t) => {
  keepAlive(t);
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  // The default quiet time (1 s): what serve runs with.
  const app = await server(t, { rulesPath: dir, watch: true });
  const seen = records(app);
  const file = join(dir, 'rules.yaml');
  const done = until(app, 'ok');
  // The first write leaves the file cut in the middle of a line: not a valid rule set.
  writeFileSync(file, POLICY_B.slice(0, POLICY_B.length - 20));
  await sleep(600);
  writeFileSync(file, POLICY_B);
  await done;
  t.same(
    seen.map((r) => r.result),
    ['ok'],
    'one reload, of the whole file; the half-written one never tried',
  );
  t.equal(await decision(app), 'deny');
});

t.test('deploy by writing aside and renaming: one reload', async (t) => {
  keepAlive(t);
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  const app = await server(t, { rulesPath: dir, watch: true, watchDebounceMs: 200 });
  const seen = records(app);
  const done = until(app, 'ok');
  writeFileSync(join(dir, '.rules.yaml.tmp'), POLICY_B);
  renameSync(join(dir, '.rules.yaml.tmp'), join(dir, 'rules.yaml'));
  await done;
  t.same(
    seen.map((r) => r.result),
    ['ok'],
  );
  t.equal(await decision(app), 'deny');
});

t.test('deploy by swapping a directory symlink: reloaded, and the new directory watched', async (t) => {
  keepAlive(t);
  const root = ruleDir(t, {});
  mkdirSync(join(root, 'v1'));
  mkdirSync(join(root, 'v2'));
  writeFileSync(join(root, 'v1', 'rules.yaml'), POLICY_A);
  writeFileSync(join(root, 'v2', 'rules.yaml'), POLICY_B);
  symlinkSync('v1', join(root, 'current'));
  const app = await server(t, { rulesPath: join(root, 'current'), watch: true, watchDebounceMs: 200 });
  t.equal(await decision(app), 'allow');
  let done = until(app, 'ok');
  // ln -sfn v2 current.new && mv -T current.new current
  symlinkSync('v2', join(root, 'current.new'));
  renameSync(join(root, 'current.new'), join(root, 'current'));
  await done;
  t.equal(await decision(app), 'deny');
  // An edit inside the new target is seen too (the watches followed the swap).
  done = until(app, 'ok');
  writeFileSync(join(root, 'v2', '.tmp'), POLICY_A);
  renameSync(join(root, 'v2', '.tmp'), join(root, 'v2', 'rules.yaml'));
  await done;
  t.equal(await decision(app), 'allow');
});
