/**
 * Yamaha RTX: a fixture per statement and per refusal (expectations inside the fixtures, see
 * fixtures.ts), and a property test comparing the parsed device with a direct reading of random
 * filters and secure filter lists written as RTX text: per interface and direction, first
 * matching filter decides, none matching discards, no list passes.
 */
import t from 'tap';
import fc from '../property/fc.js';
import { join } from 'node:path';
import { detect, parseRtx } from '../../src/device/rtx.js';
import { evaluateDevice } from '../reference/device.js';
import { detectsNoneOf, fixturesIn, problemList, readFixture, runFixtures } from './fixtures.js';
import { runs } from '../property/settings.js';

const DIR = 'test/fixtures/devices/rtx';
const RUNS = runs(150);

runFixtures({ fixtures: fixturesIn(DIR, /\.conf$/), parse: parseRtx, detect: { vendor: 'RTX', fn: detect }, lenient: { stays: ['DEVICE-SYNTAX'] } });

t.test('the device: forward and out chains, named by console prompt, IPv6 only when filtered', async (t) => {
  const file = join(DIR, 'good-pp-tunnel.conf');
  const d = parseRtx(readFixture(file).text, file, { lenient: false }).devices[0]!;
  t.equal(d.name, 'RTX1220-city');
  t.same(d.entry, ['forward']);
  t.same(d.families, [4]);
  const wrapped = d.chains.get('forward')!.rules.find((r) => r.id === '200030')!;
  t.equal(wrapped.loc.line, 28, 'a filter named on the continuation of a wrapped list is in the list');
  const end = d.chains.get('forward')!.rules.find((r) => r.id === 'pp1-in-end')!;
  t.equal(end.loc.line, 14, 'the discard at the end of a list points at the list');
  const v6 = join(DIR, 'good-ipv6.conf');
  t.same(parseRtx(readFixture(v6).text, v6, { lenient: false }).devices[0]!.families, [4, 6]);
});

t.test('--lenient reads restrict as pass and a source port as any', async (t) => {
  const file = join(DIR, 'bad-restrict.conf');
  const r = parseRtx(readFixture(file).text, file, { lenient: true });
  t.equal(r.problems[0]!.severity, 'warning');
  t.equal(r.devices[0]!.chains.get('out')!.rules[0]!.target.kind, 'accept');
  const sp = join(DIR, 'bad-source-port.conf');
  const r2 = parseRtx(readFixture(sp).text, sp, { lenient: true });
  t.equal(r2.devices[0]!.chains.get('forward')!.rules.length, 2, 'the filter and the list end');
});

detectsNoneOf(detect, ['fortios', 'asa', 'panos']);

// ——— property ———

type AddrSpec = { kind: 'any' } | { kind: 'list'; parts: ({ t: 'host'; a: number } | { t: 'range'; a: number; b: number } | { t: 'net'; a: number; len: number })[] };
interface F {
  num: number;
  action: 'pass' | 'reject';
  src: AddrSpec;
  dst: AddrSpec;
  proto: string; // '*', 'tcp', 'udp', 'tcp,udp', 'icmp', 'established', '47', 'tcp,icmp'
  dport: [number, number][] | null;
}

const IFACES = ['lan1', 'lan2', 'pp1'];
const addrPart = fc.oneof(
  fc.integer({ min: 0, max: 63 }).map((a) => ({ t: 'host' as const, a })),
  fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 63 })).map(([a, b]) => ({ t: 'range' as const, a: Math.min(a, b), b: Math.max(a, b) })),
  fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 27, max: 31 })).map(([a, len]) => ({ t: 'net' as const, a: a & ~(2 ** (32 - len) - 1), len })),
);
const addrSpec: fc.Arbitrary<AddrSpec> = fc.oneof(
  fc.constant({ kind: 'any' as const }),
  fc.array(addrPart, { minLength: 1, maxLength: 3 }).map((parts) => ({ kind: 'list' as const, parts })),
);
const filterArb = (num: number): fc.Arbitrary<F> =>
  fc
    .record({
      num: fc.constant(num),
      action: fc.constantFrom('pass' as const, 'reject' as const),
      src: addrSpec,
      dst: addrSpec,
      proto: fc.constantFrom('*', 'tcp', 'udp', 'tcp,udp', 'icmp', 'established', '47', 'tcp,icmp'),
      dport: fc.option(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 5 })).map(([a, w]): [number, number] => [a, a + w]),
          { minLength: 1, maxLength: 3 },
        ),
        { nil: null },
      ),
    })
    // icmp alone reads its port fields as ICMP type and code, which are refused (a fixture shows it).
    .map((f) => (f.proto === 'icmp' ? { ...f, dport: null } : f));

