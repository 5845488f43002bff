/**
 * Partition refinement over elementary intervals, and the small bitsets the audit keeps.
 *
 * A dimension (source addresses, destination addresses, service keys) is first cut into
 * elementary intervals at every boundary any device set or the policy table has. Every set is then
 * a union of whole intervals (a list of index spans), and two intervals that lie in exactly the
 * same sets (and start in the same initial class) can never be told apart by the device: they form
 * one class. Refining set by set keeps that exact without hashing membership signatures.
 */

export type Bits = Uint32Array;

export function newBits(n: number): Bits {
  return new Uint32Array((n + 31) >>> 5);
}

export function hasBit(b: Bits, i: number): boolean {
  return (b[i >>> 5]! & (1 << (i & 31))) !== 0;
}

export function setBit(b: Bits, i: number): void {
  b[i >>> 5]! |= 1 << (i & 31);
}

/** Every bit of [0, n) set. */
export function allBits(n: number): Bits {
  const b = newBits(n);
  b.fill(0xffffffff);
  const rest = n & 31;
  if (rest !== 0) b[b.length - 1] = ((1 << rest) - 1) >>> 0;
  return b;
}

export function notBits(b: Bits, n: number): Bits {
  const out = allBits(n);
  for (let i = 0; i < out.length; i++) out[i]! &= ~b[i]!;
  return out;
}

/** a &= b, in place. */
export function andInto(a: Bits, b: Bits): void {
  for (let i = 0; i < a.length; i++) a[i]! &= b[i]!;
}

export function isEmpty(b: Bits): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export function intersects(a: Bits, b: Bits): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return true;
  return false;
}

export function bitList(b: Bits, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (hasBit(b, i)) out.push(i);
  return out;
}

export interface Refined {
  /** Per elementary interval, its class (-1: excluded from the start). */
  cls: Int32Array;
  classes: number;
  /** Per class, its lowest interval. */
  first: Int32Array;
  /** Per set, the classes inside it (every class is wholly inside or outside each set). */
  members: Bits[];
}

/**
 * Refines `initial` (a class per interval, -1 for intervals left out) by every set, given as
 * [from, to] index spans (inclusive, pairs in a flat array). Classes are numbered by their
 * lowest interval at the end.
 */
export function refine(initial: Int32Array, sets: readonly Int32Array[]): Refined {
  const n = initial.length;
  const cls = Int32Array.from(initial);
  let next = 0;
  for (let i = 0; i < n; i++) if (cls[i]! >= next) next = cls[i]! + 1;
  // Every class is non-empty, so splits make at most n new classes; they take ids from `next` on.
  // (Initial ids are codes such as (family, interface) and may reach past n: bounding the ids by
  // n ran out of free ids, and a split interval then silently joined class 0.)
  const cap = next + n + 1;
  const size = new Int32Array(cap);
  for (let i = 0; i < n; i++) if (cls[i]! >= 0) size[cls[i]!]!++;
  const count = new Int32Array(cap);
  const moveTo = new Int32Array(cap).fill(-1);
  const touchedClasses: number[] = [];
  const free: number[] = [];
  for (let c = 0; c < cap; c++) if (size[c] === 0 && c >= next) free.push(c);
  free.reverse();
  // Per interval, the last set that counted it: a set's spans may overlap (an object group that
  // names 10.0.0.0/8 and 10.1.0.0/16), and an interval counted twice made a class look wholly
  // inside the set when it was not.
  const counted = new Int32Array(n).fill(-1);
  for (let s = 0; s < sets.length; s++) {
    const spans = sets[s]!;
    touchedClasses.length = 0;
    for (let k = 0; k < spans.length; k += 2) {
      for (let i = spans[k]!; i <= spans[k + 1]!; i++) {
        const c = cls[i]!;
        if (c < 0 || counted[i] === s) continue;
        counted[i] = s;
        if (count[c] === 0) touchedClasses.push(c);
        count[c]!++;
      }
    }
    for (const c of touchedClasses) {
      if (count[c]! < size[c]!) {
        const id = free.pop()!;
        moveTo[c] = id;
        size[id] = count[c]!;
        size[c]! -= count[c]!;
      }
    }
    for (let k = 0; k < spans.length; k += 2) {
      for (let i = spans[k]!; i <= spans[k + 1]!; i++) {
        const c = cls[i]!;
        if (c >= 0 && moveTo[c]! >= 0) cls[i] = moveTo[c]!;
      }
    }
    for (const c of touchedClasses) {
      count[c] = 0;
      moveTo[c] = -1;
    }
  }
  // Compact: number classes by their lowest interval.
  const renum = new Int32Array(cap).fill(-1);
  const firsts: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = cls[i]!;
    if (c < 0) continue;
    if (renum[c] === -1) {
      renum[c] = firsts.length;
      firsts.push(i);
    }
    cls[i] = renum[c]!;
  }
  const classes = firsts.length;
  const members = sets.map((spans) => {
    const b = newBits(classes);
    for (let k = 0; k < spans.length; k += 2) {
      for (let i = spans[k]!; i <= spans[k + 1]!; i++) if (cls[i]! >= 0) setBit(b, cls[i]!);
    }
    return b;
  });
  return { cls, classes, first: Int32Array.from(firsts), members };
}
