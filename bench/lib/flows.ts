/**
 * Pre-generated flows, seeded, in the shapes each contender takes: typed arrays for the table's
 * integer entry points, text for everything that parses (the reference evaluator, address
 * libraries, HTTP). Addresses are drawn uniformly over a rule set's CIDRs (then uniformly inside
 * the CIDR), so small nested prefixes get their share of traffic; a share goes to addresses no
 * segment claims. Services are drawn from the ranges the rules name, with a share of random tcp
 * ports most rules do not grant.
 */
import { formatServiceKey, hasPorts, serviceKey } from '../../src/model/services.js';
import { serviceRanges, type Model, type ServiceRange } from '../../src/model/types.js';
import { formatV4, formatV6, rng } from '../synthetic.js';

export interface V4Flows {
  n: number;
  src: Uint32Array;
  dst: Uint32Array;
  proto: Uint8Array;
  port: Uint16Array;
}

export interface V6Flows {
  n: number;
  /** Four big-endian words per address. */
  src: Uint32Array;
  dst: Uint32Array;
  proto: Uint8Array;
  port: Uint16Array;
}

export interface TextFlow {
  src: string;
  dst: string;
  service: string;
}

const OUTSIDE_SHARE = 0.1;
const RANDOM_PORT_SHARE = 0.2;

function ruleRanges(model: Model): ServiceRange[] {
  const out: ServiceRange[] = [];
  for (const f of model.flows) out.push(...serviceRanges(f.services));
  for (const e of model.exceptions) out.push(...serviceRanges(e.services));
  for (const s of model.segments) if (s.sanitizer) out.push(...serviceRanges(s.sanitizer.services));
  return out;
}

/** Fills proto[i]/port[i] with a flow service (tcp/udp with a port, others without). */
function services(model: Model, n: number, r: () => number): { proto: Uint8Array; port: Uint16Array } {
  const ranges = ruleRanges(model);
  const proto = new Uint8Array(n);
  const port = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let p: number;
    let q: number;
    if (ranges.length === 0 || r() < RANDOM_PORT_SHARE) {
      p = 6;
      q = 1 + Math.floor(r() * 65535);
    } else {
      const range = ranges[Math.floor(r() * ranges.length)]!;
      const key = range.lo + Math.floor(r() * (range.hi - range.lo + 1));
      p = Math.floor(key / 65536);
      q = key % 65536;
      if (hasPorts(p) && q === 0) q = 1;
      if (!hasPorts(p)) q = 0;
    }
    proto[i] = p;
    port[i] = q;
  }
  return { proto, port };
}

/**
 * Picks an index in [0, n): uniformly, or with skew > 0 Zipf-like — the k-th most popular of a
 * seeded random ranking with weight 1/k^skew — as real traffic piles onto a few servers.
 */
function picker(n: number, skew: number, r: () => number): () => number {
  if (skew <= 0 || n <= 1) return () => Math.floor(r() * n);
  const rank = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** skew;
  return () => {
    const x = r() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return rank[lo]!;
  };
}

export function v4Flows(model: Model, n: number, seed: number, skew = 0): V4Flows {
  const r = rng(seed);
  const firsts: number[] = [];
  const sizes: number[] = [];
  for (const s of model.segments) {
    for (const c of s.cidrs) {
      if (c.family !== 4) continue;
      firsts.push(Number(c.first));
      sizes.push(Number(c.last - c.first) + 1);
    }
  }
  const pick = picker(firsts.length, skew, r);
  const address = (): number => {
    if (firsts.length === 0 || r() < OUTSIDE_SHARE) return Math.floor(r() * 2 ** 32);
    const k = pick();
    return firsts[k]! + Math.floor(r() * sizes[k]!);
  };
  const src = new Uint32Array(n);
  const dst = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    src[i] = address();
    dst[i] = address();
  }
  return { n, src, dst, ...services(model, n, r) };
}

/** Words of a bigint address. */
function words(v: bigint): number[] {
  return [96n, 64n, 32n, 0n].map((s) => Number((v >> s) & 0xffffffffn));
}

export function v6Flows(model: Model, n: number, seed: number): V6Flows {
  const r = rng(seed);
  const firsts: number[][] = [];
  const masks: number[][] = [];
  for (const s of model.segments) {
    for (const c of s.cidrs) {
      if (c.family !== 6) continue;
      firsts.push(words(c.first));
      masks.push(words(c.last - c.first));
    }
  }
  const src = new Uint32Array(n * 4);
  const dst = new Uint32Array(n * 4);
  const fill = (a: Uint32Array, off: number): void => {
    if (firsts.length === 0 || r() < OUTSIDE_SHARE) {
      // 2000::/3, global unicast: claimed by no segment of either rule set.
      a[off] = (0x20000000 | Math.floor(r() * 2 ** 29)) >>> 0;
      for (let w = 1; w < 4; w++) a[off + w] = Math.floor(r() * 2 ** 32);
      return;
    }
    const k = Math.floor(r() * firsts.length);
    const f = firsts[k]!;
    const m = masks[k]!;
    // The first address is aligned, so OR-ing random host bits stays inside the CIDR.
    for (let w = 0; w < 4; w++) a[off + w] = (f[w]! | (Math.floor(r() * 2 ** 32) & m[w]!)) >>> 0;
  };
  for (let i = 0; i < n; i++) {
    fill(src, i * 4);
    fill(dst, i * 4);
  }
  return { n, src, dst, ...services(model, n, r) };
}

export function v6Text(a: Uint32Array, off: number): string {
  let v = 0n;
  for (let w = 0; w < 4; w++) v = (v << 32n) | BigInt(a[off + w]!);
  return formatV6(v);
}

export function v4Text(flows: V4Flows, count = flows.n): TextFlow[] {
  const out: TextFlow[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ src: formatV4(flows.src[i]!), dst: formatV4(flows.dst[i]!), service: formatServiceKey(serviceKey(flows.proto[i]!, flows.port[i]!)) });
  }
  return out;
}

export function v6TextFlows(flows: V6Flows, count = flows.n): TextFlow[] {
  const out: TextFlow[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ src: v6Text(flows.src, i * 4), dst: v6Text(flows.dst, i * 4), service: formatServiceKey(serviceKey(flows.proto[i]!, flows.port[i]!)) });
  }
  return out;
}
