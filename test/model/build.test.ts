import fc from '../property/fc.js';
import t, { type Test } from 'tap';
import { buildModel } from '../../src/model/build.js';
import type { Model } from '../../src/model/types.js';
import { parseServiceRange } from '../../src/model/services.js';
import type { Problem } from '../../src/problems/problem.js';
import { parseRuleBytes, type SourceFile } from '../../src/source/read.js';
import { checkSchema } from '../../src/validate/schema.js';
import { runs } from '../property/settings.js';

/** A rule file from text; the test fails if it does not parse or pass the schema. */
function file(t: Test, text: string, name = 'rules.yaml'): SourceFile {
  const problems: Problem[] = [];
  const f = parseRuleBytes(name, Buffer.from(text), problems);
  t.same(problems, [], `${name} parses`);
  t.same(checkSchema(f!), [], `${name} passes the schema`);
  return f!;
}

function build(t: Test, texts: string[] | string, asOf = '2026-04-01') {
  const files = (Array.isArray(texts) ? texts : [texts]).map((x, i) => file(t, x, `f${i}.yaml`));
  return buildModel(files, 'sha256:test', { asOf });
}

function model(t: Test, texts: string[] | string, asOf?: string): Model {
  const r = build(t, texts, asOf);
  t.same(
    r.problems.map((p) => `${p.code} ${p.message}`),
    [],
    'no problems',
  );
  return r.model!;
}

const names = (m: Model, idx: number[]) => idx.map((i) => m.segments[i]!.name);
const codes = (ps: Problem[]) => ps.map((p) => p.code);

const SEGMENTS = `
policy:
  defaults: { mynumber: allow, lgwan: allow, internet: allow }
segments:
  - name: mn-a
    tier: mynumber
    cidrs: [10.10.0.0/24]
  - name: lg-a
    tier: lgwan
    cidrs: [10.20.0.0/24]
  - name: lg-b
    tier: lgwan
    cidrs: [10.21.0.0/24, "fd00:21::/48"]
  - name: lg-c
    tier: lgwan
    cidrs: [10.22.0.0/24]
  - name: in-a
    tier: internet
    cidrs: [172.16.0.0/24]
`;

t.test('segments keep merged order; outside is appended last', async (t) => {
  const m = model(t, SEGMENTS);
  t.same(
    m.segments.map((s) => [s.index, s.name, s.tier]),
    [
      [0, 'mn-a', 'mynumber'],
      [1, 'lg-a', 'lgwan'],
      [2, 'lg-b', 'lgwan'],
      [3, 'lg-c', 'lgwan'],
      [4, 'in-a', 'internet'],
      [5, 'outside', 'outside'],
    ],
  );
  t.equal(m.outside, 5);
  t.match(m.segments[5], { role: 'other', cidrs: [], sanitizer: null });
  t.match(m.segments[1], { role: 'server', mfa: false, external: false, description: null });
  t.match(m.segments[2]!.cidrs[1], { family: 6, prefix: 48, text: 'fd00:21::/48', first: 0xfd000021n << 96n });
  t.equal(m.segments[2]!.cidrs[1]!.last - m.segments[2]!.cidrs[1]!.first, (1n << 80n) - 1n);
  t.equal(m.version, 'sha256:test');
  t.same(m.files, ['f0.yaml']);
});

