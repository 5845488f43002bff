/**
 * analyzeModel beyond the one-problem fixtures: which rules it reports together, what it names,
 * and what it leaves alone (expired exceptions, forbidden rules, partly needed exceptions).
 */
import t from 'tap';
import { analyzeModel } from '../../src/compile/analysis.js';
import { compile } from '../../src/compile/compile.js';
import { AS_OF, modelOf } from './model.js';

const SEGMENTS = `
policy:
  defaults: { lgwan: allow, internet: allow, mynumber: allow }
segments:
  - name: lg-a
    tier: lgwan
    cidrs: [10.20.0.0/16]
  - name: lg-b
    tier: lgwan
    cidrs: [10.21.0.0/24]
  - name: lg-hidden
    tier: lgwan
    cidrs: [10.21.0.0/25]
  - name: lg-hidden2
    tier: lgwan
    cidrs: [10.21.0.128/25]
  - name: inet-vb
    tier: internet
    cidrs: [172.16.9.10/32]
    sanitizer: { method: screen-transfer, peer: lgwan, direction: inbound, services: [tcp/443] }
  - name: inet-cms
    tier: internet
    cidrs: [172.16.1.0/24]
  - name: mn-a
    tier: mynumber
    cidrs: [10.10.0.0/24]
`;

function analyze(flows: string, exceptions = '') {
  const model = modelOf(`${SEGMENTS}flows:\n${flows}${exceptions ? `exceptions:\n${exceptions}` : ''}`);
  const problems = analyzeModel(model, { asOf: AS_OF });
  const byRule = (id: string) => problems.filter((p) => p.message.includes(` ${id} `)).map((p) => p.code);
  return { model, problems, byRule };
}

const rule = (id: string, from: string, to: string, services: string, action = 'allow') =>
  `  - id: ${id}\n    action: ${action}\n    from: [${from}]\n    to: [${to}]\n    services: [${services}]\n`;
const exception = (id: string, from: string, to: string, services: string, expires = '2099-12-31') =>
  `  - id: ${id}\n    from: [${from}]\n    to: [${to}]\n    services: [${services}]\n    reason: r\n    approved-by: CISO\n    expires: ${expires}\n`;

t.test('a forbidden rule is not also called shadowed', async (t) => {
  const { byRule, problems } = analyze(rule('F-1', 'lg-a', 'inet-cms', 'tcp/443'));
  t.same(byRule('F-1'), ['ALLOW-CEILING-FORBIDDEN']);
  t.equal(problems[0]!.severity, 'error');
  t.match(problems[0]!.message, /SPLIT-PATH/);
  t.match(problems[0]!.message, /lg-a → inet-cms tcp\/443/, 'an example flow');
  t.notMatch(problems[0]!.message, /10\.20|172\.16/, 'no CIDRs in messages');
});

t.test('bridged flows are not forbidden', async (t) => {
  t.same(analyze(rule('F-1', 'lg-a', 'inet-vb', 'tcp/443')).problems, [], 'the sanitizer bridges all of it');
  t.same(analyze(rule('F-1', 'lg-a', 'inet-vb', 'tcp/443, tcp/8443')).byRule('F-1'), ['ALLOW-CEILING-PARTIAL'], 'tcp/8443 is not bridged');
  t.same(analyze(rule('F-1', 'lg-a', 'tier:internet', 'tcp/443')).byRule('F-1'), ['ALLOW-CEILING-PARTIAL'], 'inet-cms is not bridged');
});

t.test('partly forbidden and the rest shadowed: both reported', async (t) => {
  const { byRule, problems } = analyze(rule('F-1', 'lg-a', 'lg-hidden', 'tcp/443') + rule('F-2', 'lg-a', 'lg-hidden, inet-cms', 'tcp/443'));
  t.same(byRule('F-2').sort(), ['ALLOW-CEILING-PARTIAL', 'RULE-SHADOWED']);
  t.match(problems.find((p) => p.code === 'RULE-SHADOWED')!.message, /F-1/, 'names the rule that decides instead');
});

