/**
 * The device's verdict for one flow, on the hot path of `sanso audit --flows`: typed arrays only,
 * nothing allocated per flow (as lookup/table.ts does for the policy). An address resolves to its
 * device class by a search over the elementary interval starts, a service to its device class by
 * direct tables for tcp and udp ports, and the (source class, destination class) pair to the
 * verdict vector evaluate.ts worked out.
 */
import { lastAtOrBelow } from '../lookup/search.js';
import type { PreparedDevice } from './audit.js';

const MAPPED_HI = 0xffff;

export class DeviceLookup {
  private readonly s4: Uint32Array;
  private readonly c4s: Int32Array;
  private readonly s6: Uint32Array;
  private readonly c6s: Int32Array;
  private readonly d4: Uint32Array;
  private readonly c4d: Int32Array;
  private readonly d6: Uint32Array;
  private readonly c6d: Int32Array;
  // Per /16 of an IPv4 address: the first and last elementary interval it touches, so a lookup
  // in a /16 that lies in one interval is one read, and any other searches only that /16's
  // intervals (a few, instead of halving all of them).
  private readonly s4lo: Int32Array;
  private readonly s4hi: Int32Array;
  private readonly d4lo: Int32Array;
  private readonly d4hi: Int32Array;
  private readonly tcp = new Int32Array(65536);
  private readonly udp = new Int32Array(65536);
  private readonly proto = new Int32Array(256);
  private readonly pairs: Int32Array;
  private readonly vectors: Int32Array;
  private readonly nD: number;
  private readonly nV: number;
  /** Per outcome: 1 accept, 0 drop. */
  readonly accepts: Uint8Array;
  /** Per class: its interface (-1 none), for the `audited` flag. */
  readonly srcIface: Int32Array;
  readonly dstIface: Int32Array;

  constructor(readonly prep: PreparedDevice) {
    const { dev, ver } = prep;
    const side = (s: typeof dev.src) => {
      const starts4 = Uint32Array.from(s.starts4);
      const cls4 = s.cls.slice(0, s.n4);
      const starts6 = new Uint32Array(s.starts6.length * 4);
      s.starts6.forEach((v, i) => {
        for (let k = 0; k < 4; k++) starts6[i * 4 + k] = Number((v >> BigInt(96 - 32 * k)) & 0xffffffffn);
      });
      return { starts4, cls4, starts6, cls6: s.cls.slice(s.n4) };
    };
    const a = side(dev.src);
    const b = side(dev.dst);
    this.s4 = a.starts4;
    this.c4s = a.cls4;
    this.s6 = a.starts6;
    this.c6s = a.cls6;
    this.d4 = b.starts4;
    this.c4d = b.cls4;
    [this.s4lo, this.s4hi] = DeviceLookup.level1(this.s4);
    [this.d4lo, this.d4hi] = DeviceLookup.level1(this.d4);
    this.d6 = b.starts6;
    this.c6d = b.cls6;
    const { starts, cls } = dev.svc;
    const classOfKey = (key: number): number => cls[lastAtOrBelow(starts, key)]!;
    for (let p = 0; p < 65536; p++) {
      this.tcp[p] = classOfKey(6 * 65536 + p);
      this.udp[p] = classOfKey(17 * 65536 + p);
    }
    for (let p = 0; p < 256; p++) this.proto[p] = classOfKey(p * 65536);
    this.pairs = ver.pairs;
    this.vectors = ver.vectors;
    this.nD = dev.dst.classes;
    this.nV = dev.svc.classes;
    this.accepts = ver.accepts;
    this.srcIface = dev.src.iface;
    this.dstIface = dev.dst.iface;
  }

  private static level1(starts: Uint32Array): [Int32Array, Int32Array] {
    const lo = new Int32Array(65536);
    const hi = new Int32Array(65536);
    let i = 0;
    for (let p = 0; p < 65536; p++) {
      const first = p * 65536;
      while (i + 1 < starts.length && starts[i + 1]! <= first) i++;
      lo[p] = i;
      let j = i;
      while (j + 1 < starts.length && starts[j + 1]! <= first + 65535) j++;
      hi[p] = j;
    }
    return [lo, hi];
  }

  private static search4in(starts: Uint32Array, a: number, lo: number, hi: number): number {
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private static search6(s: Uint32Array, w: Uint32Array, off: number): number {
    const w0 = w[off]!;
    const w1 = w[off + 1]!;
    const w2 = w[off + 2]!;
    const w3 = w[off + 3]!;
    let lo = 0;
    let hi = (s.length >>> 2) - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const k = mid << 2;
      let le: boolean;
      if (s[k] !== w0) le = s[k]! < w0;
      else if (s[k + 1] !== w1) le = s[k + 1]! < w1;
      else if (s[k + 2] !== w2) le = s[k + 2]! < w2;
      else le = s[k + 3]! <= w3;
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Source class of an address in four words (IPv4 as ::ffff:a.b.c.d). */
  srcClass(w: Uint32Array, off: number): number {
    if (w[off] === 0 && w[off + 1] === 0 && w[off + 2] === MAPPED_HI) return this.srcClass4(w[off + 3]!);
    return this.c6s[DeviceLookup.search6(this.s6, w, off)]!;
  }

  dstClass(w: Uint32Array, off: number): number {
    if (w[off] === 0 && w[off + 1] === 0 && w[off + 2] === MAPPED_HI) return this.dstClass4(w[off + 3]!);
    return this.c6d[DeviceLookup.search6(this.d6, w, off)]!;
  }

  /** Source class of an IPv4 address as a 32-bit number (signed or unsigned). */
  srcClass4(a: number): number {
    const u = a >>> 0;
    const p = u >>> 16;
    const lo = this.s4lo[p]!;
    const hi = this.s4hi[p]!;
    return this.c4s[lo === hi ? lo : DeviceLookup.search4in(this.s4, u, lo, hi)]!;
  }

  dstClass4(a: number): number {
    const u = a >>> 0;
    const p = u >>> 16;
    const lo = this.d4lo[p]!;
    const hi = this.d4hi[p]!;
    return this.c4d[lo === hi ? lo : DeviceLookup.search4in(this.d4, u, lo, hi)]!;
  }

  serviceClass(proto: number, port: number): number {
    return proto === 6 ? this.tcp[port]! : proto === 17 ? this.udp[port]! : this.proto[proto]!;
  }

  /** The outcome (a rule's global index, or rules + chain for a chain's default) for classes. */
  outcome(srcClass: number, dstClass: number, serviceClass: number): number {
    return this.vectors[this.pairs[srcClass * this.nD + dstClass]! * this.nV + serviceClass]!;
  }
}
