/**
 * diffTables against the naive reference evaluator (test/reference), on random pairs of valid
 * rule sets (test/diff/pairs.ts) and flows aimed at the edges of BOTH rule sets' CIDRs and
 * service ranges:
 *
 * 1. every sampled flow whose reference decision (decision, code, rule) differs between OLD and
 *    NEW lies in exactly one reported change, whose before and after are those decisions; a flow
 *    whose decision does not differ lies in none;
 * 2. every witness decides as reported in both, from the reported segments;
 * 3. counts are exact, kinds come in order, and a rule set diffed with itself reports nothing.
 *
 * SANSO_PROP_RUNS (default 200 here ÷ 2) and SANSO_PROP_SEED set the runs and the seed.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { diffTables } from '../../src/diff/diff.js';
import type { Change, DiffResult } from '../../src/diff/types.js';
import { flowArbFor, type FlowText } from '../reference/arbitrary.js';
import { parseFlowService, ReferenceEvaluator, type RefDecision } from '../reference/evaluator.js';
import { policyOf, type TestPolicy } from '../check/policy.js';
import { asFiles, pairArb, type Pair } from './pairs.js';
import { servicesHold } from './services-text.js';

const RUNS = Math.max(10, Math.floor(Number(process.env.SANSO_PROP_RUNS ?? 200) / 2));
const SEED = process.env.SANSO_PROP_SEED === undefined ? (Date.now() ^ (process.pid << 8)) | 0 : Number(process.env.SANSO_PROP_SEED);

const reason = (d: RefDecision) => ({ decision: d.decision, code: d.code, rule: d.rule });
const same = (x: { decision: string; code: string; rule: string | null }, y: typeof x) => x.decision === y.decision && x.code === y.code && x.rule === y.rule;

function holds(c: Change, a: RefDecision, b: RefDecision, key: number): boolean {
  return (
    c.src.segment === b.src.segment &&
    (c.src.was?.segment ?? c.src.segment) === a.src.segment &&
    c.dst.segment === b.dst.segment &&
    (c.dst.was?.segment ?? c.dst.segment) === a.dst.segment &&
    servicesHold(c.services, key)
  );
}

function tables(p: Pair): { a: TestPolicy; b: TestPolicy } | null {
  try {
    return { a: policyOf(p.oldFiles, p.oldAsOf), b: policyOf(p.newFiles, p.newAsOf) };
  } catch {
    // A mutation that makes the rule set invalid (rare: e.g. a model that refuses a sanitizer).
    return null;
  }
}

/** The first thing wrong with a diff, or null. */
function wrong(p: Pair, result: DiffResult, flows: FlowText[], tally: { changed: number; unchanged: number }): string | null {
  const refA = new ReferenceEvaluator(p.old, p.oldAsOf);
  const refB = new ReferenceEvaluator(p.new, p.newAsOf);
  const { changes } = result;
  // 3. counts and order
  const kinds = ['newly-allowed', 'newly-denied', 'reason-changed'] as const;
  for (const k of kinds) {
    const n = changes.filter((c) => c.kind === k).length;
    if (n !== result.counts[k]) return `counts.${k} is ${result.counts[k]}, ${n} listed`;
  }
  for (let i = 1; i < changes.length; i++) {
    if (kinds.indexOf(changes[i]!.kind) < kinds.indexOf(changes[i - 1]!.kind)) return `change ${i} (${changes[i]!.kind}) comes after a ${changes[i - 1]!.kind}`;
  }
  // 2. witnesses
  for (const c of changes) {
    const a = refA.decide(c.witness.src, c.witness.dst, c.witness.service);
    const b = refB.decide(c.witness.src, c.witness.dst, c.witness.service);
    if (!a.ok || !b.ok) return `witness ${JSON.stringify(c.witness)} does not parse`;
    if (!same(reason(a.decision), c.before) || !same(reason(b.decision), c.after)) {
      return `witness ${JSON.stringify(c.witness)}: reference says ${JSON.stringify(reason(a.decision))} → ${JSON.stringify(reason(b.decision))}, change says ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`;
    }
    if (!holds(c, a.decision, b.decision, parseFlowService(c.witness.service)!)) return `witness ${JSON.stringify(c.witness)} is not inside its own change ${JSON.stringify(c)}`;
    const expectKind =
      c.before.decision === 'deny' && c.after.decision === 'allow'
        ? 'newly-allowed'
        : c.before.decision === 'allow' && c.after.decision === 'deny'
          ? 'newly-denied'
          : 'reason-changed';
    if (c.kind !== expectKind) return `change of kind ${c.kind} goes ${c.before.decision} → ${c.after.decision}`;
    const mn = [c.src.tier, c.dst.tier, c.src.was?.tier, c.dst.was?.tier].includes('mynumber');
    if (c.myNumber !== mn) return `myNumber is ${c.myNumber} for ${JSON.stringify(c)}`;
  }
  // 1. every sampled flow
  for (const f of flows) {
    const a = refA.decide(f.src, f.dst, f.service);
    const b = refB.decide(f.src, f.dst, f.service);
    if (!a.ok || !b.ok) continue;
    const key = parseFlowService(f.service)!;
    const inside = changes.filter((c) => holds(c, a.decision, b.decision, key));
    const changed = !same(reason(a.decision), reason(b.decision));
    if (changed) tally.changed++;
    else tally.unchanged++;
    if (!changed && inside.length > 0) return `flow ${JSON.stringify(f)} keeps ${JSON.stringify(reason(a.decision))} yet lies in ${JSON.stringify(inside[0])}`;
    if (changed && inside.length !== 1) {
      return `flow ${JSON.stringify(f)} goes ${JSON.stringify(reason(a.decision))} → ${JSON.stringify(reason(b.decision))} (${a.decision.src.segment}→${b.decision.src.segment}, ${a.decision.dst.segment}→${b.decision.dst.segment}) and lies in ${inside.length} changes`;
    }
    if (changed) {
      const c = inside[0]!;
      if (!same(c.before, reason(a.decision)) || !same(c.after, reason(b.decision)))
        return `flow ${JSON.stringify(f)}: change says ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}, reference ${JSON.stringify(reason(a.decision))} → ${JSON.stringify(reason(b.decision))}`;
    }
  }
  return null;
}

