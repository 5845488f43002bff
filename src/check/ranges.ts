/**
 * Ranges of a change request against the compiled table, exactly: address ranges are cut by the
 * table's disjoint address intervals (so longest-prefix holes are honoured), service ranges by
 * its service intervals. What comes out is, per segment, the lowest address of the request that
 * resolves to it, and per service class the lowest flow key of the request inside it — the
 * witnesses, and everything the checker needs to know about the ranges.
 */
import { V4_MAPPED_FIRST } from '../model/cidr.js';
import { KEY_SPACE, hasPorts } from '../model/services.js';
import type { ServiceRange } from '../model/types.js';
import type { DecisionTable } from '../lookup/table.js';
import type { Endpoints, Range4, Range6 } from './types.js';
import { lastAtOrBelow } from '../lookup/search.js';

export const V4_MAPPED_LAST = V4_MAPPED_FIRST + 0xffffffffn;

/** Sorts and merges overlapping or adjacent ranges (numbers or bigints alike). */
export function mergeRanges<T extends number | bigint>(ranges: { lo: T; hi: T }[]): { lo: T; hi: T }[] {
  const sorted = [...ranges].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: { lo: T; hi: T }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    // Adjacent when last.hi + 1 === r.lo; written without arithmetic so it works for both types.
    if (last && (r.lo <= last.hi || r.lo === successor(last.hi))) {
      if (r.hi > last.hi) last.hi = r.hi;
    } else out.push({ lo: r.lo, hi: r.hi });
  }
  return out;
}

function successor<T extends number | bigint>(x: T): T {
  return (typeof x === 'bigint' ? x + 1n : (x as number) + 1) as T;
}

/**
 * An IPv6 range split at ::ffff:0:0/96: the part inside is IPv4 (docs/rules.md: mapped addresses
 * resolve as IPv4), the rest stays IPv6.
 */
export function splitMapped(lo: bigint, hi: bigint): { v6: Range6[]; mapped: Range4 | null } {
  const v6: Range6[] = [];
  let mapped: Range4 | null = null;
  if (lo < V4_MAPPED_FIRST) v6.push({ lo, hi: hi < V4_MAPPED_FIRST ? hi : V4_MAPPED_FIRST - 1n });
  if (lo <= V4_MAPPED_LAST && hi >= V4_MAPPED_FIRST) {
    const a = lo > V4_MAPPED_FIRST ? lo : V4_MAPPED_FIRST;
    const b = hi < V4_MAPPED_LAST ? hi : V4_MAPPED_LAST;
    mapped = { lo: Number(a - V4_MAPPED_FIRST), hi: Number(b - V4_MAPPED_FIRST) };
  }
  if (hi > V4_MAPPED_LAST) v6.push({ lo: lo > V4_MAPPED_LAST ? lo : V4_MAPPED_LAST + 1n, hi });
  return { v6, mapped };
}

/** What the checker keeps per table: the IPv6 starts as bigints and each segment's lowest addresses. */
export interface TableIndex {
  v6Starts: bigint[];
  /** Per segment: lowest IPv4 address resolving to it, or -1. */
  low4: Float64Array;
  /** Per segment: lowest IPv6 address resolving to it (outside ::ffff:0:0/96), or null. */
  low6: (bigint | null)[];
}

const indexes = new WeakMap<DecisionTable, TableIndex>();

export function tableIndex(table: DecisionTable): TableIndex {
  let ix = indexes.get(table);
  if (ix) return ix;
  const n = table.model.segments.length;
  const low4 = new Float64Array(n).fill(-1);
  const low6: (bigint | null)[] = new Array<bigint | null>(n).fill(null);
  const s4 = table.v4Starts;
  table.v4Segments.forEach((seg, i) => {
    if (low4[seg] === -1) low4[seg] = s4[i]!;
  });
  const w = table.v6Starts;
  const v6Starts: bigint[] = [];
  table.v6Segments.forEach((seg, i) => {
    const k = i * 4;
    const start = (BigInt(w[k]!) << 96n) | (BigInt(w[k + 1]!) << 64n) | (BigInt(w[k + 2]!) << 32n) | BigInt(w[k + 3]!);
    v6Starts.push(start);
    // seg < 0 marks ::ffff:0:0/96, whose addresses are IPv4.
    if (seg >= 0 && low6[seg] === null) low6[seg] = start;
  });
  ix = { v6Starts, low4, low6 };
  indexes.set(table, ix);
  return ix;
}

/**
 * The segments one side of a rule touches, per family, with the lowest address of the side in
 * each. Arrays are indexed by segment.
 */
export interface Touch {
  /** Touched segments, ascending. */
  segments: number[];
  /** Per segment: bit 1 touched in IPv4, bit 2 in IPv6. */
  mask: Uint8Array;
  low4: Float64Array;
  /** Per segment: the lowest IPv4 address came only from ::ffff:-mapped input. */
  mapped4: Uint8Array;
  low6: (bigint | null)[];
}

