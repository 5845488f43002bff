/**
 * checkRequest against the reference evaluator on random valid rule sets (engineer C's
 * generators) and random change requests: CIDRs cut from the rule set's own networks at other
 * prefix lengths, 0.0.0.0/0 and ::/0, ::ffff:-mapped IPv4, bare addresses at CIDR edges, names,
 * groups, outside and tier selectors; services any, ranges, port-less protocols and names.
 *
 * 1. Exact: the findings, counts, truncation, emptiness and verdict equal what oracle.ts works
 *    out from the raw rule set with the reference (breakpoints, not the compiled table).
 * 2. Every witness lies inside its rule, and the reference decides it with the reported code,
 *    segments and deciding rule.
 * 3. Sampling, as a network administrator would test it: random flows inside the rule; each one
 *    the reference denies (allow rule) or allows (deny rule) appears among the findings unless
 *    they are truncated.
 */
import assert from 'node:assert/strict';
import fc from '../property/fc.js';
import { runs } from '../property/settings.js';
import t from 'tap';
import { checkRequest } from '../../src/check/check.js';
import { parseChangeRequest } from '../../src/check/parse.js';
import type { CheckResult, RuleResult } from '../../src/check/types.js';
import { parseCidr } from '../../src/model/cidr.js';
import { AS_OF, formatV4, formatV6, ruleSetArb } from '../reference/arbitrary.js';
import { ReferenceEvaluator, parseFlowAddress, parseFlowService, type RawRuleSet } from '../reference/evaluator.js';
import { Oracle, entryRanges, serviceText, type RequestRuleText } from './oracle.js';
import { policyOf } from './policy.js';

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;

// — the request genome —

type EntryGene =
  | { kind: 'cut'; pick: number; offset: bigint; delta: number; mapped: boolean }
  | { kind: 'edge'; pick: number; last: boolean; step: -1 | 0 | 1 }
  | { kind: 'whole'; v6: boolean }
  | { kind: 'random'; v6: boolean; value: bigint; prefix: number }
  | { kind: 'name'; pick: number };

const entryGene: fc.Arbitrary<EntryGene> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('cut' as const),
      pick: fc.nat(),
      offset: fc.bigInt({ min: 0n, max: V6_MAX }),
      delta: fc.integer({ min: -12, max: 6 }),
      mapped: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('edge' as const), pick: fc.nat(), last: fc.boolean(), step: fc.constantFrom(-1 as const, 0 as const, 1 as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('whole' as const), v6: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), v6: fc.boolean(), value: fc.bigInt({ min: 0n, max: V6_MAX }), prefix: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('name' as const), pick: fc.nat() }) },
);

type ServiceGene =
  | { kind: 'fixed'; text: string }
  | { kind: 'range'; udp: boolean; lo: number; len: number }
  | { kind: 'named'; pick: number }
  | { kind: 'mentioned'; pick: number };

