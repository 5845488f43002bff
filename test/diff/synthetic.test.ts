/**
 * The diff at a realistic scale: a 300-segment synthetic prefecture (bench/synthetic.ts) against
 * the copy the benchmark diffs (50 rules changed), checked against the reference evaluator on
 * flows at both rule sets' edges and flows aimed at the changed rules — the property test's
 * check, on rule sets whose classes and vectors are many.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { change50 } from '../../bench/scenarios/diff.js';
import { generatePrefecture, rng, type PrefectureSize } from '../../bench/synthetic.js';
import { diffTables } from '../../src/diff/diff.js';
import { formatAddress, parseCidr } from '../../src/model/cidr.js';
import { formatServiceKey, isFlowKey, parseServiceRange } from '../../src/model/services.js';
import { flowArbFor } from '../reference/arbitrary.js';
import { parseFlowService, ReferenceEvaluator } from '../reference/evaluator.js';
import { policyOf } from '../check/policy.js';
import { servicesHold } from './services-text.js';

const MEDIUM: PrefectureSize = { segments: 300, cidrs: 3000, flows: 750, serviceRanges: 120 };
const SEED = process.env.SANSO_PROP_SEED === undefined ? (Date.now() ^ (process.pid << 8)) | 0 : Number(process.env.SANSO_PROP_SEED);

t.test('a prefecture with 50 rules changed: sampled flows lie in exactly the right change', async (t) => {
  const a = generatePrefecture(11, MEDIUM);
  const b = generatePrefecture(11, MEDIUM);
  change50(b.rules.flows as Parameters<typeof change50>[0]);
  const pa = policyOf(a.files, a.asOf);
  const pb = policyOf(b.files, b.asOf);
  const result = diffTables(pa.table, pb.table);
  const total = result.counts['newly-allowed'] + result.counts['newly-denied'] + result.counts['reason-changed'];
  t.equal(result.changes.length, total);
  t.ok(total > 0, `${total} changes`);
  const refA = new ReferenceEvaluator(a.rules, a.asOf);
  const refB = new ReferenceEvaluator(b.rules, b.asOf);
  for (const c of result.changes.slice(0, 200)) {
    const x = refA.decide(c.witness.src, c.witness.dst, c.witness.service);
    const y = refB.decide(c.witness.src, c.witness.dst, c.witness.service);
    if (!x.ok || !y.ok) throw new Error('witness does not parse');
    t.same([x.decision.decision, x.decision.code, x.decision.rule], [c.before.decision, c.before.code, c.before.rule]);
    t.same([y.decision.decision, y.decision.code, y.decision.rule], [c.after.decision, c.after.code, c.after.rule]);
  }
  // Flows anywhere, and flows aimed at the 50 changed rules (removed, added or edited), which
  // random flows over 750 rules would rarely reach.
  const key = (f: { id: string; services: string[] }) => `${f.id} ${f.services.join(',')}`;
  const inA = new Set((a.rules.flows ?? []).map(key));
  const inB = new Set((b.rules.flows ?? []).map(key));
  const changedA = { ...a.rules, flows: (a.rules.flows ?? []).filter((f) => !inB.has(key(f))) };
  const changedB = { ...b.rules, flows: (b.rules.flows ?? []).filter((f) => !inA.has(key(f))) };
  t.ok(changedA.flows.length >= 20, `${changedA.flows.length} rules removed or edited`);
  t.ok(changedB.flows.length >= 15, `${changedB.flows.length} rules added or edited`);
  const flows = fc.sample(fc.oneof(flowArbFor(a.rules, a.asOf), flowArbFor(b.rules, b.asOf)), { numRuns: 300, seed: SEED });
  // Aimed flows: for each changed rule, addresses at the edges of its segments' CIDRs and the
  // edges of its services (random flows over 750 rules would rarely reach the 50 changed ones).
  const draw = rng(SEED);
  const one = <T>(xs: readonly T[]): T => xs[Math.floor(draw() * xs.length)]!;
  const address = (seg: { cidrs: string[] }): string | null => {
    if (seg.cidrs.length === 0) return null;
    const c = parseCidr(one(seg.cidrs));
    if (!c.ok) throw new Error('bad CIDR');
    const v = one([c.cidr.first, c.cidr.last, (c.cidr.first + c.cidr.last) / 2n]);
    return formatAddress(c.cidr.family, v);
  };
  for (const [set, ref] of [
    [changedA, refA],
    [changedB, refB],
  ] as const) {
    for (const r of set.flows) {
      const texts = r.services.flatMap((x) => set.services?.[x] ?? [x]);
      for (let k = 0; k < 6; k++) {
        const src = address(one(ref.segmentsSelected(r.from)));
        const dst = address(one(ref.segmentsSelected(r.to)));
        const range = parseServiceRange(one(texts));
        if (!src || !dst || !range.ok) continue;
        const key = one([range.range.lo, range.range.hi]);
        if (isFlowKey(key)) flows.push({ src, dst, service: formatServiceKey(key) });
      }
    }
  }
  let changed = 0;
  for (const f of flows) {
    const x = refA.decide(f.src, f.dst, f.service);
    const y = refB.decide(f.src, f.dst, f.service);
    if (!x.ok || !y.ok) continue;
    const X = x.decision;
    const Y = y.decision;
    const key = parseFlowService(f.service)!;
    const inside = result.changes.filter(
      (c) =>
        c.src.segment === Y.src.segment &&
        (c.src.was?.segment ?? c.src.segment) === X.src.segment &&
        c.dst.segment === Y.dst.segment &&
        (c.dst.was?.segment ?? c.dst.segment) === X.dst.segment &&
        servicesHold(c.services, key),
    );
    const differs = X.decision !== Y.decision || X.code !== Y.code || X.rule !== Y.rule;
    if (differs) changed++;
    if (inside.length !== (differs ? 1 : 0)) {
      t.fail(`seed ${SEED}: ${JSON.stringify(f)} ${X.code} ${X.rule} → ${Y.code} ${Y.rule} lies in ${inside.length} changes`);
      return;
    }
    if (differs && (inside[0]!.before.rule !== X.rule || inside[0]!.after.rule !== Y.rule || inside[0]!.after.code !== Y.code)) {
      t.fail(`seed ${SEED}: ${JSON.stringify(f)}: change says ${JSON.stringify(inside[0])}`);
      return;
    }
  }
  t.pass(`${flows.length} flows sampled, ${changed} of them changed, seed ${SEED}`);
  t.ok(changed >= 20, 'enough of the sampled flows change to mean something');
});
