/**
 * The compiled decision table against the naive reference evaluator (test/reference), for random
 * valid rule sets and flows aimed at every edge: every field of every decision must agree, in the
 * decision object and in the pre-serialized JSON the CLI and the service print.
 *
 * SANSO_PROP_RUNS (default 200) and SANSO_PROP_SEED (default a fixed seed; see settings.ts) set
 * the runs and the seed; a failure prints the seed, then the counterexample cut down by
 * test/property/minimize.ts to a small rule set and one flow, as YAML files and a `sanso decide` command. SANSO_PROP_SHRINK=1
 * lets fast-check shrink first as well (slower; the minimizer alone is usually enough).
 */
import fc from './fc.js';
import { SEED } from './settings.js';
import t from 'tap';
import { MODELS, ruleSetArb, scenarioArb, type Scenario } from '../reference/arbitrary.js';
import { buildFailure, newTally, scenarioFailure, type Failure } from './check.js';
import { minimize } from './minimize.js';
import { describe } from './pipeline.js';

const RUNS = Number(process.env.SANSO_PROP_RUNS ?? 200);
const SHRINK = process.env.SANSO_PROP_SHRINK === '1';

class ScenarioFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** Runs a property; on failure, minimizes the counterexample and returns the report. */
function run(arb: fc.Arbitrary<Scenario>, numRuns: number, fails: (s: Scenario) => Failure | null): { report: string | null; runs: number } {
  const details = fc.check(
    fc.property(arb, (s) => {
      const f = fails(s);
      if (f) throw new ScenarioFailed(f);
    }),
    { numRuns, seed: SEED, endOnFailure: !SHRINK },
  );
  if (!details.failed) return { report: null, runs: details.numRuns };
  const replay = `SANSO_PROP_SEED=${details.seed}${SHRINK ? ` SANSO_PROP_SHRINK=1 SANSO_PROP_PATH=${details.counterexamplePath}` : ''}`;
  const error = details.errorInstance;
  if (!(error instanceof ScenarioFailed) || !details.counterexample) {
    return { report: `after ${details.numRuns} runs (replay with ${replay}): ${String(error)}`, runs: details.numRuns };
  }
  const m = minimize(details.counterexample[0], error.failure, fails);
  const flow = m.scenario.flows[0];
  return {
    report: [
      `failed after ${details.numRuns} runs; replay with ${replay}; minimized in ${m.tries} tries`,
      m.failure.message,
      describe(m.scenario, m.failure.flow ?? undefined),
      m.failure.flow ? '' : `# (flow ${JSON.stringify(flow)})`,
    ]
      .filter((line) => line !== '')
      .join('\n'),
    runs: details.numRuns,
  };
}

t.test('generated rule sets build without errors (the generator is valid)', async (t) => {
  const arb = ruleSetArb().map((s): Scenario => ({ ...s, flows: [] }));
  const { report, runs } = run(arb, Math.max(20, Math.floor(RUNS / 4)), buildFailure);
  if (report !== null) {
    t.comment(report);
    t.fail(`a generated rule set does not build (seed ${SEED}; the counterexample is above)`);
  } else t.pass(`${runs} rule sets, seed ${SEED}`);
});

/** Decisions seen by both comparisons, for the outcomes only some models have. */
const seen = newTally();

t.test('every field of every decision agrees with the reference evaluator', async (t) => {
  const tally = seen;
  const { report } = run(scenarioArb(), RUNS, (s) => scenarioFailure(s, tally));
  if (report !== null) {
    t.comment(report);
    t.fail(`the pipeline and the reference disagree (seed ${SEED}; the counterexample is above)`);
    return;
  }
  t.pass(`${tally.scenarios} rule sets, ${tally.flows} flows, seed ${SEED}`);
  t.comment(
    `models: ${[...tally.models]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  t.comment(
    `decisions seen: ${[...tally.codes]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  // The generator must reach every outcome, or agreement proves less than it seems.
  if (RUNS >= 100) {
    for (const code of [
      'EXPLICIT-DENY',
      'CLOUD-AGGREGATION',
      'MN-ISOLATION',
      'SPLIT-PATH',
      'MFA-REQUIRED',
      'EXCEPTION',
      'GRANTED',
      'GRANTED+sanitized',
      'DEFAULT-ALLOW',
      'NO-GRANT',
    ]) {
      t.ok((tally.codes.get(code) ?? 0) > 0, `some flow is decided ${code}`);
    }
    for (const model of MODELS) t.ok((tally.models.get(model) ?? 0) > 0, `some rule set is under model ${model}`);
  }
});

t.test('under each guideline model in turn, every decision agrees with the reference', async (t) => {
  // The mixed run above covers all four models; here each gets runs of its own, so that what
  // only one model has (α′ breakout, β's bridge into the LGWAN tier) is reached every time.
  const tally = seen;
  for (const model of MODELS) {
    // α′ breakout needs a grant aimed at a breakout destination: twice the runs.
    const runs = Math.max(10, Math.floor(model === 'alpha-prime' ? RUNS / 2 : RUNS / 4));
    const { report } = run(scenarioArb({ model }), runs, (s) => scenarioFailure(s, tally));
    if (report !== null) {
      t.comment(report);
      t.fail(`under ${model} the pipeline and the reference disagree (seed ${SEED}; the counterexample is above)`);
      return;
    }
    t.ok((tally.models.get(model) ?? 0) > 0, `${tally.models.get(model)} rule sets under ${model}`);
  }
  t.comment(
    `decisions seen in both runs: ${[...tally.codes]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  if (RUNS >= 100) {
    // β's bridge into the LGWAN tier; α′ breakout granted, and what it does not lift.
    for (const code of ['GRANTED+screen-transfer-into-lgwan', 'GRANTED+breakout', 'SPLIT-PATH+to-breakout', 'MN-ISOLATION+to-breakout']) {
      t.ok((tally.codes.get(code) ?? 0) > 0, `some flow is decided ${code}`);
    }
  }
});
