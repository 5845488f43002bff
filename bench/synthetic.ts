/**
 * A seeded synthetic "prefecture": a rule set the size of a prefecture's shared infrastructure
 * (2,000 segments, 20,000 CIDRs, 5,000 flow rules, 300 distinct service ranges by default),
 * VALID by construction so the benchmarks measure the engine on the rule sets it is meant for:
 *
 * - every flow rule is intra-tier, a deny (the ceiling does not judge denies), or a cross-tier
 *   allow that a sanitizer bridges for every service it names (an allow the ceiling forbids in
 *   whole is an error, docs/validate.md);
 * - sanitizers only where the bridging table (src/model/bridging.ts) lets them take effect;
 * - every segment is in a group, every My Number terminal has mfa: true, every exception is
 *   unexpired on AS_OF and crosses a tier boundary (one the ceiling never holds would be needless).
 *
 * Addresses: segment i owns an IPv4 region (10.0.0.0/8 split evenly) and an IPv6 /48 under
 * fd00::/16. Its CIDRs are the first half of each region (the aggregate), blocks of
 * non-increasing size packed one after another in the second half (adjacent), and small
 * prefixes cut at random inside other segments' aggregates (nested, so longest-prefix match
 * decides). No network is written twice. The same seed always gives the same rule set.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { RawException, RawFlow, RawRuleSet, RawSanitizer, RawSegment } from '../test/reference/evaluator.js';

export interface PrefectureSize {
  segments: number;
  cidrs: number;
  flows: number;
  serviceRanges: number;
}

export const PREFECTURE: PrefectureSize = { segments: 2000, cidrs: 20000, flows: 5000, serviceRanges: 300 };

/** The day exceptions are judged on; every generated exception expires after it. */
export const AS_OF = '2026-06-15';

export interface RuleFile {
  name: string;
  data: Record<string, unknown>;
}

export interface Prefecture {
  seed: number;
  size: PrefectureSize;
  asOf: string;
  /** The merged raw rule data (what the reference evaluator reads). */
  rules: RawRuleSet;
  /** The same data split into the files writeTo writes, in merge order. */
  files: RuleFile[];
  /** The distinct service ranges the rules use, as written (`tcp/443`, `udp/5000-5100`, `icmp`). */
  serviceRanges: string[];
  /** Writes the rule files into dir (created if need be); returns their paths in merge order. */
  writeTo(dir: string): string[];
}

type SiteTier = 'mynumber' | 'lgwan' | 'internet';
const TIERS: readonly SiteTier[] = ['mynumber', 'lgwan', 'internet'];
const PREFIX: Record<SiteTier, string> = { mynumber: 'mn', lgwan: 'lg', internet: 'in' };
/** Share of segments per tier (the rest is lgwan). */
const SHARE: Record<SiteTier, number> = { mynumber: 0.15, lgwan: 0.5, internet: 0.35 };

// — randomness —

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Draw {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A random bigint in [0, 2^bits). */
  bits(bits: number): bigint {
    let v = 0n;
    for (let b = 0; b < bits; b += 16) v = (v << 16n) | BigInt(this.int(65536));
    return v & ((1n << BigInt(bits)) - 1n);
  }
  /** k distinct items of xs (k ≤ xs.length). */
  some<T>(xs: readonly T[], k: number): T[] {
    const out = new Set<T>();
    while (out.size < Math.min(k, xs.length)) out.add(this.pick(xs));
    return [...out];
  }
}

// — addresses —

// The project's own formatters (RFC 5952 for IPv6), re-exported for the bench and its tests.
export { formatV4, compressV6 as formatV6 } from '../src/model/cidr.js';
import { formatV4, compressV6 as formatV6 } from '../src/model/cidr.js';

const ULA = 0xfd00n << 112n;

interface Region {
  /** IPv4 region: [v4, v4 + 2^v4Bits). */
  v4: number;
  /** IPv6 region: a /48. */
  v6: bigint;
  /** Next free address of the second halves (adjacent blocks are packed from here). */
  v4Cursor: number;
  v6Cursor: bigint;
}

/** Adjacent blocks, largest first so each starts aligned right after the one before. */
const V4_ADJACENT = [24, 24, 25, 26, 26, 27, 28, 28, 29, 30, 31, 32];
const V6_ADJACENT = [56, 60, 64, 64, 64, 72, 80, 96, 112, 120, 127, 128];
const V4_NESTED = [26, 27, 28, 29, 30, 32];
const V6_NESTED = [64, 80, 96, 112, 120, 128];

