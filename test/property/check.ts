/**
 * One scenario through the real pipeline and the reference: the first thing that goes wrong, as
 * a classified failure (so a minimizer can keep "the same failure" while it cuts the rule set).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Model } from '../../src/model/types.js';
import type { Problem } from '../../src/problems/problem.js';
import type { FlowText, Scenario } from '../reference/arbitrary.js';
import { parseFlowAddress, parseFlowService, ReferenceEvaluator, type RefDecision } from '../reference/evaluator.js';
import { decideWithTable, load, mergeFiles } from './pipeline.js';

/** Analysis errors a generated set may carry: allow rules the ceiling forbids are inert, not invalid. */
export const INERT = new Set(['ALLOW-CEILING-FORBIDDEN']);

export type FailureKind = 'split' | 'build' | 'analysis' | 'refused' | 'mismatch' | 'echo' | 'analysis-contradiction' | 'analysis-missing';

export interface Failure {
  kind: FailureKind;
  /** What to keep while minimizing: the problem code, the differing field, the flagged code. */
  detail: string;
  message: string;
  flow: FlowText | null;
}

export function listProblems(ps: readonly Problem[]): string {
  return ps.map((p) => `  ${p.loc.file.replace(/.*\//, '')}:${p.loc.line}:${p.loc.col} ${p.severity} ${p.code} ${p.message}`).join('\n');
}

/** Rule or exception id flagged with each analysis code, found by the problem's location. */
function flagged(model: Model, problems: readonly Problem[]): Map<string, Set<string>> {
  const at = new Map<string, string>();
  for (const r of [...model.flows, ...model.exceptions]) at.set(`${r.loc.file}:${r.loc.line}:${r.loc.col}`, r.id);
  const out = new Map<string, Set<string>>();
  for (const p of problems) {
    const id = at.get(`${p.loc.file}:${p.loc.line}:${p.loc.col}`);
    if (id === undefined) continue;
    if (!out.has(id)) out.set(id, new Set());
    out.get(id)!.add(p.code);
  }
  return out;
}

/**
 * Analysis codes that say a rule never decides the way the reference just saw it decide: such a
 * flag is wrong (the analysis claims to be exact, docs/validate.md).
 */
function contradicts(d: RefDecision, codes: Set<string>): string | null {
  if (codes.has('RULE-SHADOWED')) return 'RULE-SHADOWED';
  if (d.code === 'GRANTED' && codes.has('ALLOW-CEILING-FORBIDDEN')) return 'ALLOW-CEILING-FORBIDDEN';
  if (d.code === 'EXCEPTION' && codes.has('EXCEPTION-NEEDLESS')) return 'EXCEPTION-NEEDLESS';
  return null;
}

/**
 * What one flow proves about the analysis, whichever rule decides it: an allow rule that names a
 * flow the ceiling holds is forbidden in whole or in part; one that names a flow the ceiling lets
 * through is not forbidden in whole; an active exception that names a flow the ceiling holds is
 * not needless.
 */
function analysisWitness(ref: ReferenceEvaluator, flow: FlowText, flags: Map<string, Set<string>>): Omit<Failure, 'flow'> | null {
  const S = ref.segmentOf(parseFlowAddress(flow.src)!);
  const D = ref.segmentOf(parseFlowAddress(flow.dst)!);
  const key = parseFlowService(flow.service)!;
  const ceiling = ref.ceiling(S, D, key);
  for (const r of ref.rules.flows ?? []) {
    if ((r.action ?? 'allow') !== 'allow' || !ref.matches(r, S, D, key)) continue;
    const codes = flags.get(r.id) ?? new Set();
    if (ceiling !== null && !codes.has('ALLOW-CEILING-FORBIDDEN') && !codes.has('ALLOW-CEILING-PARTIAL')) {
      return {
        kind: 'analysis-missing',
        detail: 'ALLOW-CEILING-PARTIAL',
        message: `${r.id} names this flow, which the ceiling holds (${ceiling}), yet analysis flags it neither ALLOW-CEILING-FORBIDDEN nor -PARTIAL`,
      };
    }
    if (ceiling === null && codes.has('ALLOW-CEILING-FORBIDDEN')) {
      return {
        kind: 'analysis-contradiction',
        detail: 'ALLOW-CEILING-FORBIDDEN',
        message: `${r.id} names this flow, which the ceiling lets through, yet analysis flags it ALLOW-CEILING-FORBIDDEN`,
      };
    }
  }
  if (ceiling !== null) {
    for (const e of ref.rules.exceptions ?? []) {
      if (ref.active(e.expires) && ref.matches(e, S, D, key) && flags.get(e.id)?.has('EXCEPTION-NEEDLESS')) {
        return {
          kind: 'analysis-contradiction',
          detail: 'EXCEPTION-NEEDLESS',
          message: `${e.id} names this flow, which the ceiling holds (${ceiling}), yet analysis flags it EXCEPTION-NEEDLESS`,
        };
      }
    }
  }
  return null;
}

