/**
 * checkRequest on the hand-written city of test/fixtures/change-requests/rules/hand-city.yaml.
 * Every expected verdict, count, finding and witness below was worked out by hand from that
 * file's address plan and rules against docs/decisions.md (the comment on each case says why); none was
 * produced by running the checker. Each witness is also replayed through the real lookup.
 */
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { checkRequest } from '../../src/check/check.js';
import { parseChangeRequest } from '../../src/check/parse.js';
import type { CheckResult, Finding } from '../../src/check/types.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { loadPolicy, type LoadedPolicy } from '../../src/policy.js';

const RULES = fileURLToPath(new URL('../fixtures/change-requests/rules', import.meta.url));
const AS_OF = '2026-06-15';

const loaded = loadPolicy([RULES], { asOf: AS_OF });
if (!loaded.policy) throw new Error('hand-city does not load');
const policy: LoadedPolicy = loaded.policy;

interface Rule {
  src: string[];
  dst: string[];
  services: string[];
  action: 'allow' | 'deny';
}

function check(rules: Rule[], maxFindings?: number, lang: 'en' | 'ja' = 'en'): CheckResult {
  const parsed = parseChangeRequest({ id: 'CR-T', rules }, policy.table);
  if (parsed.errors) throw new Error(JSON.stringify(parsed.errors));
  return checkRequest(policy, parsed.request, maxFindings === undefined ? { lang } : { lang, maxFindings });
}

type Short = [code: string, src: string, dst: string, witnessSrc: string, witnessDst: string, service: string];

function short(f: Finding): Short {
  return [f.code, f.src.segment, f.dst.segment, f.witness.src, f.witness.dst, f.witness.service];
}

/** The real lookup agrees with every witness: same code, same segments, same deciding rule. */
function replay(t: Test, result: CheckResult): void {
  const out = new FlowResult();
  for (const r of result.rules) {
    for (const f of r.findings) {
      t.ok(resolveFlow(policy.table, f.witness.src, f.witness.dst, f.witness.service, out), `witness parses: ${short(f).join(' ')}`);
      const d = policy.table.decision(out.decision);
      t.equal(d.code, f.code);
      t.equal(policy.model.segments[out.srcSeg]!.name, f.src.segment);
      t.equal(policy.model.segments[out.dstSeg]!.name, f.dst.segment);
      t.equal(d.ruleId, f.rule);
    }
  }
}

const A: Rule = { src: ['clients'], dst: ['inet-vb', 'inet-cms'], services: ['https'], action: 'allow' };
const B: Rule = { src: ['10.20.5.0/24'], dst: ['10.20.0.0/16'], services: ['tcp/22'], action: 'allow' };
const D2: Rule = { src: ['mn-term'], dst: ['mn-srv'], services: ['tcp/443-444'], action: 'allow' };

t.test('lgwan clients to a sanitizer and to a plain internet server', async (t) => {
  // clients → inet-vb https: inet-vb bridges lgwan inbound for https, F-010 grants: GRANTED.
  // clients → inet-cms: no sanitizer, SPLIT-PATH; lg-terminals (index 3) before lg-annex (5).
  const r = check([A]);
  t.equal(r.verdict, 'violation');
  t.equal(r.id, 'CR-T');
  t.equal(r.policyVersion, policy.version);
  const rule = r.rules[0]!;
  t.match(rule, { index: 0, verdict: 'violation', truncated: false, action: 'allow', empty: false });
  t.same(rule.counts, { 'SPLIT-PATH': 2 });
  t.same(rule.findings.map(short), [
    ['SPLIT-PATH', 'lg-terminals', 'inet-cms', '10.20.0.0', '172.16.1.0', 'tcp/443'],
    ['SPLIT-PATH', 'lg-annex', 'inet-cms', '10.21.0.0', '172.16.1.0', 'tcp/443'],
  ]);
  t.same(rule.findings[0]!.src, { segment: 'lg-terminals', tier: 'lgwan' });
  t.same(rule.findings[0]!.dst, { segment: 'inet-cms', tier: 'internet' });
  t.equal(rule.findings[0]!.rule, null);
  t.equal(rule.findings[0]!.clause, '5(3)イ');
  t.match(rule.findings[0]!.message, /split/);
  replay(t, r);
});

