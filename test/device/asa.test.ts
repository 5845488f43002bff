/**
 * Cisco ASA: a fixture per statement and per refusal (expectations inside the fixtures, see
 * fixtures.ts), Batfish's public test configurations, and a property test comparing the parsed
 * device with a direct reading of random ACLs, access-groups and security levels.
 */
import t from 'tap';
import fc from '../property/fc.js';
import { join } from 'node:path';
import { detect, parseAsa } from '../../src/device/asa.js';
import { evaluateDevice } from '../reference/device.js';
import { detectsNoneOf, fixturesIn, flowOf, problemList, readFixture, runFixtures, verdictOf } from './fixtures.js';
import { runs } from '../property/settings.js';

const DIR = 'test/fixtures/devices/asa';
const RUNS = runs(150);

runFixtures({ fixtures: fixturesIn(DIR, /\.cfg$/), parse: parseAsa, detect: { vendor: 'ASA', fn: detect }, lenient: { stays: ['DEVICE-SYNTAX'] } });

t.test('Batfish: equal security levels with same-security-traffic; a global ACL', async (t) => {
  const both = join(DIR, 'public/asa-security-level-permit-both.cfg');
  const d = parseAsa(readFixture(both).text, both, { lenient: false });
  t.same(problemList(d), []);
  t.ok(detect(readFixture(both).text));
  t.equal(d.devices[0]!.name, 'asa-security-level-permit-both');
  t.equal(verdictOf(d.devices[0]!, flowOf('3.0.0.5', '3.0.1.5', 'tcp/80', 'name1', 'name2')), 'accept@level:name1', 'inter-interface');
  t.equal(verdictOf(d.devices[0]!, flowOf('3.0.0.5', '3.0.0.6', 'tcp/80', 'name1', 'name1')), 'accept@level:name1', 'intra-interface');
  const glob = join(DIR, 'public/asa-filters-global.cfg');
  const g = parseAsa(readFixture(glob).text, glob, { lenient: false });
  t.same(problemList(g), []);
  t.equal(verdictOf(g.devices[0]!, flowOf('192.168.2.5', '192.168.1.5', 'tcp/123', 'name2', 'name1')), 'accept@FILTER_GLOBAL:1', 'the global ACL replaces security levels');
  t.equal(verdictOf(g.devices[0]!, flowOf('192.168.1.5', '192.168.2.5', 'tcp/80', 'name1', 'name2')), 'drop@FILTER_GLOBAL:implicit-deny', 'higher to lower is no longer enough');
});

detectsNoneOf(detect, ['fortios', 'rtx', 'panos']);

// ——— property ———

type Addr = { k: 'any' } | { k: 'host'; a: number } | { k: 'net'; a: number; len: number } | { k: 'grp'; hosts: number[] };
type PortOp = null | { op: 'eq' | 'lt' | 'gt' | 'neq'; p: number } | { op: 'range'; a: number; b: number };
interface Ace {
  permit: boolean;
  proto: 'ip' | 'tcp' | 'udp' | 'icmp';
  src: Addr;
  dst: Addr;
  port: PortOp;
  inactive: boolean;
}
const IFS = [
  { name: 'outside', level: 0 },
  { name: 'inside', level: 100 },
  { name: 'dmz', level: 50 },
  { name: 'dmz2', level: 50 },
];
const addr: fc.Arbitrary<Addr> = fc.oneof(
  fc.constant({ k: 'any' as const }),
  fc.integer({ min: 0, max: 40 }).map((a) => ({ k: 'host' as const, a })),
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 28, max: 31 })).map(([a, len]) => ({ k: 'net' as const, a: a & ~(2 ** (32 - len) - 1), len })),
  fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 3 }).map((hosts) => ({ k: 'grp' as const, hosts })),
);
const portOp: fc.Arbitrary<PortOp> = fc.oneof(
  fc.constant(null),
  fc.record({ op: fc.constantFrom('eq' as const, 'lt' as const, 'gt' as const, 'neq' as const), p: fc.integer({ min: 1, max: 30 }) }),
  fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 6 })).map(([a, w]) => ({ op: 'range' as const, a, b: a + w })),
);
const ace: fc.Arbitrary<Ace> = fc
  .record({
    permit: fc.boolean(),
    proto: fc.constantFrom('ip' as const, 'tcp' as const, 'udp' as const, 'icmp' as const),
    src: addr,
    dst: addr,
    port: portOp,
    inactive: fc.boolean(),
  })
  .map((a) => (a.proto === 'tcp' || a.proto === 'udp' ? a : { ...a, port: null }));
