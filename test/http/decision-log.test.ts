import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecisionLog } from '../../src/http/decision-log.js';
import { bearer, logSink, server, testTokens } from './helpers.js';

const FLOW = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

t.test('one entry per decision request: id, time, version, caller, input, result', async (t) => {
  const { stream, entries } = logSink();
  const app = await server(t, { tokens: testTokens(), decisionLog: { destination: stream } });
  const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW, headers: bearer('tok-decide') });
  const answer = JSON.parse(r.body);
  t.equal(entries.length, 1);
  const e = entries[0]!;
  t.match(e, {
    log: 'decision',
    msg: 'decision',
    route: '/v1/decide',
    policy_version: answer.policyVersion,
    caller: 'tok-decide',
    input: FLOW,
    result: { decision: answer.decision, code: answer.code, rule: answer.rule },
  });
  t.match(e.decision_id, UUID);
  t.equal(r.headers['sanso-decision-id'], e.decision_id, 'the answer names its log entry');
  t.ok(!Number.isNaN(Date.parse(e.time)), 'an ISO time');

  // A failed request decides nothing and logs nothing.
  await app.inject({ method: 'POST', url: '/v1/decide', payload: { ...FLOW, src: '300.0.0.1' }, headers: bearer('tok-decide') });
  t.equal(entries.length, 1);
});

t.test('a batch logs every flow with its result, in a form an auditor can replay', async (t) => {
  const { stream, entries } = logSink();
  const app = await server(t, { decisionLog: { destination: stream } });
  const flows = [FLOW, FLOW, { ...FLOW, service: 'tcp/80' }, { ...FLOW, dst: 'nope' }];
  const r = await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows } });
  const decisions = JSON.parse(r.body).decisions;
  t.equal(entries.length, 1);
  t.match(entries[0], { msg: 'decision batch', route: '/v1/decide/batch', flows: 4, errors: 1, policy_version: decisions[0].policyVersion, caller: null, client: '127.0.0.1' });
  // The counts are what the answers say.
  const counts: Record<string, number> = {};
  for (const d of decisions) if (d.code) counts[d.code] = (counts[d.code] ?? 0) + 1;
  t.same(entries[0]!.counts, counts);
  const replayed = decisions.map((d: { code?: string; rule?: string | null }) => (d.code ? [d.code, d.rule] : null));
  t.same(entries[0]!.input, flows);
  t.same(entries[0]!.results, replayed, 'every flow and its result, in order');

  // NDJSON, with a blank line: parts as answered, then a summary; blank lines are not flows.
  const text = `${flows.map((f) => JSON.stringify(f)).join('\n\n')}\n`;
  const nd = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: text });
  t.equal(nd.statusCode, 200);
  const parts = entries.slice(1).filter((e) => e.msg === 'decision batch part');
  const summary = entries.at(-1)!;
  t.match(summary, { msg: 'decision batch', flows: 4, errors: 1, counts, parts: parts.length });
  t.equal(nd.headers['sanso-decision-id'], summary.decision_id);
  t.ok(parts.every((p) => p.decision_id === summary.decision_id));
  const input = parts.map((p) => p.input).join('');
  t.equal(input, text);
  t.same(
    parts.flatMap((p) => p.results),
    replayed,
  );
});

t.test('a check logs its input and verdicts', async (t) => {
  const { stream, entries } = logSink();
  const app = await server(t, { decisionLog: { destination: stream } });
  const body = { id: 'CR-9', rules: [{ src: ['lg-terminals'], dst: ['inet-cms'], services: ['tcp/443'], action: 'allow' }] };
  const r = JSON.parse((await app.inject({ method: 'POST', url: '/v1/check', payload: body })).body);
  t.match(entries[0], {
    msg: 'check',
    route: '/v1/check',
    input: body,
    result: { verdict: r.verdict, rules: [{ index: 0, verdict: r.rules[0].verdict, counts: r.rules[0].counts }] },
  });
});

t.test('redaction removes the configured fields', async (t) => {
  const { stream, entries } = logSink();
  const app = await server(t, { decisionLog: { destination: stream, redact: ['input.src', 'input.dst'] } });
  await app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW });
  t.same(entries[0]!.input, { service: 'tcp/443' });
  t.notMatch(JSON.stringify(entries[0]), /10\.20\.100\.5|172\.16\.9\.10/);
});