const scenario = fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).chain((xs) => {
  const filters = fc.tuple(...xs.map((_, i) => filterArb(i + 1)));
  const list = fc.option(fc.array(fc.integer({ min: 1, max: xs.length }), { minLength: 1, maxLength: 6 }), { nil: null });
  return fc.record({ filters, lists: fc.tuple(...IFACES.flatMap(() => [list, list])) });
});

const ip = (n: number): string => `10.0.0.${n}`;
function addrText(s: AddrSpec): string {
  if (s.kind === 'any') return '*';
  return s.parts.map((p) => (p.t === 'host' ? ip(p.a) : p.t === 'range' ? `${ip(p.a)}-${ip(p.b)}` : `${ip(p.a)}/${p.len}`)).join(',');
}
function render(s: { filters: F[]; lists: (number[] | null)[] }): string {
  const out: string[] = [];
  IFACES.forEach((iface, i) => {
    const [inList, outList] = [s.lists[2 * i], s.lists[2 * i + 1]];
    const ipIf = iface === 'pp1' ? 'pp' : iface;
    if (iface === 'pp1') out.push('pp select 1');
    if (inList) out.push(` ip ${ipIf} secure filter in ${inList.join(' ')}`);
    if (outList) out.push(` ip ${ipIf} secure filter out ${outList.join(' ')}`);
    if (iface === 'pp1') out.push('pp select none');
  });
  for (const f of s.filters) {
    const dp = f.dport === null ? '*' : f.dport.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
    out.push(`ip filter ${f.num} ${f.action} ${addrText(f.src)} ${addrText(f.dst)} ${f.proto} * ${dp}`);
  }
  return out.join('\n');
}

function naive(s: { filters: F[]; lists: (number[] | null)[] }, fl: { src: number; dst: number; proto: number; port: number; inIf: string; outIf: string }): string {
  const inAddr = (a: AddrSpec, x: number): boolean =>
    a.kind === 'any' || a.parts.some((p) => (p.t === 'host' ? x === p.a : p.t === 'range' ? x >= p.a && x <= p.b : x >> (32 - p.len) === p.a >> (32 - p.len)));
  const matches = (f: F): boolean => {
    if (!inAddr(f.src, fl.src) || !inAddr(f.dst, fl.dst)) return false;
    const protos = f.proto === '*' ? null : f.proto.split(',');
    if (protos) {
      const names: Record<number, string> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 47: '47' };
      if (!protos.includes(names[fl.proto] ?? '?')) return false;
    }
    if (f.dport && (fl.proto === 6 || fl.proto === 17)) return f.dport.some(([a, b]) => fl.port >= a && fl.port <= b);
    return true;
  };
  const run = (list: number[] | null, label: string): string | null => {
    if (!list) return null;
    for (const n of list) {
      const f = s.filters[n - 1]!;
      if (matches(f)) return `${f.action === 'pass' ? 'accept' : 'drop'}@${f.num}`;
    }
    return `drop@${label}-end`;
  };
  const i = IFACES.indexOf(fl.inIf);
  const o = IFACES.indexOf(fl.outIf);
  const a = run(s.lists[2 * i]!, `${fl.inIf}-in`);
  if (a?.startsWith('drop')) return a;
  const b = run(s.lists[2 * o + 1]!, `${fl.outIf}-out`);
  return b ?? a ?? 'accept@default';
}

t.test('property: parsed RTX lists decide as a direct reading of the filters', async (t) => {
  const flow = fc.record({
    src: fc.integer({ min: 0, max: 70 }),
    dst: fc.integer({ min: 0, max: 70 }),
    ps: fc.oneof(fc.tuple(fc.constantFrom(6, 17), fc.integer({ min: 1, max: 40 })), fc.constantFrom<[number, number]>([1, 0], [47, 0], [50, 0])),
    inIf: fc.constantFrom(...IFACES),
    outIf: fc.constantFrom(...IFACES),
  });
  fc.assert(
    fc.property(scenario, fc.array(flow, { minLength: 20, maxLength: 20 }), (s, flows) => {
      const text = render(s);
      const r = parseRtx(text, 'random.conf', { lenient: false });
      if (r.problems.length > 0) throw new Error(`problems: ${problemList(r).join(', ')}\n${text}`);
      const d = r.devices[0]!;
      for (const f of flows) {
        const [proto, port] = f.ps;
        const got = evaluateDevice(d, { family: 4, src: 0x0a000000 + f.src, dst: 0x0a000000 + f.dst, key: proto * 65536 + port, inIf: f.inIf, outIf: f.outIf });
        const gotText = `${got.action}@${got.rule ? got.rule.id : 'default'}`;
        const want = naive(s, { ...f, proto, port });
        if (gotText !== want) throw new Error(`${JSON.stringify(f)}: device ${gotText}, reading ${want}\n${text}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random configurations agree`);
});