class AddressPlan {
  readonly v4Bits: number;
  readonly regions: Region[] = [];
  private readonly seen = new Set<string>();
  readonly owned: string[][];

  constructor(
    private readonly d: Draw,
    segments: number,
  ) {
    // 10.0.0.0/8 split evenly: a region of 2^v4Bits addresses per segment.
    this.v4Bits = 24 - Math.ceil(Math.log2(Math.max(2, segments)));
    for (let i = 0; i < segments; i++) {
      const v4 = (10 << 24) + i * 2 ** this.v4Bits;
      const v6 = ULA | (BigInt(i) << 80n);
      this.regions.push({ v4, v6, v4Cursor: v4 + 2 ** (this.v4Bits - 1), v6Cursor: v6 | (1n << 79n) });
    }
    this.owned = Array.from({ length: segments }, () => []);
  }

  private claim(seg: number, text: string): boolean {
    if (this.seen.has(text)) return false;
    this.seen.add(text);
    this.owned[seg]!.push(text);
    return true;
  }

  aggregate4(seg: number): void {
    this.claim(seg, `${formatV4(this.regions[seg]!.v4)}/${33 - this.v4Bits}`);
  }

  aggregate6(seg: number): void {
    this.claim(seg, `${formatV6(this.regions[seg]!.v6)}/49`);
  }

  /** The next block in the second half of the segment's own region; false when it is full. */
  adjacent4(seg: number, nth: number): boolean {
    const r = this.regions[seg]!;
    const prefix = Math.max(V4_ADJACENT[Math.min(nth, V4_ADJACENT.length - 1)]!, 33 - this.v4Bits);
    const size = 2 ** (32 - prefix);
    if (r.v4Cursor + size > r.v4 + 2 ** this.v4Bits) return false;
    const ok = this.claim(seg, `${formatV4(r.v4Cursor)}/${prefix}`);
    r.v4Cursor += size;
    return ok;
  }

  adjacent6(seg: number, nth: number): boolean {
    const r = this.regions[seg]!;
    const prefix = V6_ADJACENT[Math.min(nth, V6_ADJACENT.length - 1)]!;
    const size = 1n << BigInt(128 - prefix);
    if (r.v6Cursor + size > r.v6 + (1n << 80n)) return false;
    const ok = this.claim(seg, `${formatV6(r.v6Cursor)}/${prefix}`);
    r.v6Cursor += size;
    return ok;
  }

  /** A small prefix at a random aligned place inside another segment's IPv4 aggregate. */
  nested4(seg: number, segments: number): boolean {
    for (let attempt = 0; attempt < 32; attempt++) {
      const host = (seg + 1 + this.d.int(segments - 1)) % segments;
      const prefix = Math.max(this.d.pick(V4_NESTED), 34 - this.v4Bits);
      const slots = 2 ** (prefix - (33 - this.v4Bits));
      const first = this.regions[host]!.v4 + this.d.int(slots) * 2 ** (32 - prefix);
      if (this.claim(seg, `${formatV4(first)}/${prefix}`)) return true;
    }
    return false;
  }

  nested6(seg: number, segments: number): boolean {
    for (let attempt = 0; attempt < 32; attempt++) {
      const host = (seg + 1 + this.d.int(segments - 1)) % segments;
      const prefix = this.d.pick(V6_NESTED);
      const first = this.regions[host]!.v6 | (this.d.bits(prefix - 49) << BigInt(128 - prefix));
      if (this.claim(seg, `${formatV6(first)}/${prefix}`)) return true;
    }
    return false;
  }
}

/**
 * The kinds of CIDR a segment gets, in order: its two aggregates first (so no segment is ever
 * covered in full by others' prefixes), then a mix of adjacent and nested blocks, 40 % IPv6.
 */
const CIDR_PATTERN = ['a4', 'a6', 'j4', 'n4', 'j6', 'j4', 'n6', 'n4', 'j4', 'j6'] as const;