const serviceGene: fc.Arbitrary<ServiceGene> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fixed' as const),
      text: fc.constantFrom('any', 'tcp', 'udp', 'icmp', 'icmpv6', 'proto/47', 'proto/0', 'proto/255', 'proto/6', 'tcp/65535', 'udp/1'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('range' as const),
      udp: fc.boolean(),
      lo: fc.constantFrom(1, 20, 22, 52, 53, 440, 443, 444, 8079, 8080, 65534),
      len: fc.constantFrom(0, 1, 2, 100, 70000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('named' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mentioned' as const), pick: fc.nat() }) },
);

const ruleGene = fc.record({
  src: fc.array(entryGene, { minLength: 1, maxLength: 3 }),
  dst: fc.array(entryGene, { minLength: 1, maxLength: 3 }),
  services: fc.array(serviceGene, { minLength: 1, maxLength: 3 }),
  deny: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const sampleGene = fc.record({ src: fc.nat(), dst: fc.nat(), service: fc.nat(), a: fc.bigInt({ min: 0n, max: V6_MAX }), b: fc.bigInt({ min: 0n, max: V6_MAX }), k: fc.nat() });

const caseArb = fc.record({
  set: ruleSetArb({ maxSegments: 7, maxFlows: 8, maxExceptions: 3 }),
  rules: fc.array(ruleGene, { minLength: 1, maxLength: 3 }),
  maxFindings: fc.constantFrom(1, 2, 5, 1000),
  samples: fc.array(sampleGene, { maxLength: 25 }),
});

interface GenCidr {
  family: 4 | 6;
  prefix: number;
  first: bigint;
  last: bigint;
}

function cidrsOf(rules: RawRuleSet): GenCidr[] {
  return rules.segments.flatMap((s) =>
    s.cidrs.map((text) => {
      const r = parseCidr(text);
      if (!r.ok) throw new Error(text);
      return r.cidr;
    }),
  );
}

function cidrText(family: 4 | 6, value: bigint, prefix: number, mapped = false): string {
  const bits = family === 4 ? 32 : 128;
  const p = Math.max(0, Math.min(bits, prefix));
  const first = (value >> BigInt(bits - p)) << BigInt(bits - p);
  if (family === 4 && mapped) return `::ffff:${formatV4(first)}/${96 + p}`;
  return `${family === 4 ? formatV4(first) : formatV6(first)}/${p}`;
}

function entryOf(g: EntryGene, cidrs: GenCidr[], names: string[]): string {
  switch (g.kind) {
    case 'name':
      return names[g.pick % names.length]!;
    case 'whole':
      return g.v6 ? '::/0' : '0.0.0.0/0';
    case 'random':
      return g.v6 ? cidrText(6, g.value, g.prefix % 129) : cidrText(4, g.value & V4_MAX, g.prefix % 33);
    case 'cut': {
      const c = cidrs[g.pick % cidrs.length]!;
      const value = c.first + (g.offset % (c.last - c.first + 1n));
      return cidrText(c.family, value, c.prefix + g.delta, g.mapped);
    }
    case 'edge': {
      const c = cidrs[g.pick % cidrs.length]!;
      let v = (g.last ? c.last : c.first) + BigInt(g.step);
      const max = c.family === 4 ? V4_MAX : V6_MAX;
      if (v < 0n || v > max) v = g.last ? c.last : c.first;
      return c.family === 4 ? formatV4(v) : formatV6(v);
    }
  }
}

function serviceOf(g: ServiceGene, rules: RawRuleSet, mentioned: string[]): string {
  switch (g.kind) {
    case 'fixed':
      return g.text;
    case 'range': {
      const hi = Math.min(65535, g.lo + g.len);
      const proto = g.udp ? 'udp' : 'tcp';
      return hi === g.lo ? `${proto}/${g.lo}` : `${proto}/${g.lo}-${hi}`;
    }
    case 'named': {
      const named = Object.keys(rules.services ?? {});
      return named.length ? named[g.pick % named.length]! : 'any';
    }
    case 'mentioned':
      return mentioned.length ? mentioned[g.pick % mentioned.length]! : 'tcp/443';
  }
}

/** Every service text a rule set mentions (literals, and names as names). */
function mentionedServices(rules: RawRuleSet): string[] {
  const out = new Set<string>();
  for (const f of rules.flows ?? []) f.services.forEach((s) => out.add(s));
  for (const e of rules.exceptions ?? []) e.services.forEach((s) => out.add(s));
  for (const s of rules.segments) s.sanitizer?.services.forEach((x) => out.add(x));
  for (const s of rules.segments) s.breakout?.services.forEach((x) => out.add(x));
  return [...out].sort();
}

// — a flow inside a rule, by the rule's own words —

function inside(ref: ReferenceEvaluator, entries: string[], address: string): boolean {
  const a = parseFlowAddress(address);
  if (!a) return false;
  return entries.some((text) => {
    const ranges = entryRanges(text);
    if (ranges) return ranges.some((r) => r.family === a.family && a.value >= r.lo && a.value <= r.hi);
    return ref.segmentsSelected([text]).some((s) => s.name === ref.segmentOf(a).name);
  });
}

function sampleAddress(entry: string, ref: ReferenceEvaluator, value: bigint): string | null {
  const ranges = entryRanges(entry);
  if (ranges) {
    const r = ranges[Number(value % BigInt(ranges.length))]!;
    const v = r.lo + (value % (r.hi - r.lo + 1n));
    if (r.family === 6) return formatV6(v);
    return r.mapped ? `::ffff:${formatV4(v)}` : formatV4(v);
  }
  // A name: an address of one of its segments' CIDRs (it may resolve elsewhere: checked later).
  const segs = ref.segmentsSelected([entry]).filter((s) => s.cidrs.length > 0);
  const texts = segs.flatMap((s) => s.cidrs);
  if (texts.length === 0) return value % 2n === 0n ? formatV4(value & V4_MAX) : formatV6(value);
  const c = parseCidr(texts[Number(value % BigInt(texts.length))]!);
  if (!c.ok) return null;
  const v = c.cidr.first + (value % (c.cidr.last - c.cidr.first + 1n));
  return c.cidr.family === 4 ? formatV4(v) : formatV6(v);
}

function describe(rules: RawRuleSet, request: RequestRuleText[]): string {
  return JSON.stringify({ rules, request }, null, 1);
}

t.test('checkRequest is exact and its witnesses are real', async (t) => {
  let findings = 0;
  let truncated = 0;
  const verdicts = new Set<string>();
  fc.assert(
    fc.property(caseArb, ({ set, rules: genes, maxFindings, samples }) => {
      const { rules } = set;
      const policy = policyOf(set.files, AS_OF);
      const ref = new ReferenceEvaluator(rules, AS_OF);
      const oracle = new Oracle(rules, ref);
      const cidrs = cidrsOf(rules);
      const names = [...rules.segments.map((s) => s.name), ...Object.keys(rules.groups ?? {}), 'outside', 'tier:mynumber', 'tier:lgwan', 'tier:internet', 'tier:outside'];
      const mentioned = mentionedServices(rules);
      const request: RequestRuleText[] = genes.map((g) => ({
        src: g.src.map((e) => entryOf(e, cidrs, names)),
        dst: g.dst.map((e) => entryOf(e, cidrs, names)),
        services: g.services.map((s) => serviceOf(s, rules, mentioned)),
        action: g.deny ? 'deny' : 'allow',
      }));
      const parsed = parseChangeRequest({ id: 'CR-P', rules: request }, policy.table);
      if (parsed.errors) throw new Error(`a generated request is refused: ${JSON.stringify(parsed.errors)}\n${describe(rules, request)}`);
      const result: CheckResult = checkRequest(policy, parsed.request, { lang: 'en', maxFindings });

      const worst = { compliant: 0, ungranted: 1, violation: 2 } as const;
      let expectedWorst: keyof typeof worst = 'compliant';
      request.forEach((rule, i) => {
        const got: RuleResult = result.rules[i]!;
        const want = oracle.expected(rule);
        const where = `rule ${i}\n${describe(rules, request)}`;

        // 1. exact
        assert.deepStrictEqual(got.counts, want.counts, `counts, ${where}`);
        assert.equal(got.truncated, want.findings.length > maxFindings, `truncated, ${where}`);
        assert.equal(got.empty, want.empty, `empty, ${where}`);
        assert.deepStrictEqual(
          got.findings.map(({ code, src, dst, witness, rule: r }) => ({ code, src, dst, witness, rule: r })),
          want.findings.slice(0, maxFindings),
          `findings, ${where}`,
        );
        const codes = Object.keys(want.counts);
        const verdict = rule.action === 'deny' ? 'compliant' : codes.some((c) => c !== 'NO-GRANT') ? 'violation' : codes.length ? 'ungranted' : 'compliant';
        assert.equal(got.verdict, verdict, `verdict, ${where}`);
        if (worst[verdict] > worst[expectedWorst]) expectedWorst = verdict;
        if (!got.truncated)
          assert.equal(
            got.findings.length,
            Object.values(got.counts).reduce((a, b) => a + (b ?? 0), 0),
            'counts add up to the findings',
          );

        // 2. witnesses
        for (const f of got.findings) {
          assert.ok(inside(ref, rule.src, f.witness.src), `witness source inside, ${where}`);
          assert.ok(inside(ref, rule.dst, f.witness.dst), `witness destination inside, ${where}`);
          const key = parseFlowService(f.witness.service);
          assert.ok(key !== null && ref.serviceIn(rule.services, key), `witness service inside, ${where}`);
          const d = ref.decide(f.witness.src, f.witness.dst, f.witness.service);
          if (!d.ok) throw new Error(d.error);
          assert.deepStrictEqual(
            { code: d.decision.code, rule: d.decision.rule, src: d.decision.src, dst: d.decision.dst },
            { code: f.code, rule: f.rule, src: f.src, dst: f.dst },
            `witness decided as reported, ${where}`,
          );
        }

        // 3. sampled flows inside the rule
        if (!got.truncated) {
          const seen = new Set(got.findings.map((f) => `${f.code} ${f.src.segment} ${f.dst.segment}`));
          const keys = oracle.expand(rule.services);
          for (const s of samples) {
            const srcText = sampleAddress(rule.src[s.src % rule.src.length]!, ref, s.a);
            const dstText = sampleAddress(rule.dst[s.dst % rule.dst.length]!, ref, s.b);
            if (!srcText || !dstText) continue;
            if (!inside(ref, rule.src, srcText) || !inside(ref, rule.dst, dstText)) continue;
            if (parseFlowAddress(srcText)!.family !== parseFlowAddress(dstText)!.family) continue;
            const range = keys[s.service % keys.length]!;
            const k = range.lo + (s.k % (range.hi - range.lo + 1));
            const proto = Math.floor(k / 65536);
            if ((proto === 6 || proto === 17) !== (k % 65536 !== 0)) continue;
            const d = ref.decide(srcText, dstText, serviceText(k));
            if (!d.ok) throw new Error(d.error);
            const relevant = rule.action === 'allow' ? d.decision.decision === 'deny' : d.decision.decision === 'allow';
            if (relevant)
              assert.ok(
                seen.has(`${d.decision.code} ${d.decision.src.segment} ${d.decision.dst.segment}`),
                `sampled ${srcText} → ${dstText} ${serviceText(k)} (${d.decision.code}) is found, ${where}`,
              );
          }
        }
        findings += got.findings.length;
        if (got.truncated) truncated++;
        verdicts.add(got.verdict);
      });
      assert.equal(result.verdict, expectedWorst, 'request verdict is the worst rule verdict');
    }),
    { numRuns: runs(120) },
  );
  // The generators reach what the properties are about.
  t.ok(findings > 0, `findings checked: ${findings}`);
  t.ok(truncated > 0, `truncated rules seen: ${truncated}`);
  t.same([...verdicts].sort(), ['compliant', 'ungranted', 'violation'], 'every verdict seen');
});
