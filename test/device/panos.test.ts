/**
 * PAN-OS: a fixture per statement and per refusal, in set format and XML (expectations inside
 * the fixtures, see fixtures.ts), and a property test: random rulebases written both as set
 * commands and as XML, parsed, and compared with a direct first-match reading of the random rules
 * followed by the intrazone (allow) and interzone (deny) defaults.
 */
import t from 'tap';
import fc from '../property/fc.js';
import { join } from 'node:path';
import { detect, parsePanos } from '../../src/device/panos.js';
import { evaluateDevice } from '../reference/device.js';
import { detectsNoneOf, fixturesIn, flowOf, problemList, readFixture, runFixtures, verdictOf } from './fixtures.js';
import { runs } from '../property/settings.js';

const DIR = 'test/fixtures/devices/panos';
const RUNS = runs(100);

runFixtures({ fixtures: fixturesIn(DIR, /\.(set|xml)$/), parse: parsePanos, detect: { vendor: 'PAN-OS', fn: detect }, lenient: { stays: ['DEVICE-SYNTAX'] } });

t.test('Batfish: the intrazone default allows, an explicit rule crosses zones, the interzone default denies', async (t) => {
  const same = join(DIR, 'public/allow-same-zone.set');
  const a = parsePanos(readFixture(same).text, same, { lenient: false });
  t.same(problemList(a), []);
  t.ok(detect(readFixture(same).text));
  t.equal(a.devices[0]!.name, 'allow-same-zone/vsys1');
  t.equal(verdictOf(a.devices[0]!, flowOf('10.0.1.5', '10.0.2.5', 'tcp/80', 'z', 'z')), 'accept@intrazone-default');
  const cross = join(DIR, 'public/allow-explicit-cross-zone.set');
  const b = parsePanos(readFixture(cross).text, cross, { lenient: false });
  t.same(problemList(b), []);
  t.equal(verdictOf(b.devices[0]!, flowOf('10.0.1.5', '10.0.2.5', 'udp/9', 'zin', 'zout')), 'accept@rule1');
  t.equal(verdictOf(b.devices[0]!, flowOf('10.0.2.5', '10.0.1.5', 'udp/9', 'zout', 'zin')), 'drop@default');
});

t.test('--lenient: an allow rule on applications is read as its service, a deny as nothing', async (t) => {
  const text = `set zone a network layer3 ethernet1/1
set zone b network layer3 ethernet1/2
set rulebase security rules deny-apps from a to b source any destination any application bittorrent service any action deny
set rulebase security rules allow-apps from a to b source any destination any application web-browsing service service-http action allow
`;
  const r = parsePanos(text, 'x.set', { lenient: true });
  t.same(
    r.problems.map((p) => `${p.severity} ${p.code}`),
    ['warning DEVICE-APPLICATION', 'warning DEVICE-APPLICATION'],
  );
  const d = r.devices[0]!;
  const f = (port: number) => ({ family: 4 as const, src: 1, dst: 2, key: 6 * 65536 + port, inIf: 'a', outIf: 'b' });
  t.equal(evaluateDevice(d, f(80)).rule?.id, 'allow-apps', 'the deny on applications matches nothing; the allow its service');
  t.equal(evaluateDevice(d, f(81)).action, 'drop');
});

detectsNoneOf(detect, ['fortios', 'rtx', 'asa']);

// ——— property ———

interface Rule {
  name: string;
  from: string[] | null;
  to: string[] | null;
  src: number[][] | null; // address objects by index into ADDRS, null = any
  srcNeg: boolean;
  dst: number[][] | null;
  svc: [number, number][] | null; // tcp port spans, null = any
  allow: boolean;
  disabled: boolean;
}
const ZONES = ['a', 'b', 'c'];
const zoneSel = fc.option(fc.uniqueArray(fc.constantFrom(...ZONES), { minLength: 1, maxLength: 2 }), { nil: null });
const hosts = fc.option(fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }), { nil: null });
const rule = (i: number): fc.Arbitrary<Rule> =>
  fc.record({
    name: fc.constant(`r${i}`),
    from: zoneSel,
    to: zoneSel,
    src: hosts,
    srcNeg: fc.boolean(),
    dst: hosts,
    svc: fc.option(
      fc.array(
        fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 4 })).map(([a, w]): [number, number] => [a, a + w]),
        { minLength: 1, maxLength: 2 },
      ),
      { nil: null },
    ),
    allow: fc.boolean(),
    disabled: fc.boolean(),
  });
const rulesArb = fc.array(fc.nat(), { maxLength: 6 }).chain((xs) => (xs.length === 0 ? fc.constant([] as Rule[]) : fc.tuple(...xs.map((_, i) => rule(i)))));

const ip = (n: number): string => `10.0.0.${n}`;

