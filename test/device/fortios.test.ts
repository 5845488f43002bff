/**
 * FortiOS: a fixture per statement and per refusal (expectations inside the fixtures, see
 * fixtures.ts), Batfish's public test configuration, and a property test comparing the parsed
 * device with a first-match reading of random policies written as FortiOS text.
 */
import t from 'tap';
import fc from '../property/fc.js';
import { join } from 'node:path';
import { detect, parseFortios } from '../../src/device/fortios.js';
import { evaluateDevice } from '../reference/device.js';
import { detectsNoneOf, fixturesIn, flowOf, problemList, readFixture, runFixtures, verdictOf } from './fixtures.js';
import { runs } from '../property/settings.js';

const DIR = 'test/fixtures/devices/fortios';
const RUNS = runs(150);

runFixtures({ fixtures: fixturesIn(DIR, /\.conf$/), parse: parseFortios, detect: { vendor: 'FortiOS', fn: detect }, lenient: { stays: ['DEVICE-SYNTAX', 'DEVICE-GROUP-CYCLE'] } });

t.test('Batfish firewall_policy: table order, disabled policy, append, a source port refused', async (t) => {
  const file = join(DIR, 'public/firewall_policy.conf');
  const { text } = readFixture(file);
  const strict = parseFortios(text, file, { lenient: false });
  t.same(problemList(strict), ['DEVICE-SOURCE-PORT 19:27'], 'tcp-portrange 12:11 restricts the source port');
  const lenient = parseFortios(text, file, { lenient: true });
  t.equal(lenient.problems[0]?.severity, 'warning');
  const d = lenient.devices[0]!;
  t.equal(d.name, 'firewall_policy', 'named by hostname');
  t.same(
    d.chains.get('forward')!.rules.map((r) => r.id),
    ['4294967294', '1', '2'],
    'edit 0 is disabled; order is the table\u2019s',
  );
  // 4294967294 has no action: FortiOS's default is deny, and it comes first.
  t.equal(verdictOf(d, flowOf('10.0.1.5', '10.0.2.5', 'tcp/12', 'port1', 'port2')), 'drop@4294967294');
  t.equal(verdictOf(d, flowOf('10.0.1.5', '10.0.2.5', 'tcp/11', 'port1', 'port2')), 'accept@1');
  // appended: srcintf port2, dstintf port1, srcaddr addr2, dstaddr addr1
  t.equal(verdictOf(d, flowOf('10.0.2.5', '10.0.1.5', 'tcp/11', 'port2', 'port1')), 'accept@1');
  t.equal(verdictOf(d, flowOf('192.0.2.1', '198.51.100.1', 'udp/9', 'port9', 'port8')), 'accept@2');
});

t.test('--lenient leaves a refused policy out and keeps the rest', async (t) => {
  const file = join(DIR, 'bad-vip.conf');
  const { text } = readFixture(file);
  const r = parseFortios(text, file, { lenient: true });
  t.equal(r.devices[0]!.chains.get('forward')!.rules.length, 0);
  t.equal(r.problems[0]!.severity, 'warning');
});

detectsNoneOf(detect, ['rtx', 'asa', 'panos']);

// ——— property: random policies as text vs their own first-match meaning ———

interface Addr {
  name: string;
  kind: 'subnet' | 'range';
  lo: number;
  hi: number;
}
interface Svc {
  name: string;
  tcp: [number, number][];
  udp: [number, number][];
  proto: number | null;
}
interface Pol {
  id: number;
  src: string[];
  dst: string[];
  srcNeg: boolean;
  dstNeg: boolean;
  svc: string[];
  svcNeg: boolean;
  inIf: string;
  outIf: string;
  action: 'accept' | 'deny';
  enabled: boolean;
}

const BASE = 0x0a000000; // 10.0.0.0; everything random lives in 10.0.0.0/24 so rules overlap
const ip = (n: number): string => `10.0.0.${n}`;