t.test('a later deny shadows an earlier allow (denies are tried first)', async (t) => {
  const { byRule, problems } = analyze(rule('F-1', 'lg-a', 'lg-hidden', 'tcp/25') + rule('F-2', 'lg-a', 'lg-hidden', 'tcp/25, tcp/26', 'deny'));
  t.same(byRule('F-1'), ['RULE-SHADOWED']);
  t.match(problems[0]!.message, /F-2/);
  t.same(byRule('F-2'), [], 'the deny decides');
});

t.test('partial overlap is not shadowing', async (t) => {
  t.same(analyze(rule('F-1', 'lg-a', 'lg-hidden', 'tcp/1-100') + rule('F-2', 'lg-a', 'lg-hidden', 'tcp/100-101')).problems, [], "tcp/101 is F-2's");
  t.same(analyze(rule('F-1', 'lg-a', 'lg-hidden', 'tcp/25', 'deny') + rule('F-2', 'lg-a', 'lg-hidden, inet-cms', 'tcp/25', 'deny')).problems, [], "inet-cms is F-2's");
  t.same(analyze(rule('F-1', 'lg-a', 'lg-hidden', 'tcp', 'deny') + rule('F-2', 'lg-a', 'lg-hidden', 'udp/53', 'deny')).problems, [], 'another protocol');
});

t.test('a rule whose segments own no address matches no flow', async (t) => {
  // lg-b's /24 is entirely covered by the two /25s of lg-hidden and lg-hidden2.
  const { byRule, problems } = analyze(rule('F-1', 'lg-a', 'lg-b', 'tcp/25'));
  t.same(byRule('F-1'), ['RULE-SHADOWED']);
  t.match(problems[0]!.message, /matches no flow/);
});

t.test('exceptions: needless, shadowed, partly needed, expired', async (t) => {
  const needless = analyze(rule('F-0', 'lg-a', 'lg-a', 'tcp/1'), exception('EX-1', 'lg-a', 'lg-hidden', 'tcp/445'));
  t.same(needless.byRule('EX-1'), ['EXCEPTION-NEEDLESS']);
  const partly = analyze(rule('F-0', 'lg-a', 'lg-a', 'tcp/1'), exception('EX-1', 'lg-a', 'lg-hidden, inet-cms', 'tcp/445'));
  t.same(partly.byRule('EX-1'), [], 'it lifts SPLIT-PATH for inet-cms');
  const shadowed = analyze(rule('F-0', 'mn-a', 'lg-a', 'tcp/445', 'deny'), exception('EX-1', 'mn-a', 'lg-a', 'tcp/445'));
  t.same(shadowed.byRule('EX-1'), ['RULE-SHADOWED'], 'the explicit deny decides every flow it would lift');
  t.match(shadowed.problems[0]!.message, /F-0/);
  const expired = analyze(
    rule('F-0', 'lg-a', 'lg-a', 'tcp/1'),
    exception('EX-1', 'lg-a', 'lg-hidden', 'tcp/445', '2020-01-01') +
      exception('EX-2', 'mn-a', 'lg-a', 'tcp/445', '2020-01-01') +
      exception('EX-3', 'mn-a', 'lg-a', 'tcp/445', '2020-01-01'),
  );
  t.same(
    expired.problems.filter((p) => p.code !== 'EXCEPTION-EXPIRED'),
    [],
    'expired exceptions are left to EXCEPTION-EXPIRED',
  );
});

t.test('the verdicts hold on the table: a shadowed rule decides no cell', async (t) => {
  const { model, byRule } = analyze(
    rule('F-1', 'lg-a', 'lg-hidden', 'tcp/1-1000') + rule('F-2', 'lg-a', 'lg-hidden', 'tcp/80') + rule('F-3', 'lg-a', 'lg-hidden', 'tcp/1000-1001'),
  );
  t.same(byRule('F-2'), ['RULE-SHADOWED']);
  t.same(byRule('F-3'), []);
  const table = compile(model, { asOf: AS_OF });
  const ids = new Set<string | null>();
  for (let c = 0; c < table.serviceClasses; c++) ids.add(table.decision(table.cell(0, 2, c)).ruleId);
  t.ok(ids.has('F-1') && ids.has('F-3') && !ids.has('F-2'), `deciding rules between lg-a and lg-hidden: ${[...ids].join(', ')}`);
});