const scenario = fc.record({
  acls: fc.tuple(...IFS.map(() => fc.option(fc.array(ace, { maxLength: 5 }), { nil: null }))),
  global: fc.option(fc.array(ace, { maxLength: 3 }), { nil: null }),
  outAcl: fc.option(fc.array(ace, { maxLength: 3 }), { nil: null }),
  sameInter: fc.boolean(),
});

const ip = (n: number): string => `10.0.0.${n}`;
function render(s: { acls: (Ace[] | null)[]; global: Ace[] | null; outAcl: Ace[] | null; sameInter: boolean }): string {
  const out: string[] = ['hostname p'];
  for (const i of IFS) out.push(`interface Gi0/${i.name}`, ` nameif ${i.name}`, ` security-level ${i.level}`);
  if (s.sameInter) out.push('same-security-traffic permit inter-interface');
  let g = 0;
  const a = (x: Addr): string => {
    if (x.k === 'any') return 'any';
    if (x.k === 'host') return `host ${ip(x.a)}`;
    if (x.k === 'net') return `${ip(x.a)} 255.255.255.${(256 - 2 ** (32 - x.len)) & 255}`;
    const name = `G${g++}`;
    out.push(`object-group network ${name}`, ...x.hosts.map((h) => ` network-object host ${ip(h)}`));
    return `object-group ${name}`;
  };
  const p = (x: PortOp): string => (x === null ? '' : x.op === 'range' ? ` range ${x.a} ${x.b}` : ` ${x.op} ${x.p}`);
  const acl = (name: string, aces: Ace[]): void => {
    for (const e of aces) out.push(`access-list ${name} extended ${e.permit ? 'permit' : 'deny'} ${e.proto} ${a(e.src)} ${a(e.dst)}${p(e.port)}${e.inactive ? ' inactive' : ''}`);
    if (aces.length === 0) out.push(`access-list ${name} remark empty`);
  };
  s.acls.forEach((aces, k) => {
    if (!aces) return;
    acl(`A${k}`, aces);
    out.push(`access-group A${k} in interface ${IFS[k]!.name}`);
  });
  if (s.global) {
    acl('GLOBAL', s.global);
    out.push('access-group GLOBAL global');
  }
  if (s.outAcl) {
    acl('OUT', s.outAcl);
    out.push('access-group OUT out interface outside');
  }
  return out.join('\n');
}