t.test('selectors: names, nested groups, tier selectors, outside', async (t) => {
  const m = model(
    t,
    `${SEGMENTS}
groups:
  inner: [lg-a, lg-b]
  outer: [inner, lg-c, in-a]
  mixed: [tier:mynumber, outside]
  deep: [outer, mixed]
flows:
  - id: F-1
    from: [deep]
    to: [tier:lgwan, tier:outside]
    services: [tcp/443]
  - id: F-2
    from: [outside, lg-a, inner]
    to: [tier:internet]
    services: [any]
`,
  );
  t.same(names(m, m.groups.get('inner')!.segments), ['lg-a', 'lg-b']);
  t.same(names(m, m.groups.get('outer')!.segments), ['lg-a', 'lg-b', 'lg-c', 'in-a']);
  t.same(names(m, m.groups.get('mixed')!.segments), ['mn-a', 'outside']);
  t.same(names(m, m.groups.get('deep')!.segments), ['mn-a', 'lg-a', 'lg-b', 'lg-c', 'in-a', 'outside']);
  t.same(m.groups.get('outer')!.members, ['inner', 'lg-c', 'in-a']);
  const [f1, f2] = m.flows;
  t.same(
    f1!.from.map((s) => s.text),
    ['deep'],
  );
  t.same(
    f1!.to.map((s) => [s.text, names(m, s.segments)]),
    [
      ['tier:lgwan', ['lg-a', 'lg-b', 'lg-c']],
      ['tier:outside', ['outside']],
    ],
  );
  t.same(
    f2!.from.map((s) => names(m, s.segments)),
    [['outside'], ['lg-a'], ['lg-a', 'lg-b']],
  );
  t.same(f2!.to[0]!.segments, [4]);
  t.match(f1, { index: 0, id: 'F-1', action: 'allow', ticket: null });
  t.match(f1!.to[1]!.loc, { file: 'f0.yaml' });
});

t.test('a group may be defined after the groups and in another file than the flows that use it', async (t) => {
  const m = model(t, [
    `flows:\n  - id: F-1\n    from: [late]\n    to: [lg-a]\n    services: [web]\n`,
    SEGMENTS,
    `groups:\n  late: [later]\n  later: [lg-b]\nservices:\n  web: [tcp/80, tcp/443]\n`,
  ]);
  t.same(names(m, m.flows[0]!.from[0]!.segments), ['lg-b']);
  t.same(
    m.flows[0]!.services[0]!.ranges,
    [parseServiceRange('tcp/80'), parseServiceRange('tcp/443')].map((r) => (r.ok ? r.range : null)),
  );
  t.same(m.files, ['f0.yaml', 'f1.yaml', 'f2.yaml']);
});

t.test('services: literals and named services resolve to key ranges', async (t) => {
  const m = model(
    t,
    `${SEGMENTS}
services:
  dns: [udp/53, tcp/53]
flows:
  - id: F-1
    from: [lg-a]
    to: [lg-b]
    services: [dns, tcp/8000-8080, icmp, proto/47]
`,
  );
  const s = m.flows[0]!.services;
  t.same(
    s.map((r) => r.text),
    ['dns', 'tcp/8000-8080', 'icmp', 'proto/47'],
  );
  t.same(s[0]!.ranges, [
    { lo: 17 * 65536 + 53, hi: 17 * 65536 + 53 },
    { lo: 6 * 65536 + 53, hi: 6 * 65536 + 53 },
  ]);
  t.same(s[1]!.ranges, [{ lo: 6 * 65536 + 8000, hi: 6 * 65536 + 8080 }]);
  t.same(s[2]!.ranges, [{ lo: 65536, hi: 65536 }]);
  t.same(s[3]!.ranges, [{ lo: 47 * 65536, hi: 47 * 65536 }]);
  t.same(
    m.services.get('dns')!.map((r) => r.text),
    ['udp/53', 'tcp/53'],
  );
});

t.test('flows and exceptions keep merged order across files', async (t) => {
  const flow = (id: string, action = 'allow') => `  - id: ${id}\n    action: ${action}\n    from: [lg-a]\n    to: [lg-b]\n    services: [tcp/22]\n`;
  const m = model(t, [`${SEGMENTS}flows:\n${flow('B')}${flow('A', 'deny')}`, `flows:\n${flow('C')}`]);
  t.same(
    m.flows.map((f) => [f.index, f.id, f.action]),
    [
      [0, 'B', 'allow'],
      [1, 'A', 'deny'],
      [2, 'C', 'allow'],
    ],
  );
  t.equal(m.flows[2]!.loc.file, 'f1.yaml');
});

