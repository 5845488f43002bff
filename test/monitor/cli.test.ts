/**
 * `sanso monitor` as a user runs it: the result against schemas/api/monitor-result.json, the
 * NDJSON event stream (a finding when first seen, rejects, the end), exit codes, usage errors,
 * the webhook (a local server that fails first, then accepts) and the Prometheus counters.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import ajvModule from 'ajv';
import ajvFormats from 'ajv-formats';
import t from 'tap';
import { Webhook } from '../../src/monitor/webhook.js';
import { sanso } from '../cli/run.js';

const Ajv = ajvModule.default;
const addFormats = ajvFormats.default;
const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync('schemas/api/monitor-result.json', 'utf8')));

const F = 'test/monitor/fixtures';
const AS_OF = '2026-11-30';
const GOOD = '{"src":"10.20.100.5","dst":"172.16.1.10","service":"tcp/443"}';
const ALLOWED = '{"src":"10.20.100.5","dst":"10.20.100.6","service":"tcp/443"}';

t.test('--json: the result validates against its schema, for every sample', async (t) => {
  for (const [file, format] of [
    ['iptables.log', 'iptables'],
    ['fortigate.log', 'fortigate'],
    ['vpcflow-v2.log', 'vpcflow'],
    ['nfdump-1.7.1.csv', 'nfdump-csv'],
    ['flows.jsonl', 'jsonl'],
    ['bad/jsonl-not-json.jsonl', 'jsonl'],
  ]) {
    const run = await sanso(['monitor', '--from', `${F}/${file}`, '--log-format', format!, '--json', '--as-of', AS_OF]);
    const r = JSON.parse(run.out) as unknown;
    t.ok(validate(r), `${file}: ${JSON.stringify(validate.errors)}`);
  }
});

t.test('NDJSON events: a finding when first seen, rejects in place, then the end', async (t) => {
  const input = [GOOD, GOOD, 'nonsense', ALLOWED, '{"src":"10.20.100.5","dst":"8.8.8.8","service":"udp/53"}', GOOD].join('\n');
  const run = await sanso(['monitor', '--from', '-', '--log-format', 'jsonl', '--as-of', AS_OF], input);
  t.equal(run.code, 3);
  const events = run.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; code?: string; count?: number; position?: string; records?: number; findings?: { count: number }[] });
  t.same(
    events.map((e) => e.event),
    ['finding', 'rejected', 'finding', 'end'],
  );
  t.same([events[0]!.code, events[0]!.count], ['SPLIT-PATH', 1], 'announced at count 1');
  t.equal(events[1]!.position, '-:3');
  t.equal(events[2]!.code, 'CLOUD-AGGREGATION');
  const end = events[3]!;
  t.same([end.records, end.findings!.map((f) => f.count)], [6, [3, 1]], 'the end holds the exact counts');
  const { event: _e, ...rest } = end;
  t.ok(validate(rest), JSON.stringify(validate.errors));
  t.match(run.err, /6 records \(5 parsed, 1 rejected\)/);
});

t.test('exit 0 when nothing is denied; 1 when the file cannot be read; 2 on usage', async (t) => {
  t.equal((await sanso(['monitor', '--from', '-', '--log-format', 'jsonl', '--as-of', AS_OF], ALLOWED)).code, 0);
  const missing = await sanso(['monitor', '--from', `${F}/nope.log`, '--log-format', 'jsonl', '--as-of', AS_OF]);
  t.equal(missing.code, 1);
  t.match(missing.err, 'cannot read test/monitor/fixtures/nope.log: ENOENT');
  t.equal((await sanso(['monitor', '--from', '-', '--log-format', 'csv'])).code, 2);
  t.equal((await sanso(['monitor', '--log-format', 'jsonl'])).code, 2);
  t.equal((await sanso(['monitor', '--from', '-'])).code, 2);
  t.equal((await sanso(['monitor', '--from', 'nats://127.0.0.1:1', '--log-format', 'jsonl'])).code, 2, 'a NATS URL needs a subject');
  t.equal((await sanso(['monitor', '--from', '-', '--log-format', 'jsonl', '--webhook', 'ftp://x'])).code, 2);
  t.match((await sanso(['--help'])).out, /monitor +decide observed flows/);
});

interface Received {
  body: string;
}

function hookServer(failFirst: number): Promise<{ url: string; got: Received[]; attempts: () => number; close: () => void }> {
  const got: Received[] = [];
  let attempts = 0;
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      attempts++;
      if (attempts <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      got.push({ body });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hook`, got, attempts: () => attempts, close: () => server.close() });
    }),
  );
}

t.test('--webhook: each new finding posted once, after retries', async (t) => {
  const hook = await hookServer(2);
  t.teardown(hook.close);
  const input = [GOOD, GOOD, '{"src":"10.20.100.5","dst":"8.8.8.8","service":"udp/53"}', ALLOWED].join('\n');
  const run = await sanso(['monitor', '--from', '-', '--log-format', 'jsonl', '--as-of', AS_OF, '--json', '--webhook', hook.url], input);
  t.equal(run.code, 3);
  t.same(
    hook.got.map((g) => (JSON.parse(g.body) as { code: string }).code),
    ['SPLIT-PATH', 'CLOUD-AGGREGATION'],
    'in order, once each',
  );
  t.equal(hook.attempts(), 4, 'two failed attempts were retried');
  t.match(run.err, 'webhook 2 sent, 0 failed, 0 dropped');
});

t.test('the webhook queue is bounded and never waits for the receiver', async (t) => {
  const hook = await hookServer(1_000_000);
  t.teardown(hook.close);
  const w = new Webhook(hook.url, { max: 3, retries: 1, backoffMs: 5 });
  const started = performance.now();
  for (let i = 0; i < 10; i++) w.push(`{"n":${i}}`);
  t.ok(performance.now() - started < 50, 'push returns at once');
  // One is taken by the sender at once; three wait; six are dropped.
  t.equal(w.dropped, 6);
  await w.drain(5000);
  t.same([w.sent, w.failed], [0, 4], 'a receiver that always fails: each given up after its retries');
  const gone = new Webhook('http://127.0.0.1:1/none', { retries: 0 });
  gone.push('{}');
  await gone.drain(5000);
  t.equal(gone.failed, 1, 'connection refused counts as failed');
});

t.test('--metrics-port: Prometheus counters while running', async (t) => {
  // A stream that stays open until the counters were scraped.
  const { PassThrough } = await import('node:stream');
  const { main } = await import('../../src/cli/main.js');
  const input = new PassThrough();
  let err = '';
  const done = main(['monitor', '--from', '-', '--log-format', 'jsonl', '--as-of', AS_OF, '--json', '--metrics-port', '0'], {
    stdout: () => undefined,
    stderr: (s) => (err += s),
    stdin: input,
    env: {},
  });
  input.write(`${GOOD}\n${GOOD}\nbad\n`);
  // The port is chosen by the OS and printed on standard error.
  const deadline = Date.now() + 5000;
  while (!/metrics on (\S+)/.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const url = /metrics on (\S+)/.exec(err)![1]!;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, 'loopback by default');
  // The lines written are read asynchronously: scrape until they are counted.
  let text = '';
  while (!/records_total 3$/m.test(text) && Date.now() < deadline) text = await (await fetch(url)).text();
  t.equal((await fetch(url.replace('/metrics', '/other'))).status, 404);
  input.end();
  t.equal(await done, 3, err);
  t.match(text, /^sanso_monitor_records_total 3$/m);
  t.match(text, /^sanso_monitor_rejected_total 1$/m);
  t.match(text, /^sanso_monitor_denied_total\{code="SPLIT-PATH"\} 2$/m);
  t.match(text, /^sanso_monitor_findings 1$/m);
});