t.test('the result object of docs/check.md starts with its fields in order', async (t) => {
  const r = check([A]);
  t.same(Object.keys(r).slice(0, 3), ['verdict', 'policyVersion', 'rules']);
  t.same(Object.keys(r.rules[0]!).slice(0, 5), ['index', 'verdict', 'truncated', 'counts', 'findings']);
  t.same(Object.keys(r.rules[0]!.findings[0]!).slice(0, 4), ['code', 'src', 'dst', 'witness']);
  t.same(Object.keys(r.rules[0]!.findings[0]!.witness), ['src', 'dst', 'service']);
});

t.test('inside one tier with a default allow: compliant, nothing to report', async (t) => {
  // 10.20.5.0/24 is lg-server; 10.20.0.0/16 is lg-terminals and lg-server. F-001 denies only
  // clients (not lg-server) → lg-server; lgwan defaults to allow: DEFAULT-ALLOW throughout.
  const r = check([B]);
  t.equal(r.verdict, 'compliant');
  t.same(r.rules[0]!.counts, {});
  t.same(r.rules[0]!.findings, []);
  t.equal(r.rules[0]!.empty, false);
});

t.test('a longest-prefix hole: the part of lg-terminals next to lg-server hits the explicit deny', async (t) => {
  // 10.20.4.0/23 = 10.20.4.0/24 (lg-terminals) + 10.20.5.0/24 (lg-server). tcp/22 from
  // lg-terminals to lg-server is F-001's; tcp/20, 21, 23 and lg-server's own flows default-allow.
  const r = check([{ src: ['10.20.4.0/23'], dst: ['lg-server'], services: ['tcp/20-23'], action: 'allow' }]);
  t.equal(r.verdict, 'violation');
  t.same(r.rules[0]!.counts, { 'EXPLICIT-DENY': 1 });
  t.same(r.rules[0]!.findings.map(short), [['EXPLICIT-DENY', 'lg-terminals', 'lg-server', '10.20.4.0', '10.20.5.0', 'tcp/22']]);
  t.equal(r.rules[0]!.findings[0]!.rule, 'F-001');
  replay(t, r);
});

t.test('My Number tier: MFA-REQUIRED, and an ungranted port next to a granted one', async (t) => {
  // mn-nomfa is a terminal without mfa: 2.4 gives MFA-REQUIRED within its own tier.
  const d1 = check([{ src: ['mn-nomfa'], dst: ['mn-srv'], services: ['tcp/443'], action: 'allow' }]);
  t.equal(d1.verdict, 'violation');
  t.same(d1.rules[0]!.findings.map(short), [['MFA-REQUIRED', 'mn-nomfa', 'mn-srv', '10.10.101.0', '10.10.1.0', 'tcp/443']]);
  // F-020 grants tcp/443 only; tcp/444 meets mynumber's default deny: NO-GRANT.
  const d2 = check([D2]);
  t.equal(d2.verdict, 'ungranted');
  t.same(d2.rules[0]!.counts, { 'NO-GRANT': 1 });
  t.same(d2.rules[0]!.findings.map(short), [['NO-GRANT', 'mn-term', 'mn-srv', '10.10.100.0', '10.10.1.0', 'tcp/444']]);
  replay(t, d1);
  replay(t, d2);
});

t.test('outside: the exception lifts tcp/443 only; a deny rule reports the flows it would block', async (t) => {
  // outside → inet-cms hits CLOUD-AGGREGATION; EX-01 (valid through 2027-03-31) lifts https.
  // 0.0.0.0 is the lowest outside address, tcp/80 the lowest port of tcp/80-443 the ceiling denies.
  const e1 = check([{ src: ['outside'], dst: ['inet-cms'], services: ['tcp/80-443'], action: 'allow' }]);
  t.equal(e1.verdict, 'violation');
  t.same(e1.rules[0]!.findings.map(short), [['CLOUD-AGGREGATION', 'outside', 'inet-cms', '0.0.0.0', '172.16.1.0', 'tcp/80']]);
  const e2 = check([{ src: ['outside'], dst: ['inet-cms'], services: ['https'], action: 'deny' }]);
  t.equal(e2.verdict, 'compliant');
  t.same(e2.rules[0]!.counts, { EXCEPTION: 1 });
  t.same(e2.rules[0]!.findings.map(short), [['EXCEPTION', 'outside', 'inet-cms', '0.0.0.0', '172.16.1.0', 'tcp/443']]);
  t.equal(e2.rules[0]!.findings[0]!.rule, 'EX-01');
  t.equal(e2.rules[0]!.action, 'deny');
  replay(t, e1);
  replay(t, e2);
});

