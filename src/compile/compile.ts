/**
 * Model → DecisionTable (the algorithm of docs/decisions.md, precomputed). The full segment × segment × service cube would
 * be 2,000 × 2,000 × K decisions for a large city; instead:
 *
 * 1. segments with the same base and the same from-/to-memberships are one membership class;
 * 2. only (source, destination) class pairs some rule or exception names get their own rule list,
 *    every other pair behaves as its two bases alone;
 * 3. a pair's decision vector (one decision per service class) depends only on the two bases and
 *    the rule list, so vectors are memoized on that and deduplicated by content;
 * 4. the class × class matrix of vector ids is reduced to its distinct rows and columns
 *    (the equivalence classes of recursive flow classification, Gupta & McKeown 1999);
 * 5. that matrix is stored as its base-pair prediction plus the pairs that differ (pairs.ts).
 */
import { performance } from 'node:perf_hooks';
import { isActive } from '../model/dates.js';
import { selectorSegments, serviceRanges, type Model, type ServiceRange } from '../model/types.js';
import { DecisionTable } from '../lookup/table.js';
import { planAddresses, v4Arrays, v6Arrays } from './addresses.js';
import { ceilingRow, planBases, type Base, type BasePlan, type CeilingRow } from './ceiling.js';
import { computeVector, DecisionInterner, type Matchers } from './decisions.js';
import { packPairs } from './pairs.js';
import { planServices, type ServicePlan } from './services.js';
import { FNV_SEED, mix, VectorStore } from './vectors.js';

export interface CompileOptions {
  /** YYYY-MM-DD: exceptions expiring before this date are not active. */
  asOf: string;
}

/** What analysis needs beyond the table: the compile-time plans. */
export interface CompileInternals {
  services: ServicePlan;
  bases: BasePlan;
  ceilingOf(baseS: number, baseD: number): CeilingRow;
  /** Per matcher (flow rules in model order, then active exceptions): segments of from / to. */
  froms: number[][];
  tos: number[][];
  /** Model indices of the active exceptions (matcher flows.length + k). */
  active: number[];
}

/** A compiled table together with the plans it was built from, which the analysis reads. */
export interface Compiled {
  table: DecisionTable;
  internals: CompileInternals;
}

/** The decision table alone: what serving and the change-request check need. */
export function compile(model: Model, opts: CompileOptions): DecisionTable {
  return build(model, opts.asOf).table;
}

/**
 * The table and the compile-time plans. validateRuleSet compiles once this way, analyses, and
 * hands the table on, so loading a policy never compiles twice (and nothing is cached here).
 */
export function compileWithInternals(model: Model, opts: CompileOptions): Compiled {
  return build(model, opts.asOf);
}

/** Word hash of a run of a Uint32Array (FNV-1a over words): buckets for row/vector dedupe. */
function hashRun(a: Uint32Array, from: number, length: number, stride = 1): number {
  let h = 0x811c9dc5;
  // `| 0`: the word as a signed 32-bit integer, which `^` makes of it anyway. Without it V8
  // speculates a small integer, meets a word of 2^31 or more and deoptimizes, again and again
  // (173 times in one prefecture load, --trace-deopt: "lost precision").
  for (let i = 0, k = from; i < length; i++, k += stride) h = Math.imul(h ^ (a[k]! | 0), 0x01000193);
  return h >>> 0;
}

function sameRun(a: Uint32Array, x: number, y: number, length: number, stride = 1): boolean {
  for (let i = 0, p = x, q = y; i < length; i++, p += stride, q += stride) if (a[p] !== a[q]) return false;
  return true;
}

