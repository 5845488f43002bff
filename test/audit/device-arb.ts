/**
 * Random devices for the audit's property tests, built around a random rule set so that device
 * address sets cut across segment boundaries: user chains with jump, goto and return (acyclic),
 * negation, address and port ranges, interface and family matches, ESTABLISHED-only rules, one or
 * two entry chains, and one or both families. Plus random interface mappings and flows biased to
 * the edges of every range involved.
 */
import fc from '../property/fc.js';
import type { AddressSet, Chain, Condition, Device, DeviceRule, Target } from '../../src/device/types.js';
import { parseCidr } from '../../src/model/cidr.js';
import type { RawRuleSet } from '../reference/evaluator.js';
import { formatV4, formatV6 } from '../reference/arbitrary.js';

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;
export const IFACES = ['if0', 'if1', 'if2'];

interface Span {
  family: 4 | 6;
  lo: bigint;
  hi: bigint;
}

/** Every segment CIDR of the rule set as a span. */
export function segmentSpans(rules: RawRuleSet): Span[] {
  const out: Span[] = [];
  for (const s of rules.segments) {
    for (const c of s.cidrs) {
      const r = parseCidr(c);
      if (r.ok) out.push({ family: r.cidr.family, lo: r.cidr.first, hi: r.cidr.last });
    }
  }
  return out;
}

type SpanGene =
  | { kind: 'segment'; pick: number; cutLo: number; cutHi: number }
  | { kind: 'random'; v6: boolean; a: bigint; b: bigint }
  | { kind: 'host'; pick: number; off: number };

const spanGene: fc.Arbitrary<SpanGene> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('segment' as const), pick: fc.nat(), cutLo: fc.integer({ min: -2, max: 6 }), cutHi: fc.integer({ min: -2, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), v6: fc.boolean(), a: fc.bigInt({ min: 0n, max: V6_MAX }), b: fc.bigInt({ min: 0n, max: V6_MAX }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('host' as const), pick: fc.nat(), off: fc.integer({ min: -1, max: 3 }) }) },
);

function spanOf(g: SpanGene, spans: Span[]): Span {
  if (g.kind === 'random' || spans.length === 0) {
    const v6 = g.kind === 'random' ? g.v6 : false;
    const max = v6 ? V6_MAX : V4_MAX;
    const a = g.kind === 'random' ? g.a % (max + 1n) : 0n;
    const b = g.kind === 'random' ? g.b % (max + 1n) : max;
    return { family: v6 ? 6 : 4, lo: a < b ? a : b, hi: a < b ? b : a };
  }
  const s = spans[g.pick % spans.length]!;
  const max = s.family === 4 ? V4_MAX : V6_MAX;
  const clamp = (x: bigint): bigint => (x < 0n ? 0n : x > max ? max : x);
  if (g.kind === 'host') {
    const x = clamp(s.lo + BigInt(g.off));
    return { family: s.family, lo: x, hi: x };
  }
  const size = s.hi - s.lo + 1n;
  // Cut a part off either end (or widen by one) so that sets cross segment edges.
  const lo = clamp(g.cutLo < 0 ? s.lo - 1n : s.lo + (size * BigInt(g.cutLo)) / 8n);
  const hi = clamp(g.cutHi < 0 ? s.hi + 1n : s.hi - (size * BigInt(g.cutHi)) / 8n);
  return { family: s.family, lo: lo < hi ? lo : hi, hi: lo < hi ? hi : lo };
}

function setOf(spans: Span[]): AddressSet {
  const set: AddressSet = { v4: [], v6: [] };
  for (const s of spans) {
    if (s.family === 4) set.v4.push({ lo: Number(s.lo), hi: Number(s.hi) });
    else set.v6.push({ lo: s.lo, hi: s.hi });
  }
  // Parsers give sorted, merged ranges; keep that shape.
  const merge = <T extends number | bigint>(rs: { lo: T; hi: T }[]): { lo: T; hi: T }[] => {
    rs.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    const out: { lo: T; hi: T }[] = [];
    for (const r of rs) {
      const last = out[out.length - 1];
      if (last && r.lo <= last.hi) {
        if (r.hi > last.hi) last.hi = r.hi;
      } else out.push({ ...r });
    }
    return out;
  };
  return { v4: merge(set.v4), v6: merge(set.v6) };
}

const SERVICE_EDGES = [0, 1, 22, 52, 53, 54, 443, 444, 8080, 65535];
const serviceRangeGene = fc.oneof(
  fc
    .record({ proto: fc.constantFrom(6, 17), lo: fc.constantFrom(...SERVICE_EDGES.slice(1)), len: fc.constantFrom(0, 1, 2, 500, 70000) })
    .map(({ proto, lo, len }) => ({ lo: proto * 65536 + lo, hi: proto * 65536 + Math.min(65535, lo + len) })),
  fc.constantFrom(1, 58, 47, 6, 17).map((p) => (p === 6 || p === 17 ? { lo: p * 65536 + 1, hi: p * 65536 + 65535 } : { lo: p * 65536, hi: p * 65536 })),
);

const conditionGene = fc.record({
  kind: fc.constantFrom('src', 'src', 'dst', 'dst', 'service', 'service', 'in', 'out', 'family', 'never'),
  negate: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  spans: fc.array(spanGene, { minLength: 1, maxLength: 3 }),
  services: fc.array(serviceRangeGene, { minLength: 1, maxLength: 3 }),
  names: fc.subarray(IFACES, { minLength: 1 }),
  family: fc.constantFrom(4 as const, 6 as const),
});