t.test('policy defaults', async (t) => {
  const m = model(t, `policy:\n  defaults: { lgwan: allow }\nsegments:\n  - name: lg-a\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n`);
  t.same(m.policy.name, 'f0', 'name: the first file without its extension');
  t.equal(m.policy.model, 'alpha');
  t.equal(m.policy.timezone, 'Asia/Tokyo');
  t.same(m.policy.defaults, { mynumber: 'deny', lgwan: 'allow', internet: 'deny' });
  t.same(m.policy.clauses, { 'CLOUD-AGGREGATION': '5(3)ウ', 'MN-ISOLATION': '5(3)ア', 'SPLIT-PATH': '5(3)イ', 'MFA-REQUIRED': '5(3)ア' });
});

t.test('policy as written; clauses override the built-in ones; the time zone is canonical', async (t) => {
  const m = model(
    t,
    `policy:
  name: 試験市
  model: alpha-prime
  timezone: asia/tokyo
  defaults: { lgwan: allow }
  clauses:
    SPLIT-PATH: 基本方針 5(3)イ 通信経路の分割
    GRANTED: 情報システム運用規程 第3条
segments:
  - name: lg-a
    tier: lgwan
    role: terminal
    cidrs: [10.0.0.0/8]
`,
  );
  t.match(m.policy, { name: '試験市', model: 'alpha-prime', timezone: 'Asia/Tokyo' });
  t.equal(m.policy.clauses['SPLIT-PATH'], '基本方針 5(3)イ 通信経路の分割');
  t.equal(m.policy.clauses.GRANTED, '情報システム運用規程 第3条');
  t.equal(m.policy.clauses['MN-ISOLATION'], '5(3)ア');
});

t.test('exceptions: expiry is inclusive of the date, judged on asOf', async (t) => {
  const text = `${SEGMENTS}
exceptions:
  - id: EX-1
    from: [mn-a]
    to: [lg-a]
    services: [tcp/445]
    reason: export
    approved-by: CISO
    expires: 2026-03-31
    ticket: T-1
`;
  const on = build(t, text, '2026-03-31');
  t.same(codes(on.problems), ['EXCEPTION-EXPIRING'], 'still valid on its expiry date (with a reminder)');
  t.match(on.model!.exceptions[0], { id: 'EX-1', reason: 'export', approvedBy: 'CISO', expires: '2026-03-31', ticket: 'T-1', index: 0 });
  const after = build(t, text, '2026-04-01');
  t.same(codes(after.problems), ['EXCEPTION-EXPIRED']);
  t.match(after.problems[0], { severity: 'warning', loc: { line: 28, col: 14 } });
  t.ok(after.model, 'a warning does not stop the model');
});

t.test('policy.exception-max-days: expires at most that many days after asOf', async (t) => {
  const text = (max: number | null, expires: string) => `${SEGMENTS.replace('policy:\n', max === null ? 'policy:\n' : `policy:\n  exception-max-days: ${max}\n`)}
exceptions:
  - id: EX-1
    from: [mn-a]
    to: [lg-a]
    services: [tcp/445]
    reason: export
    approved-by: CISO
    expires: ${expires}
`;
  const tooLong = (max: number | null, expires: string, asOf: string) => codes(build(t, text(max, expires), asOf).problems).includes('EXCEPTION-TOO-LONG');
  // The example of docs/rules.md, and a leap day inside the year.
  t.notOk(tooLong(365, '2027-12-01', '2026-12-01'), '365 days later is allowed');
  t.ok(tooLong(365, '2027-12-02', '2026-12-01'), 'one day more is not');
  t.ok(tooLong(365, '2028-12-01', '2027-12-01'), 'a year with 29 February in it has 366 days');
  t.notOk(tooLong(null, '2099-12-31', '2026-12-01'), 'no limit without the key');
  t.notOk(tooLong(30, '2026-01-31', '2026-12-01'), 'an expired exception is only EXCEPTION-EXPIRED');
  const r = build(t, text(90, '2027-03-02'), '2026-12-01');
  t.match(r.problems, [{ code: 'EXCEPTION-TOO-LONG', severity: 'error', loc: { line: 29, col: 14 } }]);
  t.match(r.problems[0]!.message, 'expires on 2027-03-02, 91 days after 2026-12-01: policy.exception-max-days allows at most 90');
  t.equal(r.model, null, 'an error: the rule set is not loaded');

  // Against a naive count of calendar days, on random days and limits.
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.integer({ min: 0, max: 800 }), fc.integer({ min: 1, max: 730 }), (start, after, max) => {
      const asOf = day(start);
      const expires = day(Date.parse(asOf) + after * 86_400_000);
      return tooLong(max, expires, asOf) === after > max;
    }),
    { numRuns: runs(60) },
  );
});