export interface Tally {
  scenarios: number;
  /** Scenarios per guideline model (policy.model, default alpha). */
  models: Map<string, number>;
  flows: number;
  codes: Map<string, number>;
}

export function newTally(): Tally {
  return { scenarios: 0, models: new Map(), flows: 0, codes: new Map() };
}

/** Builds only: the generator's promise that its rule sets are valid. */
export function buildFailure(s: Pick<Scenario, 'files' | 'asOf'>): Failure | null {
  const loaded = load(s.files, s.asOf);
  const errors = loaded.buildProblems.filter((p) => p.severity === 'error');
  if (errors.length === 0 && loaded.model) return null;
  return { kind: 'build', detail: errors[0]?.code ?? 'no model', message: `a generated rule set does not build:\n${listProblems(errors)}`, flow: null };
}

export function scenarioFailure(s: Scenario, tally?: Tally): Failure | null {
  if (!isDeepStrictEqual(mergeFiles(s.files), s.rules)) {
    return { kind: 'split', detail: '', message: 'the files do not merge back into the generated rule set (a generator bug)', flow: null };
  }
  const built = buildFailure(s);
  if (built) return built;
  const loaded = load(s.files, s.asOf);
  const analysisErrors = loaded.analysisProblems.filter((p) => p.severity === 'error' && !INERT.has(p.code));
  if (analysisErrors.length > 0) {
    return { kind: 'analysis', detail: analysisErrors[0]!.code, message: `unexpected analysis errors:\n${listProblems(analysisErrors)}`, flow: null };
  }
  const table = loaded.table!;
  const flags = flagged(loaded.model!, loaded.analysisProblems);
  const ref = new ReferenceEvaluator(s.rules, s.asOf);
  if (tally) {
    tally.scenarios++;
    const model = s.rules.policy?.model ?? 'alpha';
    tally.models.set(model, (tally.models.get(model) ?? 0) + 1);
  }
  for (const flow of s.flows) {
    const want = ref.decide(flow.src, flow.dst, flow.service);
    if (!want.ok) throw new Error(`the generator made a flow the reference refuses (${want.error}): ${JSON.stringify(flow)}`);
    const got = decideWithTable(table, flow);
    if (!got.ok) return { kind: 'refused', detail: `${got.field}`, message: `the lookup refuses a valid flow: ${got.field}: ${got.reason}`, flow };
    const expected = want.decision;
    for (const [what, actual] of [
      ['decisionObject', got.object],
      ['rendered JSON', got.json],
    ] as const) {
      if (!isDeepStrictEqual(actual, expected)) {
        const fields = (Object.keys(expected) as (keyof RefDecision)[]).filter((k) => !isDeepStrictEqual(actual[k], expected[k]));
        return {
          kind: 'mismatch',
          detail: fields.join(','),
          message: `${what} differs from the reference in ${fields.join(', ')}\n  reference: ${JSON.stringify(expected)}\n  table:     ${JSON.stringify(actual)}`,
          flow,
        };
      }
    }
    if (got.address.src !== flow.src || got.address.dst !== flow.dst) {
      return { kind: 'echo', detail: '', message: `addresses not echoed as given: ${JSON.stringify(got.address)}`, flow };
    }
    if (expected.rule !== null) {
      const bad = contradicts(expected, flags.get(expected.rule) ?? new Set());
      if (bad) {
        return { kind: 'analysis-contradiction', detail: bad, message: `analysis flags ${expected.rule} ${bad}, yet it decides this flow (${JSON.stringify(expected)})`, flow };
      }
    }
    const witnessed = analysisWitness(ref, flow, flags);
    if (witnessed) return { ...witnessed, flow };
    if (tally) {
      tally.flows++;
      const key = expected.path === 'sanitized' || expected.path === 'breakout' ? `${expected.code}+${expected.path}` : expected.code;
      tally.codes.set(key, (tally.codes.get(key) ?? 0) + 1);
      // The β bridge: an internet-tier host into an LGWAN-tier screen-transfer server.
      if (expected.sanitizer?.method === 'screen-transfer' && expected.dst.tier === 'lgwan' && expected.src.tier === 'internet') {
        const beta = `${expected.code}+screen-transfer-into-lgwan`;
        tally.codes.set(beta, (tally.codes.get(beta) ?? 0) + 1);
      }
      // What α′ breakout does not lift, seen from the flows that hit a breakout destination.
      const D = ref.segmentOf(parseFlowAddress(flow.dst)!);
      if (D.breakout && expected.decision === 'deny' && (expected.code === 'SPLIT-PATH' || expected.code === 'MN-ISOLATION')) {
        const held = `${expected.code}+to-breakout`;
        tally.codes.set(held, (tally.codes.get(held) ?? 0) + 1);
      }
    }
  }
  return null;
}

/** Whether `f` is the same failure as `first` (what a minimizer must keep). */
export function sameFailure(first: Failure, f: Failure | null): boolean {
  return f !== null && f.kind === first.kind && f.detail === first.detail;
}
