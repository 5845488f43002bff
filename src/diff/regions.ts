/**
 * The common refinement of two compiled tables: the address space and the service key space cut
 * at the boundaries of both, so that inside one piece both tables decide alike.
 *
 * Addresses: every elementary interval (between two consecutive boundaries of either table)
 * resolves to one segment in OLD and one in NEW. Intervals with the same (OLD segment, NEW
 * segment) pair behave alike in both tables; such a pair is an *address region*. Without moved
 * CIDRs there is one region per segment; a CIDR that moves makes a region (old owner → new owner)
 * of just the addresses that moved.
 *
 * Services: likewise, elementary key intervals with the same (OLD class, NEW class) form a
 * *service region*; a region with no flow key in it (tcp port 0 alone) is dropped.
 */
import { preferredFlowKey, tableIndex } from '../check/ranges.js';
import type { DecisionTable } from '../lookup/table.js';
import { KEY_SPACE } from '../model/services.js';

const V4_END = 2 ** 32;
const V6_END = 1n << 128n;

export interface AddressRegions {
  count: number;
  /** Per region: its segment index in OLD and in NEW. */
  oldSeg: Int32Array;
  newSeg: Int32Array;
  /** Per region: its lowest IPv4 address, or -1 when it holds none. */
  low4: Float64Array;
  /** Per region: its lowest IPv6 address (outside ::ffff:0:0/96), or null. */
  low6: (bigint | null)[];
}

export function addressRegions(a: DecisionTable, b: DecisionTable): AddressRegions {
  const ids = new Map<number, number>();
  const oldSeg: number[] = [];
  const newSeg: number[] = [];
  const low4: number[] = [];
  const low6: (bigint | null)[] = [];
  const stride = b.model.segments.length + 1;
  const region = (sa: number, sb: number): number => {
    const key = sa * stride + sb;
    let r = ids.get(key);
    if (r === undefined) {
      r = oldSeg.length;
      ids.set(key, r);
      oldSeg.push(sa);
      newSeg.push(sb);
      low4.push(-1);
      low6.push(null);
    }
    return r;
  };

  // IPv4: one merge of the two sorted start lists; the sweep is ascending, so the first address
  // seen of a region is its lowest.
  {
    const sa = a.v4Starts;
    const sb = b.v4Starts;
    let i = 0;
    let j = 0;
    let at = 0;
    while (at < V4_END) {
      const r = region(a.v4Segments[i]!, b.v4Segments[j]!);
      if (low4[r]! < 0) low4[r] = at;
      const na = i + 1 < sa.length ? sa[i + 1]! : V4_END;
      const nb = j + 1 < sb.length ? sb[j + 1]! : V4_END;
      const next = na < nb ? na : nb;
      if (na === next) i++;
      if (nb === next) j++;
      at = next;
    }
  }
  // IPv6: the same over bigint starts. ::ffff:0:0/96 is marked (segment < 0) in both tables at
  // the same place: its addresses are IPv4, already swept above.
  {
    const sa = tableIndex(a).v6Starts;
    const sb = tableIndex(b).v6Starts;
    let i = 0;
    let j = 0;
    let at = 0n;
    while (at < V6_END) {
      const x = a.v6Segments[i]!;
      const y = b.v6Segments[j]!;
      if (x >= 0 && y >= 0) {
        const r = region(x, y);
        if (low6[r] === null) low6[r] = at;
      }
      const na = i + 1 < sa.length ? sa[i + 1]! : V6_END;
      const nb = j + 1 < sb.length ? sb[j + 1]! : V6_END;
      const next = na < nb ? na : nb;
      if (na === next) i++;
      if (nb === next) j++;
      at = next;
    }
  }
  return {
    count: oldSeg.length,
    oldSeg: Int32Array.from(oldSeg),
    newSeg: Int32Array.from(newSeg),
    low4: Float64Array.from(low4),
    low6,
  };
}

export interface ServiceRegions {
  count: number;
  /** Per region: its service class in OLD and in NEW. */
  oldClass: Int32Array;
  newClass: Int32Array;
  /** Per region: its key intervals [lo, hi], ascending. */
  ranges: [number, number][][];
  /** Per region: the preferred witness key as check/ranges.ts ranks them (rank * RANKED + key). */
  preferred: Float64Array;
}

export function serviceRegions(a: DecisionTable, b: DecisionTable): ServiceRegions {
  const ids = new Map<number, number>();
  const oldClass: number[] = [];
  const newClass: number[] = [];
  const ranges: [number, number][][] = [];
  const preferred: number[] = [];
  const sa = a.serviceStarts;
  const sb = b.serviceStarts;
  let i = 0;
  let j = 0;
  let at = 0;
  while (at < KEY_SPACE) {
    const na = i + 1 < sa.length ? sa[i + 1]! : KEY_SPACE;
    const nb = j + 1 < sb.length ? sb[j + 1]! : KEY_SPACE;
    const next = na < nb ? na : nb;
    const k = preferredFlowKey(at, next - 1);
    if (k >= 0) {
      const ca = a.serviceIntervalClass[i]!;
      const cb = b.serviceIntervalClass[j]!;
      const key = ca * b.serviceClasses + cb;
      let r = ids.get(key);
      if (r === undefined) {
        r = oldClass.length;
        ids.set(key, r);
        oldClass.push(ca);
        newClass.push(cb);
        ranges.push([]);
        preferred.push(k);
      } else if (k < preferred[r]!) preferred[r] = k;
      ranges[r]!.push([at, next - 1]);
    }
    if (na === next) i++;
    if (nb === next) j++;
    at = next;
  }
  return { count: oldClass.length, oldClass: Int32Array.from(oldClass), newClass: Int32Array.from(newClass), ranges, preferred: Float64Array.from(preferred) };
}
