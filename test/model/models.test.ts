/**
 * What the builder says about the guideline models: BREAKOUT-MODEL / BREAKOUT-SEGMENT,
 * MODEL-MISMATCH for every combination of model and terminals (against the rule restated
 * here), and CIDR-TIER-NESTED against a naive all-pairs search on random address plans.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { buildModel } from '../../src/model/build.js';
import { parseCidr } from '../../src/model/cidr.js';
import type { Problem } from '../../src/problems/problem.js';
import { parseRuleBytes } from '../../src/source/read.js';
import { checkSchema } from '../../src/validate/schema.js';

const MODELS = ['alpha', 'alpha-prime', 'beta', 'beta-prime'] as const;

/** Problems of one rule file given as data (written as JSON, which YAML reads). */
function problemsOf(data: unknown): Problem[] {
  const read: Problem[] = [];
  const f = parseRuleBytes('m.yaml', Buffer.from(JSON.stringify(data)), read);
  if (!f) throw new Error(JSON.stringify(read));
  const schema = checkSchema(f);
  if (schema.length > 0) throw new Error(schema.map((p) => p.message).join('; '));
  return [...read, ...buildModel([f], 'sha256:test', { asOf: '2026-11-30' }).problems];
}
const codes = (ps: Problem[]) => ps.map((p) => p.code).sort();

t.test('breakout: only under alpha-prime, only on internet-tier external segments', async (t) => {
  const seg = (extra: Record<string, unknown>) => ({ name: 'cloud', tier: 'internet', external: true, cidrs: ['203.0.113.0/26'], breakout: { services: ['tcp/443'] }, ...extra });
  const base = (model: string, s: Record<string, unknown>) => ({
    policy: { model },
    segments: [{ name: 'lg', tier: 'lgwan', role: 'terminal', cidrs: ['10.20.0.0/16'] }, s],
    flows: [{ id: 'F-1', from: ['lg'], to: ['cloud'], services: ['tcp/443'] }],
  });
  t.same(codes(problemsOf(base('alpha-prime', seg({})))), [], 'alpha-prime, internet, external');
  for (const model of ['alpha', 'beta', 'beta-prime']) {
    const ps = problemsOf(base(model, seg({})));
    t.same(
      codes(ps).filter((c) => c !== 'MODEL-MISMATCH'),
      ['BREAKOUT-MODEL'],
      model,
    );
    t.match(ps.find((p) => p.code === 'BREAKOUT-MODEL')!.message, /only under model alpha-prime \(α′\)/);
  }
  t.same(codes(problemsOf(base('alpha-prime', seg({ external: false })))), ['BREAKOUT-SEGMENT'], 'not external');
  t.same(codes(problemsOf(base('alpha-prime', seg({ tier: 'lgwan' })))), ['BREAKOUT-SEGMENT'], 'LGWAN tier');
  t.same(codes(problemsOf(base('alpha-prime', seg({ tier: 'mynumber' })))), ['BREAKOUT-SEGMENT'], 'My Number tier');
  t.same(
    codes(problemsOf(base('beta', seg({ tier: 'lgwan' })))).filter((c) => c !== 'MODEL-MISMATCH'),
    ['BREAKOUT-MODEL', 'BREAKOUT-SEGMENT'],
    'both wrong: both said',
  );
  t.same(codes(problemsOf(base('alpha-prime', seg({ breakout: { services: ['htps'] } })))), ['NAME-UNKNOWN'], 'its services are resolved');
  const at = problemsOf(base('alpha', seg({})))[0]!;
  t.match(at, { code: 'BREAKOUT-MODEL', loc: { line: 1 } }, 'reported at the breakout key');
});

t.test('MODEL-MISMATCH for every model and set of terminals', async (t) => {
  let cases = 0;
  for (const model of [...MODELS, null]) {
    for (const lgTerm of [false, true])
      for (const inetTerm of [false, true])
        for (const mnTerm of [false, true])
          for (const screen of [false, true]) {
            // β's screen-transfer server can only be declared under β (else it is an error).
            if (screen && !(model === 'beta' || model === 'beta-prime')) continue;
            const segments: unknown[] = [
              { name: 'lg', tier: 'lgwan', role: lgTerm ? 'terminal' : 'server', cidrs: ['10.20.0.0/16'] },
              { name: 'inet', tier: 'internet', role: inetTerm ? 'terminal' : 'server', cidrs: ['172.16.0.0/16'] },
              { name: 'mn', tier: 'mynumber', role: mnTerm ? 'terminal' : 'server', mfa: true, cidrs: ['10.10.0.0/16'] },
            ];
            if (screen)
              segments.push({
                name: 'vdi',
                tier: 'lgwan',
                cidrs: ['10.21.0.0/24'],
                sanitizer: { method: 'screen-transfer', peer: 'internet', direction: 'inbound', services: ['tcp/3389'] },
              });
            const data: Record<string, unknown> = { segments, policy: { defaults: { lgwan: 'allow', internet: 'allow', mynumber: 'allow' } } };
            if (model) (data.policy as Record<string, unknown>).model = model;
            // The rule: judged when the model is written or staff (LGWAN/internet) terminals exist.
            const effective = model ?? 'alpha';
            const judged = model !== null || lgTerm || inetTerm;
            const contradicts = effective.startsWith('beta') ? !inetTerm || !screen : !lgTerm;
            const want = judged && contradicts;
            const ps = problemsOf(data).filter((p) => p.code === 'MODEL-MISMATCH');
            t.equal(ps.length, want ? 1 : 0, `${model} lg:${lgTerm} inet:${inetTerm} mn:${mnTerm} screen:${screen}`);
            if (ps[0]) t.equal(ps[0].loc.line, 1, 'at policy.model, else the top of the file');
            cases++;
          }
  }
  t.equal(cases, 5 * 8 + 2 * 8);
});