t.test('asOf defaults to today in policy.timezone', async (t) => {
  const text = (date: string) => `${SEGMENTS}
exceptions:
  - id: EX-1
    from: [mn-a]
    to: [lg-a]
    services: [tcp/445]
    reason: export
    approved-by: CISO
    expires: ${date}
`;
  const files = (d: string) => [file(t, text(d))];
  t.same(codes(buildModel(files('2000-01-01'), 'v').problems), ['EXCEPTION-EXPIRED']);
  t.same(codes(buildModel(files('2999-01-01'), 'v').problems), []);
});

t.test('duplicates name the first occurrence', async (t) => {
  const r = build(t, [SEGMENTS, `groups:\n  lg-a: [lg-b]\nsegments:\n  - name: lg-b\n    tier: lgwan\n    cidrs: [10.99.0.0/24]\n`]);
  t.same(codes(r.problems), ['NAME-DUPLICATE', 'NAME-DUPLICATE']);
  t.match(r.problems[0]!.message, /group name "lg-a" is already used by the segment at f0\.yaml:8/);
  t.match(r.problems[0]!.loc, { file: 'f1.yaml', line: 2, col: 3 });
  t.match(r.problems[1]!.message, /segment name "lg-b" is already defined at f0\.yaml:11/);
  t.equal(r.model, null);
});

t.test('CIDR duplicates compare networks, not text', async (t) => {
  const seg = (name: string, cidr: string) => `  - name: ${name}\n    tier: lgwan\n    cidrs: ["${cidr}"]\n`;
  const dup = (a: string, b: string) => codes(build(t, `policy:\n  defaults: { lgwan: allow }\nsegments:\n${seg('x', a)}${seg('y', b)}`).problems);
  t.same(dup('fd00::/48', 'FD00:0::/48'), ['CIDR-DUPLICATE']);
  t.same(dup('fd00::/48', 'fd00:0:0::/48'), ['CIDR-DUPLICATE']);
  t.same(dup('10.0.0.0/8', '10.0.0.0/8'), ['CIDR-DUPLICATE']);
  t.same(dup('fd00::/48', 'fd00::/49'), [], 'same first address, other prefix: nested, not duplicate');
  t.same(dup('10.0.0.0/8', '10.0.0.0/16'), []);
  t.same(dup('0.0.0.0/0', '::/0'), [], 'families differ');
});

t.test('IPv4-mapped IPv6 CIDRs are refused with the IPv4 CIDR to write', async (t) => {
  const r = build(
    t,
    `policy:\n  defaults: { lgwan: allow }\nsegments:\n  - name: x\n    tier: lgwan\n    cidrs: ["::ffff:a14:0/112", "::ffff:10.20.0.0/120", "::ffff:0:0/96", "::/64"]\n`,
  );
  t.same(codes(r.problems), ['CIDR-INVALID', 'CIDR-INVALID', 'CIDR-INVALID']);
  t.match(r.problems[0]!.message, /write the IPv4 CIDR 10\.20\.0\.0\/16/);
  t.match(r.problems[1]!.message, /write the IPv4 CIDR 10\.20\.0\.0\/24/);
  t.match(r.problems[2]!.message, /write the IPv4 CIDR 0\.0\.0\.0\/0/);
  t.same(
    r.problems.map((p) => p.loc.col),
    [13, 33, 57],
  );
});

