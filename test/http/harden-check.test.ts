/**
 * Issue 14, items 1 and 4: /v1/check off the event loop and bounded; witnesses that give away
 * no address a check-only caller did not send. Each attack as it was run, scaled down, on a
 * real socket, with /healthz timed while it runs.
 */
import t from 'tap';
import { bearer, server, testTokens } from './helpers.js';
import { listen, NOT_BLOCKED_MS, probe } from './attack.js';

const WIDE6 = { src: ['::/0'], dst: ['::/0'], services: ['any'], action: 'allow' };
const WIDE4 = { src: ['0.0.0.0/0'], dst: ['0.0.0.0/0'], services: ['any'], action: 'allow' };
const json = { 'content-type': 'application/json' };

async function check(base: string, token: string, rules: object[]) {
  const r = await fetch(`${base}/v1/check`, { method: 'POST', headers: { ...json, ...bearer(token) }, body: JSON.stringify({ rules }) });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

t.test('1,000 wide rules: refused by count; 100 wide rules: bounded answer, loop free', async (t) => {
  // A generous time budget: this test is about the caps, and the test machine is shared.
  const app = await server(t, { tokens: testTokens(), workers: 1, maxFindings: 2000, maxAnswerBytes: 4 * 1024 * 1024, jobTimeoutMs: 120_000 });
  const base = await listen(app);
  const p = probe(base);
  const many = await check(
    base,
    'tok-check',
    Array.from({ length: 1000 }, () => WIDE6),
  );
  t.equal(many.status, 413);
  t.match(JSON.parse(many.text), { code: 'TOO-MANY-RULES' });
  const wide = await check(
    base,
    'tok-check',
    Array.from({ length: 100 }, () => WIDE6),
  );
  const worst = await p.stop();
  t.equal(wide.status, 200);
  t.ok(wide.text.length <= 4 * 1024 * 1024, `answer ${wide.text.length} bytes within the cap`);
  const body = JSON.parse(wide.text) as { rules: { findings: unknown[]; truncated: boolean; counts: Record<string, number> }[] };
  const findings = body.rules.reduce((n, r) => n + r.findings.length, 0);
  t.ok(findings <= 2000, `${findings} findings within the per-request cap`);
  t.ok(body.rules.at(-1)!.truncated, 'later rules say they were cut short');
  t.same(body.rules.at(-1)!.counts, body.rules[0]!.counts, 'counts stay exact when findings are cut');
  t.ok(worst < NOT_BLOCKED_MS, `/healthz answered within ${Math.round(worst)} ms during the check`);
});

t.test('a flood of heavy checks: 503 OVERLOADED with Retry-After past the queue, /healthz still answers', async (t) => {
  const app = await server(t, { tokens: testTokens(), workers: 1, workerQueue: 1, maxFindings: 50_000, maxAnswerBytes: 64 * 1024 * 1024 });
  const base = await listen(app);
  // Warm the worker (its first job compiles the policy).
  t.equal((await check(base, 'tok-check', [WIDE4])).status, 200);
  const p = probe(base);
  const rules = Array.from({ length: 100 }, () => WIDE6);
  const answers = await Promise.all(Array.from({ length: 8 }, () => check(base, 'tok-check', rules)));
  // (The time budget is the default 10 s: on a very busy machine a 200 may become a 503 TIME-BUDGET.)
  const worst = await p.stop();
  const statuses = answers.map((a) => a.status);
  t.ok(
    answers.some((a) => a.status === 200 || JSON.parse(a.text).code === 'TIME-BUDGET'),
    'the first is taken',
  );
  const refused = answers.filter((a) => a.status === 503 && JSON.parse(a.text).code === 'OVERLOADED');
  t.ok(refused.length >= 1, `some are refused (${statuses.join(',')})`);
  for (const r of refused) {
    t.match(JSON.parse(r.text), { code: 'OVERLOADED' });
    t.equal(r.headers.get('retry-after'), '1');
  }
  t.ok(worst < NOT_BLOCKED_MS, `/healthz answered within ${Math.round(worst)} ms during the flood`);
  const m = await fetch(`${base}/metrics`, { headers: bearer('tok-metrics') });
  t.match(await m.text(), /^sanso_pool_rejected_total [1-9]\d*$/m);
});

t.test('a check past its time budget: 503 TIME-BUDGET, the worker replaced, the next check answered', async (t) => {
  const app = await server(t, { tokens: testTokens(), workers: 1, jobTimeoutMs: 30, maxFindings: 1_000_000, maxAnswerBytes: 1 << 30 });
  const base = await listen(app);
  const r = await check(
    base,
    'tok-check',
    Array.from({ length: 256 }, () => WIDE6),
  );
  t.equal(r.status, 503);
  t.match(JSON.parse(r.text), { code: 'TIME-BUDGET' });
  t.ok(r.headers.get('retry-after'));
  // The same pool goes on, with a budget a normal check fits in.
  (app.sanso.pool as { timeoutMs: number }).timeoutMs = 60_000;
  const ok = await check(base, 'tok-check', [{ src: ['10.20.100.5'], dst: ['172.16.9.10'], services: ['tcp/443'], action: 'allow' }]);
  t.equal(ok.status, 200);
});

/** Every address-looking string in a check answer's witnesses. */
function witnessAddresses(text: string): string[] {
  const body = JSON.parse(text) as { rules: { findings: { witness: { src: string | null; dst: string | null } }[] }[] };
  return body.rules.flatMap((r) => r.findings.flatMap((f) => [f.witness.src, f.witness.dst])).filter((a): a is string => a !== null);
}

t.test('check-only witnesses: no address outside what the caller sent', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  const base = await listen(app);
  // The attack: wide ranges give each segment's lowest address.
  const wide = [WIDE4, { ...WIDE6, src: ['fc00::/7'], dst: ['2000::/3'] }];
  const hidden = await check(base, 'tok-check', wide);
  t.equal(hidden.status, 200);
  const body = JSON.parse(hidden.text) as { rules: { findings: { src: { segment: string }; witness: { src: unknown; dst: unknown; service: string } }[] }[] };
  t.ok(body.rules[0]!.findings.length > 0, 'findings are still listed, by segment name');
  t.same(witnessAddresses(hidden.text), [], 'no witness address at all for wide ranges');
  t.ok(body.rules[0]!.findings.every((f) => typeof f.src.segment === 'string' && typeof f.witness.service === 'string'));
  // The same request with read-policy: the addresses are there.
  const full = await check(base, 'tok-reader', wide);
  t.equal(full.status, 403, 'read-policy alone may not check');
  const admin = await check(base, 'tok-admin', wide);
  t.ok(witnessAddresses(admin.text).length > 0, 'admin (read-policy) sees witness addresses');
  // A single address is the caller's own: shown; the wide side stays hidden.
  const one = await check(base, 'tok-check', [{ src: ['10.20.100.5'], dst: ['0.0.0.0/0'], services: ['tcp/443'], action: 'allow' }]);
  const f = (JSON.parse(one.text) as { rules: { findings: { witness: { src: string | null; dst: string | null } }[] }[] }).rules[0]!.findings;
  t.ok(f.length > 0);
  t.ok(
    f.every((x) => x.witness.src === '10.20.100.5' && x.witness.dst === null),
    'own address shown, the other side withheld',
  );
});