/** Expected CIDR-TIER-NESTED (inner text → outer text), all pairs, nearest enclosing CIDR. */
function naiveNested(segments: { tier: string; cidrs: string[] }[]): Map<string, string> {
  const all = segments.flatMap((s) =>
    s.cidrs.map((text) => {
      const c = parseCidr(text);
      if (!c.ok) throw new Error(text);
      return { ...c.cidr, text, tier: s.tier };
    }),
  );
  const out = new Map<string, string>();
  for (const inner of all) {
    let best: (typeof all)[number] | null = null;
    for (const outer of all) {
      if (outer.family !== inner.family || outer.prefix >= inner.prefix) continue;
      if (outer.first > inner.first || outer.last < inner.last) continue;
      if (!best || outer.prefix > best.prefix) best = outer;
    }
    if (best && best.tier !== inner.tier) out.set(inner.text, best.text);
  }
  return out;
}

t.test('CIDR-TIER-NESTED agrees with an all-pairs search on random address plans', async (t) => {
  const V4 = [
    '10.0.0.0/8',
    '10.20.0.0/16',
    '10.20.0.0/24',
    '10.20.5.0/24',
    '10.20.5.0/28',
    '10.20.5.16/28',
    '10.20.5.7/32',
    '10.21.0.0/16',
    '10.0.0.0/7',
    '172.16.0.0/12',
    '172.16.9.0/24',
    '0.0.0.0/0',
  ];
  const V6 = ['fd00::/8', 'fd00:20::/48', 'fd00:20:0:5::/64', 'fd00:21::/48', '::/0'];
  const segmentArb = fc.record({ tier: fc.constantFrom('mynumber', 'lgwan', 'internet'), cidrs: fc.uniqueArray(fc.constantFrom(...V4, ...V6), { minLength: 1, maxLength: 3 }) });
  fc.assert(
    fc.property(fc.array(segmentArb, { minLength: 1, maxLength: 6 }), (raw) => {
      // Each CIDR once across the plan (a second claim is CIDR-DUPLICATE, not this warning).
      const seen = new Set<string>();
      const segments = raw.map((s, i) => ({ name: `s${i}`, tier: s.tier, cidrs: s.cidrs.filter((c) => !seen.has(c) && seen.add(c)) })).filter((s) => s.cidrs.length > 0);
      const ps = problemsOf({ policy: { defaults: { lgwan: 'allow', internet: 'allow', mynumber: 'allow' } }, segments }).filter((p) => p.code === 'CIDR-TIER-NESTED');
      const want = naiveNested(segments);
      const got = new Map(ps.map((p) => [/^(\S+) of segment/.exec(p.message)![1]!, /lies inside (\S+) of segment/.exec(p.message)![1]!]));
      if (JSON.stringify([...got].sort()) !== JSON.stringify([...want].sort())) {
        throw new Error(`got ${JSON.stringify([...got])}, want ${JSON.stringify([...want])} for ${JSON.stringify(segments)}`);
      }
    }),
    { numRuns: 300 },
  );
  t.pass('300 plans');
});

t.test('CIDR-TIER-NESTED: at the inner CIDR, naming the outer one', async (t) => {
  const data = {
    policy: { defaults: { lgwan: 'allow', internet: 'allow' } },
    segments: [
      { name: 'lg', tier: 'lgwan', cidrs: ['10.20.0.0/16', 'fd00:20::/48'] },
      { name: 'inet', tier: 'internet', cidrs: ['10.20.9.0/24', 'fd00:20:0:9::/64'] },
      { name: 'lg-inner', tier: 'lgwan', cidrs: ['10.20.9.128/25'] },
    ],
  };
  const ps = problemsOf(data).filter((p) => p.code === 'CIDR-TIER-NESTED');
  const text = JSON.stringify(data);
  for (const p of ps) {
    const inner = /^(\S+) of segment/.exec(p.message)![1]!;
    t.equal(text.slice(p.loc.col - 1, p.loc.col + inner.length + 1), `"${inner}"`, `${inner}: positioned at the inner CIDR`);
  }
  const said = ps.map((p) => `${p.loc.line}:${p.loc.col} ${/^(.*?) \(tier \w+, m\.yaml/.exec(p.message)?.[1]}`).sort();
  // JSON text is one line: the position tells the CIDRs apart by column.
  t.same(said.map((x) => x.replace(/^\d+:\d+ /, '')).sort(), [
    '10.20.9.0/24 of segment inet (tier internet) lies inside 10.20.0.0/16 of segment lg',
    '10.20.9.128/25 of segment lg-inner (tier lgwan) lies inside 10.20.9.0/24 of segment inet',
    'fd00:20:0:9::/64 of segment inet (tier internet) lies inside fd00:20::/48 of segment lg',
  ]);
  t.equal(ps.length, 3, 'each nesting across tiers, once');
  t.ok(ps.every((p) => p.severity === 'warning'));
});
