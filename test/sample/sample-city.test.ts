/**
 * The bundled sample city (rules/) is the rule set every newcomer runs first, so it must stay
 * clean and must show every decision code. Every expected value below was worked out
 * by reading rules/*.yaml against docs/decisions.md by hand (the comment on each case says which rule or
 * ceiling decides), never by running sanso.
 *
 * Dates are pinned: the sample's one exception (EX-2026-01) runs through 2027-09-30.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { sanso, type Run } from '../cli/run.js';
import { validateRuleSet } from '../../src/validate/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RULES = `${ROOT}rules`;
const NO_MFA = `${ROOT}test/sample/fixtures/no-mfa`;
/** A day on which the sample's exception is in force. */
const AS_OF = '2026-11-25';
const LAST_DAY = '2027-09-30';
const DAY_AFTER = '2027-10-01';

/** The city's clause text per ceiling code, from rules/00-policy.yaml. */
const CLAUSE = {
  'CLOUD-AGGREGATION': '基本方針 5(3)ウ 自治体情報セキュリティクラウド',
  'MN-ISOLATION': '基本方針 5(3)ア マイナンバー利用事務系',
  'SPLIT-PATH': '基本方針 5(3)イ 通信経路の分割',
} as const;

interface Decision {
  decision: string;
  code: string;
  rule: string | null;
  src: { address: string; segment: string; tier: string };
  dst: { address: string; segment: string; tier: string };
  path: string;
  sanitizer: { segment: string; method: string } | null;
  clause: string | null;
  message: string;
  policyVersion: string;
}

async function decide(src: string, dst: string, service: string, opts: { rules?: string; asOf?: string } = {}): Promise<{ run: Run; d: Decision }> {
  const run = await sanso(['decide', '--json', '--rules', opts.rules ?? RULES, '--as-of', opts.asOf ?? AS_OF, src, dst, service]);
  let d: Decision;
  try {
    d = JSON.parse(run.out) as Decision;
  } catch {
    throw new Error(`decide ${src} ${dst} ${service}: not JSON (exit ${run.code}): ${run.out}${run.err}`);
  }
  return { run, d };
}

// — validation —

t.test('rules/ validates with no errors and no warnings', async (t) => {
  const r = validateRuleSet([RULES], { asOf: AS_OF });
  t.same(r.problems, [], 'no problems at all');
  t.ok(r.model, 'the model loads');
  t.same(
    r.files.map((f) => f.slice(f.lastIndexOf('/') + 1)),
    [
      '00-policy.yaml',
      '10-services.yaml',
      '20-segments-mynumber.yaml',
      '21-segments-lgwan.yaml',
      '22-segments-internet.yaml',
      '30-groups.yaml',
      '40-flows.yaml',
      '50-exceptions.yaml',
    ],
    'merged in byte order of names',
  );
  // Still in force on the exception's last day: only the reminder that it is about to lapse.
  t.same(
    validateRuleSet([RULES], { asOf: LAST_DAY }).problems.map((p) => p.code),
    ['EXCEPTION-EXPIRING'],
  );
  t.same(validateRuleSet([RULES], { asOf: LAST_DAY, warnExpiringDays: 0 }).problems, []);
});

t.test('sanso validate --strict passes on rules/ (what CI runs)', async (t) => {
  const run = await sanso(['validate', '--strict', '--as-of', AS_OF, RULES]);
  t.equal(run.code, 0, run.out + run.err);
});

t.test('once EX-2026-01 expires, the sample warns about it and nothing else', async (t) => {
  const r = validateRuleSet([RULES], { asOf: DAY_AFTER });
  t.same(
    r.problems.map((p) => [p.code, p.severity]),
    [['EXCEPTION-EXPIRED', 'warning']],
  );
  t.match(r.problems[0]?.loc.file, /50-exceptions\.yaml$/);
  t.ok(r.model, 'a warning does not stop the rule set loading');
});

