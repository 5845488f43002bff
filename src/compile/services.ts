/**
 * Service key → service class. The key space (proto * 65536 + port) is cut at every boundary of
 * every range a rule, exception or sanitizer names; elementary intervals that belong to exactly
 * the same sets behave identically and share a class (Gupta & McKeown's equivalence classes).
 */
import { KEY_SPACE, PROTO_TCP, PROTO_UDP, hasPorts, serviceKey } from '../model/services.js';
import type { ServiceRange } from '../model/types.js';
import { lastAtOrBelow } from '../lookup/search.js';

export interface ServicePlan {
  classes: number;
  /** Words per set in `bits`. */
  words: number;
  /** Per set, a bitset over classes: set j holds class c when bits[j*words + (c>>>5)] bit c&31. */
  bits: Uint32Array;
  /** The key space as disjoint intervals (merged where neighbours share a class). */
  starts: Uint32Array;
  intervalClass: Uint32Array;
  /** Class of each tcp / udp port (index = port; port 0 is no flow) and of each port-less protocol. */
  tcp: Uint16Array | Uint32Array;
  udp: Uint16Array | Uint32Array;
  proto: Uint16Array | Uint32Array;
  /** A real flow key in each class (tcp first, then udp, then by protocol), or -1 if none is. */
  sample: Int32Array;
}

export function planServices(sets: readonly (readonly ServiceRange[])[]): ServicePlan {
  const cuts = new Set<number>([0]);
  for (const set of sets) {
    for (const r of set) {
      cuts.add(r.lo);
      if (r.hi + 1 < KEY_SPACE) cuts.add(r.hi + 1);
    }
  }
  const starts = [...cuts].sort((a, b) => a - b);
  const n = starts.length;
  const members: number[][] = Array.from({ length: n }, () => []);
  sets.forEach((set, j) => {
    for (const r of set) {
      const a = lastAtOrBelow(starts, r.lo);
      const b = lastAtOrBelow(starts, r.hi);
      for (let i = a; i <= b; i++) {
        const m = members[i]!;
        // Sets are visited in order, so a repeat can only be the last entry.
        if (m[m.length - 1] !== j) m.push(j);
      }
    }
  });
  const bySignature = new Map<string, number>();
  const elemClass = new Uint32Array(n);
  const classMembers: number[][] = [];
  for (let i = 0; i < n; i++) {
    const key = members[i]!.join(',');
    let c = bySignature.get(key);
    if (c === undefined) {
      c = classMembers.length;
      bySignature.set(key, c);
      classMembers.push(members[i]!);
    }
    elemClass[i] = c;
  }
  const classes = classMembers.length;
  const words = Math.max(1, Math.ceil(classes / 32));
  const bits = new Uint32Array(Math.max(1, sets.length) * words);
  classMembers.forEach((m, c) => {
    for (const j of m) bits[j * words + (c >>> 5)]! |= 1 << (c & 31);
  });

  const mergedStarts: number[] = [];
  const mergedClass: number[] = [];
  for (let i = 0; i < n; i++) {
    if (mergedClass.length && mergedClass[mergedClass.length - 1] === elemClass[i]) continue;
    mergedStarts.push(starts[i]!);
    mergedClass.push(elemClass[i]!);
  }
  const classOf = (key: number): number => mergedClass[lastAtOrBelow(mergedStarts, key)]!;
  const Arr = classes <= 65536 ? Uint16Array : Uint32Array;
  const sample = new Int32Array(classes).fill(-1);
  const portTable = (proto: number): Uint16Array | Uint32Array => {
    const t = new Arr(65536);
    for (let p = 0; p < 65536; p++) {
      const c = classOf(serviceKey(proto, p));
      t[p] = c;
      if (p > 0 && sample[c] === -1) sample[c] = serviceKey(proto, p);
    }
    return t;
  };
  const tcp = portTable(PROTO_TCP);
  const udp = portTable(PROTO_UDP);
  const proto = new Arr(256);
  for (let p = 0; p < 256; p++) {
    const c = classOf(serviceKey(p, 0));
    proto[p] = c;
    if (!hasPorts(p) && sample[c] === -1) sample[c] = serviceKey(p, 0);
  }
  return {
    classes,
    words,
    bits,
    starts: Uint32Array.from(mergedStarts),
    intervalClass: Uint32Array.from(mergedClass),
    tcp,
    udp,
    proto,
    sample,
  };
}

export function hasClass(plan: { bits: Uint32Array; words: number }, set: number, c: number): boolean {
  return (plan.bits[set * plan.words + (c >>> 5)]! & (1 << (c & 31))) !== 0;
}
