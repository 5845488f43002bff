/**
 * Every device fixture states what it expects: `# expect: CODE LINE:COL` for each problem (and
 * nothing else), or `# flow: SRC DST SERVICE [IN OUT] -> accept|drop` for flows the parsed device
 * must decide so (evaluated with the naive device reference). iptables fixtures carry these in
 * their own comments; an nft fixture's JSON has a NAME.nft beside it, the ruleset it was dumped
 * from, with the expectations. With `lenient`, refusals become warnings at the same positions.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIptablesSave } from '../../src/device/iptables.js';
import { parseNftJson } from '../../src/device/nft.js';
import { type Fixture, fixturesIn, runFixtures } from './fixtures.js';

const ROOT = 'test/fixtures/devices';
/** Codes --lenient turns into warnings (the others mean sanso cannot build the device at all). */
const LENIENT = new Set(['DEVICE-UNSUPPORTED', 'DEVICE-REWRITE', 'DEVICE-REFERENCE', 'DEVICE-FAMILY-UNKNOWN']);
/** The interfaces wildcards (`lan+`) are expanded to; a flow without IN OUT goes lan0 → wan0. */
const INTERFACES = { known: ['lan0', 'lan1', 'lan7', 'wan0', 'dmz0'], in: 'lan0', out: 'wan0' };

const iptables = fixturesIn(join(ROOT, 'iptables'), /./).map((f) => ({ ...f, name: `iptables/${f.name}`, file: f.name }));
/** An nft fixture is the JSON; its expectations are in the ruleset it was dumped from, beside it. */
const nft: Fixture[] = fixturesIn(join(ROOT, 'nft'), /\.json$/).map((f) => ({
  ...f,
  name: `nft/${f.name}`,
  file: f.name,
  expectText: readFileSync(f.file.replace(/\.json$/, '.nft'), 'utf8'),
}));

t.test('there is a fixture per statement and per refusal', async (t) => {
  t.ok(iptables.length >= 30);
  t.ok(nft.length >= 25);
});

runFixtures({ fixtures: iptables, parse: parseIptablesSave, lenient: { becomes: LENIENT }, interfaces: INTERFACES });
runFixtures({ fixtures: nft, parse: parseNftJson, lenient: { becomes: LENIENT }, interfaces: INTERFACES });
