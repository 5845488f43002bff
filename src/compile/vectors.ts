/**
 * Decision vectors, memoized and deduplicated. A vector (one decision id per service class)
 * depends only on the two bases and the ordered matcher list of a (source, destination) class
 * pair, so it is computed once per distinct (bases, list); equal vectors share one id. Keys are
 * numeric hashes checked against the stored lists: no strings per pair.
 */

const FNV_PRIME = 0x01000193;
export const FNV_SEED = 0x811c9dc5;

export function mix(h: number, x: number): number {
  return Math.imul(h ^ x, FNV_PRIME) >>> 0;
}

export type VectorCompute = (baseS: number, baseD: number, list: Int32Array, length: number, out: Uint32Array) => void;

export class VectorStore {
  /** Vectors back to back: vector v is store[v * classes .. (v + 1) * classes). */
  store: Uint32Array;
  count = 0;
  private readonly scratch: Uint32Array;
  private readonly byContent = new Map<number, number[]>();
  private readonly memo = new Map<number, number[]>();
  // Memo entries, column-wise; lists live in `pool`.
  private readonly eBa: number[] = [];
  private readonly eBb: number[] = [];
  private readonly eOff: number[] = [];
  private readonly eLen: number[] = [];
  private readonly eVec: number[] = [];
  private pool = new Int32Array(4096);
  private poolLength = 0;

  constructor(
    private readonly classes: number,
    private readonly compute: VectorCompute,
  ) {
    this.store = new Uint32Array(Math.max(64, classes * 64));
    this.scratch = new Uint32Array(classes);
  }

  /** Vector id for bases (ba, bb) and list[0..length); `listHash` folds the list with mix() from FNV_SEED. */
  get(ba: number, bb: number, list: Int32Array, length: number, listHash: number): number {
    const key = mix(mix(listHash, ba), bb);
    let bucket = this.memo.get(key);
    if (bucket) {
      for (const e of bucket) {
        if (this.eBa[e] !== ba || this.eBb[e] !== bb || this.eLen[e] !== length) continue;
        const off = this.eOff[e]!;
        let same = true;
        for (let i = 0; i < length; i++)
          if (this.pool[off + i] !== list[i]) {
            same = false;
            break;
          }
        if (same) return this.eVec[e]!;
      }
    } else this.memo.set(key, (bucket = []));
    this.compute(ba, bb, list, length, this.scratch);
    const id = this.intern(this.scratch);
    if (this.poolLength + length > this.pool.length) {
      const grown = new Int32Array(Math.max(this.pool.length * 2, this.poolLength + length));
      grown.set(this.pool);
      this.pool = grown;
    }
    this.pool.set(list.subarray(0, length), this.poolLength);
    bucket.push(this.eVec.length);
    this.eBa.push(ba);
    this.eBb.push(bb);
    this.eOff.push(this.poolLength);
    this.eLen.push(length);
    this.eVec.push(id);
    this.poolLength += length;
    return id;
  }

  private intern(v: Uint32Array): number {
    const n = this.classes;
    let h = FNV_SEED;
    for (let c = 0; c < n; c++) h = mix(h, v[c]!);
    let bucket = this.byContent.get(h);
    if (bucket) {
      for (const id of bucket) {
        let same = true;
        for (let c = 0, o = id * n; c < n; c++)
          if (this.store[o + c] !== v[c]) {
            same = false;
            break;
          }
        if (same) return id;
      }
    } else this.byContent.set(h, (bucket = []));
    const id = this.count++;
    if (this.count * n > this.store.length) {
      const grown = new Uint32Array(this.store.length * 2);
      grown.set(this.store);
      this.store = grown;
    }
    this.store.set(v, id * n);
    bucket.push(id);
    return id;
  }
}