t.test('redaction holds for batches too: JSON flows field by field, NDJSON request text whole', async (t) => {
  const ADDRESSES = /10\.20\.100\.5|172\.16\.9\.10/;
  const { stream, entries } = logSink();
  const app = await server(t, { decisionLog: { destination: stream, redact: ['input.src', 'input.dst'] } });
  const json = await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: [FLOW, FLOW] } });
  t.equal(json.statusCode, 200);
  const lines = `${JSON.stringify(FLOW)}\n${JSON.stringify(FLOW)}\n`;
  const nd = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: lines });
  t.equal(nd.statusCode, 200);
  t.match(nd.body, ADDRESSES, 'the answers still name the addresses');
  const batch = entries.find((e) => e.msg === 'decision batch' && Array.isArray(e.input))!;
  t.same(batch.input, [{ service: 'tcp/443' }, { service: 'tcp/443' }], 'each flow of a JSON batch loses the redacted fields');
  t.same(batch.results.length, 2, 'the results stay');
  const part = entries.find((e) => e.msg === 'decision batch part')!;
  t.ok(part, 'an NDJSON part is logged');
  t.equal(part.input, undefined, "an NDJSON part's request text cannot be redacted field by field: it goes whole");
  t.equal(part.input_redacted, true, 'and the entry says so');
  t.same(part.results.length, 2);
  for (const e of entries) t.notMatch(JSON.stringify(e), ADDRESSES, `no redacted address in a ${e.msg} entry`);
});

t.test('sampling: 0 logs nothing, 1 logs everything', async (t) => {
  const none = logSink();
  const app0 = await server(t, { decisionLog: { destination: none.stream, sampleRate: 0 } });
  const all = logSink();
  const app1 = await server(t, { decisionLog: { destination: all.stream, sampleRate: 1 } });
  for (let i = 0; i < 20; i++) {
    const r0 = await app0.inject({ method: 'POST', url: '/v1/decide', payload: FLOW });
    t.equal(r0.headers['sanso-decision-id'], undefined);
    await app1.inject({ method: 'POST', url: '/v1/decide', payload: FLOW });
  }
  t.equal(none.entries.length, 0);
  t.equal(all.entries.length, 20);
  const half = new DecisionLog({ destination: none.stream, sampleRate: 0.5 });
  let n = 0;
  for (let i = 0; i < 2000; i++) if (half.sampled()) n++;
  t.ok(n > 0 && n < 2000, 'a fraction samples some and not all');
});

t.test('a file destination is written asynchronously and flushed on close', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-dlog-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'logs', 'decisions.log');
  const app = await server(t, { decisionLog: { destination: file } });
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW });
  await app.close();
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(lines.length, 5);
  t.equal(new Set(lines.map((l) => l.decision_id)).size, 5, 'every entry has its own id');
});

t.test('a backlog drains in a few large writes, in order, with security events in their place', async (t) => {
  // sonic-boom writes one chunk at a time; at its default 16 KiB a loaded service's backlog grew
  // faster than it drained and lived long enough to make garbage collection its largest cost.
  const dir = mkdtempSync(join(tmpdir(), 'sanso-dlog-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'decisions.log');
  const log = new DecisionLog({ destination: file });
  const writes: number[] = [];
  (log as any).boom.on('write', (n: number) => writes.push(n));
  const N = 20_000;
  const result = '"result":{"decision":"allow","code":"GRANTED","rule":"F-1"}';
  for (let i = 0; i < N; i++) {
    log.decide('sha256:v', 'bench', '127.0.0.1', `10.0.${i >> 8}.${i & 255}`, '10.1.0.1', 'tcp/443', result);
    if (i === N / 2) log.security('auth-failed', { reason: 'no token' });
  }
  await log.close();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  t.equal(lines.length, N + 1, 'nothing dropped');
  t.equal(log.dropped, 0);
  const bytes = writes.reduce((a, b) => a + b, 0);
  t.ok(bytes > 6_000_000, `${bytes} bytes written`);
  t.ok(writes.length <= 8, `${writes.length} writes for ${bytes} bytes (16 KiB each would take ${Math.ceil(bytes / 16384)})`);
  const security = lines.findIndex((l) => l.includes('"log":"security"'));
  t.equal(security, N / 2 + 1, 'the security event sits between the entries it came between');
  t.equal(JSON.parse(lines[N]!).input.src, `10.0.${(N - 1) >> 8}.${(N - 1) & 255}`, 'the last entry last');
});
