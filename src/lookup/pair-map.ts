/**
 * Reading the (source class, destination class) → vector map that compile/pairs.ts builds: a
 * predicted vector per base pair, corrected by a bitmap of the pairs that differ. One function
 * for the table's hot path and for tests.
 */

export interface PairMap {
  /** Per 32 pairs (row-major): the bitmap word, then the count of set bits in all words before it. */
  bits: Int32Array;
  /** Vector ids of the pairs whose bit is set, in pair order. */
  vectors: Uint16Array | Uint32Array;
  /** Predicted vector per (row base, column base): baseVectors[rowBase[r] + colBase[c]]. */
  baseVectors: Uint16Array | Uint32Array;
  /** Per row: its base index times the number of column bases. */
  rowBase: Uint32Array;
  /** Per column: its base index. */
  colBase: Uint32Array;
}

/** Set bits of a 32-bit word (SWAR: JavaScript has no popcount instruction to call). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  // Byte sums ≤ 8 each: the product stays below 2^53, exact as a double, and ToUint32 keeps its
  // low word. A plain multiply, as Math.imul is a global lookup and call in bytecode.
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Vector id of pair (r, c) in a map of `cols` columns. */
export function pairVector(map: PairMap, cols: number, r: number, c: number): number {
  const i = r * cols + c;
  const w = (i >>> 5) << 1;
  const word = map.bits[w]!;
  const b = i & 31;
  // Pairs no rule names (four in five) take the prediction: a taken branch, no second read.
  if (((word >>> b) & 1) === 0) return map.baseVectors[map.rowBase[r]! + map.colBase[c]!]!;
  // (1 << b) - 1 is the mask of the bits below b, also for b = 31 (ToInt32 wraps it to 2^31 - 1).
  return map.vectors[map.bits[w + 1]! + popcount32(word & ((1 << b) - 1))]!;
}