t.test('a deny rule inside lgwan blocks the default-allowed pairs, not the explicitly denied one', async (t) => {
  // lg-terminals → lg-terminals and → lg-annex default-allow tcp/22; → lg-server is F-001's deny.
  const r = check([{ src: ['lg-terminals'], dst: ['tier:lgwan'], services: ['tcp/22'], action: 'deny' }]);
  t.equal(r.verdict, 'compliant');
  t.same(r.rules[0]!.counts, { 'DEFAULT-ALLOW': 2 });
  t.same(r.rules[0]!.findings.map(short), [
    ['DEFAULT-ALLOW', 'lg-terminals', 'lg-terminals', '10.20.0.0', '10.20.0.0', 'tcp/22'],
    ['DEFAULT-ALLOW', 'lg-terminals', 'lg-annex', '10.20.0.0', '10.21.0.0', 'tcp/22'],
  ]);
  replay(t, r);
});

t.test('IPv6, mixed families and ::ffff:-mapped input', async (t) => {
  const v6 = check([{ src: ['fd00:20::/64'], dst: ['fd00:16::1'], services: ['tcp/443'], action: 'allow' }]);
  t.same(v6.rules[0]!.findings.map(short), [['SPLIT-PATH', 'lg-terminals', 'inet-cms', 'fd00:20::', 'fd00:16::1', 'tcp/443']]);
  // An IPv4 source and an IPv6 destination make no flow.
  const mixed = check([{ src: ['10.20.0.0/16'], dst: ['fd00:16::/48'], services: ['any'], action: 'allow' }]);
  t.equal(mixed.verdict, 'compliant');
  t.equal(mixed.rules[0]!.empty, true);
  t.same(mixed.rules[0]!.counts, {});
  // ::ffff:10.20.0.0/112 is 10.20.0.0/16 written as IPv6: lg-terminals and its hole lg-server,
  // shown the way they were asked.
  const mapped = check([{ src: ['::ffff:10.20.0.0/112'], dst: ['172.16.1.5'], services: ['tcp/443'], action: 'allow' }]);
  t.same(mapped.rules[0]!.findings.map(short), [
    ['SPLIT-PATH', 'lg-terminals', 'inet-cms', '::ffff:10.20.0.0', '172.16.1.5', 'tcp/443'],
    ['SPLIT-PATH', 'lg-server', 'inet-cms', '::ffff:10.20.5.0', '172.16.1.5', 'tcp/443'],
  ]);
  // Written both ways, the IPv4 spelling wins the tie.
  const both = check([{ src: ['::ffff:10.20.0.0/112', '10.20.0.0/24'], dst: ['172.16.1.5'], services: ['tcp/443'], action: 'allow' }]);
  t.same(
    both.rules[0]!.findings.map((f) => f.witness.src),
    ['10.20.0.0', '::ffff:10.20.5.0'],
  );
  replay(t, v6);
  replay(t, mapped);
});

