import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ReloadRecord } from '../../src/http/lifecycle.js';
import { PROBE, POLICY_A, POLICY_B, POLICY_BROKEN, ruleDir, server } from './helpers.js';

async function decideProbe(app: FastifyInstance) {
  const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: PROBE });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

/** What each version of the probe policy answers (by construction of POLICY_A and POLICY_B). */
const ANSWER_A = { decision: 'allow', code: 'GRANTED', rule: 'F-A' };
const ANSWER_B = { decision: 'deny', code: 'EXPLICIT-DENY', rule: 'F-B' };

t.test('POST /v1/policy/reload: ok, unchanged, failed (the old policy keeps serving)', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  const app = await server(t, { rulesPath: dir });
  const first = await decideProbe(app);
  t.match(first.body, ANSWER_A);
  const vA = first.body.policyVersion;

  // No body, even with a JSON content type: the route takes none.
  const same = await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json' } });
  t.equal(same.statusCode, 200);
  t.match(JSON.parse(same.body), { trigger: 'api', result: 'unchanged', version: vA, previousVersion: vA, errors: 0 });

  writeFileSync(join(dir, 'rules.yaml'), POLICY_B);
  const ok = await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json' } });
  t.equal(ok.statusCode, 200);
  const okBody = JSON.parse(ok.body);
  t.match(okBody, { trigger: 'api', result: 'ok', previousVersion: vA });
  t.not(okBody.version, vA);
  const second = await decideProbe(app);
  t.match(second.body, { ...ANSWER_B, policyVersion: okBody.version });

  writeFileSync(join(dir, 'rules.yaml'), POLICY_BROKEN);
  const bad = await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json' } });
  t.equal(bad.statusCode, 422);
  t.match(bad.headers['content-type'], /^application\/problem\+json/);
  const badBody = JSON.parse(bad.body);
  t.match(badBody, { code: 'RELOAD-FAILED', result: 'failed', version: okBody.version, previousVersion: okBody.version });
  t.ok(badBody.problems.length > 0);
  t.match(badBody.problems[0], { code: 'YAML-SYNTAX', severity: 'error', file: /rules\.yaml$/, line: Number, col: Number });

  // Still serving B, and saying why the reload failed.
  t.match((await decideProbe(app)).body, { ...ANSWER_B, policyVersion: okBody.version });
  const info = JSON.parse((await app.inject({ method: 'GET', url: '/v1/policy' })).body);
  t.match(info, { version: okBody.version, lastReload: { result: 'failed', trigger: 'api' } });
  t.ok(info.lastReload.problems.some((p: { code: string }) => p.code === 'YAML-SYNTAX'));
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /^sanso_policy_last_reload_success 0$/m);
  t.match(metrics, /^sanso_policy_reloads_total\{result="failed"\} 1$/m);
  t.match(metrics, new RegExp(`^sanso_policy_info\\{name="Reload Test",version="${okBody.version}"\\} 1$`, 'm'));
});

t.test('reloads under load: no request fails, none mixes versions', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  const app = await server(t, { rulesPath: dir });
  const versions = new Map<string, typeof ANSWER_A>();
  versions.set((await decideProbe(app)).body.policyVersion, ANSWER_A);

  const singles: Promise<{ status: number; body: { policyVersion: string } }>[] = [];
  const batches: Promise<{ status: number; body: string }>[] = [];
  const ndjson = Array.from({ length: 50 }, () => JSON.stringify(PROBE)).join('\n');
  const fire = () => {
    for (let i = 0; i < 25; i++) singles.push(decideProbe(app));
    batches.push(
      app
        .inject({ method: 'POST', url: '/v1/decide/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson })
        .then((r) => ({ status: r.statusCode, body: r.body })),
    );
    batches.push(
      app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: Array.from({ length: 50 }, () => PROBE) } }).then((r) => ({ status: r.statusCode, body: r.body })),
    );
  };
  const steps: [string, typeof ANSWER_A | null][] = [
    [POLICY_BROKEN, null],
    [POLICY_B, ANSWER_B],
    [POLICY_BROKEN, null],
    [POLICY_A, ANSWER_A],
    [POLICY_B, ANSWER_B],
    [POLICY_BROKEN, null],
  ];
  for (const [text, answer] of steps) {
    fire();
    writeFileSync(join(dir, 'rules.yaml'), text);
    const reload = app.sanso.lifecycle.reload('api');
    fire();
    const rec: ReloadRecord = await reload;
    t.equal(rec.result, answer ? 'ok' : 'failed');
    if (answer && rec.version) versions.set(rec.version, answer);
    fire();
  }
  t.equal(versions.size, 2, 'two versions served');
  let checked = 0;
  for (const r of await Promise.all(singles)) {
    const want = versions.get(r.body.policyVersion);
    if (r.status !== 200 || !want) t.fail(`a request failed or named no version: ${JSON.stringify(r)}`);
    else {
      t.match(r.body, want);
      checked++;
    }
  }
  for (const b of await Promise.all(batches)) {
    t.equal(b.status, 200);
    const answers = b.body.startsWith('{"decisions"')
      ? JSON.parse(b.body).decisions
      : b.body
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
    t.equal(answers.length, 50);
    const seen = new Set(answers.map((a: { policyVersion: string }) => a.policyVersion));
    t.equal(seen.size, 1, 'one batch, one version');
    const want = versions.get([...seen][0] as string);
    t.ok(want, 'a version that served');
    t.ok(
      answers.every((a: object) => Object.entries(want!).every(([k, v]) => (a as Record<string, unknown>)[k] === v)),
      'every answer as its version says',
    );
  }
  t.equal(checked, singles.length);
});

