/**
 * The compiled decision table and its hot path. Everything a lookup touches is a typed array
 * read: no objects, closures, strings or bigints, so deciding a flow allocates nothing.
 *
 * v = the vector of pair (srcClass[seg(src)], dstClass[seg(dst)]) (pair-map.ts)
 * decide = the decision of the last run of vector v that starts at or below serviceClass
 *
 * Vectors are stored as runs of equal decisions (~11 runs over ~300 service classes in a
 * 2,000-segment prefecture): a twentieth of the flat vector × class matrix, so a lookup reads one
 * or two cache lines of a table that stays in cache instead of one entry of an 11 MB array.
 */
import type { DecisionRecord } from './decision.js';
import type { Model } from '../model/types.js';
import { buildFragments, type RenderFragments } from './render.js';
import { pairVector, type PairMap } from './pair-map.js';
import { lastAtOrBelow } from './search.js';

export interface TableStats {
  segments: number;
  /** Disjoint address intervals after longest-prefix flattening. */
  intervals4: number;
  intervals6: number;
  serviceClasses: number;
  srcClasses: number;
  dstClasses: number;
  /** Distinct decision vectors (one decision per service class each). */
  vectors: number;
  decisions: number;
  /** srcClasses × dstClasses × serviceClasses: the cells the table stands for. */
  cells: number;
  /** Bytes of the typed arrays the lookup reads. */
  bytes: number;
  compileMs: number;
}

export interface TableParts {
  model: Model;
  asOf: string;
  v4Starts: Uint32Array;
  v4Segments: Int32Array;
  v4L1: Int32Array;
  v4L2: Int32Array;
  v6Starts: Uint32Array;
  v6Segments: Int32Array;
  tcp: Uint16Array | Uint32Array;
  udp: Uint16Array | Uint32Array;
  proto: Uint16Array | Uint32Array;
  serviceClasses: number;
  serviceStarts: Uint32Array;
  serviceIntervalClass: Uint32Array;
  serviceSample: Int32Array;
  srcClass: Uint32Array;
  dstClass: Uint32Array;
  srcClasses: number;
  dstClasses: number;
  /** Per (src class, dst class): its vector id (see pair-map.ts). */
  pairs: PairMap;
  /** Vector v's runs are runs[2k], runs[2k + 1] for k in [vectorRuns[v], vectorRuns[v + 1]). */
  vectorRuns: Uint32Array;
  /** Per run: its first service class, then its decision id. */
  runs: Uint16Array | Uint32Array;
  decisions: DecisionRecord[];
  stats: TableStats;
}

const MAPPED_HI = 0xffff;
// The level-2 layout of addresses.ts (V4_SEARCH_ALL, V4_L2_COUNT_BITS, V4_L2_PACKED), not
// imported: the lookup depends on nothing of the compiler. test/lookup/layout.test.ts decides
// /24s with 0 to 9 starts each, so a mismatch fails there.
const SEARCH_ALL = -0x80000000;
const L2_COUNT_BITS = 9;
const L2_COUNT_MASK = (1 << L2_COUNT_BITS) - 1;
const L2_PACKED = 4;

export class DecisionTable {
  readonly model: Model;
  /** The date exceptions were judged on (YYYY-MM-DD). */
  readonly asOf: string;
  readonly version: string;
  readonly stats: TableStats;
  readonly decisions: readonly DecisionRecord[];
  readonly serviceClasses: number;
  readonly srcClasses: number;
  readonly dstClasses: number;
  /** Pre-serialized JSON pieces (see render.ts), built with the table. */
  readonly fragments: RenderFragments;

  // Hot-path arrays; public so the change-request checker and tests can read the layout.
  readonly v4Starts: Uint32Array;
  readonly v4Segments: Int32Array;
  readonly v4L1: Int32Array;
  readonly v4L2: Int32Array;
  readonly v6Starts: Uint32Array;
  readonly v6Segments: Int32Array;
  readonly tcp: Uint16Array | Uint32Array;
  readonly udp: Uint16Array | Uint32Array;
  readonly proto: Uint16Array | Uint32Array;
  readonly srcClass: Uint32Array;
  readonly dstClass: Uint32Array;
  readonly pairs: PairMap;
  readonly vectorRuns: Uint32Array;
  readonly runs: Uint16Array | Uint32Array;
  /** Distinct decision vectors (ids 0 … vectorCount - 1). */
  readonly vectorCount: number;
  /** The service key space as disjoint intervals [starts[i], starts[i+1]) with their class. */
  readonly serviceStarts: Uint32Array;
  readonly serviceIntervalClass: Uint32Array;
  /** A flow service key in each class (tcp, then udp, then other protocols), or -1 if none is. */
  readonly serviceSample: Int32Array;

