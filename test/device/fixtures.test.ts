/**
 * Every device fixture states what it expects: `# expect: CODE LINE:COL` for each problem (and
 * nothing else), or `# flow: SRC DST SERVICE [IN OUT] -> accept|drop` for flows the parsed device
 * must decide so (evaluated with the naive device reference). iptables fixtures carry these in
 * their own comments; an nft fixture's JSON has a NAME.nft beside it, the ruleset it was dumped
 * from, with the expectations. With `lenient`, refusals become warnings at the same positions.
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { familyOf, parseV4, parseV6 } from '../../src/device/addresses.js';
import { expandInterfaces } from '../../src/device/interfaces.js';
import { parseIptablesSave } from '../../src/device/iptables.js';
import { parseNftJson } from '../../src/device/nft.js';
import type { ParseResult } from '../../src/device/types.js';
import { parseServiceRange } from '../../src/model/services.js';
import { evaluateDevice } from '../reference/device.js';

const ROOT = 'test/fixtures/devices';
/** Codes --lenient turns into warnings (the others mean sanso cannot build the device at all). */
const LENIENT = new Set(['DEVICE-UNSUPPORTED', 'DEVICE-REWRITE', 'DEVICE-REFERENCE', 'DEVICE-FAMILY-UNKNOWN']);

interface Case {
  name: string;
  expectText: string;
  parse: (lenient: boolean) => ParseResult;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const f of readdirSync(join(ROOT, 'iptables')).sort()) {
    const text = readFileSync(join(ROOT, 'iptables', f), 'utf8');
    out.push({ name: `iptables/${f}`, expectText: text, parse: (lenient) => parseIptablesSave(text, f, { lenient }) });
  }
  for (const f of readdirSync(join(ROOT, 'nft')).sort()) {
    if (!f.endsWith('.json')) continue;
    const text = readFileSync(join(ROOT, 'nft', f), 'utf8');
    const expectText = readFileSync(join(ROOT, 'nft', f.replace(/\.json$/, '.nft')), 'utf8');
    out.push({ name: `nft/${f}`, expectText, parse: (lenient) => parseNftJson(text, f, { lenient }) });
  }
  return out;
}

const all = cases();

t.test('there is a fixture per statement and per refusal', async (t) => {
  t.ok(all.filter((c) => c.name.startsWith('iptables/')).length >= 30);
  t.ok(all.filter((c) => c.name.startsWith('nft/')).length >= 25);
});

for (const c of all) {
  t.test(c.name, async (t) => {
    const expects = [...c.expectText.matchAll(/^# expect: (\S+ \d+:\d+)$/gm)].map((m) => m[1]!).sort();
    const flows = [...c.expectText.matchAll(/^# flow: (.+)$/gm)].map((m) => m[1]!);
    t.ok(expects.length > 0 || flows.length > 0, 'the fixture states an expectation');
    const strict = c.parse(false);
    const got = strict.problems.map((p) => `${p.code} ${p.loc.line}:${p.loc.col}`).sort();
    t.same(got, expects, 'problems', { messages: strict.problems.map((p) => p.message) });
    for (const p of strict.problems) t.equal(p.severity, 'error', `${p.code} is an error without --lenient`);
    const lenient = c.parse(true);
    t.same(lenient.problems.map((p) => `${p.code} ${p.loc.line}:${p.loc.col}`).sort(), expects, 'the same problems with lenient');
    for (const p of lenient.problems) t.equal(p.severity, LENIENT.has(p.code) ? 'warning' : 'error', `${p.code} with lenient`);
    for (const line of flows) {
      const m = /^(\S+) (\S+) (\S+)(?: (\S+) (\S+))? -> (accept|drop)$/.exec(line);
      if (!m) {
        t.fail(`malformed flow line: ${line}`);
        continue;
      }
      const [, src, dst, service, inIf = 'lan0', outIf = 'wan0', want] = m;
      const family = familyOf(src!)!;
      const key = parseServiceRange(service!);
      if (!key.ok) throw new Error(key.reason);
      const device = strict.devices.find((d) => d.families.includes(family));
      if (!device) {
        t.fail(`${line}: no device filters IPv${family}`);
        continue;
      }
      const known = ['lan0', 'lan1', 'lan7', 'wan0', 'dmz0'];
      const v = evaluateDevice(expandInterfaces(device, known), {
        family,
        src: family === 4 ? parseV4(src!)! : parseV6(src!)!,
        dst: family === 4 ? parseV4(dst!)! : parseV6(dst!)!,
        key: key.range.lo,
        inIf: inIf!,
        outIf: outIf!,
      });
      t.equal(v.action, want, line, { decidedBy: v.rule?.text ?? `policy of ${v.chain}` });
    }
  });
}
