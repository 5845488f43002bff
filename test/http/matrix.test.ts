/**
 * GET /v1/matrix and GET /v1/exceptions: scopes, bad queries, the answer held against decide
 * cell by cell, the cache kept with the policy (a reload replaces it), and day counting held
 * against a naive calendar walk.
 */
import t from 'tap';
import fc from '../property/fc.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { daysBetween } from '../../src/model/dates.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { loadPolicy } from '../../src/policy.js';
import { bearer, POLICY_A, POLICY_B, ruleDir, server, testTokens } from './helpers.js';

interface Entry {
  kind: string;
  decision: string;
  code: string;
  rule: string | null;
  witnessService: string;
}
interface Answer {
  policyVersion: string;
  tiers: string[];
  tierCells: { src: string; dst: string; kind: string; counts: Record<string, number> }[];
  segmentLimit: number;
  segmentMatrix: {
    src: string | null;
    dst: string | null;
    rows: { name: string; tier: string; witness: string | null }[];
    cols: { name: string; tier: string; witness: string | null }[];
    summaries: { kind: string; entries: Entry[] }[];
    cells: number[][];
  } | null;
  services: { name: string; services: string[]; witness: string }[];
}

const AS_OF = '2026-11-25';

t.test('every entry of every cell decides as the answer says, at the witnesses it gives', async (t) => {
  const app = await server(t, { asOf: AS_OF });
  const r = await app.inject({ method: 'GET', url: '/v1/matrix' });
  t.equal(r.statusCode, 200);
  const a = JSON.parse(r.body) as Answer;
  const { policy } = loadPolicy(['rules/'], { asOf: AS_OF });
  const table = policy!.table;
  t.equal(a.policyVersion, policy!.version);
  t.same(a.tiers, ['mynumber', 'lgwan', 'internet', 'outside']);
  const m = a.segmentMatrix!;
  t.equal(m.rows.length, policy!.model.segments.length, 'the whole city: every segment, outside included');
  const out = new FlowResult();
  let n = 0;
  m.cells.forEach((row, i) =>
    row.forEach((s, j) => {
      const src = m.rows[i]!;
      const dst = m.cols[j]!;
      const sum = m.summaries[s]!;
      t.equal(sum.kind, sum.entries[0]!.kind);
      for (const e of sum.entries) {
        if (!resolveFlow(table, src.witness!, dst.witness!, e.witnessService, out)) throw new Error(`${src.witness} ${dst.witness} ${e.witnessService}`);
        const d = table.decision(out.decision);
        if (d.code !== e.code || d.ruleId !== e.rule || d.decision !== e.decision)
          t.fail(`${src.name} → ${dst.name} ${e.witnessService}: ${d.code} ${d.ruleId}, the matrix says ${e.code} ${e.rule}`);
        n++;
      }
    }),
  );
  t.ok(n > 500, `${n} entries decided`);
  // The tier cells count every segment pair once, and a tier pair's segment matrix is the
  // whole city's restricted to it.
  const total = a.tierCells.reduce((s, c) => s + Object.values(c.counts).reduce((x, y) => x + y, 0), 0);
  t.equal(total, m.rows.length * m.cols.length);
  const pr = JSON.parse((await app.inject({ method: 'GET', url: '/v1/matrix?src=lgwan&dst=internet' })).body) as Answer;
  const pm = pr.segmentMatrix!;
  t.same([pm.src, pm.dst], ['lgwan', 'internet']);
  t.ok(pm.rows.every((x) => x.tier === 'lgwan') && pm.cols.every((x) => x.tier === 'internet'));
  pm.rows.forEach((row, i) =>
    pm.cols.forEach((col, j) => {
      const fi = m.rows.findIndex((x) => x.name === row.name);
      const fj = m.cols.findIndex((x) => x.name === col.name);
      t.same(pm.summaries[pm.cells[i]![j]!], m.summaries[m.cells[fi]![fj]!], `${row.name} → ${col.name}`);
    }),
  );
  // Named services: the witness lies in the service (decide agrees it parses).
  const https = a.services.find((s) => s.name === 'https')!;
  t.same(https, { name: 'https', services: ['tcp/443'], witness: 'tcp/443' });
  for (const s of a.services) t.ok(resolveFlow(table, '10.0.0.1', '10.0.0.2', s.witness, out), `${s.name} → ${s.witness}`);
});