function naive(
  s: { acls: (Ace[] | null)[]; global: Ace[] | null; outAcl: Ace[] | null; sameInter: boolean },
  f: { src: number; dst: number; proto: number; port: number; inIf: number; outIf: number },
): boolean {
  const inA = (x: Addr, v: number): boolean => x.k === 'any' || (x.k === 'host' ? v === x.a : x.k === 'net' ? v >> (32 - x.len) === x.a >> (32 - x.len) : x.hosts.includes(v));
  const m = (e: Ace): boolean => {
    if (e.inactive) return false;
    const protoNum = { ip: -1, tcp: 6, udp: 17, icmp: 1 }[e.proto];
    if (protoNum !== -1 && protoNum !== f.proto) return false;
    if (!inA(e.src, f.src) || !inA(e.dst, f.dst)) return false;
    const q = e.port;
    if (q === null) return true;
    if (q.op === 'range') return f.port >= q.a && f.port <= q.b;
    return q.op === 'eq' ? f.port === q.p : q.op === 'lt' ? f.port < q.p : q.op === 'gt' ? f.port > q.p : f.port !== q.p;
  };
  const first = (aces: Ace[]): boolean | null => {
    for (const e of aces) if (m(e)) return e.permit;
    return null;
  };
  // Rules present in the ACL text (the remark of an empty ACL still makes the ACL exist).
  const inAcl = s.acls[f.inIf] ?? null;
  let allowed: boolean;
  if (inAcl !== null || s.global !== null) {
    allowed = (inAcl ? first(inAcl) : null) ?? (s.global ? first(s.global) : null) ?? false;
  } else {
    const a = IFS[f.inIf]!.level;
    const b = IFS[f.outIf]!.level;
    allowed = f.inIf === f.outIf ? false : a > b || (a === b && s.sameInter);
  }
  if (!allowed) return false;
  if (s.outAcl && IFS[f.outIf]!.name === 'outside') return first(s.outAcl) ?? false;
  return true;
}

t.test('property: parsed ASA access rules decide as a direct reading', async (t) => {
  const flow = fc.record({
    src: fc.integer({ min: 0, max: 45 }),
    dst: fc.integer({ min: 0, max: 45 }),
    ps: fc.oneof(fc.tuple(fc.constantFrom(6, 17), fc.integer({ min: 1, max: 40 })), fc.constantFrom<[number, number]>([1, 0], [47, 0])),
    inIf: fc.integer({ min: 0, max: 3 }),
    outIf: fc.integer({ min: 0, max: 3 }),
  });
  fc.assert(
    fc.property(scenario, fc.array(flow, { minLength: 20, maxLength: 20 }), (s, flows) => {
      const text = render(s);
      const r = parseAsa(text, 'random.cfg', { lenient: false });
      if (r.problems.length > 0) throw new Error(`problems: ${problemList(r).join(', ')}\n${text}`);
      for (const f of flows) {
        const [proto, port] = f.ps;
        const got = evaluateDevice(r.devices[0]!, {
          family: 4,
          src: 0x0a000000 + f.src,
          dst: 0x0a000000 + f.dst,
          key: proto * 65536 + port,
          inIf: IFS[f.inIf]!.name,
          outIf: IFS[f.outIf]!.name,
        });
        const want = naive(s, { ...f, proto, port });
        if ((got.action === 'accept') !== want)
          throw new Error(`${JSON.stringify(f)}: device ${got.action} (${got.rule?.id ?? got.chain}), reading ${want ? 'accept' : 'drop'}\n${text}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random configurations agree`);
});

t.test('Aerleon regression outputs, bound to an interface', async (t) => {
  const bind = (acl: string): string =>
    `\naccess-group ${acl} in interface outside\ninterface Gi0/0\n nameif outside\n security-level 0\ninterface Gi0/1\n nameif inside\n security-level 100\n`;
  const host = join(DIR, 'public/aerleon-HostAddressFormat.ref');
  const h = parseAsa(readFixture(host).text + bind('allowtointernet'), host, { lenient: false });
  t.same(problemList(h), [], 'clear configure and remarks are read; the ACE is');
  t.equal(verdictOf(h.devices[0]!, flowOf('10.0.0.1', '10.0.0.1', 'udp/53', 'outside', 'inside')), 'accept@allowtointernet:1');
  t.equal(verdictOf(h.devices[0]!, flowOf('10.0.0.2', '10.0.0.1', 'udp/53', 'outside', 'inside')), 'drop@allowtointernet:implicit-deny');
  // Aerleon prints a non-contiguous mask here; an ASA network mask must be contiguous.
  const dsmo = join(DIR, 'public/aerleon-DSMOdestination.ref');
  const d = parseAsa(readFixture(dsmo).text + bind('foo'), dsmo, { lenient: false });
  t.same(problemList(d), ['DEVICE-SYNTAX 8:40'], 'a non-contiguous mask is refused at its address');
});