/** Groups equal runs: returns the class of each run and the first run of each class. */
function dedupeRuns(a: Uint32Array, count: number, startOf: (i: number) => number, length: number, stride: number): { classOf: Uint32Array; reps: number[] } {
  const classOf = new Uint32Array(count);
  const reps: number[] = [];
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const start = startOf(i);
    const h = hashRun(a, start, length, stride);
    let bucket = buckets.get(h);
    if (!bucket) buckets.set(h, (bucket = []));
    let found = -1;
    for (const c of bucket) {
      if (sameRun(a, startOf(reps[c]!), start, length, stride)) {
        found = c;
        break;
      }
    }
    if (found < 0) {
      found = reps.length;
      reps.push(i);
      bucket.push(found);
    }
    classOf[i] = found;
  }
  return { classOf, reps };
}

/**
 * Vectors as runs of equal decisions (see lookup/table.ts): per run its first service class and
 * its decision, interleaved so that one vector's runs sit together in one or two cache lines.
 */
function runLengths(store: Uint32Array, nVec: number, nSvc: number, nDecisions: number): { vectorRuns: Uint32Array; runs: Uint16Array | Uint32Array } {
  const vectorRuns = new Uint32Array(nVec + 1);
  let total = 0;
  for (let v = 0; v < nVec; v++) {
    vectorRuns[v] = total;
    const o = v * nSvc;
    total++;
    for (let c = 1; c < nSvc; c++) if (store[o + c] !== store[o + c - 1]) total++;
  }
  vectorRuns[nVec] = total;
  const runs = nSvc <= 65536 && nDecisions <= 65536 ? new Uint16Array(total * 2) : new Uint32Array(total * 2);
  let k = 0;
  for (let v = 0; v < nVec; v++) {
    const o = v * nSvc;
    for (let c = 0; c < nSvc; c++) {
      if (c > 0 && store[o + c] === store[o + c - 1]) continue;
      runs[k++] = c;
      runs[k++] = store[o + c]!;
    }
  }
  return { vectorRuns, runs };
}

/**
 * Ceiling rows per base pair, computed on first use. A top-level factory so the closure kept for
 * analysis holds only these, not the compiler's scratch.
 */
function ceilingCache(bases: readonly Base[], services: ServicePlan): (a: number, b: number) => CeilingRow {
  const rows = new Map<number, CeilingRow>();
  return (a, b) => {
    const key = a * bases.length + b;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = ceilingRow(bases[a]!, bases[b]!, services)));
    return row;
  };
}

