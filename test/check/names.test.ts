/**
 * Asking with names (src/check/names.ts) against the reference evaluator, on random valid rule
 * sets and random names: segments, groups, outside, tier selectors, addresses inside the rule
 * set's CIDRs, misspellings; services named by the rule set or one flow service.
 *
 * The expected answer is worked out from the RAW rule set, never from the table: the segments a
 * name stands for by the reference's own selector reading, and per segment pair the service cut
 * at the rule set's service boundaries (oracle.ts: decisions are constant between two), each
 * piece decided by the reference at its preferred flow key. Answers are compared per pair and per
 * visible decision (decision, code, rule, path, sanitizer), with the flows each covers.
 */
import assert from 'node:assert/strict';
import fc from '../property/fc.js';
import t from 'tap';
import { decidePairs, isServiceName, isSideName, resolveService, resolveSide, type Side } from '../../src/check/names.js';
import { FlowResult } from '../../src/lookup/flow.js';
import { parseCidr } from '../../src/model/cidr.js';
import { formatServiceRanges } from '../../src/model/services.js';
import type { ServiceRange } from '../../src/model/types.js';
import { runs } from '../property/settings.js';
import { AS_OF, formatV4, formatV6, ruleSetArb } from '../reference/arbitrary.js';
import { ReferenceEvaluator, parseFlowAddress, type RawRuleSet, type RawSegment } from '../reference/evaluator.js';
import { Oracle, preferred } from './oracle.js';
import { policyOf } from './policy.js';

type SideGene = { kind: 'name'; pick: number } | { kind: 'address'; pick: number; offset: bigint } | { kind: 'typo'; pick: number };
type ServiceGene = { kind: 'named'; pick: number } | { kind: 'flow'; text: string };

const sideGene: fc.Arbitrary<SideGene> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('name' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('address' as const), pick: fc.nat(), offset: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('typo' as const), pick: fc.nat() }) },
);

const serviceGene: fc.Arbitrary<ServiceGene> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('named' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('flow' as const),
      text: fc.constantFrom('tcp/443', 'tcp/22', 'udp/53', 'tcp/8080', 'icmp', 'icmpv6', 'proto/47', 'tcp/65535', 'udp/1'),
    }),
  },
);

const caseArb = fc.record({
  set: ruleSetArb({ maxSegments: 7, maxFlows: 8, maxExceptions: 3 }),
  src: sideGene,
  dst: sideGene,
  service: serviceGene,
});

/** Every name a side may be: segments, groups, outside and each tier. */
function namesOf(rules: RawRuleSet): string[] {
  return [...rules.segments.map((s) => s.name), ...Object.keys(rules.groups ?? {}), 'outside', 'tier:mynumber', 'tier:lgwan', 'tier:internet', 'tier:outside'];
}

function sideText(g: SideGene, rules: RawRuleSet): string {
  const names = namesOf(rules);
  switch (g.kind) {
    case 'name':
      return names[g.pick % names.length]!;
    case 'typo':
      // Not a name of the rule set (names are lower case) and not an address either.
      return `${names[g.pick % names.length]!.replace('tier:', 'tier:x')}X`;
    case 'address': {
      const cidrs = rules.segments.flatMap((s) => s.cidrs);
      if (cidrs.length === 0) return '192.0.2.1';
      const c = parseCidr(cidrs[g.pick % cidrs.length]!);
      if (!c.ok) throw new Error('bad generated CIDR');
      const v = c.cidr.first + (g.offset % (c.cidr.last - c.cidr.first + 1n));
      return c.cidr.family === 4 ? formatV4(v) : formatV6(v);
    }
  }
}

function serviceText(g: ServiceGene, rules: RawRuleSet): string {
  const named = Object.keys(rules.services ?? {});
  if (g.kind === 'named' && named.length > 0) return named[g.pick % named.length]!;
  return g.kind === 'flow' ? g.text : 'tcp/443';
}

interface Visible {
  decision: string;
  code: string;
  rule: string | null;
  path: string;
  sanitizer: string | null;
}

const keyOf = (v: Visible): string => JSON.stringify(v);

/** Per pair "src>dst", per visible decision, the flows it covers (formatted, so comparable). */
type PairMap = Map<string, Map<string, string[]>>;

function addRanges(into: Map<string, ServiceRange[]>, key: string, ranges: ServiceRange[]): void {
  const list = into.get(key);
  if (list) list.push(...ranges);
  else into.set(key, [...ranges]);
}

function finish(m: Map<string, Map<string, ServiceRange[]>>): PairMap {
  return new Map([...m].map(([pair, by]) => [pair, new Map([...by].map(([k, r]) => [k, formatServiceRanges(r)]))]));
}

