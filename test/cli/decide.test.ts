/**
 * `sanso decide` (one flow and --batch) and `sanso compile`, in-process: output, exit codes and
 * the refusal of a rule set with errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { sanso } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'sanso-decide-'));
const rules = join(dir, 'city.yaml');
writeFileSync(
  rules,
  `policy:
  name: CLI City
  defaults: { lgwan: allow }
segments:
  - name: lg-term
    tier: lgwan
    role: terminal
    cidrs: [10.20.0.0/16]
  - name: inet-vbrowser
    tier: internet
    cidrs: [172.16.9.10/32]
    sanitizer: { method: screen-transfer, peer: lgwan, direction: inbound, services: [tcp/443] }
  - name: mn-batch
    tier: mynumber
    cidrs: [10.10.5.0/24]
flows:
  - id: F-010
    from: [lg-term]
    to: [inet-vbrowser]
    services: [tcp/443]
exceptions:
  - id: EX-01
    from: [mn-batch]
    to: [lg-term]
    services: [tcp/445]
    reason: export
    approved-by: CISO
    expires: 2026-03-31
`,
);
const broken = join(dir, 'broken.yaml');
writeFileSync(broken, 'segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.1/24]\n');

const R = ['--rules', rules, '--as-of', '2026-03-31'];

t.test('one flow: text, exit 0 on allow', async (t) => {
  const r = await sanso(['decide', '10.20.1.5', '172.16.9.10', 'tcp/443', ...R]);
  t.equal(r.code, 0);
  t.match(r.out, /^ALLOW GRANTED F-010: 10\.20\.1\.5 \(lg-term, lgwan\) → 172\.16\.9\.10 \(inet-vbrowser, internet\) tcp\/443 via inet-vbrowser \(screen-transfer\)\n {2}\S/);
  t.equal(r.err, '');
});

t.test('one flow: exit 3 on deny; --json; --lang ja; --as-of', async (t) => {
  const deny = await sanso(['decide', '10.20.1.5', '172.16.9.11', 'tcp/443', ...R, '--json']);
  t.equal(deny.code, 3);
  const d = JSON.parse(deny.out);
  t.match(d, { decision: 'deny', code: 'CLOUD-AGGREGATION', rule: null, dst: { segment: 'outside', tier: 'outside', address: '172.16.9.11' } });
  t.ok(deny.out.endsWith('}\n') && deny.out.split('\n').length === 2, 'one line');
  const ja = await sanso(['decide', '10.20.1.5', '172.16.9.12', 'tcp/443', ...R, '--json', '--lang', 'ja']);
  t.match(JSON.parse(ja.out).message, /自治体情報セキュリティクラウド/);
  const exc = await sanso(['decide', '10.10.5.1', '10.20.0.1', 'tcp/445', ...R, '--json']);
  t.equal(exc.code, 0);
  t.equal(JSON.parse(exc.out).code, 'EXCEPTION', 'EX-01 still applies on its expiry date');
  const later = await sanso(['decide', '10.10.5.1', '10.20.0.1', 'tcp/445', '--rules', rules, '--as-of', '2026-04-01', '--json']);
  t.equal(later.code, 3);
  t.equal(JSON.parse(later.out).code, 'MN-ISOLATION', 'and not the day after');
});

t.test('one flow: bad input and usage', async (t) => {
  const bad = await sanso(['decide', '10.20.1.5', '172.16.9.256', 'tcp/443', ...R]);
  t.equal(bad.code, 1);
  t.match(bad.err, /dst "172\.16\.9\.256": an IPv4 octet is greater than 255/);
  t.equal(bad.out, '');
  const svc = await sanso(['decide', '10.20.1.5', '172.16.9.10', 'tcp', ...R]);
  t.equal(svc.code, 1);
  t.match(svc.err, /service "tcp": tcp and udp need a port/);
  t.equal((await sanso(['decide', '10.20.1.5', '172.16.9.10', ...R])).code, 2, 'two arguments');
  t.equal((await sanso(['decide', '--batch', '-', '10.20.1.5', ...R])).code, 2, '--batch with arguments');
  t.equal((await sanso(['decide', '--bogus', ...R])).code, 2, 'unknown option');
  const help = await sanso(['decide', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /--batch FILE\|-/);
});

t.test("a rule set with errors is refused with the validator's report", async (t) => {
  for (const args of [['decide', '10.0.0.1', '10.0.0.2', 'tcp/1'], ['decide', '--batch', '-'], ['compile']]) {
    const r = await sanso([...args, '--rules', broken]);
    t.equal(r.code, 1, args.join(' '));
    t.match(r.err, new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: error CIDR-INVALID `));
    t.equal(r.out, '');
  }
});

t.test('batch: one answer per flow line, in order; bad lines answered in place', async (t) => {
  const input = [
    'src,dst,service',
    '# a comment',
    '10.20.1.5,172.16.9.10,tcp/443',
    '',
    '10.20.1.5 , 172.16.9.11 , tcp/443\r',
    '010.20.1.5,172.16.9.10,tcp/443',
    '10.20.1.5,172.16.9.10',
    'fd00::1,::ffff:10.20.1.6,udp/53',
    '10.20.1.5,172.16.9.10,any',
  ].join('\n');
  const file = join(dir, 'flows.csv');
  writeFileSync(file, input);
  for (const [how, args, stdin] of [
    ['file', ['--batch', file], ''],
    ['stdin', ['--batch', '-'], input],
  ] as const) {
    const r = await sanso(['decide', ...args, ...R], stdin);
    t.equal(r.code, 1, `${how}: a bad line makes the exit code 1`);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    t.equal(lines.length, 6, `${how}: one answer per flow line`);
    t.match(lines[0], { decision: 'allow', code: 'GRANTED', src: { address: '10.20.1.5' } });
    t.match(lines[1], { decision: 'deny', code: 'CLOUD-AGGREGATION', dst: { address: '172.16.9.11' } }, 'fields are trimmed');
    t.same(lines[2], { line: 6, error: 'src "010.20.1.5": an IPv4 octet has a leading zero (ambiguous: octal or decimal?)' });
    t.same(lines[3], { line: 7, error: 'expected src,dst,service (3 fields), got 2' });
    t.match(lines[4], { code: 'CLOUD-AGGREGATION', src: { segment: 'outside' }, dst: { segment: 'lg-term', address: '::ffff:10.20.1.6' } });
    t.same(lines[5], { line: 9, error: 'service "any": a flow has one service, not any' });
  }
});

t.test('batch: all good → exit 0; unreadable file → exit 1', async (t) => {
  const r = await sanso(['decide', '--batch', '-', ...R, '--lang', 'ja'], '10.20.1.5,10.20.1.6,tcp/22\n10.20.1.5,172.16.9.10,tcp/443\n');
  t.equal(r.code, 0);
  const lines = r.out
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(
    lines.map((l) => l.code),
    ['DEFAULT-ALLOW', 'GRANTED'],
  );
  t.match(lines[0].message, /LGWAN接続系/);
  const missing = await sanso(['decide', '--batch', join(dir, 'nope.csv'), ...R]);
  t.equal(missing.code, 2, 'a path that does not exist is a usage error');
  t.match(missing.err, /--batch .*nope\.csv does not exist/);
});

t.test('batch: large input is streamed in chunks, in order', async (t) => {
  const n = 5000;
  const input = Array.from({ length: n }, (_, i) => `10.20.${i >> 8}.${i & 255},172.16.9.10,tcp/443`).join('\n');
  let chunks = 0;
  let stdout = '';
  const code = await main(['decide', '--batch', '-', ...R], {
    stdout: (s) => {
      chunks++;
      stdout += s;
    },
    stderr: () => {},
    stdin: Readable.from([input]),
    env: {},
  });
  t.equal(code, 0);
  const lines = stdout.trimEnd().split('\n');
  t.equal(lines.length, n);
  t.ok(chunks > 1, `written in ${chunks} chunks`);
  t.equal(JSON.parse(lines[n - 1]!).src.address, `10.20.${(n - 1) >> 8}.${(n - 1) & 255}`);
});

t.test('compile prints statistics', async (t) => {
  const text = await sanso(['compile', ...R]);
  t.equal(text.code, 0);
  t.match(text.out, /^policy\s+CLI City \(sha256:[0-9a-f]{64}\)$/m);
  t.match(text.out, /^segments\s+4$/m, 'three declared and outside');
  t.match(text.out, /^rules\s+1 flows, 1 of 1 exceptions active/m);
  const json = await sanso(['compile', ...R, '--json']);
  t.equal(json.code, 0);
  const s = JSON.parse(json.out);
  t.match(s, { policy: 'CLI City', asOf: '2026-03-31', segments: 4, flows: 1, activeExceptions: 1 });
  for (const k of ['serviceClasses', 'srcClasses', 'dstClasses', 'vectors', 'cells', 'bytes', 'compileMs']) t.type(s[k], 'number', k);
  t.equal((await sanso(['compile', 'extra', ...R])).code, 2, 'no positional arguments');
});