export function touch(table: DecisionTable, side: Endpoints): Touch {
  const ix = tableIndex(table);
  const n = table.model.segments.length;
  const mask = new Uint8Array(n);
  const low4 = new Float64Array(n).fill(-1);
  const mapped4 = new Uint8Array(n);
  const low6: (bigint | null)[] = new Array<bigint | null>(n).fill(null);
  const seen: number[] = [];
  const mark = (seg: number, bit: number): void => {
    if (mask[seg] === 0) seen.push(seg);
    mask[seg]! |= bit;
  };
  // Names and IPv4 ranges are walked before ::ffff:-mapped ranges, and only a strictly lower
  // address replaces a witness: on a tie the IPv4 spelling wins.
  const at4 = (seg: number, address: number, viaMapped: boolean): void => {
    const old = low4[seg]!;
    if (old < 0 || address < old) {
      low4[seg] = address;
      mapped4[seg] = viaMapped ? 1 : 0;
    }
    mark(seg, 1);
  };
  const at6 = (seg: number, address: bigint): void => {
    const old = low6[seg];
    if (old === null || old === undefined || address < old) low6[seg] = address;
    mark(seg, 2);
  };

  for (const seg of side.segments) {
    const a = ix.low4[seg]!;
    if (a >= 0) at4(seg, a, false);
    const b = ix.low6[seg];
    if (b !== null && b !== undefined) at6(seg, b);
  }
  const starts4 = table.v4Starts;
  const segs4 = table.v4Segments;
  const walk4 = (ranges: readonly Range4[], viaMapped: boolean): void => {
    for (const r of ranges) {
      for (let i = lastAtOrBelow(starts4, r.lo); i < starts4.length && starts4[i]! <= r.hi; i++) {
        const start = starts4[i]!;
        at4(segs4[i]!, start > r.lo ? start : r.lo, viaMapped);
      }
    }
  };
  walk4(side.v4, false);
  walk4(side.mapped, true);
  const starts6 = ix.v6Starts;
  const segs6 = table.v6Segments;
  for (const r of side.v6) {
    for (let i = lastAtOrBelow(starts6, r.lo); i < starts6.length && starts6[i]! <= r.hi; i++) {
      const seg = segs6[i]!;
      // The request's IPv6 ranges exclude ::ffff:0:0/96 (splitMapped), so this never skips.
      if (seg < 0) continue;
      const start = starts6[i]!;
      at6(seg, start > r.lo ? start : r.lo);
    }
  }
  seen.sort((a, b) => a - b);
  return { segments: seen, mask, low4, mapped4, low6 };
}

/** The lowest flow key in [lo, hi] (tcp/udp need a port ≥ 1, other protocols port 0), or -1. */
export function firstFlowKey(lo: number, hi: number): number {
  let key = lo;
  while (key <= hi) {
    const proto = Math.floor(key / 65536);
    const port = key - proto * 65536;
    if (hasPorts(proto)) {
      const k = port === 0 ? key + 1 : key;
      return k <= hi ? k : -1;
    }
    if (port === 0) return key;
    key = (proto + 1) * 65536;
  }
  return -1;
}

const PROTO_SPAN = 65536;
/** Above every service key: rank * RANKED + key orders keys by preference, then by key. */
export const RANKED = 2 ** 24;

/**
 * The witness service in [lo, hi], as people would pick one: tcp first, then udp, icmp, icmpv6,
 * then other protocols, the lowest port or number within each. Returned as rank * RANKED + key
 * so that candidates from several ranges compare as plain numbers; -1 when [lo, hi] holds no
 * flow key (tcp port 0, a port on a port-less protocol).
 */
export function preferredFlowKey(lo: number, hi: number): number {
  const within = (a: number, b: number): number => {
    const x = a > lo ? a : lo;
    return x <= (b < hi ? b : hi) ? x : -1;
  };
  const tcp = within(6 * PROTO_SPAN + 1, 6 * PROTO_SPAN + 65535);
  if (tcp >= 0) return tcp;
  const udp = within(17 * PROTO_SPAN + 1, 17 * PROTO_SPAN + 65535);
  if (udp >= 0) return RANKED + udp;
  if (within(PROTO_SPAN, PROTO_SPAN) >= 0) return 2 * RANKED + PROTO_SPAN;
  if (within(58 * PROTO_SPAN, 58 * PROTO_SPAN) >= 0) return 3 * RANKED + 58 * PROTO_SPAN;
  // What is left of [lo, hi] holds no tcp, udp, icmp or icmpv6 key, so its lowest flow key is
  // another protocol's.
  const other = firstFlowKey(lo, hi);
  return other < 0 ? -1 : 4 * RANKED + other;
}

/** Per service class, the preferred flow key of the rule's services inside it. */
export interface ServiceTouch {
  /** Classes with a flow key inside the rule, ascending. */
  classes: number[];
  /** Per class: rank * RANKED + key of the preferred flow key (see preferredFlowKey), or -1. */
  order: Float64Array;
}

/**
 * The service classes the ranges touch with a flow key. With `pieces`, also the part of the
 * ranges in each touched class (in the order walked: by range, then by key), for answers that
 * say which flows a decision covers (names.ts).
 */
export function touchServices(table: DecisionTable, services: readonly ServiceRange[], pieces?: Map<number, ServiceRange[]>): ServiceTouch {
  const order = new Float64Array(table.serviceClasses).fill(-1);
  const starts = table.serviceStarts;
  const cls = table.serviceIntervalClass;
  for (const r of services) {
    for (let i = lastAtOrBelow(starts, r.lo); i < starts.length && starts[i]! <= r.hi; i++) {
      const end = (i + 1 < starts.length ? starts[i + 1]! : KEY_SPACE) - 1;
      const lo = starts[i]! > r.lo ? starts[i]! : r.lo;
      const hi = end < r.hi ? end : r.hi;
      const k = preferredFlowKey(lo, hi);
      if (k < 0) continue; // no flow in the piece (tcp port 0 alone)
      const c = cls[i]!;
      if (order[c]! < 0 || k < order[c]!) order[c] = k;
      if (pieces) {
        const list = pieces.get(c);
        if (list) list.push({ lo, hi });
        else pieces.set(c, [{ lo, hi }]);
      }
    }
  }
  const classes: number[] = [];
  for (let c = 0; c < order.length; c++) if (order[c]! >= 0) classes.push(c);
  return { classes, order };
}
