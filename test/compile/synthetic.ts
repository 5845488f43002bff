/**
 * A large synthetic city as a Model, built directly (no YAML) with a seeded generator: the
 * compiler's size target of SPEC-level work (2,000 segments, 20,000 CIDRs, 5,000 flow rules,
 * 300 service ranges). Used by the size test and by `node test/compile/measure.ts`.
 */
import { parseServiceRange } from '../../src/model/services.js';
import type { Cidr, Model, Segment, ServiceRef, SiteTier, FlowRule, Selector, Exception } from '../../src/model/types.js';

export interface SyntheticOptions {
  segments?: number;
  cidrsPerSegment?: number;
  flows?: number;
  serviceRanges?: number;
  exceptions?: number;
  /** Fraction of flow rules naming a group of ~20 segments instead of 1–3 segments. */
  groupRuleShare?: number;
  seed?: number;
}

/** mulberry32: small, seeded, good enough to spread rules. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const loc = { file: 'synthetic.yaml', line: 1, col: 1 };

function v4Cidr(first: number, prefix: number): Cidr {
  const size = 2 ** (32 - prefix);
  const f = BigInt(first);
  const text = `${first >>> 24}.${(first >>> 16) & 255}.${(first >>> 8) & 255}.${first & 255}/${prefix}`;
  return { family: 4, text, prefix, first: f, last: f + BigInt(size - 1), loc };
}

function v6Cidr(index: number): Cidr {
  // fd00:<index>::/48
  const first = (0xfd00n << 112n) | (BigInt(index) << 96n);
  return { family: 6, text: `fd00:${index.toString(16)}::/48`, prefix: 48, first, last: first + (1n << 80n) - 1n, loc };
}

function svc(text: string): ServiceRef {
  const r = parseServiceRange(text);
  if (!r.ok) throw new Error(r.reason);
  return { text, ranges: [r.range], loc };
}

export function syntheticModel(o: SyntheticOptions = {}): Model {
  const N = o.segments ?? 2000;
  const perSeg = o.cidrsPerSegment ?? 10;
  const F = o.flows ?? 5000;
  const S = o.serviceRanges ?? 300;
  const E = o.exceptions ?? 20;
  const groupShare = o.groupRuleShare ?? 0.1;
  const rand = rng(o.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

  const segments: Segment[] = [];
  const tierOf = (i: number): SiteTier => (i % 10 === 0 ? 'mynumber' : i % 10 < 7 ? 'lgwan' : 'internet');
  // Each segment owns /24s of 10.0.0.0/8 and 172.16.0.0/12, and two /28s carved inside a
  // neighbour's /24 (nested prefixes, longest match decides).
  let next24 = 0;
  for (let i = 0; i < N; i++) {
    const tier = tierOf(i);
    const cidrs: Cidr[] = [];
    for (let k = 0; k < perSeg - 3; k++) {
      const n = next24++;
      const base = n < 65536 ? (10 << 24) + n * 256 : (172 << 24) + (16 << 16) + (n - 65536) * 256;
      cidrs.push(v4Cidr(base >>> 0, 24));
    }
    cidrs.push(v6Cidr(i));
    segments.push({
      index: i, name: `seg-${i}`, tier, role: i % 7 === 0 ? 'terminal' : 'server', mfa: i % 3 === 0, external: false,
      cidrs, sanitizer: null, description: null, loc,
    });
  }
  for (let i = 0; i < N; i++) {
    const host = segments[(i + 1) % N]!;
    const parent = host.cidrs[0]!;
    const p = Number(parent.first);
    segments[i]!.cidrs.push(v4Cidr(p + 16 * (1 + (i % 7)), 28), v4Cidr(p + 16 * (9 + (i % 6)), 28));
  }
  // Sanitizers: every 50th lgwan segment bridges to internet, every 100th internet one to lgwan.
  const sanServices = [svc('tcp/443'), svc('tcp/25')];
  for (const seg of segments) {
    if (seg.tier === 'internet' && seg.index % 50 === 7) {
      seg.sanitizer = { method: 'screen-transfer', peer: 'lgwan', direction: 'inbound', services: sanServices, loc };
    } else if (seg.tier === 'lgwan' && seg.index % 100 === 1) {
      seg.sanitizer = { method: 'mail-text', peer: 'internet', direction: 'both', services: sanServices, loc };
    } else if (seg.tier === 'mynumber' && seg.index % 200 === 0) {
      seg.sanitizer = { method: 'file-sanitize', peer: 'lgwan', direction: 'inbound', services: [svc('tcp/445')], loc };
    }
  }
  const outside: Segment = { index: N, name: 'outside', tier: 'outside', role: 'other', mfa: false, external: true, cidrs: [], sanitizer: null, description: null, loc };
  segments.push(outside);

  const services: ServiceRef[] = [];
  for (let k = 0; k < S; k++) {
    if (k % 3 === 0) {
      const lo = 1000 + k * 40;
      services.push(svc(`tcp/${lo}-${lo + 20 + (k % 50)}`));
    } else services.push(svc(`${k % 5 === 0 ? 'udp' : 'tcp'}/${1 + ((k * 7919) % 65000)}`));
  }
  const groups = new Map<string, { members: string[]; segments: number[]; loc: typeof loc }>();
  for (let g = 0; g < 100; g++) {
    const segs = Array.from({ length: 20 }, (_, j) => (g * 20 + j) % N);
    groups.set(`grp-${g}`, { members: segs.map((s) => `seg-${s}`), segments: segs, loc });
  }
  const sel = (): Selector[] => {
    if (rand() < groupShare) {
      const g = Math.floor(rand() * 100);
      const gr = groups.get(`grp-${g}`)!;
      return [{ text: `grp-${g}`, segments: gr.segments, loc }];
    }
    const n = 1 + Math.floor(rand() * 3);
    return Array.from({ length: n }, () => {
      const s = Math.floor(rand() * N);
      return { text: `seg-${s}`, segments: [s], loc };
    });
  };
  const flows: FlowRule[] = [];
  for (let f = 0; f < F; f++) {
    const from = sel();
    // Most rules stay within a tier; a few cross (and some of those will hit the ceiling).
    const to = sel();
    const n = 1 + Math.floor(rand() * 3);
    flows.push({
      index: f, id: `F-${f}`, action: rand() < 0.1 ? 'deny' : 'allow', from, to,
      services: Array.from({ length: n }, () => pick(services)), ticket: null, loc,
    });
  }
  const exceptions: Exception[] = [];
  for (let e = 0; e < E; e++) {
    exceptions.push({
      index: e, id: `EX-${e}`, from: sel(), to: sel(), services: [pick(services)], reason: 'synthetic', approvedBy: 'CISO',
      expires: e % 4 === 0 ? '2020-01-01' : '2099-12-31', ticket: null, loc,
    });
  }
  return {
    policy: {
      name: 'Synthetic City', model: 'alpha', timezone: 'Asia/Tokyo',
      defaults: { mynumber: 'deny', lgwan: 'allow', internet: 'deny' },
      clauses: { 'CLOUD-AGGREGATION': '5(3)ウ', 'MN-ISOLATION': '5(3)ア', 'SPLIT-PATH': '5(3)イ', 'MFA-REQUIRED': '5(3)ア' },
    },
    segments,
    outside: N,
    groups,
    services: new Map(),
    flows,
    exceptions,
    files: ['synthetic.yaml'],
    version: 'sha256:synthetic',
  };
}