const addrArb = (i: number): fc.Arbitrary<Addr> =>
  fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 24, max: 32 })).map(([a, len]) => {
      const size = 2 ** (32 - len);
      const lo = Math.floor(a / size) * size;
      return { name: `a${i}`, kind: 'subnet' as const, lo, hi: lo + size - 1 };
    }),
    fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
      .map(([a, b]) => ({ name: `a${i}`, kind: 'range' as const, lo: Math.min(a, b), hi: Math.max(a, b) })),
  );
const span = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 10 })).map(([a, w]): [number, number] => [a, a + w]);
const svcArb = (i: number): fc.Arbitrary<Svc> =>
  fc.oneof(
    fc.record({ tcp: fc.array(span, { maxLength: 3 }), udp: fc.array(span, { maxLength: 2 }) }).map((s) => ({ name: `s${i}`, ...s, proto: null })),
    fc.constantFrom(0, 1, 47).map((p) => ({ name: `s${i}`, tcp: [], udp: [], proto: p })),
  );

const scenario = fc
  .tuple(
    fc.array(fc.nat(), { minLength: 1, maxLength: 5 }).chain((xs) => fc.tuple(...xs.map((_, i) => addrArb(i)))),
    fc.array(fc.nat(), { minLength: 1, maxLength: 4 }).chain((xs) => fc.tuple(...xs.map((_, i) => svcArb(i)))),
  )
  .chain(([addrs, svcs]) => {
    const addrName = fc.constantFrom('all', ...addrs.map((a) => a.name));
    const svcName = fc.constantFrom('ALL', 'HTTP', ...svcs.map((s) => s.name));
    const pol = fc.record({
      src: fc.array(addrName, { minLength: 1, maxLength: 2 }),
      dst: fc.array(addrName, { minLength: 1, maxLength: 2 }),
      srcNeg: fc.boolean(),
      dstNeg: fc.boolean(),
      svc: fc.array(svcName, { minLength: 1, maxLength: 2 }),
      svcNeg: fc.boolean(),
      inIf: fc.constantFrom('port1', 'port2', 'any'),
      outIf: fc.constantFrom('port1', 'port3', 'any'),
      action: fc.constantFrom('accept' as const, 'deny' as const),
      enabled: fc.boolean(),
    });
    return fc.tuple(fc.constant(addrs), fc.constant(svcs), fc.array(pol, { maxLength: 8 }), fc.uniqueArray(fc.integer({ min: 1, max: 999 }), { minLength: 8, maxLength: 8 }));
  })
  .map(([addrs, svcs, pols, ids]) => ({ addrs, svcs, pols: pols.map((p, i): Pol => ({ ...p, id: ids[i]! })) }));

function render(s: { addrs: Addr[]; svcs: Svc[]; pols: Pol[] }): string {
  const q = (xs: string[]): string => xs.map((x) => `"${x}"`).join(' ');
  const out = ['config firewall address'];
  for (const a of s.addrs) {
    out.push(`    edit "${a.name}"`);
    if (a.kind === 'subnet') {
      const len = 32 - Math.log2(a.hi - a.lo + 1);
      const mask = len === 32 ? '255.255.255.255' : `255.255.255.${(256 - 2 ** (32 - len)) & 255}`;
      out.push('        set type ipmask', `        set subnet ${ip(a.lo)} ${mask}`);
    } else out.push('        set type iprange', `        set start-ip ${ip(a.lo)}`, `        set end-ip ${ip(a.hi)}`);
    out.push('    next');
  }
  out.push('end', 'config firewall service custom');
  for (const v of s.svcs) {
    out.push(`    edit "${v.name}"`);
    if (v.proto !== null) out.push('        set protocol IP', `        set protocol-number ${v.proto}`);
    else {
      const r = (xs: [number, number][]): string => xs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(' ');
      if (v.tcp.length) out.push(`        set tcp-portrange ${r(v.tcp)}`);
      if (v.udp.length) out.push(`        set udp-portrange ${r(v.udp)}`);
    }
    out.push('    next');
  }
  out.push('end', 'config firewall policy');
  for (const p of s.pols) {
    out.push(`    edit ${p.id}`, `        set srcintf "${p.inIf}"`, `        set dstintf "${p.outIf}"`, `        set srcaddr ${q(p.src)}`, `        set dstaddr ${q(p.dst)}`);
    if (p.srcNeg) out.push('        set srcaddr-negate enable');
    if (p.dstNeg) out.push('        set dstaddr-negate enable');
    out.push(`        set action ${p.action}`, `        set service ${q(p.svc)}`);
    if (p.svcNeg) out.push('        set service-negate enable');
    if (!p.enabled) out.push('        set status disable');
    out.push('    next');
  }
  out.push('end');
  return out.join('\n');
}

