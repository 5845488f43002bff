/**
 * The (source class, destination class) → vector map, stored as a prediction plus its
 * exceptions. Most pairs no rule names behave as their two bases alone (a 2,000-segment prefecture:
 * 3.1 M of 3.9 M pairs), so the map predicts a pair's vector from a small base × base matrix and
 * keeps a bitmap of the pairs that differ, with their vectors packed in pair order. A lookup
 * reads one bitmap word and its running count (interleaved, so one cache line) and, for one pair
 * in five, one packed vector. The flat matrix it replaces (7.7 MB there) was read at a random
 * place per decision and missed the cache each time; this is a third of that size.
 *
 * Exact by construction: every pair whose vector is not the prediction is in the bitmap, so the
 * prediction only decides the size, never an answer. lookup/pair-map.ts reads it.
 */

import type { PairMap } from '../lookup/pair-map.js';

/** Renumbers ids 0… in order of first use; returns the new id of each entry and how many. */
function compact(ids: ArrayLike<number>): { of: Uint32Array; count: number } {
  const seen = new Map<number, number>();
  const of = new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    let k = seen.get(ids[i]!);
    if (k === undefined) seen.set(ids[i]!, (k = seen.size));
    of[i] = k;
  }
  return { of, count: seen.size };
}

/**
 * matrix: the vector id of each pair, row-major (rows × cols). rowBases / colBases: each row's
 * and column's base; baseVector(a, b) the vector of a pair that behaves as bases a and b alone
 * (or -1 if unknown). A base × base matrix that would be large against the pair count is dropped
 * for a single prediction (the map stays exact, only larger).
 */
export function packPairs(
  matrix: Uint32Array,
  rows: number,
  cols: number,
  rowBases: ArrayLike<number>,
  colBases: ArrayLike<number>,
  baseVector: (a: number, b: number) => number,
  wideVectors: boolean,
): PairMap {
  let rb = compact(rowBases);
  let cb = compact(colBases);
  if (rb.count * cb.count > Math.max(4096, (rows * cols) >>> 3)) {
    rb = { of: new Uint32Array(rows), count: 1 };
    cb = { of: new Uint32Array(cols), count: 1 };
  }
  const Vec = wideVectors ? Uint32Array : Uint16Array;
  const baseVectors = new Vec(rb.count * cb.count);
  const firstRow = new Int32Array(rb.count).fill(-1);
  const firstCol = new Int32Array(cb.count).fill(-1);
  for (let r = 0; r < rows; r++) if (firstRow[rb.of[r]!]! < 0) firstRow[rb.of[r]!] = r;
  for (let c = 0; c < cols; c++) if (firstCol[cb.of[c]!]! < 0) firstCol[cb.of[c]!] = c;
  for (let a = 0; a < rb.count; a++) {
    for (let b = 0; b < cb.count; b++) {
      const r = firstRow[a]!;
      const c = firstCol[b]!;
      // With a single prediction the bases differ inside it: the first pair's vector will do.
      const v = rb.count === 1 && cb.count === 1 ? matrix[0]! : baseVector(rowBases[r]!, colBases[c]!);
      baseVectors[a * cb.count + b] = v >= 0 ? v : matrix[r * cols + c]!;
    }
  }
  const rowBase = Uint32Array.from(rb.of, (a) => a * cb.count);
  const colBase = cb.of;

  const cells = rows * cols;
  const bits = new Int32Array(((cells + 31) >>> 5) * 2);
  let differing = 0;
  for (let r = 0, i = 0; r < rows; r++) {
    const base = rowBase[r]!;
    for (let c = 0; c < cols; c++, i++) {
      if (matrix[i] !== baseVectors[base + colBase[c]!]) {
        bits[(i >>> 5) << 1]! |= 1 << (i & 31);
        differing++;
      }
    }
  }
  const vectors = new Vec(differing);
  let k = 0;
  for (let w = 0; w < bits.length; w += 2) {
    bits[w + 1] = k;
    let word = bits[w]!;
    const i0 = (w >>> 1) << 5;
    while (word !== 0) {
      const low = word & -word;
      vectors[k++] = matrix[i0 + 31 - Math.clz32(low)]!;
      word ^= low;
    }
  }
  return { bits, vectors, baseVectors, rowBase, colBase };
}