function expected(ref: ReferenceEvaluator, oracle: Oracle, src: RawSegment[], dst: RawSegment[], service: string): PairMap {
  const pieces: { lo: number; hi: number; key: number }[] = [];
  for (const r of oracle.expand([service])) {
    const starts = [r.lo, ...oracle.serviceBounds.filter((b) => b > r.lo && b <= r.hi)];
    starts.forEach((lo, i) => {
      const hi = i + 1 < starts.length ? starts[i + 1]! - 1 : r.hi;
      const key = preferred(lo, hi);
      if (key !== null) pieces.push({ lo, hi, key });
    });
  }
  const out = new Map<string, Map<string, ServiceRange[]>>();
  for (const S of src) {
    for (const D of dst) {
      const by = new Map<string, ServiceRange[]>();
      for (const p of pieces) {
        const d = ref.decideResolved(S, D, p.key);
        const v: Visible = { decision: d.decision, code: d.code, rule: d.rule, path: d.path, sanitizer: d.sanitizer ? `${d.sanitizer.segment}/${d.sanitizer.method}` : null };
        addRanges(by, keyOf(v), [{ lo: p.lo, hi: p.hi }]);
      }
      out.set(`${S.name}>${D.name}`, by);
    }
  }
  return finish(out);
}

t.test('decidePairs answers every pair a name stands for as the reference decides it', async (t) => {
  const scratch = new FlowResult();
  let pairsSeen = 0;
  let typos = 0;
  let multi = 0;
  fc.assert(
    fc.property(caseArb, ({ set, src: gs, dst: gd, service: gv }) => {
      const { rules } = set;
      const policy = policyOf(set.files, AS_OF);
      const { table } = policy;
      const ref = new ReferenceEvaluator(rules, AS_OF);
      const oracle = new Oracle(rules, ref);
      const texts = { src: sideText(gs, rules), dst: sideText(gd, rules), service: serviceText(gv, rules) };
      const where = JSON.stringify({ texts, rules }, null, 1);

      const sides: Side[] = [];
      const wanted: RawSegment[][] = [];
      for (const [g, text] of [
        [gs, texts.src],
        [gd, texts.dst],
      ] as const) {
        const side = resolveSide(table, text, scratch);
        assert.equal(isSideName(text), g.kind !== 'address', `isSideName ${text}`);
        if (g.kind === 'typo') {
          assert.ok('usage' in side && side.usage, `a misspelt name is a usage error: ${text}\n${where}`);
          typos++;
          return;
        }
        if ('usage' in side) throw new Error(`${text} refused: ${side.message}\n${where}`);
        if (g.kind === 'address') {
          const a = parseFlowAddress(text);
          if (!a) throw new Error(`generated address ${text} does not parse`);
          wanted.push([ref.segmentOf(a)]);
          assert.equal(side.address, text);
        } else {
          wanted.push(ref.segmentsSelected([text]));
          assert.equal(side.address, null);
        }
        assert.deepEqual(
          side.segments.map((i) => table.model.segments[i]!.name),
          wanted[wanted.length - 1]!.map((s) => s.name),
          `segments of ${text}\n${where}`,
        );
        sides.push(side);
      }
      assert.equal(isServiceName(texts.service, scratch), gv.kind === 'named' && Object.keys(rules.services ?? {}).length > 0);
      const service = resolveService(table, texts.service, scratch);
      if ('usage' in service) throw new Error(`service ${texts.service} refused: ${service.message}`);

      const answers = decidePairs(table, sides[0]!.segments, sides[1]!.segments, service);
      const got = new Map<string, Map<string, ServiceRange[]>>();
      let lastPair = -1;
      for (const a of answers) {
        // Pairs come source-major, in the rule set's order.
        const order = a.src * table.model.segments.length + a.dst;
        assert.ok(order >= lastPair, 'pairs in order');
        lastPair = order;
        const r = table.decision(a.decision);
        const S = table.model.segments[a.src]!;
        const D = table.model.segments[a.dst]!;
        const sanitizer = r.sanitizerSide === 'none' ? null : `${(r.sanitizerSide === 'src' ? S : D).name}/${r.method}`;
        const v: Visible = { decision: r.decision, code: r.code, rule: r.ruleId, path: r.path, sanitizer };
        const pair = `${S.name}>${D.name}`;
        let by = got.get(pair);
        if (!by) got.set(pair, (by = new Map()));
        addRanges(by, keyOf(v), a.ranges);
      }
      const want = expected(ref, oracle, wanted[0]!, wanted[1]!, texts.service);
      // Pairs whose service holds no flow get no answer; the reference then has no piece either.
      for (const [pair, by] of want) if (by.size === 0) want.delete(pair);
      assert.deepEqual(finish(got), want, `answers\n${where}`);
      pairsSeen += want.size;
      for (const by of want.values()) if (by.size > 1) multi++;
    }),
    { numRuns: runs(150) },
  );
  t.ok(pairsSeen > 150, `pairs compared: ${pairsSeen}`);
  t.ok(typos > 5, `misspelt names tried: ${typos}`);
  t.ok(multi > 0, `pairs with more than one decision over the service: ${multi}`);
});