const caseArb = pairArb({ maxSegments: 8, maxFlows: 8, maxExceptions: 3 }).chain((p) =>
  fc.tuple(fc.constant(p), fc.array(flowArbFor(p.old, p.oldAsOf), { minLength: 20, maxLength: 60 }), fc.array(flowArbFor(p.new, p.newAsOf), { minLength: 20, maxLength: 60 })),
);

t.test('every changed flow lies in exactly one change with the right before and after', async (t) => {
  const tally = { changed: 0, unchanged: 0, pairs: 0, skipped: 0, changes: 0, was: 0, myNumber: 0, kinds: new Map<string, number>() };
  const details = fc.check(
    fc.property(caseArb, ([p, fa, fb]) => {
      const tb = tables(p);
      if (!tb) {
        tally.skipped++;
        return;
      }
      tally.pairs++;
      const result = diffTables(tb.a.table, tb.b.table);
      tally.changes += result.changes.length;
      for (const c of result.changes) {
        tally.kinds.set(c.kind, (tally.kinds.get(c.kind) ?? 0) + 1);
        if (c.src.was || c.dst.was) tally.was++;
        if (c.myNumber) tally.myNumber++;
      }
      const w = wrong(p, result, [...fa, ...fb], tally);
      if (w) throw new Error(w);
    }),
    { numRuns: RUNS, seed: SEED },
  );
  if (details.failed) {
    const [p] = details.counterexample ?? [];
    t.fail(
      `seed ${SEED}: ${(details.errorInstance as Error)?.message}\nmutations: ${JSON.stringify(p?.[0]?.mutations)}\nold: ${JSON.stringify(p?.[0]?.old)}\nnew: ${JSON.stringify(p?.[0]?.new)}`,
    );
    return;
  }
  t.pass(
    `${tally.pairs} pairs (${tally.skipped} skipped as invalid), ${tally.changes} changes, ${tally.changed} changed and ${tally.unchanged} unchanged flows sampled, seed ${SEED}`,
  );
  t.ok(tally.changed > 0, 'some sampled flows change');
  t.comment(`kinds: ${[...tally.kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; ${tally.was} with moved addresses, ${tally.myNumber} touching My Number`);
  // The generator must reach every kind of change and moved addresses, or agreement proves less.
  if (RUNS >= 50) {
    for (const k of ['newly-allowed', 'newly-denied', 'reason-changed']) t.ok((tally.kinds.get(k) ?? 0) > 0, `some change is ${k}`);
    t.ok(tally.was > 0, 'some change has addresses that moved segment');
    t.ok(tally.myNumber > 0, 'some change touches the My Number tier');
  }
  t.ok(tally.skipped < tally.pairs, 'most mutated rule sets stay valid');
});

t.test('a rule set diffed with itself reports nothing', async (t) => {
  const details = fc.check(
    fc.property(pairArb({ maxSegments: 8, maxFlows: 8, maxExceptions: 3 }), (p) => {
      const a = policyOf(p.oldFiles, p.oldAsOf);
      // The same rules read again, as one file: another version hash, the same decisions.
      const b = policyOf(asFiles(p.old), p.oldAsOf);
      const r = diffTables(a.table, b.table);
      if (r.changes.length || r.counts['newly-allowed'] + r.counts['newly-denied'] + r.counts['reason-changed'] !== 0)
        throw new Error(`the same rules report ${r.changes.length} changes: ${JSON.stringify(r.changes[0])}`);
    }),
    { numRuns: Math.max(10, Math.floor(RUNS / 4)), seed: SEED },
  );
  t.notOk(details.failed, details.failed ? String((details.errorInstance as Error)?.message) : 'no changes');
});
