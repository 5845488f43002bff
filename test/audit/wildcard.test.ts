/**
 * Interface wildcards (iptables `-i lg+`, nft `iifname "lg*"`, kept as `lg+` by the parsers): a
 * pattern stands for every mapped interface it prefixes, an exact name must be mapped, and a
 * pattern that prefixes none matches nothing. Checked against the naive device evaluator with the
 * pattern expanded by hand.
 */
import t from 'tap';
import { auditDevice, interfaceMap, prepareDevice } from '../../src/audit/audit.js';
import { AuditInputError } from '../../src/audit/partition.js';
import type { Device } from '../../src/device/types.js';
import { loadPolicy } from '../../src/policy.js';

const policy = loadPolicy(['rules/'], { asOf: '2026-11-30' }).policy!;
const { model, table } = policy;
const seg = (name: string): number => model.segments.findIndex((s) => s.name === name);

function device(names: string[], negate = false): Device {
  const rule = {
    conditions: [{ kind: 'in' as const, names, negate }],
    target: { kind: 'accept' as const },
    loc: { file: 'w', line: 2, col: 1 },
    text: '-A FORWARD -i … -j ACCEPT',
    id: null,
  };
  return {
    name: 'w',
    file: 'w',
    format: 'iptables',
    families: [4],
    chains: new Map([['FORWARD', { name: 'FORWARD', rules: [rule], policy: 'drop', policyLoc: { file: 'w', line: 1, col: 1 } }]]),
    entry: ['FORWARD'],
  };
}

// lg0: the LGWAN terminals, lg1: the LGWAN servers, mn0: My Number servers.
const ifaces = interfaceMap(['lg0', 'lg1', 'mn0'], [[seg('lg-terminals')], [seg('lg-groupware')], [seg('mn-juki')]], model.segments.length);

t.test('lg+ is lg0 and lg1', async (t) => {
  const a = auditDevice(prepareDevice(device(['lg+']), table, ifaces), table, { lang: 'en', maxFindings: 1000 });
  const b = auditDevice(prepareDevice(device(['lg0', 'lg1']), table, ifaces), table, { lang: 'en', maxFindings: 1000 });
  t.same(a.counts, b.counts);
  t.same(
    a.findings.map((f) => [f.kind, f.code, f.src?.segment, f.dst?.segment]),
    b.findings.map((f) => [f.kind, f.code, f.src?.segment, f.dst?.segment]),
  );
  // Forwarded from the LGWAN side: lg-terminals → mn-juki is a violation; from mn0 nothing is.
  t.ok(a.findings.some((f) => f.kind === 'violation' && f.src!.segment === 'lg-terminals' && f.dst!.segment === 'mn-juki'));
  t.notOk(a.findings.some((f) => f.src?.segment === 'mn-juki' && f.kind !== 'outage'));
});

t.test('a pattern that prefixes no mapped name matches nothing; an unmapped exact name is an error', async (t) => {
  const none = auditDevice(prepareDevice(device(['eth+']), table, ifaces), table, { lang: 'en' });
  const drop = auditDevice(
    prepareDevice({ ...device([]), chains: new Map([['FORWARD', { name: 'FORWARD', rules: [], policy: 'drop', policyLoc: null }]]) }, table, ifaces),
    table,
    { lang: 'en' },
  );
  t.same({ ...none.counts, unreachable: 0 }, drop.counts);
  t.equal(none.counts.unreachable, 1);
  t.throws(() => prepareDevice(device(['eth0']), table, ifaces), AuditInputError);
  const negated = auditDevice(prepareDevice(device(['lg+'], true), table, ifaces), table, { lang: 'en', maxFindings: 1000 });
  t.ok(negated.findings.some((f) => f.src?.segment === 'mn-juki' && f.kind === 'violation'));
  t.notOk(negated.findings.some((f) => f.src?.segment === 'lg-terminals' && f.kind === 'violation'));
});