t.test('CIDRs with an IPv4 tail are read strictly', async (t) => {
  const r = build(
    t,
    `policy:\n  defaults: { lgwan: allow }\nsegments:\n  - name: x\n    tier: lgwan\n    cidrs: ["64:ff9b::192.0.2.0/120", "64:ff9b::10.0.0.1/120", "64:ff9b::010.0.0.0/120"]\n`,
  );
  t.same(
    r.problems.map((p) => [p.code, p.loc.col]),
    [
      ['CIDR-INVALID', 39],
      ['CIDR-INVALID', 64],
    ],
  );
  t.match(r.problems[0]!.message, /host bits/);
});

t.test('reserved names', async (t) => {
  const r = build(
    t,
    `policy:\n  defaults: { lgwan: allow }\nservices:\n  any: [tcp/1]\n  icmp: [icmp]\n  web: [tcp/80]\ngroups:\n  outside: [x]\nsegments:\n  - name: x\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n`,
  );
  t.same(
    r.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [
      ['NAME-RESERVED', 8, 3],
      ['NAME-RESERVED', 4, 3],
      ['NAME-RESERVED', 5, 3],
    ],
  );
});

t.test('unknown names, with a suggestion only when one is close', async (t) => {
  const r = build(
    t,
    `${SEGMENTS}
services:
  https: [tcp/443]
flows:
  - id: F-1
    from: [lg-x, lgb, tier:dmz, TCP]
    to: [lg-a]
    services: [http, zzz, TCP/443, "443"]
`,
  );
  t.same(
    r.problems.map((p) => [p.code, p.loc.col]),
    [
      ['NAME-UNKNOWN', 12],
      ['NAME-UNKNOWN', 18],
      ['NAME-UNKNOWN', 23],
      ['NAME-UNKNOWN', 33],
      ['NAME-UNKNOWN', 16],
      ['NAME-UNKNOWN', 22],
      ['SERVICE-INVALID', 27],
      ['SERVICE-INVALID', 36],
    ],
  );
  t.match(r.problems[1]!.message, /"lgb"; did you mean "lg-b"\?/);
  t.notMatch(r.problems[2]!.message, /did you mean/);
  t.match(r.problems[4]!.message, /"http"; did you mean "https"\?/);
  t.notMatch(r.problems[5]!.message, /did you mean/);
});

t.test('group cycles: named in order, reported once per cycle, at the member that closes it', async (t) => {
  const r = build(
    t,
    `${SEGMENTS}
groups:
  a: [b]
  b: [c, lg-a]
  c: [a]
  self: [self]
  d: [a]
`,
  );
  t.same(
    r.problems.map((p) => [p.code, p.message.replace(/^.*: /, ''), p.loc.line]),
    [
      ['GROUP-CYCLE', 'a → b → c → a', 24],
      ['GROUP-CYCLE', 'self → self', 25],
    ],
  );
  t.equal(r.model, null);
});

t.test('SEGMENT-UNUSED: what counts as a use', async (t) => {
  const base = `
segments:
  - name: direct
    tier: internet
    cidrs: [172.16.0.0/28]
  - name: via-group
    tier: internet
    cidrs: [172.16.1.0/28]
  - name: via-tier
    tier: mynumber
    cidrs: [10.10.0.0/24]
  - name: sanitizer
    tier: internet
    cidrs: [172.16.2.0/28]
    sanitizer: { method: mail-text, peer: lgwan, direction: both, services: [tcp/25] }
  - name: by-default
    tier: lgwan
    cidrs: [10.20.0.0/24]
  - name: in-unused-group
    tier: internet
    cidrs: [172.16.3.0/28]
  - name: by-exception
    tier: internet
    cidrs: [172.16.4.0/28]
  - name: unused
    tier: internet
    cidrs: [172.16.5.0/28]
groups:
  g: [via-group]
  unused-group: [in-unused-group]
flows:
  - id: F-1
    action: deny
    from: [direct, g]
    to: [tier:mynumber]
    services: [any]
exceptions:
  - id: EX-1
    from: [outside]
    to: [by-exception]
    services: [tcp/443]
    reason: r
    approved-by: CISO
    expires: 2099-01-01
`;
  const r = build(t, `policy:\n  defaults: { lgwan: allow }\n${base}`);
  t.same(
    r.problems.map((p) => [p.code, p.message.split(' ')[1]]),
    [
      ['SEGMENT-UNUSED', 'in-unused-group'],
      ['SEGMENT-UNUSED', 'unused'],
    ],
  );
  const noDefault = build(t, base);
  t.same(
    noDefault.problems.map((p) => p.message.split(' ')[1]),
    ['by-default', 'in-unused-group', 'unused'],
  );
});