const ruleGene = fc.record({
  conditions: fc.array(conditionGene, { maxLength: 3 }),
  target: fc.constantFrom('accept', 'accept', 'drop', 'drop', 'jump', 'goto', 'return', 'continue'),
  to: fc.nat(),
});

export const deviceGene = fc.record({
  entryPolicies: fc.array(fc.constantFrom('accept' as const, 'drop' as const), { minLength: 1, maxLength: 2 }),
  userChains: fc.nat({ max: 3 }),
  rules: fc.array(fc.record({ chain: fc.nat(), rule: ruleGene }), { maxLength: 14 }),
  families: fc.constantFrom<(4 | 6)[]>([4], [6], [4, 6]),
  interfaces: fc.boolean(),
});
export type DeviceGene = typeof deviceGene extends fc.Arbitrary<infer T> ? T : never;

/** Builds the device; `interfaces` false drops in/out conditions (they would need a mapping). */
export function buildDevice(g: DeviceGene, spans: Span[]): Device {
  const names = [...g.entryPolicies.map((_, i) => `E${i}`), ...Array.from({ length: g.userChains }, (_, i) => `U${i}`)];
  const nEntry = g.entryPolicies.length;
  const chains = new Map<string, Chain>();
  names.forEach((name, i) =>
    chains.set(name, { name, rules: [], policy: i < nEntry ? g.entryPolicies[i]! : null, policyLoc: i < nEntry ? { file: 'dev', line: i + 1, col: 1 } : null }),
  );
  let line = 10;
  for (const { chain, rule } of g.rules) {
    const ci = chain % names.length;
    const conditions: Condition[] = [];
    for (const c of rule.conditions) {
      if ((c.kind === 'in' || c.kind === 'out') && !g.interfaces) continue;
      switch (c.kind) {
        case 'src':
        case 'dst':
          conditions.push({ kind: c.kind, set: setOf(c.spans.map((s) => spanOf(s, spans))), negate: c.negate });
          break;
        case 'service':
          conditions.push({ kind: 'service', ranges: c.services.sort((a, b) => a.lo - b.lo), negate: c.negate });
          break;
        case 'in':
        case 'out':
          conditions.push({ kind: c.kind, names: c.names, negate: c.negate });
          break;
        case 'family':
          conditions.push({ kind: 'family', family: c.family, negate: c.negate });
          break;
        case 'never':
          conditions.push({ kind: 'never', why: 'ESTABLISHED,RELATED' });
          break;
      }
    }
    // Jumps go only to later user chains: no loops.
    let target: Target;
    const later = names.slice(Math.max(ci + 1, nEntry));
    if ((rule.target === 'jump' || rule.target === 'goto') && later.length > 0) target = { kind: rule.target, chain: later[rule.to % later.length]! };
    else if (rule.target === 'jump' || rule.target === 'goto') target = { kind: 'drop' };
    else target = { kind: rule.target } as Target;
    const r: DeviceRule = { conditions, target, loc: { file: 'dev', line: line++, col: 1 }, text: `rule ${line - 1}`, id: null };
    chains.get(names[ci]!)!.rules.push(r);
  }
  return { name: 'dev', file: 'dev', format: 'iptables', families: g.families, chains, entry: names.slice(0, nEntry) };
}

/** Addresses worth asking about: both edges (and one past) of every span. */
export function edgeAddresses(device: Device, spans: Span[]): { v4: bigint[]; v6: bigint[] } {
  const v4 = new Set<bigint>([0n, V4_MAX]);
  const v6 = new Set<bigint>([0n, 1n, V6_MAX]);
  const add = (f: 4 | 6, lo: bigint, hi: bigint): void => {
    const set = f === 4 ? v4 : v6;
    const max = f === 4 ? V4_MAX : V6_MAX;
    for (const x of [lo - 1n, lo, hi, hi + 1n]) if (x >= 0n && x <= max) set.add(x);
  };
  for (const s of spans) add(s.family, s.lo, s.hi);
  for (const c of device.chains.values()) {
    for (const r of c.rules) {
      for (const k of r.conditions) {
        if (k.kind !== 'src' && k.kind !== 'dst') continue;
        for (const x of k.set.v4) add(4, BigInt(x.lo), BigInt(x.hi));
        for (const x of k.set.v6) add(6, x.lo, x.hi);
      }
    }
  }
  // ::ffff:0:0/96 is IPv4 to the policy; IPv6 flows there are not asked.
  const mapped = (x: bigint): boolean => x >> 32n === 0xffffn;
  return { v4: [...v4], v6: [...v6].filter((x) => !mapped(x)) };
}

export function serviceEdges(device: Device): number[] {
  const keys = new Set<number>([6 * 65536 + 1, 6 * 65536 + 443, 17 * 65536 + 53, 65536, 58 * 65536, 47 * 65536, 0, 255 * 65536, 6 * 65536 + 65535]);
  for (const c of device.chains.values()) {
    for (const r of c.rules) {
      for (const k of r.conditions) {
        if (k.kind !== 'service') continue;
        for (const x of k.ranges) for (const y of [x.lo - 1, x.lo, x.hi, x.hi + 1]) keys.add(y);
      }
    }
  }
  // Only flow keys: tcp/udp with a port, other protocols port 0.
  return [...keys].filter((k) => {
    if (k < 0 || k >= 256 * 65536) return false;
    const p = Math.floor(k / 65536);
    const port = k % 65536;
    return p === 6 || p === 17 ? port >= 1 : port === 0;
  });
}

export function addressText(family: 4 | 6, v: bigint): string {
  return family === 4 ? formatV4(v) : formatV6(v);
}