t.test('scopes: read-policy (or admin) only; bad tiers are a 400', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  for (const url of ['/v1/matrix', '/v1/exceptions']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 401, `${url} without a token`);
    for (const tok of ['tok-decide', 'tok-check', 'tok-metrics']) {
      const r = await app.inject({ method: 'GET', url, headers: bearer(tok) });
      t.equal(r.statusCode, 403, `${url} ${tok}`);
      t.notMatch(r.body, /\d+\.\d+\.\d+\.\d+/);
    }
    for (const tok of ['tok-reader', 'tok-admin']) t.equal((await app.inject({ method: 'GET', url, headers: bearer(tok) })).statusCode, 200, `${url} ${tok}`);
  }
  for (const q of ['src=dmz', 'dst=', 'src=lgwan&x=1', 'src=lgwan&src=internet']) {
    const r = await app.inject({ method: 'GET', url: `/v1/matrix?${q}`, headers: bearer('tok-reader') });
    t.equal(r.statusCode, 400, q);
    t.match(r.headers['content-type'], /^application\/problem\+json/);
    t.equal(JSON.parse(r.body).code, 'INVALID-REQUEST');
  }
});

t.test('computed once per policy, replaced by a reload', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_A });
  const app = await server(t, { rulesPath: dir });
  const get = async () => JSON.parse((await app.inject({ method: 'GET', url: '/v1/matrix' })).body) as Answer;
  const cell = (a: Answer) => {
    const m = a.segmentMatrix!;
    const i = m.rows.findIndex((x) => x.name === 'lg-a');
    const j = m.cols.findIndex((x) => x.name === 'lg-b');
    return m.summaries[m.cells[i]![j]!]!;
  };
  const a1 = await get();
  t.equal(cell(a1).kind, 'direct', 'F-A grants lg-a → lg-b');
  t.same(await get(), a1, 'the same answer again');
  writeFileSync(join(dir, 'rules.yaml'), POLICY_B);
  t.equal((await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json' } })).statusCode, 200);
  const a2 = await get();
  t.not(a2.policyVersion, a1.policyVersion);
  t.equal(cell(a2).kind, 'explicit-deny', 'F-B denies it: the matrix follows the reload');
  t.match(
    cell(a2).entries.find((e) => e.witnessService === 'tcp/443'),
    { code: 'EXPLICIT-DENY', rule: 'F-B' },
  );
});

t.test('GET /v1/exceptions: days left on the as-of date', async (t) => {
  for (const [asOf, days, active] of [
    ['2026-11-30', 304, true],
    ['2027-09-30', 0, true],
  ] as const) {
    const app = await server(t, { asOf });
    const r = await app.inject({ method: 'GET', url: '/v1/exceptions' });
    t.equal(r.statusCode, 200);
    const body = JSON.parse(r.body);
    t.equal(body.asOf, asOf);
    t.match(body.exceptions[0], {
      id: 'EX-2026-01',
      from: ['mn-zeimu'],
      to: ['lg-fileserver'],
      services: ['smb'],
      expires: '2027-09-30',
      ticket: 'CR-2026-0088',
      daysLeft: days,
      active,
    });
    t.match(body.exceptions[0].approvedBy, 'CISO');
  }
});

t.test('daysBetween agrees with walking the calendar a day at a time', async (t) => {
  const day = fc.integer({ min: Date.UTC(2000, 0, 1) / 86_400_000, max: Date.UTC(2099, 11, 31) / 86_400_000 });
  const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
  fc.assert(
    fc.property(day, fc.integer({ min: -800, max: 800 }), (d, k) => {
      // The naive walk: step one calendar day at a time with Date's local-free UTC arithmetic.
      const from = new Date(`${iso(d)}T12:00:00Z`);
      let steps = 0;
      const to = iso(d + k);
      const cur = new Date(from);
      while (cur.toISOString().slice(0, 10) !== to) {
        cur.setUTCDate(cur.getUTCDate() + (k >= 0 ? 1 : -1));
        steps += k >= 0 ? 1 : -1;
      }
      return daysBetween(iso(d), to) === steps;
    }),
    { numRuns: 200, seed: 17 },
  );
  t.equal(daysBetween('2028-02-28', '2028-03-01'), 2, 'a leap day');
  t.pass('agreed');
});