function build(model: Model, asOf: string): Compiled {
  const t0 = performance.now();
  const N = model.segments.length;
  const R = model.flows.length;
  const active = model.exceptions.filter((e) => isActive(e.expires, asOf));

  // Service sets: flow rules, then active exceptions (matcher index = set index), then
  // sanitizers, then breakout destinations.
  const sets: ServiceRange[][] = [];
  for (const f of model.flows) sets.push(serviceRanges(f.services));
  for (const e of active) sets.push(serviceRanges(e.services));
  const sanitizerSetOf = new Int32Array(N).fill(-1);
  for (const seg of model.segments) {
    if (seg.sanitizer) {
      sanitizerSetOf[seg.index] = sets.length;
      sets.push(serviceRanges(seg.sanitizer.services));
    }
  }
  const breakoutSetOf = new Int32Array(N).fill(-1);
  for (const seg of model.segments) {
    if (seg.breakout) {
      breakoutSetOf[seg.index] = sets.length;
      sets.push(serviceRanges(seg.breakout.services));
    }
  }
  const services = planServices(sets);
  const nSvc = services.classes;
  const basePlan = planBases(
    model,
    services,
    (i) => sanitizerSetOf[i]!,
    (i) => breakoutSetOf[i]!,
  );
  const { bases, ofSegment: baseOf } = basePlan;
  const nB = bases.length;

  const matchers: Matchers = {
    flows: R,
    deny: Uint8Array.from(model.flows, (f) => (f.action === 'deny' ? 1 : 0)),
    exceptionIndex: active.map((e) => e.index),
  };
  const froms: number[][] = [];
  const tos: number[][] = [];
  for (const f of model.flows) {
    froms.push(selectorSegments(f.from));
    tos.push(selectorSegments(f.to));
  }
  for (const e of active) {
    froms.push(selectorSegments(e.from));
    tos.push(selectorSegments(e.to));
  }
  const M = froms.length;

  // 1. membership classes: segments with one base and the same from- (to-) memberships
  const memberships = (sides: number[][]) => {
    const lists: number[][] = Array.from({ length: N }, () => []);
    for (let x = 0; x < M; x++) for (const s of sides[x]!) lists[s]!.push(x);
    const ids = new Map<string, number>();
    const of = new Int32Array(N);
    const base: number[] = [];
    const classLists: number[][] = [];
    for (let s = 0; s < N; s++) {
      const key = `${baseOf[s]}|${lists[s]!.join(',')}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = base.length;
        ids.set(key, id);
        base.push(baseOf[s]!);
        classLists.push(lists[s]!);
      }
      of[s] = id;
    }
    return { of, base, lists: classLists, count: base.length };
  };
  const src = memberships(froms);
  const dst = memberships(tos);
  const nA = src.count;
  const nD = dst.count;
  // Per matcher, its distinct destination classes (CSR).
  const toStart = new Int32Array(M + 1);
  const toClasses: number[] = [];
  {
    const seen = new Int32Array(nD).fill(-1);
    for (let x = 0; x < M; x++) {
      toStart[x] = toClasses.length;
      for (const d of tos[x]!) {
        const b = dst.of[d]!;
        if (seen[b] !== x) {
          seen[b] = x;
          toClasses.push(b);
        }
      }
    }
    toStart[M] = toClasses.length;
  }

  // 2–3. vectors, and the class × class matrix of vector ids, one source class (row) at a time:
  // the row's matchers are appended to each destination class they name, in matcher order, so
  // every touched pair gets its ordered list; untouched pairs behave as their two bases alone.
  const interner = new DecisionInterner(model);
  const ceilingOf = ceilingCache(bases, services);
  const decided = new Uint32Array(services.words);
  const vectors = new VectorStore(nSvc, (ba, bb, list, length, out) =>
    computeVector(bases[ba]!, bases[bb]!, list, length, ceilingOf(ba, bb), services, matchers, model.policy.defaults, interner, out, decided),
  );
  const empty = new Int32Array(0);
  const baseVec = new Int32Array(nB * nB).fill(-1);
  const matrix = new Uint32Array(nA * nD);
  const head = new Int32Array(nD).fill(-1);
  const tail = new Int32Array(nD);
  const hashOf = new Uint32Array(nD);
  const touchedB = new Int32Array(nD);
  const list = new Int32Array(Math.max(1, M));
  let nodeNext = new Int32Array(1024);
  let nodeVal = new Int32Array(1024);
  for (let a = 0; a < nA; a++) {
    const ba = src.base[a]!;
    let nodes = 0;
    let touched = 0;
    for (const x of src.lists[a]!) {
      for (let k = toStart[x]!; k < toStart[x + 1]!; k++) {
        const b = toClasses[k]!;
        if (nodes === nodeVal.length) {
          const nn = new Int32Array(nodes * 2);
          nn.set(nodeNext);
          nodeNext = nn;
          const nv = new Int32Array(nodes * 2);
          nv.set(nodeVal);
          nodeVal = nv;
        }
        const node = nodes++;
        nodeVal[node] = x;
        nodeNext[node] = -1;
        if (head[b]! < 0) {
          head[b] = node;
          touchedB[touched++] = b;
          hashOf[b] = FNV_SEED;
        } else nodeNext[tail[b]!] = node;
        tail[b] = node;
        hashOf[b] = mix(hashOf[b]!, x);
      }
    }
    const row = a * nD;
    for (let b = 0; b < nD; b++) {
      const bb = dst.base[b]!;
      let v = baseVec[ba * nB + bb]!;
      if (v < 0) baseVec[ba * nB + bb] = v = vectors.get(ba, bb, empty, 0, FNV_SEED);
      matrix[row + b] = v;
    }
    for (let i = 0; i < touched; i++) {
      const b = touchedB[i]!;
      let length = 0;
      for (let node = head[b]!; node >= 0; node = nodeNext[node]!) list[length++] = nodeVal[node]!;
      matrix[row + b] = vectors.get(ba, dst.base[b]!, list, length, hashOf[b]!);
      head[b] = -1;
    }
  }
  const nVec = vectors.count;
  const store = vectors.store;

  // 4. the distinct rows and columns of the matrix
  const rows = dedupeRuns(matrix, nA, (a) => a * nD, nD, 1);
  const nRows = rows.reps.length;
  // Columns compared over the distinct rows only: equal there means equal everywhere.
  const reduced = new Uint32Array(nRows * nD);
  rows.reps.forEach((a, r) => reduced.set(matrix.subarray(a * nD, (a + 1) * nD), r * nD));
  const cols = dedupeRuns(reduced, nD, (b) => b, nRows, nD);
  const nCols = cols.reps.length;
  const classMatrix = new Uint32Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) classMatrix[r * nCols + c] = reduced[r * nD + cols.reps[c]!]!;
  }
  const pairMap = packPairs(
    classMatrix,
    nRows,
    nCols,
    rows.reps.map((a) => src.base[a]!),
    cols.reps.map((b) => dst.base[b]!),
    (ba, bb) => baseVec[ba * nB + bb]!,
    nVec > 65536,
  );
  const srcClass = new Uint32Array(N);
  const dstClass = new Uint32Array(N);
  for (let s = 0; s < N; s++) {
    srcClass[s] = rows.classOf[src.of[s]!]!;
    dstClass[s] = cols.classOf[dst.of[s]!]!;
  }
  const decisions = interner.records;
  const { vectorRuns, runs } = runLengths(store, nVec, nSvc, decisions.length);

  // 5. addresses
  const plan = planAddresses(model);
  const v4 = v4Arrays(plan.v4);
  const v6 = v6Arrays(plan.v6);

  const arrays = [
    v4.starts,
    v4.segments,
    v4.l1,
    v4.l2,
    v6.starts,
    v6.segments,
    services.tcp,
    services.udp,
    services.proto,
    srcClass,
    dstClass,
    pairMap.bits,
    pairMap.vectors,
    pairMap.baseVectors,
    pairMap.rowBase,
    pairMap.colBase,
    vectorRuns,
    runs,
  ];
  const table = new DecisionTable({
    model,
    asOf,
    v4Starts: v4.starts,
    v4Segments: v4.segments,
    v4L1: v4.l1,
    v4L2: v4.l2,
    v6Starts: v6.starts,
    v6Segments: v6.segments,
    tcp: services.tcp,
    udp: services.udp,
    proto: services.proto,
    serviceClasses: nSvc,
    serviceStarts: services.starts,
    serviceIntervalClass: services.intervalClass,
    serviceSample: services.sample,
    srcClass,
    dstClass,
    srcClasses: nRows,
    dstClasses: nCols,
    pairs: pairMap,
    vectorRuns,
    runs,
    decisions,
    stats: {
      segments: N,
      intervals4: v4.segments.length,
      intervals6: v6.segments.length,
      serviceClasses: nSvc,
      srcClasses: nRows,
      dstClasses: nCols,
      vectors: nVec,
      decisions: decisions.length,
      cells: nRows * nCols * nSvc,
      bytes: arrays.reduce((n, a) => n + a.byteLength, 0),
      compileMs: 0,
    },
  });
  table.stats.compileMs = Math.round((performance.now() - t0) * 10) / 10;
  return { table, internals: { services, bases: basePlan, ceilingOf, froms, tos, active: matchers.exceptionIndex } };
}