t.test('MFA-MISSING only for My Number terminals', async (t) => {
  const r = build(
    t,
    `policy:
  defaults: { mynumber: allow, lgwan: allow }
segments:
  - name: mn-t
    tier: mynumber
    role: terminal
    cidrs: [10.10.0.0/24]
  - name: mn-t-mfa
    tier: mynumber
    role: terminal
    mfa: true
    cidrs: [10.10.1.0/24]
  - name: mn-server
    tier: mynumber
    cidrs: [10.10.2.0/24]
  - name: lg-t
    tier: lgwan
    role: terminal
    cidrs: [10.20.0.0/24]
`,
  );
  t.same(
    r.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['MFA-MISSING', 6, 11]],
  );
  t.ok(r.model);
  t.equal(r.model!.segments[1]!.mfa, true);
});

t.test('sanitizers resolve; one that cannot bridge is an error at the field at fault', async (t) => {
  const seg = (s: string) =>
    `policy:\n  defaults: { internet: allow }\nservices:\n  https: [tcp/443]\nsegments:\n  - name: s\n    tier: internet\n    cidrs: [172.16.0.0/24]\n    sanitizer:\n${s}`;
  const ok = build(t, seg('      method: screen-transfer\n      peer: lgwan\n      direction: inbound\n      services: [https, tcp/8443]\n'));
  t.same(ok.problems, []);
  t.match(ok.model!.segments[0]!.sanitizer, { method: 'screen-transfer', peer: 'lgwan', direction: 'inbound', loc: { line: 10, col: 7 } });
  t.same(
    ok.model!.segments[0]!.sanitizer!.services.map((s) => s.text),
    ['https', 'tcp/8443'],
  );
  const bad = build(t, seg('      method: screen-transfer\n      peer: lgwan\n      direction: both\n      services: [htps]\n'));
  t.same(
    bad.problems.map((p) => [p.code, p.loc.line]),
    [
      ['SANITIZER-CANNOT-BRIDGE', 12],
      ['NAME-UNKNOWN', 13],
    ],
  );
  t.match(bad.problems[0]!.message, /outbound half of direction both \(internet → lgwan\)/);
});

t.test('no segments anywhere', async (t) => {
  const r = build(t, [`policy:\n  name: x\n`, `services:\n  a: [tcp/1]\n`]);
  t.same(
    r.problems.map((p) => [p.code, p.loc.file, p.loc.line]),
    [['SEGMENTS-MISSING', 'f0.yaml', 1]],
  );
  t.same(codes(buildModel([], 'v').problems), ['SEGMENTS-MISSING']);
});

t.test('an empty file contributes nothing', async (t) => {
  const problems: Problem[] = [];
  const empty = parseRuleBytes('empty.yaml', Buffer.from('# nothing yet\n'), problems);
  t.same(problems, []);
  t.equal(empty!.data, null);
  const r = buildModel([empty!, file(t, SEGMENTS, 'b.yaml')], 'v', { asOf: '2026-01-01' });
  t.same(r.problems, []);
  t.equal(r.model!.policy.name, 'empty');
});
