/**
 * Random rule sets rendered as iptables-save text and as nft JSON, parsed back and evaluated
 * with the naive device reference, against the random rule set's own semantics evaluated
 * directly (test/reference/linux-ruleset.ts), on every flow of both families. The kernel tests
 * (test/kernel/) check those semantics against Linux itself.
 *
 * SANSO_PROP_SCALE=X multiplies the number of rule sets per format (default 25).
 */
import fc from '../property/fc.js';
import t from 'tap';
import { parseIptablesSave } from '../../src/device/iptables.js';
import { parseNftJson } from '../../src/device/nft.js';
import type { ParseResult } from '../../src/device/types.js';
import { allFlows, type AbsRuleSet, directVerdict, normalise, renderIptables, renderNftJson, ruleSetArb } from '../reference/linux-ruleset.js';
import { forLab, sansoVerdict } from '../kernel/compare.js';
import { runs } from '../property/settings.js';

const numRuns = runs(25);
const flows = allFlows();

function check(rs: AbsRuleSet, parsed: ParseResult): void {
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new Error(`problems: ${JSON.stringify(errors)}`);
  const devices = forLab(parsed.devices);
  for (const f of flows) {
    const got = sansoVerdict(devices, f);
    const want = directVerdict(rs, f);
    if (got.action !== want) throw new Error(`${JSON.stringify(f)}: parsed ${got.action} (${got.by}), semantics ${want}`);
  }
}

t.test('iptables-save text parses to the rule set it renders', async (t) => {
  fc.assert(
    fc.property(ruleSetArb('iptables').map(normalise), (rs) => {
      const text = renderIptables(rs);
      check(rs, parseIptablesSave(text.v4 + text.v6, 'random.rules', { lenient: false }));
    }),
    { numRuns },
  );
  t.pass(`${numRuns} random rule sets, ${flows.length} flows each`);
});

t.test('nft JSON parses to the rule set it renders', async (t) => {
  fc.assert(
    fc.property(ruleSetArb('nft').map(normalise), (rs) => {
      check(rs, parseNftJson(renderNftJson(rs), 'random.json', { lenient: false }));
    }),
    { numRuns },
  );
  t.pass(`${numRuns} random rule sets, ${flows.length} flows each`);
});

t.test('the generator draws rule sets that decide flows both ways', async (t) => {
  // A property that held because every rule set forwards everything (or nothing) proves little.
  for (const flavor of ['iptables', 'nft'] as const) {
    const sample = fc.sample(ruleSetArb(flavor).map(normalise), { seed: 42, numRuns: 20 });
    const mixed = sample.filter((rs) => {
      const v = flows.map((f) => directVerdict(rs, f));
      return v.includes('accept') && v.includes('drop');
    });
    t.ok(mixed.length >= 10, `${flavor}: ${mixed.length} of 20 rule sets forward some flows and drop others`);
  }
});
