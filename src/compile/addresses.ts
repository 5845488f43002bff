/**
 * Address → segment, flattened at compile time. Nested CIDRs become disjoint intervals by longest
 * prefix match, so a lookup is one search over sorted interval starts. bigint lives only here;
 * the results are typed arrays the lookup reads.
 */
import { V4_MAPPED_FIRST } from '../model/cidr.js';
import type { Model } from '../model/types.js';

const V4_MAPPED_LAST = V4_MAPPED_FIRST + 0xffffffffn;
const V6_MAX = (1n << 128n) - 1n;
/** Segment value of the IPv6 interval ::ffff:0:0/96: such addresses are looked up as IPv4. */
export const MAPPED_V4 = -1;

interface Entry {
  first: bigint;
  last: bigint;
  seg: number;
}

export interface Interval {
  start: bigint;
  seg: number;
}

/**
 * Disjoint intervals covering [0, max], each with the segment whose longest prefix covers it
 * (`outside` where none does). Adjacent intervals of one segment are merged.
 */
export function flatten(entries: Entry[], max: bigint, outside: number): Interval[] {
  // Prefixes nest or are disjoint: sorted by start, then widest first, a stack holds the
  // enclosing prefixes. Equal prefixes (an error the validator reports) resolve to the segment
  // declared first, which sorts last and so sits innermost.
  const sorted = [...entries].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.last > b.last ? -1 : a.last < b.last ? 1 : b.seg - a.seg));
  const out: Interval[] = [];
  const emit = (start: bigint, seg: number): void => {
    const prev = out[out.length - 1];
    if (prev && prev.seg === seg) return;
    if (prev && prev.start === start) {
      prev.seg = seg;
      const before = out[out.length - 2];
      if (before && before.seg === seg) out.pop();
      return;
    }
    out.push({ start, seg });
  };
  const stack: Entry[] = [];
  const owner = (): number => (stack.length ? stack[stack.length - 1]!.seg : outside);
  let cursor = 0n;
  emit(0n, outside);
  const closeThrough = (limit: bigint): void => {
    // Pop every open prefix that ends before `limit`; what follows it belongs to its parent.
    while (stack.length && stack[stack.length - 1]!.last < limit) {
      const top = stack.pop()!;
      cursor = top.last + 1n;
      if (cursor <= max) emit(cursor, owner());
    }
  };
  for (const e of sorted) {
    closeThrough(e.first);
    stack.push(e);
    cursor = e.first;
    emit(cursor, e.seg);
  }
  closeThrough(max + 1n);
  return out;
}

export interface AddressPlan {
  v4: Interval[];
  v6: Interval[];
}

/** Every CIDR of the model as intervals per family; IPv6 CIDRs inside ::ffff:0:0/96 count as IPv4. */
export function planAddresses(model: Model): AddressPlan {
  const v4: Entry[] = [];
  const v6: Entry[] = [];
  for (const seg of model.segments) {
    for (const c of seg.cidrs) {
      if (c.family === 4) v4.push({ first: c.first, last: c.last, seg: seg.index });
      else if (c.first >= V4_MAPPED_FIRST && c.last <= V4_MAPPED_LAST) {
        v4.push({ first: c.first - V4_MAPPED_FIRST, last: c.last - V4_MAPPED_FIRST, seg: seg.index });
      } else v6.push({ first: c.first, last: c.last, seg: seg.index });
    }
  }
  const v6Intervals = flatten(v6, V6_MAX, model.outside);
  return { v4: flatten(v4, 0xffffffffn, model.outside), v6: carveMapped(v6Intervals) };
}

/** Marks ::ffff:0:0/96 in the IPv6 intervals so nobody reads an IPv6 owner for it. */
function carveMapped(list: Interval[]): Interval[] {
  const after = V4_MAPPED_LAST + 1n;
  let ownerAfter = list[0]!.seg;
  for (const iv of list) if (iv.start <= after) ownerAfter = iv.seg;
  const out: Interval[] = [];
  const push = (iv: Interval): void => {
    if (out.length && out[out.length - 1]!.seg === iv.seg) return;
    out.push(iv);
  };
  for (const iv of list) if (iv.start < V4_MAPPED_FIRST) push(iv);
  push({ start: V4_MAPPED_FIRST, seg: MAPPED_V4 });
  push({ start: after, seg: ownerAfter });
  for (const iv of list) if (iv.start > after) push(iv);
  return out;
}