t.test('the sample has what the tour promises', async (t) => {
  const m = validateRuleSet([RULES], { asOf: AS_OF }).model;
  if (!m) return t.fail('model did not load');
  const seg = (name: string) => m.segments.find((s) => s.name === name);
  t.equal(m.policy.model, 'alpha');
  for (const name of ['mn-juki', 'mn-zeimu', 'mn-fukushi', 'mn-koseki']) t.equal(seg(name)?.tier, 'mynumber', name);
  t.has(seg('mn-terminals'), { tier: 'mynumber', role: 'terminal', mfa: true });
  for (const name of ['mn-gov-cloud', 'mn-chukan']) t.has(seg(name), { tier: 'mynumber', external: true }, name);
  t.has(seg('lgwan-asp'), { tier: 'lgwan', external: true });
  t.has(seg('sec-cloud'), { tier: 'internet', external: true });
  t.same(
    m.segments
      .filter((s) => s.sanitizer)
      .map((s) => [s.name, s.tier, s.sanitizer?.method, s.sanitizer?.peer, s.sanitizer?.direction])
      .sort(),
    [
      ['inet-file-sanitizer', 'internet', 'file-sanitize', 'lgwan', 'inbound'],
      ['inet-mail-text', 'internet', 'mail-text', 'lgwan', 'outbound'],
      ['inet-vbrowser', 'internet', 'screen-transfer', 'lgwan', 'inbound'],
      ['lg-mn-sanitizer', 'lgwan', 'file-sanitize', 'mynumber', 'outbound'],
    ],
  );
  const declared = m.segments.filter((s) => s.tier !== 'outside');
  t.ok(
    declared.every((s) => s.cidrs.some((c) => c.family === 4) && s.cidrs.some((c) => c.family === 6)),
    'every segment has IPv4 and IPv6',
  );
  t.ok(
    m.flows.some((f) => f.action === 'deny'),
    'at least one deny rule',
  );
  t.equal(m.exceptions.length, 1, 'exactly one exception');
});

t.test('the no-mfa fixture loads with one warning: MFA-MISSING', async (t) => {
  const r = validateRuleSet([NO_MFA], { asOf: AS_OF });
  t.same(
    r.problems.map((p) => [p.code, p.severity, p.loc.line]),
    [['MFA-MISSING', 'warning', 12]],
  );
  t.ok(r.model);
});

// — decisions: one or more flows per code path of docs/decisions.md —

interface Case {
  why: string;
  flow: [string, string, string];
  asOf?: string;
  rules?: string;
  decision: 'allow' | 'deny';
  code: string;
  rule: string | null;
  src: [segment: string, tier: string];
  dst: [segment: string, tier: string];
  /** Set for a sanitized ALLOW; null for every other decision. */
  sanitizer?: [segment: string, method: string];
  clause?: string;
}