t.test('any: the witness service is tcp/1, not a key that is no flow', async (t) => {
  // lg-terminals → inet-cms is SPLIT-PATH for every service; both families, IPv4 shown.
  const r = check([{ src: ['lg-terminals'], dst: ['inet-cms'], services: ['any'], action: 'allow' }]);
  t.same(r.rules[0]!.findings.map(short), [['SPLIT-PATH', 'lg-terminals', 'inet-cms', '10.20.0.0', '172.16.1.0', 'tcp/1']]);
  // Port-less protocols alone: the lowest protocol number that is no tcp/udp/icmp/icmpv6.
  const p = check([{ src: ['lg-terminals'], dst: ['inet-cms'], services: ['proto/47', 'icmpv6'], action: 'allow' }]);
  t.same(
    p.rules[0]!.findings.map((f) => f.witness.service),
    ['icmpv6'],
  );
  const q = check([{ src: ['lg-terminals'], dst: ['inet-cms'], services: ['proto/50', 'proto/47'], action: 'allow' }]);
  t.same(
    q.rules[0]!.findings.map((f) => f.witness.service),
    ['proto/47'],
  );
  replay(t, r);
});

t.test('every source segment of 0.0.0.0/0 towards the screen-transfer server', async (t) => {
  // outside: CLOUD-AGGREGATION. mn-*: MN-ISOLATION (2.2 before 2.4). lg-terminals, lg-annex:
  // F-010 GRANTED through the sanitizer. lg-server: bridged but not in clients → NO-GRANT.
  // inet-vb, inet-cms: internet defaults to deny → NO-GRANT.
  const r = check([{ src: ['0.0.0.0/0'], dst: ['inet-vb'], services: ['https'], action: 'allow' }]);
  t.equal(r.verdict, 'violation');
  t.same(r.rules[0]!.counts, { 'CLOUD-AGGREGATION': 1, 'MN-ISOLATION': 3, 'NO-GRANT': 3 });
  t.same(Object.keys(r.rules[0]!.counts), ['CLOUD-AGGREGATION', 'MN-ISOLATION', 'NO-GRANT'], 'counts in decision-code order');
  t.same(r.rules[0]!.findings.map(short), [
    ['CLOUD-AGGREGATION', 'outside', 'inet-vb', '0.0.0.0', '172.16.9.10', 'tcp/443'],
    ['MN-ISOLATION', 'mn-term', 'inet-vb', '10.10.100.0', '172.16.9.10', 'tcp/443'],
    ['MN-ISOLATION', 'mn-nomfa', 'inet-vb', '10.10.101.0', '172.16.9.10', 'tcp/443'],
    ['MN-ISOLATION', 'mn-srv', 'inet-vb', '10.10.1.0', '172.16.9.10', 'tcp/443'],
    ['NO-GRANT', 'lg-server', 'inet-vb', '10.20.5.0', '172.16.9.10', 'tcp/443'],
    ['NO-GRANT', 'inet-vb', 'inet-vb', '172.16.9.10', '172.16.9.10', 'tcp/443'],
    ['NO-GRANT', 'inet-cms', 'inet-vb', '172.16.1.0', '172.16.9.10', 'tcp/443'],
  ]);
  replay(t, r);
});

t.test('truncation keeps the counts exact', async (t) => {
  const r = check([A], 1);
  t.equal(r.rules[0]!.truncated, true);
  t.same(r.rules[0]!.counts, { 'SPLIT-PATH': 2 });
  t.same(r.rules[0]!.findings.map(short), [['SPLIT-PATH', 'lg-terminals', 'inet-cms', '10.20.0.0', '172.16.1.0', 'tcp/443']]);
  const exact = check([A], 2);
  t.equal(exact.rules[0]!.truncated, false, 'exactly the limit is not truncated');
  t.equal(exact.rules[0]!.findings.length, 2);
});

t.test('the request verdict is the worst rule verdict', async (t) => {
  t.equal(check([B]).verdict, 'compliant');
  t.equal(check([B, D2]).verdict, 'ungranted');
  const all = check([B, D2, A]);
  t.equal(all.verdict, 'violation');
  t.same(
    all.rules.map((r) => [r.index, r.verdict]),
    [
      [0, 'compliant'],
      [1, 'ungranted'],
      [2, 'violation'],
    ],
  );
});

t.test('messages follow the language', async (t) => {
  const ja = check([A], undefined, 'ja');
  t.match(ja.rules[0]!.findings[0]!.message, /無害化通信/);
  const en = check([A], undefined, 'en');
  t.notMatch(en.rules[0]!.findings[0]!.message, /通信経路/);
});