/**
 * The watcher and its debounce timer do not keep a process alive (a listening server does);
 * inject()-only tests hold the event loop open themselves while they wait for a file event.
 */
function keepAlive(t: { teardown(fn: () => void): void }) {
  const timer = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(timer));
}

t.test('a changed rule file reloads by itself (watch); a broken one keeps the old policy', async (t) => {
  keepAlive(t);
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A, 'notes.txt': 'not a rule file' });
  const app = await server(t, { rulesPath: dir, watch: true, watchDebounceMs: 50 });
  // A slow machine may split one write's events into two reloads: wait for the one that matters.
  const next = (result: ReloadRecord['result']) =>
    new Promise<ReloadRecord>((resolve) => {
      const on = (r: ReloadRecord) => {
        if (r.result !== result) return;
        app.sanso.lifecycle.off('reload', on);
        resolve(r);
      };
      app.sanso.lifecycle.on('reload', on);
    });

  let reloaded = next('ok');
  writeFileSync(join(dir, 'rules.yaml'), POLICY_B);
  let rec = await reloaded;
  t.equal(rec.trigger, 'watch');
  t.match((await decideProbe(app)).body, ANSWER_B);

  reloaded = next('failed');
  writeFileSync(join(dir, 'rules.yaml'), POLICY_BROKEN);
  rec = await reloaded;
  t.equal(rec.trigger, 'watch');
  t.match((await decideProbe(app)).body, ANSWER_B);

  reloaded = next('ok');
  writeFileSync(join(dir, 'rules.yaml'), POLICY_A);
  rec = await reloaded;
  t.equal(rec.trigger, 'watch');
  t.match((await decideProbe(app)).body, ANSWER_A);
});

t.test('watching a single rule file', async (t) => {
  keepAlive(t);
  const dir = ruleDir(t, { 'city.yaml': POLICY_A });
  const file = join(dir, 'city.yaml');
  const app = await server(t, { rulesPath: file, watch: true, watchDebounceMs: 50 });
  const reloaded = new Promise<ReloadRecord>((resolve) => {
    const on = (r: ReloadRecord) => {
      if (r.result === 'ok') resolve(r);
    };
    app.sanso.lifecycle.on('reload', on);
  });
  writeFileSync(file, POLICY_B);
  t.match(await reloaded, { trigger: 'watch', result: 'ok' });
  t.match((await decideProbe(app)).body, ANSWER_B);
});

const EXPIRING = `policy:
  name: Date Test
segments:
  - name: mn-a
    tier: mynumber
    cidrs: [10.1.0.0/16]
  - name: lg-b
    tier: lgwan
    cidrs: [10.2.0.0/16]
exceptions:
  - id: EX-1
    from: [mn-a]
    to: [lg-b]
    services: [tcp/445]
    reason: a test
    approved-by: CISO
    expires: 2021-01-01
`;

t.test('the date rolling over recompiles the serving model, without re-reading the files', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': EXPIRING });
  const app = await server(t, { rulesPath: dir, asOf: '2020-12-31' });
  const flow = { src: '10.1.0.1', dst: '10.2.0.1', service: 'tcp/445' };
  const before = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide', payload: flow })).body);
  t.match(before, { decision: 'allow', code: 'EXCEPTION', rule: 'EX-1' });
  // An edit nobody asked to load must not ride along with the midnight recompile.
  writeFileSync(join(dir, 'rules.yaml'), POLICY_BROKEN);
  const rec = await app.sanso.lifecycle.reload('date');
  t.match(rec, { trigger: 'date', result: 'ok', version: before.policyVersion });
  const after = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide', payload: flow })).body);
  t.match(after, { decision: 'deny', code: 'MN-ISOLATION', policyVersion: before.policyVersion });
  t.not(app.sanso.lifecycle.current!.asOf, '2020-12-31');
});