/** Level-1 value of a /16 block that has no level-2 table: search all intervals. */
export const V4_SEARCH_ALL = -0x80000000;
/** Level-2 tables are 2 KB each; past this many mixed /16 blocks the rest fall back to a search. */
export const V4_MAX_L2_BLOCKS = 4096;
/** Bits of the count in a level-2 entry; interval indices must fit in the 31 - 9 bits above it. */
export const V4_L2_COUNT_BITS = 9;
/** Starts inside a /24 that its level-2 entry packs (one byte each in a 32-bit word). */
export const V4_L2_PACKED = 4;
const V4_L2_MAX_INTERVALS = 1 << (31 - V4_L2_COUNT_BITS);

export interface V4Arrays {
  starts: Uint32Array;
  segments: Int32Array;
  /**
   * Per /16 block (top 16 bits): ≥ 0 the segment of the whole block; otherwise ~k, table k of
   * `l2`; or V4_SEARCH_ALL. A two-level DIR-24-8-style directory (Gupta, Lin, McKeown 1998)
   * sized to the blocks the rules actually cut.
   */
  l1: Int32Array;
  /**
   * Two words per /24 of each mixed /16 block (256 /24s per block). Word 0 is i << 9 | k: i the
   * interval holding the /24's first address, k (0–255) how many further intervals start inside
   * the /24. When k ≤ 4, word 1 packs those starts' last bytes b as 256 - b, one per byte, 0 for
   * none: the interval holding address a is i + Σ ((a & 255) + packed byte) >> 8, with no branch
   * and no further read. Random traffic mispredicted the old scan's exit about once a lookup; the
   * packed form halved segment4's cost. A /24 with more starts is searched over those k.
   */
  l2: Int32Array;
}

/** Interval index holding each address of a sorted probe sequence, in one sweep. */
export function v4Arrays(list: Interval[]): V4Arrays {
  const n = list.length;
  const starts = new Uint32Array(n);
  const segments = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = Number(list[i]!.start);
    segments[i] = list[i]!.seg;
  }
  // Interval holding `addr`, for ascending addr (the cursor only moves forward).
  let cursor = 0;
  const holding = (addr: number): number => {
    while (cursor + 1 < n && starts[cursor + 1]! <= addr) cursor++;
    return cursor;
  };
  const l1 = new Int32Array(65536);
  const mixed: number[] = [];
  for (let b = 0; b < 65536; b++) {
    const first = holding(b * 65536);
    const uniform = first + 1 >= n || starts[first + 1]! > b * 65536 + 65535;
    if (uniform) l1[b] = segments[first]!;
    else if (mixed.length < V4_MAX_L2_BLOCKS && n <= V4_L2_MAX_INTERVALS) {
      l1[b] = ~mixed.length;
      mixed.push(b);
    } else l1[b] = V4_SEARCH_ALL;
  }
  const l2 = new Int32Array(mixed.length * 512);
  cursor = 0;
  mixed.forEach((b, k) => {
    for (let o = 0; o < 256; o++) {
      const lo = b * 65536 + o * 256;
      const first = holding(lo);
      let count = 0;
      while (first + count + 1 < n && starts[first + count + 1]! <= lo + 255) count++;
      const e = (k * 256 + o) * 2;
      l2[e] = (first << V4_L2_COUNT_BITS) | count;
      if (count <= V4_L2_PACKED) {
        let packed = 0;
        for (let j = 1; j <= count; j++) packed |= (256 - (starts[first + j]! & 255)) << (8 * (j - 1));
        l2[e + 1] = packed;
      }
    }
  });
  return { starts, segments, l1, l2 };
}

export interface V6Arrays {
  /** Interval starts as four big-endian 32-bit words each. */
  starts: Uint32Array;
  segments: Int32Array;
}

export function v6Arrays(list: Interval[]): V6Arrays {
  const n = list.length;
  const starts = new Uint32Array(n * 4);
  const segments = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = list[i]!.start;
    for (let w = 0; w < 4; w++) starts[i * 4 + w] = Number((v >> BigInt(96 - 32 * w)) & 0xffffffffn);
    segments[i] = list[i]!.seg;
  }
  return { starts, segments };
}