/** The objects a rule needs: address groups of hosts, one service per span list. */
function objects(rules: Rule[]): { addr: string[][]; svc: string[][] } {
  const addr: string[][] = [];
  const svc: string[][] = [];
  for (const r of rules) {
    for (const [k, sets] of [
      ['s', r.src],
      ['d', r.dst],
    ] as const) {
      sets?.forEach((hs, j) => addr.push([`${r.name}${k}${j}`, ...hs.map(ip)]));
    }
    if (r.svc) svc.push([`${r.name}svc`, r.svc.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')]);
  }
  return { addr, svc };
}

function renderSet(rules: Rule[]): string {
  const out = ZONES.map((z, i) => `set zone ${z} network layer3 ethernet1/${i + 1}`);
  const o = objects(rules);
  for (const [g, ...hs] of o.addr) {
    hs.forEach((h, k) => out.push(`set address ${g}h${k} ip-netmask ${h}`));
    out.push(`set address-group ${g} static [ ${hs.map((_, k) => `${g}h${k}`).join(' ')} ]`);
  }
  for (const [n, p] of o.svc) out.push(`set service ${n} protocol tcp port ${p}`);
  const list = (xs: string[] | null): string => (xs === null ? 'any' : `[ ${xs.join(' ')} ]`);
  for (const r of rules) {
    const p = `set rulebase security rules ${r.name}`;
    out.push(`${p} from ${list(r.from)}`, `${p} to ${list(r.to)}`);
    out.push(`${p} source ${list(r.src ? r.src.map((_, j) => `${r.name}s${j}`) : null)}`, `${p} destination ${list(r.dst ? r.dst.map((_, j) => `${r.name}d${j}`) : null)}`);
    out.push(`${p} application any`, `${p} service ${r.svc ? `${r.name}svc` : 'any'}`, `${p} action ${r.allow ? 'allow' : 'deny'}`);
    if (r.srcNeg) out.push(`${p} negate-source yes`);
    if (r.disabled) out.push(`${p} disabled yes`);
  }
  return out.join('\n');
}

function renderXml(rules: Rule[]): string {
  const o = objects(rules);
  const m = (xs: string[] | null): string => (xs === null ? ['any'] : xs).map((x) => `<member>${x}</member>`).join('');
  const out = ['<config version="10.2.0"><devices><entry name="localhost.localdomain"><vsys><entry name="vsys1">', '<zone>'];
  ZONES.forEach((z, i) => out.push(`<entry name="${z}"><network><layer3><member>ethernet1/${i + 1}</member></layer3></network></entry>`));
  out.push('</zone>', '<address>');
  for (const [g, ...hs] of o.addr) hs.forEach((h, k) => out.push(`<entry name="${g}h${k}"><ip-netmask>${h}</ip-netmask></entry>`));
  out.push('</address>', '<address-group>');
  for (const [g, ...hs] of o.addr) out.push(`<entry name="${g}"><static>${m(hs.map((_, k) => `${g}h${k}`))}</static></entry>`);
  out.push('</address-group>', '<service>');
  for (const [n, p] of o.svc) out.push(`<entry name="${n}"><protocol><tcp><port>${p}</port></tcp></protocol></entry>`);
  out.push('</service>', '<rulebase><security><rules>');
  for (const r of rules) {
    out.push(`<entry name="${r.name}">`, `<from>${m(r.from)}</from>`, `<to>${m(r.to)}</to>`);
    out.push(
      `<source>${m(r.src ? r.src.map((_, j) => `${r.name}s${j}`) : null)}</source>`,
      `<destination>${m(r.dst ? r.dst.map((_, j) => `${r.name}d${j}`) : null)}</destination>`,
    );
    out.push(`<application>${m(null)}</application>`, `<service>${m(r.svc ? [`${r.name}svc`] : null)}</service>`, `<action>${r.allow ? 'allow' : 'deny'}</action>`);
    if (r.srcNeg) out.push('<negate-source>yes</negate-source>');
    if (r.disabled) out.push('<disabled>yes</disabled>');
    out.push('</entry>');
  }
  out.push('</rules></security></rulebase></entry></vsys></entry></devices></config>');
  return out.join('\n');
}

function naive(rules: Rule[], f: { src: number; dst: number; port: number; inIf: string; outIf: string }): string {
  const inHosts = (sets: number[][] | null, a: number): boolean => sets === null || sets.some((hs) => hs.includes(a));
  for (const r of rules) {
    if (r.disabled) continue;
    if (r.from && !r.from.includes(f.inIf)) continue;
    if (r.to && !r.to.includes(f.outIf)) continue;
    if (inHosts(r.src, f.src) === r.srcNeg) continue;
    if (!inHosts(r.dst, f.dst)) continue;
    if (r.svc && !r.svc.some(([a, b]) => f.port >= a && f.port <= b)) continue;
    return `${r.allow ? 'accept' : 'drop'}@${r.name}`;
  }
  return f.inIf === f.outIf ? 'accept@intrazone-default' : 'drop@default';
}

t.test('property: set and XML rulebases decide as their first-match reading', async (t) => {
  const flow = fc.record({
    src: fc.integer({ min: 0, max: 22 }),
    dst: fc.integer({ min: 0, max: 22 }),
    port: fc.integer({ min: 1, max: 26 }),
    inIf: fc.constantFrom(...ZONES),
    outIf: fc.constantFrom(...ZONES),
  });
  fc.assert(
    fc.property(rulesArb, fc.array(flow, { minLength: 20, maxLength: 20 }), (rules, flows) => {
      for (const [form, text] of [
        ['set', renderSet(rules)],
        ['xml', renderXml(rules)],
      ] as const) {
        const r = parsePanos(text, `random.${form}`, { lenient: false });
        if (r.problems.length > 0) throw new Error(`${form} problems: ${problemList(r).join(', ')}\n${text}`);
        for (const f of flows) {
          const got = evaluateDevice(r.devices[0]!, { family: 4, src: 0x0a000000 + f.src, dst: 0x0a000000 + f.dst, key: 6 * 65536 + f.port, inIf: f.inIf, outIf: f.outIf });
          const gotText = `${got.action}@${got.rule ? got.rule.id : 'default'}`;
          const want = naive(rules, f);
          if (gotText !== want) throw new Error(`${form} ${JSON.stringify(f)}: device ${gotText}, reading ${want}\n${text}`);
        }
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random rulebases agree in both forms`);
});
