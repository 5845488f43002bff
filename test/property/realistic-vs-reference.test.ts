/**
 * The table against the reference evaluator on rule sets the small random ones do not look like:
 * the bundled sample city (rules/), on a day its exception holds and on a day after it expired,
 * the example cities of the α′, β and β′ models (examples/), and a seeded synthetic prefecture of a few hundred segments (bench/synthetic.ts), large enough
 * that the compiler's economies all take part (membership classes, memoized and deduplicated
 * vectors, the IPv4 directory). Flows are edge-biased samples as in compile-vs-reference.
 */
import { basename } from 'node:path';
import fc from './fc.js';
import { SEED } from './settings.js';
import t, { type Test } from 'tap';
import { generatePrefecture, type PrefectureSize } from '../../bench/synthetic.js';
import { flowArbFor, type Scenario } from '../reference/arbitrary.js';
import { newTally, scenarioFailure } from './check.js';
import { minimize } from './minimize.js';
import { describe, loadPaths, mergeFiles } from './pipeline.js';

const FLOWS = Number(process.env.SANSO_PROP_FLOWS ?? 1000);

function check(t: Test, name: string, s: Omit<Scenario, 'flows'>): void {
  const flows = fc.sample(flowArbFor(s.rules, s.asOf), { numRuns: FLOWS, seed: SEED });
  const tally = newTally();
  const scenario: Scenario = { ...s, flows };
  const failure = scenarioFailure(scenario, tally);
  if (failure) {
    // A big rule set is cut down too: the counterexample should fit on a screen.
    const m = minimize(scenario, failure, (x) => scenarioFailure(x), 1500);
    t.comment(`${m.failure.message}\n${describe(m.scenario, m.failure.flow ?? undefined)}`);
    t.fail(`${name}: the pipeline and the reference disagree (seed ${SEED}; minimized in ${m.tries} tries, above)`);
    return;
  }
  t.equal(tally.flows, FLOWS, `${name}: ${tally.flows} flows agree (seed ${SEED})`);
  t.comment(
    `${name}: ${[...tally.codes]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
}

t.test('the bundled sample city', async (t) => {
  const loaded = loadPaths(['rules'], '2026-06-15');
  t.same(
    loaded.buildProblems.filter((p) => p.severity === 'error'),
    [],
    'it builds',
  );
  const files = loaded.files.map((f) => ({ name: basename(f.name), data: f.data }));
  const rules = mergeFiles(files);
  const expiries = (rules.exceptions ?? []).map((e) => e.expires).sort();
  t.ok(expiries.length > 0, 'it has exceptions');
  // On a day every exception holds, and on the day after the last one expired.
  const last = new Date(`${expiries[expiries.length - 1]}T00:00:00Z`);
  last.setUTCDate(last.getUTCDate() + 1);
  for (const asOf of ['2026-06-15', last.toISOString().slice(0, 10)]) {
    check(t, `sample city as of ${asOf}`, { rules, files, asOf });
  }
});

t.test('the example cities of the other guideline models (examples/)', async (t) => {
  for (const dir of ['examples/alpha-prime', 'examples/beta', 'examples/beta-prime']) {
    const loaded = loadPaths([dir], '2026-06-15');
    t.same(
      loaded.buildProblems.filter((p) => p.severity === 'error'),
      [],
      `${dir} builds`,
    );
    const files = loaded.files.map((f) => ({ name: basename(f.name), data: f.data }));
    const rules = mergeFiles(files);
    check(t, `${dir} (${rules.policy?.model})`, { rules, files, asOf: '2026-06-15' });
  }
});

t.test('a synthetic prefecture', async (t) => {
  const size: PrefectureSize = { segments: 240, cidrs: 2400, flows: 600, serviceRanges: 80 };
  const p = generatePrefecture(SEED, size);
  check(t, `prefecture ${SEED}`, { rules: p.rules, files: p.files, asOf: p.asOf });
});