function planCidrs(plan: AddressPlan, segments: number, total: number): void {
  for (let seg = 0; seg < segments; seg++) {
    const want = Math.floor(total / segments) + (seg < total % segments ? 1 : 0);
    let j4 = 0;
    let j6 = 0;
    let k = 0;
    // Nested cuts can collide with earlier ones; a collision just tries the next kind.
    for (let guard = 0; plan.owned[seg]!.length < want && guard < want * 8; guard++, k++) {
      const kind = CIDR_PATTERN[k % CIDR_PATTERN.length]!;
      if (kind === 'a4') plan.aggregate4(seg);
      else if (kind === 'a6') plan.aggregate6(seg);
      else if (kind === 'j4') plan.adjacent4(seg, j4++) || plan.nested4(seg, segments);
      else if (kind === 'j6') plan.adjacent6(seg, j6++) || plan.nested6(seg, segments);
      else if (kind === 'n4') plan.nested4(seg, segments);
      else plan.nested6(seg, segments);
    }
  }
}

// — services —

const WELL_KNOWN_TCP = [22, 25, 53, 80, 110, 143, 389, 443, 445, 465, 587, 636, 993, 995, 1433, 1521, 3306, 3389, 5432, 8080, 8443];
const WELL_KNOWN_UDP = [53, 67, 69, 123, 161, 162, 389, 500, 514, 1812, 4500];
const PORTLESS = ['icmp', 'icmpv6', 'proto/47', 'proto/50', 'proto/51', 'proto/89', 'proto/112', 'proto/132'];

/** n distinct service ranges: single ports, port ranges, port-less protocols. */
function servicePool(d: Draw, n: number): string[] {
  const out = new Set<string>();
  for (const p of PORTLESS.slice(0, Math.min(PORTLESS.length, Math.ceil(n / 40)))) out.add(p);
  for (const p of WELL_KNOWN_TCP) if (out.size < n * 0.3) out.add(`tcp/${p}`);
  for (const p of WELL_KNOWN_UDP) if (out.size < n * 0.4) out.add(`udp/${p}`);
  while (out.size < n) {
    const proto = d.chance(0.65) ? 'tcp' : 'udp';
    if (d.chance(0.7)) out.add(`${proto}/${d.range(1024, 49151)}`);
    else {
      const lo = d.range(1024, 60000);
      out.add(`${proto}/${lo}-${lo + d.range(1, 1000)}`);
    }
  }
  return [...out];
}

// — the rule set —

interface SegmentInfo {
  index: number;
  name: string;
  tier: SiteTier;
  /** Sanitizer halves it can bridge: flows out of it to `peer`, or into it from `peer`. */
  bridges: { half: 'out' | 'in'; peer: SiteTier; services: string[] }[];
}

/** Every (method, peer, direction) the bridging table lets a segment of each tier carry. */
const BRIDGES: Record<SiteTier, { method: string; peer: SiteTier; directions: string[] }[]> = {
  internet: [
    { method: 'mail-text', peer: 'lgwan', directions: ['inbound', 'outbound', 'both'] },
    { method: 'file-sanitize', peer: 'lgwan', directions: ['inbound', 'outbound', 'both'] },
    // screen transfer is initiated from the LGWAN side (5(3)イ)
    { method: 'screen-transfer', peer: 'lgwan', directions: ['inbound'] },
  ],
  lgwan: [
    { method: 'mail-text', peer: 'internet', directions: ['inbound', 'outbound', 'both'] },
    { method: 'file-sanitize', peer: 'internet', directions: ['inbound', 'outbound', 'both'] },
    { method: 'screen-transfer', peer: 'internet', directions: ['outbound'] },
    // the one-way import into My Number (5(3)ア)
    { method: 'file-sanitize', peer: 'mynumber', directions: ['outbound'] },
  ],
  mynumber: [{ method: 'file-sanitize', peer: 'lgwan', directions: ['inbound'] }],
};

function tierCounts(n: number): Record<SiteTier, number> {
  const mn = Math.max(3, Math.round(n * SHARE.mynumber));
  const inet = Math.max(3, Math.round(n * SHARE.internet));
  return { mynumber: mn, internet: inet, lgwan: Math.max(3, n - mn - inet) };
}

