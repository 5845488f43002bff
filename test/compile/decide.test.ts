/**
 * Every path of the decision algorithm (docs/decisions.md), on a small hand-made city whose answers are
 * worked out by hand below (each expectation says why), through the text-level lookup and both
 * renderings (the JSON text must parse to exactly the decision object).
 */
import t, { type Test } from 'tap';
import { compile } from '../../src/compile/compile.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { decisionObject, renderDecision, type DecisionObject } from '../../src/lookup/render.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { AS_OF, modelOf } from './model.js';

const CITY = `
policy:
  name: Test City
  defaults: { lgwan: allow }
segments:
  - name: mn-term
    tier: mynumber
    role: terminal
    mfa: true
    cidrs: [10.10.1.0/24]
  - name: mn-term-nomfa
    tier: mynumber
    role: terminal
    cidrs: [10.10.2.0/24]
  - name: mn-srv
    tier: mynumber
    cidrs: [10.10.3.0/24]
    sanitizer: { method: file-sanitize, peer: lgwan, direction: inbound, services: [tcp/445] }
  - name: lg-term
    tier: lgwan
    role: terminal
    cidrs: [10.20.0.0/16, "fd00:20::/48"]
  - name: lg-inner
    tier: lgwan
    cidrs: [10.20.5.0/24, "fd00:20:0:5::/64"]
  - name: lg-srv
    tier: lgwan
    cidrs: [10.21.0.0/24]
  - name: lg-mailgw
    tier: lgwan
    cidrs: [10.21.1.0/24]
    sanitizer: { method: mail-text, peer: internet, direction: both, services: [tcp/25] }
  - name: inet-vbrowser
    tier: internet
    cidrs: [172.16.9.10/32]
    sanitizer: { method: screen-transfer, peer: lgwan, direction: inbound, services: [tcp/443] }
  - name: inet-mail
    tier: internet
    cidrs: [172.16.2.0/24]
    sanitizer: { method: mail-text, peer: lgwan, direction: outbound, services: [tcp/25] }
  - name: inet-web
    tier: internet
    cidrs: [172.16.1.0/24]
flows:
  - id: F-001
    action: deny
    from: [lg-term]
    to: [inet-web]
    services: [tcp/22]
  - id: F-002
    action: deny
    from: [tier:lgwan]
    to: [inet-web]
    services: [tcp/22, tcp/23, tcp/9999]
  - id: F-010
    from: [lg-term]
    to: [inet-vbrowser]
    services: [tcp/443]
  - id: F-011
    from: [lg-term]
    to: [inet-web]
    services: [tcp/443]
  - id: F-012
    from: [lg-mailgw]
    to: [inet-mail]
    services: [tcp/25]
  - id: F-013
    from: [inet-mail]
    to: [lg-mailgw]
    services: [tcp/25]
  - id: F-020
    from: [lg-term]
    to: [mn-srv]
    services: [tcp/445, tcp/446]
  - id: F-030
    from: [mn-term-nomfa, mn-term]
    to: [mn-srv]
    services: [tcp/80]
  - id: F-040
    from: [lg-term]
    to: [lg-srv]
    services: [tcp/80]
  - id: F-041
    from: [lg-term]
    to: [lg-srv]
    services: [tcp/80-90, udp/53, icmp, proto/47]
  - id: F-042
    from: [inet-web]
    to: [inet-mail]
    services: [tcp/8000]
exceptions:
  - id: EX-00
    from: [lg-term]
    to: [inet-web]
    services: [tcp/8080]
    reason: expired before the as-of date
    approved-by: CISO
    expires: 2026-06-14
  - id: EX-01
    from: [mn-srv]
    to: [lg-srv]
    services: [tcp/445]
    reason: statistics export
    approved-by: CISO
    expires: 2027-03-31
  - id: EX-02
    from: [lg-term]
    to: [inet-web]
    services: [tcp/9999, tcp/8443]
    reason: shadowed by the deny for 9999
    approved-by: CISO
    expires: 2027-03-31
  - id: EX-03
    from: [tier:lgwan]
    to: [inet-web]
    services: [tcp/8443]
    reason: comes after EX-02
    approved-by: CISO
    expires: 2027-03-31
  - id: EX-04
    from: [lg-term]
    to: [outside]
    services: [tcp/443]
    reason: direct internet for a pilot
    approved-by: CISO
    expires: 2026-06-15
`;

