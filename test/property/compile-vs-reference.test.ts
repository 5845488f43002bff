/**
 * The compiled decision table against the naive reference evaluator (test/reference), for random
 * valid rule sets and flows aimed at every edge: every field of every decision must agree.
 *
 * Runs: SANSO_PROP_RUNS (default 200), seed: SANSO_PROP_SEED (default random, printed on
 * failure with the path to replay it). A failure shrinks to a small rule set and one flow, printed
 * as the YAML files and a `sanso decide` command.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import type { Model } from '../../src/model/types.js';
import type { Problem } from '../../src/problems/problem.js';
import { ruleSetArb, scenarioArb, type Scenario } from '../reference/arbitrary.js';
import { ReferenceEvaluator, type RefDecision } from '../reference/evaluator.js';
import { decideWithTable, describe, load } from './pipeline.js';

const RUNS = Number(process.env.SANSO_PROP_RUNS ?? 200);
const SEED = process.env.SANSO_PROP_SEED === undefined ? (Date.now() ^ (process.pid << 8)) | 0 : Number(process.env.SANSO_PROP_SEED);
const PATH = process.env.SANSO_PROP_PATH;
function params<T>(numRuns: number): fc.Parameters<T> {
  return PATH === undefined ? { numRuns, seed: SEED } : { numRuns, seed: SEED, path: PATH };
}

/** The shrunk counterexample as our own error message (YAML files and a decide command), and how to replay it. */
function report<T>(d: fc.RunDetails<T>): string {
  const error = d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance);
  return `after ${d.numRuns} runs, shrunk ${d.numShrinks} times; replay with SANSO_PROP_SEED=${d.seed} SANSO_PROP_PATH=${d.counterexamplePath}\n${error}`;
}

/** Analysis errors a generated set may carry: allow rules the ceiling forbids are inert, not invalid. */
const INERT = new Set(['ALLOW-CEILING-FORBIDDEN']);

function listProblems(ps: readonly Problem[]): string {
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

/** Codes an analysis must not give a rule that the reference saw decide a flow. */
function contradicts(d: RefDecision, codes: Set<string>): string | null {
  if (codes.has('RULE-SHADOWED')) return 'RULE-SHADOWED';
  if (d.code === 'GRANTED' && codes.has('ALLOW-CEILING-FORBIDDEN')) return 'ALLOW-CEILING-FORBIDDEN';
  if (d.code === 'EXCEPTION' && codes.has('EXCEPTION-NEEDLESS')) return 'EXCEPTION-NEEDLESS';
  return null;
}

const stats = { runs: 0, flows: 0, codes: new Map<string, number>() };

function checkScenario(s: Scenario): void {
  const loaded = load(s.files, s.asOf);
  const buildErrors = loaded.buildProblems.filter((p) => p.severity === 'error');
  if (buildErrors.length > 0 || !loaded.model || !loaded.table) {
    throw new Error(`a generated rule set does not build:\n${listProblems(buildErrors)}\n${describe(s)}`);
  }
  const analysisErrors = loaded.analysisProblems.filter((p) => p.severity === 'error' && !INERT.has(p.code));
  if (analysisErrors.length > 0) throw new Error(`unexpected analysis errors:\n${listProblems(analysisErrors)}\n${describe(s)}`);
  const flags = flagged(loaded.model, loaded.analysisProblems);

  const ref = new ReferenceEvaluator(s.rules, s.asOf);
  stats.runs++;
  for (const flow of s.flows) {
    const want = ref.decide(flow.src, flow.dst, flow.service);
    if (!want.ok) throw new Error(`the generator made a flow the reference refuses (${want.error})\n${describe(s, flow)}`);
    const got = decideWithTable(loaded.table, flow);
    if (!got.ok) throw new Error(`the lookup refuses a valid flow: ${got.field}: ${got.reason}\n${describe(s, flow)}`);
    const expected = want.decision;
    for (const [what, actual] of [['decisionObject', got.object], ['rendered JSON', got.json]] as const) {
      if (!isDeepStrictEqual(actual, expected)) {
        throw new Error(`${what} differs from the reference\n  reference: ${JSON.stringify(expected)}\n  table:     ${JSON.stringify(actual)}\n${describe(s, flow)}`);
      }
    }
    if (got.address.src !== flow.src || got.address.dst !== flow.dst) {
      throw new Error(`addresses not echoed as given: ${JSON.stringify(got.address)}\n${describe(s, flow)}`);
    }
    if (expected.rule !== null) {
      const bad = contradicts(expected, flags.get(expected.rule) ?? new Set());
      if (bad) throw new Error(`analysis flags ${expected.rule} ${bad}, yet it decides this flow (${expected.code})\n${describe(s, flow)}`);
    }
    stats.flows++;
    const key = expected.path === 'sanitized' ? `${expected.code}+sanitized` : expected.code;
    stats.codes.set(key, (stats.codes.get(key) ?? 0) + 1);
  }
}

t.test('generated rule sets build without errors (the generator is valid)', async (t) => {
  const details = fc.check(
    fc.property(ruleSetArb(), (s) => {
      const loaded = load(s.files, s.asOf);
      const errors = loaded.buildProblems.filter((p) => p.severity === 'error');
      if (errors.length > 0 || !loaded.model) throw new Error(`errors:\n${listProblems(errors)}\n${describe(s)}`);
    }),
    params(Math.max(20, Math.floor(RUNS / 4))),
  );
  if (details.failed) {
    t.comment(report(details));
    t.fail(`a generated rule set does not build (seed ${details.seed}; the counterexample is above)`);
  }
  else t.pass(`${details.numRuns} rule sets, seed ${SEED}`);
});

t.test('every field of every decision agrees with the reference evaluator', async (t) => {
  const details = fc.check(fc.property(scenarioArb(), (s) => checkScenario(s)), params(RUNS));
  if (details.failed) {
    t.comment(report(details));
    t.fail(`the table and the reference disagree (seed ${details.seed}; the counterexample is above)`);
    return;
  }
  t.pass(`${stats.runs} rule sets, ${stats.flows} flows, seed ${SEED}`);
  t.comment(`decisions seen: ${[...stats.codes].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  // The generator must reach every outcome, or agreement proves less than it seems.
  if (RUNS >= 100) {
    for (const code of ['EXPLICIT-DENY', 'CLOUD-AGGREGATION', 'MN-ISOLATION', 'SPLIT-PATH', 'MFA-REQUIRED', 'EXCEPTION', 'GRANTED', 'GRANTED+sanitized', 'DEFAULT-ALLOW', 'NO-GRANT']) {
      t.ok((stats.codes.get(code) ?? 0) > 0, `some flow is decided ${code}`);
    }
  }
});