const CASES: Case[] = [
  // Step 1: F-001 denies lg-clients → lg-servers on ssh/rdp, although LGWAN is default-allow.
  {
    why: 'staff terminal to file server ssh: F-001',
    flow: ['10.20.100.5', '10.20.1.20', 'tcp/22'],
    decision: 'deny',
    code: 'EXPLICIT-DENY',
    rule: 'F-001',
    src: ['lg-terminals', 'lgwan'],
    dst: ['lg-fileserver', 'lgwan'],
  },
  {
    why: 'annex terminal to groupware rdp: F-001 through both groups',
    flow: ['10.20.104.9', '10.20.1.3', 'tcp/3389'],
    decision: 'deny',
    code: 'EXPLICIT-DENY',
    rule: 'F-001',
    src: ['lg-terminals-annex', 'lgwan'],
    dst: ['lg-groupware', 'lgwan'],
  },
  {
    why: 'LGWAN-ASP opening a connection to a terminal: F-002 (any)',
    flow: ['198.51.100.10', '10.20.100.5', 'tcp/443'],
    decision: 'deny',
    code: 'EXPLICIT-DENY',
    rule: 'F-002',
    src: ['lgwan-asp', 'lgwan'],
    dst: ['lg-terminals', 'lgwan'],
  },

  // Step 2.1: anything no segment claims is the Internet.
  {
    why: 'virtual browser straight to the Internet, bypassing the security cloud',
    flow: ['172.16.9.10', '192.0.2.10', 'tcp/443'],
    decision: 'deny',
    code: 'CLOUD-AGGREGATION',
    rule: null,
    src: ['inet-vbrowser', 'internet'],
    dst: ['outside', 'outside'],
    clause: CLAUSE['CLOUD-AGGREGATION'],
  },
  {
    why: 'the Internet straight to the CMS',
    flow: ['192.0.2.10', '172.16.1.5', 'tcp/443'],
    decision: 'deny',
    code: 'CLOUD-AGGREGATION',
    rule: null,
    src: ['outside', 'outside'],
    dst: ['inet-cms', 'internet'],
    clause: CLAUSE['CLOUD-AGGREGATION'],
  },
  {
    why: 'IPv6: virtual browser to an unclaimed 2001:db8 address',
    flow: ['fd00:30:0:9::10', '2001:db8:ffff::10', 'tcp/443'],
    decision: 'deny',
    code: 'CLOUD-AGGREGATION',
    rule: null,
    src: ['inet-vbrowser', 'internet'],
    dst: ['outside', 'outside'],
    clause: CLAUSE['CLOUD-AGGREGATION'],
  },

  // Step 2.2: My Number talks to no other tier …
  {
    why: 'LGWAN terminal to the resident registry',
    flow: ['10.20.100.5', '10.10.1.10', 'tcp/443'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['mn-juki', 'mynumber'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  {
    why: 'LGWAN terminal pushing to the import server itself, not through the sanitizer',
    flow: ['10.20.100.5', '10.10.2.5', 'tcp/445'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['mn-import', 'mynumber'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  {
    why: 'the import backwards: mn-import to the sanitizer (it bridges outbound only)',
    flow: ['10.10.2.5', '10.20.5.5', 'tcp/445'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['mn-import', 'mynumber'],
    dst: ['lg-mn-sanitizer', 'lgwan'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  {
    why: 'the import sanitizer on a service it does not bridge (ssh)',
    flow: ['10.20.5.5', '10.10.2.5', 'tcp/22'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['lg-mn-sanitizer', 'lgwan'],
    dst: ['mn-import', 'mynumber'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  {
    why: 'My Number terminal to the virtual browser',
    flow: ['10.10.100.20', '172.16.9.10', 'tcp/443'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['mn-terminals', 'mynumber'],
    dst: ['inet-vbrowser', 'internet'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  {
    why: 'resident registry to the LGWAN file server: the exception names mn-zeimu only',
    flow: ['10.10.1.10', '10.20.1.20', 'tcp/445'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['mn-juki', 'mynumber'],
    dst: ['lg-fileserver', 'lgwan'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  // … except the sanitized one-way import (file-sanitize, lgwan → mynumber, outbound, smb): F-110.
  {
    why: 'the one-way import into My Number',
    flow: ['10.20.5.5', '10.10.2.5', 'tcp/445'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-110',
    src: ['lg-mn-sanitizer', 'lgwan'],
    dst: ['mn-import', 'mynumber'],
    sanitizer: ['lg-mn-sanitizer', 'file-sanitize'],
  },

  // Step 2.3: LGWAN and internet are split unless a sanitizer bridges the flow.
  {
    why: 'LGWAN terminal straight to the CMS',
    flow: ['10.20.100.5', '172.16.1.5', 'tcp/443'],
    decision: 'deny',
    code: 'SPLIT-PATH',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['inet-cms', 'internet'],
    clause: CLAUSE['SPLIT-PATH'],
  },
  {
    why: 'LGWAN terminal to the virtual browser on http: only https is bridged',
    flow: ['10.20.100.5', '172.16.9.10', 'tcp/80'],
    decision: 'deny',
    code: 'SPLIT-PATH',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['inet-vbrowser', 'internet'],
    clause: CLAUSE['SPLIT-PATH'],
  },
  {
    why: 'virtual browser connecting back into a terminal: it bridges inbound only',
    flow: ['172.16.9.10', '10.20.100.5', 'tcp/443'],
    decision: 'deny',
    code: 'SPLIT-PATH',
    rule: null,
    src: ['inet-vbrowser', 'internet'],
    dst: ['lg-terminals', 'lgwan'],
    clause: CLAUSE['SPLIT-PATH'],
  },
  {
    why: 'LGWAN mail server sending straight to the internet mail relay',
    flow: ['10.20.1.35', '172.16.2.5', 'tcp/25'],
    decision: 'deny',
    code: 'SPLIT-PATH',
    rule: null,
    src: ['lg-mail', 'lgwan'],
    dst: ['inet-mail-relay', 'internet'],
    clause: CLAUSE['SPLIT-PATH'],
  },
  // Sanitized allows: D bridges (inbound) or S bridges (outbound); the grant is F-12x.
  {
    why: 'screen transfer: terminal to the virtual browser (D inbound)',
    flow: ['10.20.100.5', '172.16.9.10', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-120',
    src: ['lg-terminals', 'lgwan'],
    dst: ['inet-vbrowser', 'internet'],
    sanitizer: ['inet-vbrowser', 'screen-transfer'],
  },
  {
    why: 'file sanitization: annex terminal fetches a sanitized file (D inbound)',
    flow: ['10.20.104.5', '172.16.4.5', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-121',
    src: ['lg-terminals-annex', 'lgwan'],
    dst: ['inet-file-sanitizer', 'internet'],
    sanitizer: ['inet-file-sanitizer', 'file-sanitize'],
  },
  {
    why: 'mail text-ification delivers into LGWAN mail (S outbound)',
    flow: ['172.16.3.5', '10.20.1.35', 'tcp/25'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-122',
    src: ['inet-mail-text', 'internet'],
    dst: ['lg-mail', 'lgwan'],
    sanitizer: ['inet-mail-text', 'mail-text'],
  },
  {
    why: 'IPv6 screen transfer',
    flow: ['fd00:20:0:100::5', 'fd00:30:0:9::10', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-120',
    src: ['lg-terminals', 'lgwan'],
    dst: ['inet-vbrowser', 'internet'],
    sanitizer: ['inet-vbrowser', 'screen-transfer'],
  },
  {
    why: 'IPv4-mapped IPv6 resolves as IPv4',
    flow: ['::ffff:10.20.100.5', '::ffff:172.16.9.10', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-120',
    src: ['lg-terminals', 'lgwan'],
    dst: ['inet-vbrowser', 'internet'],
    sanitizer: ['inet-vbrowser', 'screen-transfer'],
  },
  {
    why: 'IPv4-mapped IPv6 on a denied flow',
    flow: ['::ffff:10.20.100.5', '::ffff:172.16.1.5', 'tcp/443'],
    decision: 'deny',
    code: 'SPLIT-PATH',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['inet-cms', 'internet'],
    clause: CLAUSE['SPLIT-PATH'],
  },

  // Step 3: EX-2026-01 lifts MN-ISOLATION for mn-zeimu → lg-fileserver smb through 2027-09-30.
  {
    why: 'tax server exports statistics to the LGWAN file server',
    flow: ['10.10.1.40', '10.20.1.20', 'tcp/445'],
    decision: 'allow',
    code: 'EXCEPTION',
    rule: 'EX-2026-01',
    src: ['mn-zeimu', 'mynumber'],
    dst: ['lg-fileserver', 'lgwan'],
  },
  {
    why: 'the same on the last day (inclusive)',
    flow: ['10.10.1.40', '10.20.1.20', 'tcp/445'],
    asOf: LAST_DAY,
    decision: 'allow',
    code: 'EXCEPTION',
    rule: 'EX-2026-01',
    src: ['mn-zeimu', 'mynumber'],
    dst: ['lg-fileserver', 'lgwan'],
  },
  {
    why: 'the same the day after expiry',
    flow: ['10.10.1.40', '10.20.1.20', 'tcp/445'],
    asOf: DAY_AFTER,
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['mn-zeimu', 'mynumber'],
    dst: ['lg-fileserver', 'lgwan'],
    clause: CLAUSE['MN-ISOLATION'],
  },
  {
    why: 'the exception covers smb only',
    flow: ['10.10.1.40', '10.20.1.20', 'tcp/443'],
    decision: 'deny',
    code: 'MN-ISOLATION',
    rule: null,
    src: ['mn-zeimu', 'mynumber'],
    dst: ['lg-fileserver', 'lgwan'],
    clause: CLAUSE['MN-ISOLATION'],
  },

  // Step 4: grants inside a tier.
  {
    why: 'My Number terminal to the resident registry: F-101',
    flow: ['10.10.100.20', '10.10.1.10', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-101',
    src: ['mn-terminals', 'mynumber'],
    dst: ['mn-juki', 'mynumber'],
  },
  {
    why: 'IPv6: My Number terminal to the government cloud, via the nested group mn-business',
    flow: ['fd00:10:0:100::20', '2001:db8:10::10', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-101',
    src: ['mn-terminals', 'mynumber'],
    dst: ['mn-gov-cloud', 'mynumber'],
  },
  {
    why: 'family register server to the intermediate server platform: F-102',
    flow: ['10.10.1.100', '203.0.113.130', 'tcp/443'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-102',
    src: ['mn-koseki', 'mynumber'],
    dst: ['mn-chukan', 'mynumber'],
  },
  {
    why: 'virtual browser to the security cloud proxy: F-133',
    flow: ['172.16.9.10', '198.51.100.130', 'tcp/8080'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-133',
    src: ['inet-vbrowser', 'internet'],
    dst: ['sec-cloud', 'internet'],
  },
  {
    why: 'mail relay DNS over udp to the security cloud: F-132',
    flow: ['172.16.2.5', '198.51.100.200', 'udp/53'],
    decision: 'allow',
    code: 'GRANTED',
    rule: 'F-132',
    src: ['inet-mail-relay', 'internet'],
    dst: ['sec-cloud', 'internet'],
  },

  // Step 5: LGWAN is default-allow.
  {
    why: 'LGWAN terminal to groupware',
    flow: ['10.20.100.5', '10.20.1.5', 'tcp/443'],
    decision: 'allow',
    code: 'DEFAULT-ALLOW',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['lg-groupware', 'lgwan'],
  },
  {
    why: 'admin terminal to the file server ssh: lg-ops is not in lg-clients',
    flow: ['10.20.9.5', '10.20.1.20', 'tcp/22'],
    decision: 'allow',
    code: 'DEFAULT-ALLOW',
    rule: null,
    src: ['lg-ops', 'lgwan'],
    dst: ['lg-fileserver', 'lgwan'],
  },
  {
    why: 'terminal drops a file on the import sanitizer',
    flow: ['10.20.100.5', '10.20.5.5', 'tcp/445'],
    decision: 'allow',
    code: 'DEFAULT-ALLOW',
    rule: null,
    src: ['lg-terminals', 'lgwan'],
    dst: ['lg-mn-sanitizer', 'lgwan'],
  },

  // Step 6: My Number and internet are default-deny.
  {
    why: 'My Number terminal to the resident registry on ssh',
    flow: ['10.10.100.20', '10.10.1.10', 'tcp/22'],
    decision: 'deny',
    code: 'NO-GRANT',
    rule: null,
    src: ['mn-terminals', 'mynumber'],
    dst: ['mn-juki', 'mynumber'],
  },
  {
    why: 'CMS to the mail relay',
    flow: ['172.16.1.5', '172.16.2.5', 'tcp/25'],
    decision: 'deny',
    code: 'NO-GRANT',
    rule: null,
    src: ['inet-cms', 'internet'],
    dst: ['inet-mail-relay', 'internet'],
  },

  // MFA-REQUIRED cannot happen in the sample (its only My Number terminals have mfa: true),
  // so the fixture test/sample/fixtures/no-mfa (mynumber default-allow) shows it.
  {
    why: 'fixture: terminal without MFA',
    rules: NO_MFA,
    flow: ['10.10.200.5', '10.10.1.5', 'tcp/22'],
    decision: 'deny',
    code: 'MFA-REQUIRED',
    rule: null,
    src: ['mn-terminals-legacy', 'mynumber'],
    dst: ['mn-juki', 'mynumber'],
    clause: '5(3)ア',
  },
  {
    why: 'fixture: EX-LEGACY lifts MFA-REQUIRED on tcp/443',
    rules: NO_MFA,
    flow: ['10.10.200.5', '10.10.1.5', 'tcp/443'],
    decision: 'allow',
    code: 'EXCEPTION',
    rule: 'EX-LEGACY',
    src: ['mn-terminals-legacy', 'mynumber'],
    dst: ['mn-juki', 'mynumber'],
  },
  {
    why: 'fixture: … until 2027-03-31',
    rules: NO_MFA,
    asOf: '2027-04-01',
    flow: ['10.10.200.5', '10.10.1.5', 'tcp/443'],
    decision: 'deny',
    code: 'MFA-REQUIRED',
    rule: null,
    src: ['mn-terminals-legacy', 'mynumber'],
    dst: ['mn-juki', 'mynumber'],
    clause: '5(3)ア',
  },
  {
    why: 'fixture: the MFA terminal gets the default',
    rules: NO_MFA,
    flow: ['10.10.100.5', '10.10.1.5', 'tcp/443'],
    decision: 'allow',
    code: 'DEFAULT-ALLOW',
    rule: null,
    src: ['mn-terminals', 'mynumber'],
    dst: ['mn-juki', 'mynumber'],
  },
  {
    why: 'fixture: MFA is about the source: a server may reach the legacy terminal',
    rules: NO_MFA,
    flow: ['10.10.1.5', '10.10.200.5', 'tcp/443'],
    decision: 'allow',
    code: 'DEFAULT-ALLOW',
    rule: null,
    src: ['mn-juki', 'mynumber'],
    dst: ['mn-terminals-legacy', 'mynumber'],
  },
];

t.test('decisions on the sample city', async (t) => {
  const codesSeen = new Set<string>();
  for (const c of CASES) {
    const [src, dst, service] = c.flow;
    const opts: { rules?: string; asOf?: string } = {};
    if (c.rules) opts.rules = c.rules;
    if (c.asOf) opts.asOf = c.asOf;
    const { run, d } = await decide(src, dst, service, opts);
    codesSeen.add(d.code);
    t.test(`${c.why}: ${src} ${dst} ${service}`, async (t) => {
      t.equal(run.code, c.decision === 'allow' ? 0 : 3, 'exit code');
      t.equal(d.decision, c.decision);
      t.equal(d.code, c.code);
      t.equal(d.rule, c.rule);
      t.same([d.src.segment, d.src.tier], c.src, 'source segment and tier');
      t.same([d.dst.segment, d.dst.tier], c.dst, 'destination segment and tier');
      if (c.sanitizer) {
        t.equal(d.path, 'sanitized');
        t.same(d.sanitizer, { segment: c.sanitizer[0], method: c.sanitizer[1] });
      } else {
        t.not(d.path, 'sanitized');
        t.equal(d.sanitizer, null);
      }
      if (c.clause) t.equal(d.clause, c.clause);
      t.ok(typeof d.message === 'string' && d.message.length > 0, 'a message');
      t.match(d.policyVersion, /^sha256:[0-9a-f]{64}$/);
    });
  }
  t.same(
    [...codesSeen].sort(),
    ['CLOUD-AGGREGATION', 'DEFAULT-ALLOW', 'EXCEPTION', 'EXPLICIT-DENY', 'GRANTED', 'MFA-REQUIRED', 'MN-ISOLATION', 'NO-GRANT', 'SPLIT-PATH'],
    'every decision code is exercised',
  );
});

t.test('the sample decisions carry the sample policy version', async (t) => {
  const { d } = await decide('10.20.100.5', '10.20.1.5', 'tcp/443');
  t.equal(d.policyVersion, validateRuleSet([RULES], { asOf: AS_OF }).version);
});

// — docs/tutorial.md, the sample city's tour: every command in the tour answers what it says —

t.test('the tour of the sample city in docs/tutorial.md is true', async (t) => {
  const doc = readFileSync(`${ROOT}docs/tutorial.md`, 'utf8');
  const rows = [...doc.matchAll(/^\|[^|]*\| `sanso decide ([^`]+)` \| (allow|deny) \| ([A-Z-]+) \| ([^|]*)\|$/gm)];
  t.ok(rows.length >= 20, `the tour lists its commands (${rows.length} found)`);
  for (const [, cmd, decision, code, ruleCell] of rows) {
    const args = cmd!.trim().split(/\s+/);
    // The tour's commands use the default rules/ and today's date; pin both (unless a row sets the date).
    const date = args.includes('--as-of') ? [] : ['--as-of', AS_OF];
    const run = await sanso(['decide', '--json', '--rules', RULES, ...date, ...args]);
    const d = JSON.parse(run.out) as Decision;
    t.equal(`${d.decision} ${d.code}`, `${decision} ${code}`, `sanso decide ${cmd}`);
    const rule = /^(F-\d+|EX-[\w-]+)/.exec(ruleCell!.trim())?.[1] ?? null;
    t.equal(d.rule, rule, `rule of sanso decide ${cmd}`);
  }
  const mfa = /`sanso decide --rules test\/sample\/fixtures\/no-mfa ([^`]+)` → deny `MFA-REQUIRED`/.exec(doc);
  t.ok(mfa, 'the tour shows MFA-REQUIRED on the fixture');
  if (mfa) {
    const run = await sanso(['decide', '--json', '--rules', NO_MFA, '--as-of', AS_OF, ...mfa[1]!.trim().split(/\s+/)]);
    t.has(JSON.parse(run.out), { decision: 'deny', code: 'MFA-REQUIRED' });
  }
});