const model = modelOf(CITY);
const table: DecisionTable = compile(model, { asOf: AS_OF });
const out = new FlowResult();

function decide(t: Test, src: string, dst: string, service: string, tbl = table, lang: 'en' | 'ja' = 'en'): DecisionObject {
  t.ok(resolveFlow(tbl, src, dst, service, out), `${src} ${dst} ${service} parses`);
  const obj = decisionObject(tbl, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
  const text = renderDecision(tbl, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
  t.same(JSON.parse(text), obj, 'the JSON text is the decision object');
  t.same(Object.keys(JSON.parse(text)), ['decision', 'code', 'rule', 'src', 'dst', 'path', 'sanitizer', 'clause', 'message', 'policyVersion'], 'documented field order');
  return obj;
}

type Want = Partial<Pick<DecisionObject, 'decision' | 'code' | 'rule' | 'path' | 'sanitizer'>> & { src?: string; dst?: string };

function expect(t: Test, flow: [string, string, string], want: Want, why: string) {
  const d = decide(t, ...flow);
  const got: Want = { decision: d.decision, code: d.code, rule: d.rule, path: d.path, sanitizer: d.sanitizer, src: d.src.segment, dst: d.dst.segment };
  const picked = Object.fromEntries(Object.keys(want).map((k) => [k, got[k as keyof Want]]));
  t.same(picked, want, `${flow.join(' ')}: ${why}`);
}

t.test('1. explicit deny', async (t) => {
  expect(
    t,
    ['10.20.1.1', '172.16.1.5', 'tcp/22'],
    { decision: 'deny', code: 'EXPLICIT-DENY', rule: 'F-001', path: 'none', sanitizer: null },
    'F-001 and F-002 match; the first in order decides',
  );
  expect(t, ['10.20.1.1', '172.16.1.5', 'tcp/23'], { code: 'EXPLICIT-DENY', rule: 'F-002' }, 'only F-002 names tcp/23');
  expect(t, ['10.21.0.9', '172.16.1.5', 'tcp/22'], { code: 'EXPLICIT-DENY', rule: 'F-002', src: 'lg-srv' }, 'tier:lgwan selects lg-srv');
  expect(t, ['10.20.1.1', '172.16.1.5', 'tcp/9999'], { code: 'EXPLICIT-DENY', rule: 'F-002' }, 'a deny beats the exception EX-02 for the same flow');
});

t.test('2.1 CLOUD-AGGREGATION', async (t) => {
  expect(t, ['10.20.1.1', '8.8.8.8', 'tcp/80'], { decision: 'deny', code: 'CLOUD-AGGREGATION', rule: null, dst: 'outside' }, 'destination outside');
  expect(t, ['8.8.8.8', '10.20.1.1', 'tcp/80'], { code: 'CLOUD-AGGREGATION', src: 'outside' }, 'source outside');
  expect(t, ['8.8.8.8', '1.1.1.1', 'icmp'], { code: 'CLOUD-AGGREGATION' }, 'outside to outside');
  expect(t, ['2001:db8::1', '10.21.0.1', 'udp/53'], { code: 'CLOUD-AGGREGATION', src: 'outside' }, 'unclaimed IPv6 is outside');
});

t.test('2.2 MN-ISOLATION and the file-sanitize import', async (t) => {
  expect(t, ['10.10.1.1', '10.21.0.1', 'tcp/80'], { decision: 'deny', code: 'MN-ISOLATION' }, 'mynumber → lgwan is never lifted by a sanitizer');
  expect(
    t,
    ['10.20.1.1', '10.10.3.1', 'tcp/445'],
    { decision: 'allow', code: 'GRANTED', rule: 'F-020', path: 'sanitized', sanitizer: { segment: 'mn-srv', method: 'file-sanitize' } },
    "lgwan → mynumber through the destination's file-sanitize bridge",
  );
  expect(t, ['10.20.1.1', '10.10.3.1', 'tcp/446'], { decision: 'deny', code: 'MN-ISOLATION' }, "tcp/446 is not in the sanitizer's services, so the flow is not bridged");
  expect(t, ['172.16.1.5', '10.10.3.1', 'tcp/445'], { code: 'MN-ISOLATION' }, "the sanitizer's peer is lgwan, not internet");
});

t.test('2.3 SPLIT-PATH and bridges', async (t) => {
  expect(t, ['10.20.1.1', '172.16.1.5', 'tcp/443'], { decision: 'deny', code: 'SPLIT-PATH', rule: null }, 'F-011 grants it but the ceiling comes first');
  expect(
    t,
    ['10.20.1.1', '172.16.9.10', 'tcp/443'],
    { decision: 'allow', code: 'GRANTED', rule: 'F-010', path: 'sanitized', sanitizer: { segment: 'inet-vbrowser', method: 'screen-transfer' } },
    'bridged by the destination (inbound)',
  );
  expect(t, ['172.16.9.10', '10.20.1.1', 'tcp/443'], { decision: 'deny', code: 'SPLIT-PATH' }, 'an inbound sanitizer does not bridge flows it starts');
  expect(
    t,
    ['10.21.1.1', '172.16.2.1', 'tcp/25'],
    { decision: 'allow', code: 'GRANTED', rule: 'F-012', path: 'sanitized', sanitizer: { segment: 'lg-mailgw', method: 'mail-text' } },
    'bridged by the source (both); the destination (outbound) does not bridge',
  );
  expect(
    t,
    ['172.16.2.1', '10.21.1.1', 'tcp/25'],
    { decision: 'allow', code: 'GRANTED', rule: 'F-013', path: 'sanitized', sanitizer: { segment: 'inet-mail', method: 'mail-text' } },
    "both bridge: the source's sanitizer is named",
  );
  expect(t, ['10.21.1.1', '172.16.2.1', 'tcp/26'], { code: 'SPLIT-PATH' }, "a service outside the sanitizer's list");
  expect(t, ['10.20.1.1', '172.16.9.10', 'tcp/25'], { code: 'SPLIT-PATH' }, 'lg-term has no sanitizer and inet-vbrowser bridges only tcp/443');
});

t.test('2.4 MFA-REQUIRED', async (t) => {
  expect(t, ['10.10.2.1', '10.10.3.1', 'tcp/80'], { decision: 'deny', code: 'MFA-REQUIRED' }, 'a My Number terminal without mfa');
  expect(t, ['10.10.1.1', '10.10.3.1', 'tcp/80'], { decision: 'allow', code: 'GRANTED', rule: 'F-030', path: 'direct', sanitizer: null }, 'with mfa the grant applies');
  expect(t, ['10.10.3.1', '10.10.2.1', 'tcp/80'], { decision: 'deny', code: 'NO-GRANT' }, 'MFA is about the source terminal only');
});

t.test('3. exceptions', async (t) => {
  expect(t, ['10.10.3.1', '10.21.0.1', 'tcp/445'], { decision: 'allow', code: 'EXCEPTION', rule: 'EX-01', path: 'direct', sanitizer: null }, 'EX-01 lifts MN-ISOLATION');
  expect(t, ['10.10.3.1', '10.21.0.1', 'tcp/446'], { decision: 'deny', code: 'MN-ISOLATION' }, "outside the exception's services");
  expect(t, ['10.20.1.1', '172.16.1.5', 'tcp/8080'], { decision: 'deny', code: 'SPLIT-PATH' }, 'EX-00 expired the day before the as-of date');
  expect(t, ['10.20.1.1', '172.16.1.5', 'tcp/8443'], { decision: 'allow', code: 'EXCEPTION', rule: 'EX-02' }, 'EX-02 and EX-03 match; the first decides');
  expect(t, ['10.21.0.1', '172.16.1.5', 'tcp/8443'], { code: 'EXCEPTION', rule: 'EX-03' }, 'only EX-03 names lg-srv');
  expect(t, ['10.20.1.1', '8.8.8.8', 'tcp/443'], { decision: 'allow', code: 'EXCEPTION', rule: 'EX-04', dst: 'outside' }, 'EX-04 expires on the as-of date and still applies');
  const later = compile(model, { asOf: '2026-06-16' });
  t.equal(decide(t, '10.20.1.1', '8.8.8.8', 'tcp/443', later).code, 'CLOUD-AGGREGATION', 'a day later EX-04 has expired');
});

t.test('4. grants in order', async (t) => {
  expect(t, ['10.20.1.1', '10.21.0.1', 'tcp/80'], { decision: 'allow', code: 'GRANTED', rule: 'F-040', path: 'direct' }, 'F-040 and F-041 match; the first decides');
  expect(t, ['10.20.1.1', '10.21.0.1', 'tcp/85'], { code: 'GRANTED', rule: 'F-041' }, 'inside the range of F-041 only');
  expect(t, ['10.20.1.1', '10.21.0.1', 'udp/53'], { code: 'GRANTED', rule: 'F-041' }, 'udp');
  expect(t, ['10.20.1.1', '10.21.0.1', 'icmp'], { code: 'GRANTED', rule: 'F-041' }, 'a port-less protocol');
  expect(t, ['10.20.1.1', '10.21.0.1', 'proto/47'], { code: 'GRANTED', rule: 'F-041' }, 'a protocol number');
  expect(t, ['172.16.1.5', '172.16.2.1', 'tcp/8000'], { code: 'GRANTED', rule: 'F-042' }, 'internet tier, default deny, granted');
});

t.test('5–6. defaults and no grant', async (t) => {
  expect(t, ['10.20.1.1', '10.21.0.1', 'tcp/91'], { decision: 'allow', code: 'DEFAULT-ALLOW', rule: null, path: 'direct', sanitizer: null }, 'lgwan default allow');
  expect(t, ['10.20.1.1', '10.21.0.1', 'icmpv6'], { code: 'DEFAULT-ALLOW' }, 'any service');
  expect(t, ['172.16.1.5', '172.16.2.1', 'tcp/8001'], { decision: 'deny', code: 'NO-GRANT', rule: null, path: 'none' }, 'internet default deny');
  expect(t, ['10.10.1.1', '10.10.3.1', 'tcp/81'], { code: 'NO-GRANT' }, 'mynumber default deny');
});

t.test('address resolution through the lookup', async (t) => {
  const seg = (a: string) => decide(t, a, '10.21.0.1', 'tcp/91').src.segment;
  t.equal(seg('10.20.0.0'), 'lg-term', 'first address of the /16');
  t.equal(seg('10.20.255.255'), 'lg-term', 'last address of the /16');
  t.equal(seg('10.20.4.255'), 'lg-term', 'just below the nested /24');
  t.equal(seg('10.20.5.0'), 'lg-inner', 'first address of the nested /24');
  t.equal(seg('10.20.5.255'), 'lg-inner', 'last address of the nested /24');
  t.equal(seg('10.20.6.0'), 'lg-term', 'just above the nested /24');
  t.equal(seg('10.19.255.255'), 'outside', 'just below the /16');
  t.equal(seg('10.22.0.0'), 'outside', 'after lg-mailgw');
  t.equal(seg('172.16.9.10'), 'inet-vbrowser', 'a /32');
  t.equal(seg('172.16.9.9'), 'outside', 'next to the /32');
  t.equal(seg('172.16.9.11'), 'outside', 'next to the /32, above');
  t.equal(seg('::ffff:10.20.5.1'), 'lg-inner', 'IPv4-mapped IPv6 resolves as IPv4');
  t.equal(seg('::FFFF:a14:501'), 'lg-inner', 'mapped, written in hex');
  t.equal(seg('fd00:20::1'), 'lg-term', 'IPv6 /48');
  t.equal(seg('fd00:20:0:5::'), 'lg-inner', 'nested IPv6 /64, first address');
  t.equal(seg('fd00:20:0:5:ffff:ffff:ffff:ffff'), 'lg-inner', 'nested IPv6 /64, last address');
  t.equal(seg('fd00:20:0:6::'), 'lg-term', 'after the nested /64');
  t.equal(seg('fd00:20:0:ffff:ffff:ffff:ffff:ffff'), 'lg-term', 'last address of the /48');
  t.equal(seg('fd00:20:1::'), 'outside', 'after the /48');
  t.equal(seg('fd00:1f:ffff:ffff:ffff:ffff:ffff:ffff'), 'outside', 'before the /48');
  t.equal(seg('0.0.0.0'), 'outside', 'the first IPv4 address');
  t.equal(seg('255.255.255.255'), 'outside', 'the last IPv4 address');
  t.equal(seg('::'), 'outside', 'the first IPv6 address');
});

t.test('messages, clauses, version', async (t) => {
  const split = decide(t, '10.20.1.1', '172.16.1.5', 'tcp/443', table, 'ja');
  t.equal(split.clause, '5(3)イ', 'built-in clause');
  t.equal(split.message, 'LGWAN接続系とインターネット接続系の通信経路は分割されており、無害化通信以外は許可されません（5(3)イ）。');
  t.equal(split.policyVersion, 'sha256:test');
  const en = decide(t, '10.20.1.1', '172.16.1.5', 'tcp/443');
  t.match(en.message, /split/, 'English');
  t.match(en.message, /\(5\(3\)イ\)\.$/, 'cites the clause');
  const exc = decide(t, '10.10.3.1', '10.21.0.1', 'tcp/445');
  t.equal(exc.clause, '5(3)ア', 'an exception cites the clause of the ceiling it lifts');
  t.match(exc.message, /EX-01/);
  t.match(exc.message, /2027-03-31/);
  const granted = decide(t, '10.20.1.1', '172.16.9.10', 'tcp/443', table, 'ja');
  t.equal(granted.clause, '5(3)イ', 'a sanitized grant cites the split it bridges');
  t.match(granted.message, /F-010/);
  t.match(granted.message, /画面転送/);
  t.equal(decide(t, '10.20.1.1', '10.21.0.1', 'tcp/80').clause, null, 'a plain grant cites nothing');
  for (const [s, d, svc] of [
    ['10.20.1.1', '8.8.8.8', 'tcp/80'],
    ['10.10.1.1', '10.21.0.1', 'tcp/80'],
    ['10.10.2.1', '10.10.3.1', 'tcp/80'],
    ['10.20.1.1', '172.16.1.5', 'tcp/22'],
    ['172.16.1.5', '172.16.2.1', 'tcp/8001'],
    ['10.20.1.1', '10.21.0.1', 'tcp/91'],
  ] as const) {
    for (const lang of ['en', 'ja'] as const) {
      const m = decide(t, s, d, svc, table, lang).message;
      t.notMatch(m, /\d+\.\d+\.\d+\.\d+|\/\d\d?\b/, `${lang} message names no address or CIDR: ${m}`);
      t.ok(m.length > 10 && !m.includes('undefined') && !m.includes('null'), 'a real sentence');
    }
  }
});

t.test('policy.clauses override the built-in clause', async (t) => {
  const m = modelOf(CITY.replace('defaults: { lgwan: allow }', 'defaults: { lgwan: allow }\n  clauses: { SPLIT-PATH: "基本方針 5(3)イ", NO-GRANT: "基本方針 6(1)" }'));
  const tb = compile(m, { asOf: AS_OF });
  const d = decide(t, '10.20.1.1', '172.16.1.5', 'tcp/443', tb, 'ja');
  t.equal(d.clause, '基本方針 5(3)イ');
  t.match(d.message, /（基本方針 5\(3\)イ）。$/);
  t.equal(decide(t, '172.16.1.5', '172.16.2.1', 'tcp/8001', tb).clause, '基本方針 6(1)', 'any code may be given a clause');
});

t.test('decide4 / decide6 / cell agree with the text path', async (t) => {
  const words = new Uint32Array(8);
  resolveFlow(table, '10.20.1.1', '172.16.9.10', 'tcp/443', out);
  const id = out.decision;
  t.equal(table.decide4(0x0a140101, 0xac10090a, 6, 443), id, 'decide4');
  words.set([0, 0, 0xffff, 0x0a140101, 0, 0, 0xffff, 0xac10090a]);
  t.equal(table.decide6(words, 0, words, 4, 6, 443), id, 'decide6 with mapped addresses');
  t.equal(table.cell(out.srcSeg, out.dstSeg, table.serviceClass(6, 443)), id, 'cell');
  t.equal(table.serviceClassOfKey(6 * 65536 + 443), table.serviceClass(6, 443), 'serviceClassOfKey');
  t.equal(table.decision(id).ruleId, 'F-010');
});