  constructor(p: TableParts) {
    this.model = p.model;
    this.asOf = p.asOf;
    this.version = p.model.version;
    this.stats = p.stats;
    this.decisions = p.decisions;
    this.serviceClasses = p.serviceClasses;
    this.srcClasses = p.srcClasses;
    this.dstClasses = p.dstClasses;
    this.v4Starts = p.v4Starts;
    this.v4Segments = p.v4Segments;
    this.v4L1 = p.v4L1;
    this.v4L2 = p.v4L2;
    this.v6Starts = p.v6Starts;
    this.v6Segments = p.v6Segments;
    this.tcp = p.tcp;
    this.udp = p.udp;
    this.proto = p.proto;
    this.srcClass = p.srcClass;
    this.dstClass = p.dstClass;
    this.pairs = p.pairs;
    this.vectorRuns = p.vectorRuns;
    this.runs = p.runs;
    this.vectorCount = p.vectorRuns.length - 1;
    this.serviceStarts = p.serviceStarts;
    this.serviceIntervalClass = p.serviceIntervalClass;
    this.serviceSample = p.serviceSample;
    // Last: the fragments read the decisions and the model set above.
    this.fragments = buildFragments(this);
  }

  /**
   * Segment index of an IPv4 address as a 32-bit number, unsigned or signed (`a | 0`; passing
   * the signed form keeps it a small integer across calls, so nothing is boxed).
   */
  segment4(address: number): number {
    const a = address >>> 0;
    const v = this.v4L1[a >>> 16]!;
    if (v >= 0) return v;
    if (v !== SEARCH_ALL) {
      const k = ((~v << 8) | ((a >>> 8) & 255)) << 1;
      const e = this.v4L2[k]!;
      if ((e & L2_COUNT_MASK) <= L2_PACKED) {
        // Σ over the packed starts b of [b ≤ a & 255], as carries out of a byte (addresses.ts).
        const p = this.v4L2[k + 1]!;
        const x = a & 255;
        return this.v4Segments[(e >>> L2_COUNT_BITS) + ((x + (p & 255)) >> 8) + ((x + ((p >>> 8) & 255)) >> 8) + ((x + ((p >>> 16) & 255)) >> 8) + ((x + (p >>> 24)) >> 8)]!;
      }
    }
    return this.v4Segments[this.search4(address | 0, v)]!;
  }