/** The random policies' own meaning: first enabled match, else deny. */
function naive(s: { addrs: Addr[]; svcs: Svc[]; pols: Pol[] }, f: { src: number; dst: number; proto: number; port: number; inIf: string; outIf: string }): string {
  const inAddr = (names: string[], a: number): boolean =>
    names.some((n) => {
      if (n === 'all') return true;
      const o = s.addrs.find((x) => x.name === n)!;
      return a >= BASE + o.lo && a <= BASE + o.hi;
    });
  const inSvc = (names: string[]): boolean =>
    names.some((n) => {
      if (n === 'ALL') return true;
      if (n === 'HTTP') return f.proto === 6 && f.port === 80;
      const v = s.svcs.find((x) => x.name === n)!;
      if (v.proto !== null) return v.proto === 0 || v.proto === f.proto;
      const spans = f.proto === 6 ? v.tcp : f.proto === 17 ? v.udp : [];
      return spans.some(([a, b]) => f.port >= a && f.port <= b);
    });
  for (const p of s.pols) {
    if (!p.enabled) continue;
    if (p.inIf !== 'any' && p.inIf !== f.inIf) continue;
    if (p.outIf !== 'any' && p.outIf !== f.outIf) continue;
    if (inAddr(p.src, f.src) === p.srcNeg) continue;
    if (inAddr(p.dst, f.dst) === p.dstNeg) continue;
    if (inSvc(p.svc) === p.svcNeg) continue;
    return `${p.action === 'accept' ? 'accept' : 'drop'}@${p.id}`;
  }
  return 'drop@default';
}

t.test('property: parsed FortiOS policies decide as their first-match reading', async (t) => {
  const flow = fc.record({
    src: fc.integer({ min: 0, max: 300 }).map((n) => BASE + n),
    dst: fc.integer({ min: 0, max: 300 }).map((n) => BASE + n),
    ps: fc.oneof(fc.tuple(fc.constantFrom(6, 17), fc.integer({ min: 1, max: 90 })), fc.constantFrom<[number, number]>([1, 0], [47, 0], [6, 80])),
    inIf: fc.constantFrom('port1', 'port2', 'port9'),
    outIf: fc.constantFrom('port1', 'port3', 'port9'),
  });
  fc.assert(
    fc.property(scenario, fc.array(flow, { minLength: 20, maxLength: 20 }), (s, flows) => {
      const text = render(s);
      const r = parseFortios(text, 'random.conf', { lenient: false });
      if (r.problems.length > 0) throw new Error(`problems: ${problemList(r).join(', ')}\n${text}`);
      const d = r.devices[0]!;
      for (const f of flows) {
        const [proto, port] = f.ps;
        const got = evaluateDevice(d, { family: 4, src: f.src, dst: f.dst, key: proto * 65536 + port, inIf: f.inIf, outIf: f.outIf });
        const want = naive(s, { ...f, proto, port });
        const gotText = `${got.action}@${got.rule ? got.rule.id : 'default'}`;
        if (gotText !== want) throw new Error(`${JSON.stringify(f)}: device ${gotText}, reading ${want}\n${text}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random configurations agree`);
});