export function generatePrefecture(seed: number, size: PrefectureSize = PREFECTURE): Prefecture {
  const d = new Draw(rng(seed));
  const counts = tierCounts(size.segments);
  const N = counts.mynumber + counts.lgwan + counts.internet;
  const pool = servicePool(d, size.serviceRanges);
  let poolNext = 0;
  // Each rule's first service walks the pool, so every range is used once the rules outnumber it.
  const nextService = (): string => pool[poolNext++ % pool.length]!;
  const services = (k: number): string[] => [nextService(), ...d.some(pool, k - 1)].filter((s, i, a) => a.indexOf(s) === i);

  // Named services: a few ranges each, standing wherever a range may.
  const named: Record<string, string[]> = {};
  for (let i = 0; i < Math.max(1, Math.floor(size.serviceRanges / 10)); i++) named[`svc-${String(i + 1).padStart(3, '0')}`] = d.some(pool, d.range(1, 3));
  const namedNames = Object.keys(named);

  // Segments, tier by tier.
  const plan = new AddressPlan(d, N);
  planCidrs(plan, N, Math.max(size.cidrs, N));
  const infos: SegmentInfo[] = [];
  const raw: RawSegment[] = [];
  const byTier: Record<SiteTier, SegmentInfo[]> = { mynumber: [], lgwan: [], internet: [] };
  const sanitizerEvery = 40;
  for (const tier of TIERS) {
    for (let k = 0; k < counts[tier]; k++) {
      const index = raw.length;
      const name = `${PREFIX[tier]}-${String(index + 1).padStart(4, '0')}`;
      const seg: RawSegment = { name, tier, cidrs: plan.owned[index]! };
      const info: SegmentInfo = { index, name, tier, bridges: [] };
      const role = d.chance(0.3) ? 'terminal' : 'server';
      if (role === 'terminal') {
        seg.role = 'terminal';
        if (tier === 'mynumber') seg.mfa = true;
      }
      if (d.chance(0.03)) seg.external = true;
      // Sanitizers: the first segment of each tier carries each kind at least once.
      const kinds = BRIDGES[tier];
      if (k < kinds.length || k % sanitizerEvery === 0) {
        const kind = kinds[k < kinds.length ? k : d.int(kinds.length)]!;
        const direction = d.pick(kind.directions);
        const sanitizer: RawSanitizer = { method: kind.method, peer: kind.peer, direction, services: d.some(pool, d.range(1, 3)) };
        seg.sanitizer = sanitizer;
        if (direction !== 'inbound') info.bridges.push({ half: 'out', peer: kind.peer, services: sanitizer.services });
        if (direction !== 'outbound') info.bridges.push({ half: 'in', peer: kind.peer, services: sanitizer.services });
      }
      raw.push(seg);
      infos.push(info);
      byTier[tier].push(info);
    }
  }

  // Groups: every segment in one department group of its tier; divisions nest departments.
  const groups: Record<string, string[]> = {};
  const depts: Record<SiteTier, string[]> = { mynumber: [], lgwan: [], internet: [] };
  const divisions: Record<SiteTier, string[]> = { mynumber: [], lgwan: [], internet: [] };
  const groupTier = new Map<string, SiteTier>();
  for (const tier of TIERS) {
    const segs = byTier[tier];
    for (let at = 0; at < segs.length; ) {
      const take = Math.min(segs.length - at, d.range(6, 18));
      const name = `g-${PREFIX[tier]}-${String(depts[tier].length + 1).padStart(3, '0')}`;
      groups[name] = segs.slice(at, at + take).map((s) => s.name);
      depts[tier].push(name);
      groupTier.set(name, tier);
      at += take;
    }
    for (let at = 0; at < depts[tier].length; ) {
      const take = Math.min(depts[tier].length - at, d.range(3, 6));
      const name = `d-${PREFIX[tier]}-${String(divisions[tier].length + 1).padStart(2, '0')}`;
      // A division holds departments and, now and then, one more segment directly.
      const members = depts[tier].slice(at, at + take);
      if (d.chance(0.5)) members.push(d.pick(segs).name);
      groups[name] = [...new Set(members)];
      divisions[tier].push(name);
      groupTier.set(name, tier);
      at += take;
    }
  }

  /** 1–3 selectors of one tier: mostly single segments, some departments, a few divisions. */
  const selectorsOf = (tier: SiteTier, max = 3): string[] => {
    const out = new Set<string>();
    const k = d.range(1, max);
    while (out.size < k) {
      const r = d.next();
      if (r < 0.65) out.add(d.pick(byTier[tier]).name);
      else if (r < 0.92) out.add(d.pick(depts[tier]));
      else out.add(d.pick(divisions[tier]));
    }
    return [...out];
  };
  const serviceList = (): string[] => {
    const list = services(d.range(1, 3));
    if (d.chance(0.15)) list.push(d.pick(namedNames));
    return [...new Set(list)];
  };

  const sanitizers = infos.filter((s) => s.bridges.length > 0);
  const flows: RawFlow[] = [];
  for (let i = 0; i < size.flows; i++) {
    const id = `F-${String(i + 1).padStart(5, '0')}`;
    const r = d.next();
    let flow: RawFlow;
    if (r < 0.1) {
      // Deny: anything to anything, the outside included; narrow so it rarely shadows a grant.
      const to = d.chance(0.2) ? ['outside'] : selectorsOf(d.pick(TIERS), 2);
      flow = { id, action: 'deny', from: selectorsOf(d.pick(TIERS), 2), to, services: services(d.range(1, 2)) };
    } else if (r < 0.22) {
      // Cross-tier grant through a sanitizer: only services the sanitizer bridges.
      const s = d.pick(sanitizers);
      const b = d.pick(s.bridges);
      const svc = d.some(b.services, d.range(1, b.services.length));
      flow = b.half === 'out' ? { id, from: [s.name], to: selectorsOf(b.peer, 2), services: svc } : { id, from: selectorsOf(b.peer, 2), to: [s.name], services: svc };
    } else {
      const tier = d.chance(0.15) ? 'mynumber' : d.chance(0.6) ? 'lgwan' : 'internet';
      flow = { id, from: selectorsOf(tier), to: selectorsOf(tier), services: serviceList() };
      if (d.chance(0.3)) flow.action = 'allow';
    }
    if (d.chance(0.4)) flow.ticket = `CR-${2020 + d.int(7)}-${String(d.range(1, 9999)).padStart(4, '0')}`;
    flows.push(flow);
  }

  // Exceptions: approved lifts of the ceiling, each one across a boundary the ceiling holds.
  const exceptions: RawException[] = [];
  const crossings: [() => string[], () => string[]][] = [
    [() => [d.pick(byTier.internet).name], () => ['outside']],
    [() => [d.pick(byTier.lgwan).name], () => [d.pick(byTier.internet).name]],
    [() => [d.pick(byTier.mynumber).name], () => [d.pick(byTier.lgwan).name]],
  ];
  for (let i = 0; i < Math.max(3, Math.floor(size.flows / 100)); i++) {
    const [from, to] = crossings[i % crossings.length]!;
    const month = d.range(1, 12);
    exceptions.push({
      id: `EX-${String(i + 1).padStart(3, '0')}`,
      from: from(),
      to: to(),
      services: services(1),
      reason: 'migration window approved by the CISO',
      'approved-by': 'CISO',
      expires: `${2027 + d.int(4)}-${String(month).padStart(2, '0')}-28`,
    });
  }

  const policy = {
    name: `Synthetic Prefecture (seed ${seed})`,
    model: 'alpha',
    timezone: 'Asia/Tokyo',
    defaults: { mynumber: 'deny', lgwan: 'allow', internet: 'deny' },
  } as const;
  const rules: RawRuleSet = { policy: { ...policy, defaults: { ...policy.defaults } }, services: named, groups, segments: raw, flows, exceptions };
  const files: RuleFile[] = [
    { name: '00-policy.yaml', data: { policy: rules.policy } },
    { name: '10-services.yaml', data: { services: named } },
    ...TIERS.map((tier, k) => ({ name: `2${k}-segments-${tier}.yaml`, data: { segments: raw.filter((s) => s.tier === tier) } })),
    { name: '30-groups.yaml', data: { groups } },
    { name: '40-flows.yaml', data: { flows } },
    { name: '50-exceptions.yaml', data: { exceptions } },
  ];
  return {
    seed,
    size,
    asOf: AS_OF,
    rules,
    files,
    serviceRanges: pool,
    writeTo(dir: string): string[] {
      mkdirSync(dir, { recursive: true });
      return files.map((f) => {
        const path = join(dir, f.name);
        writeFileSync(path, `# generated by bench/synthetic.ts, seed ${seed}\n${YAML.stringify(f.data, { lineWidth: 0 })}`);
        return path;
      });
    },
  };
}