  /**
   * segment4's rare paths, kept out of it so that it stays small enough to inline into its
   * callers' loops: the interval holding an address in a /24 with more than L2_PACKED starts, or
   * in a /16 without a level-2 table (v = SEARCH_ALL). The address comes signed: an unsigned one
   * above 2^31 would be boxed into a heap number by the call.
   */
  private search4(address: number, v: number): number {
    const a = address >>> 0;
    const starts = this.v4Starts;
    let lo = 0;
    let hi = this.v4Segments.length - 1;
    if (v !== SEARCH_ALL) {
      const e = this.v4L2[((~v << 8) | ((a >>> 8) & 255)) << 1]!;
      lo = e >>> L2_COUNT_BITS;
      hi = lo + (e & L2_COUNT_MASK);
      // Usually a handful: a scan is cheaper than halving.
      if (hi - lo <= 8) {
        while (lo < hi && starts[lo + 1]! <= a) lo++;
        return lo;
      }
    }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Segment index of an IPv6 address held as four big-endian 32-bit words at words[off..off+3].
   * ::ffff:a.b.c.d resolves as the IPv4 address (docs/rules.md).
   */
  segment6(words: Uint32Array, off: number): number {
    const w0 = words[off]!;
    const w1 = words[off + 1]!;
    const w2 = words[off + 2]!;
    const w3 = words[off + 3]!;
    // `| 0`: an int32 crosses a call unboxed, a uint32 above 2^31 would become a heap number.
    if (w0 === 0 && w1 === 0 && w2 === MAPPED_HI) return this.segment4(w3 | 0);
    const s = this.v6Starts;
    let lo = 0;
    let hi = this.v6Segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const k = mid << 2;
      // starts[mid] <= address, compared word by word.
      const a0 = s[k]!;
      let le: boolean;
      if (a0 !== w0) le = a0 < w0;
      else {
        const a1 = s[k + 1]!;
        if (a1 !== w1) le = a1 < w1;
        else {
          const a2 = s[k + 2]!;
          if (a2 !== w2) le = a2 < w2;
          else le = s[k + 3]! <= w3;
        }
      }
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return this.v6Segments[lo]!;
  }

  /**
   * Service class of (protocol, port). The port is read for tcp (6) and udp (17) only; callers
   * pass a flow service (tcp/udp port 1–65535, protocol 0–255).
   */
  serviceClass(proto: number, port: number): number {
    return proto === 6 ? this.tcp[port]! : proto === 17 ? this.udp[port]! : this.proto[proto]!;
  }

  /** Vector id of a (source class, destination class) pair. */
  vectorOf(srcClass: number, dstClass: number): number {
    return pairVector(this.pairs, this.dstClasses, srcClass, dstClass);
  }

  /** Decision id of vector v at a service class: the last run starting at or below it. */
  cellOfVector(v: number, serviceClass: number): number {
    const runs = this.runs;
    let base = this.vectorRuns[v]!;
    let n = this.vectorRuns[v + 1]! - base;
    // Branch-free halving: the step taken is arithmetic, not a jump the CPU must guess
    // (vectors have ~11 runs, so a guessed search mispredicts about twice per lookup).
    while (n > 1) {
      const half = n >>> 1;
      base += half * (((serviceClass - runs[(base + half) << 1]!) >> 31) + 1);
      n -= half;
    }
    return runs[(base << 1) + 1]!;
  }

  /**
   * Decision ids of vector v for every service class, into out[0 … serviceClasses): for readers
   * that want most cells of a vector (the checker, the analysis), cheaper than one search each.
   */
  vectorCells(v: number, out: Int32Array | Uint32Array): void {
    const runs = this.runs;
    const end = this.vectorRuns[v + 1]!;
    for (let k = this.vectorRuns[v]!; k < end; k++) {
      const to = k + 1 < end ? runs[(k + 1) << 1]! : this.serviceClasses;
      out.fill(runs[(k << 1) + 1]!, runs[k << 1]!, to);
    }
  }

  /** Decision id for a flow between two segments. */
  decideSegments(srcSeg: number, dstSeg: number, proto: number, port: number): number {
    return this.cellOfVector(this.vectorOf(this.srcClass[srcSeg]!, this.dstClass[dstSeg]!), this.serviceClass(proto, port));
  }

  /**
   * Decision id for an IPv4 flow; addresses as 32-bit numbers, unsigned or signed. Pass them
   * signed (`a | 0`) from a loop: the whole lookup is more bytecode than V8 inlines into a
   * caller, and an unsigned address above 2^31 would be boxed into a heap number by the call.
   */
  decide4(src: number, dst: number, proto: number, port: number): number {
    return this.cellOfVector(this.vectorOf(this.srcClass[this.segment4(src)]!, this.dstClass[this.segment4(dst)]!), this.serviceClass(proto, port));
  }

  /** Decision id for an IPv6 flow; addresses as four words each (see segment6). */
  decide6(src: Uint32Array, srcOff: number, dst: Uint32Array, dstOff: number, proto: number, port: number): number {
    return this.decideSegments(this.segment6(src, srcOff), this.segment6(dst, dstOff), proto, port);
  }

  /** Decision id of a table cell: the change-request checker walks cells, not flows. */
  cell(srcSeg: number, dstSeg: number, serviceClass: number): number {
    return this.cellOfVector(this.vectorOf(this.srcClass[srcSeg]!, this.dstClass[dstSeg]!), serviceClass);
  }

  decision(id: number): DecisionRecord {
    return this.decisions[id]!;
  }

  /** Service class of any service key (proto * 65536 + port), flow key or not. */
  serviceClassOfKey(key: number): number {
    return this.serviceIntervalClass[lastAtOrBelow(this.serviceStarts, key)]!;
  }
}
