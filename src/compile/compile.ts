/**
 * Model → DecisionTable (SPEC §2 precomputed). The full segment × segment × service cube would
 * be 2,000 × 2,000 × K decisions for a large city; instead:
 *
 * 1. segments with the same base and the same from-/to-memberships are one membership class;
 * 2. only (source, destination) class pairs some rule or exception names get their own rule list,
 *    every other pair behaves as its two bases alone;
 * 3. a pair's decision vector (one decision per service class) depends only on the two bases and
 *    the rule list, so vectors are memoized on that and deduplicated by content;
 * 4. the class × class matrix of vector ids is reduced to its distinct rows and columns
 *    (the equivalence classes of recursive flow classification, Gupta & McKeown 1999).
 */
import { performance } from 'node:perf_hooks';
import { isActive } from '../model/dates.js';
import { selectorSegments, serviceRanges, type Model, type ServiceRange } from '../model/types.js';
import { DecisionTable } from '../lookup/table.js';
import { buildFragments } from '../lookup/render.js';
import { planAddresses, v4Arrays, v6Arrays } from './addresses.js';
import { ceilingRow, planBases, type BasePlan, type CeilingRow } from './ceiling.js';
import { computeVector, DecisionInterner, type Matchers } from './decisions.js';
import { planServices, type ServicePlan } from './services.js';

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

const internalsOf = new WeakMap<DecisionTable, CompileInternals>();

export function compileInternals(table: DecisionTable): CompileInternals {
  return internalsOf.get(table)!;
}

// analyzeModel compiles to find shadowed rules; loading the same model then reuses that table.
const cache = new WeakMap<Model, DecisionTable>();

export function compile(model: Model, opts: CompileOptions): DecisionTable {
  const cached = cache.get(model);
  if (cached && cached.asOf === opts.asOf) return cached;
  const table = build(model, opts.asOf);
  cache.set(model, table);
  return table;
}

/** Word hash of a run of a Uint32Array (FNV-1a over words): buckets for row/vector dedupe. */
function hashRun(a: Uint32Array, from: number, length: number, stride = 1): number {
  let h = 0x811c9dc5;
  for (let i = 0, k = from; i < length; i++, k += stride) h = Math.imul(h ^ a[k]!, 0x01000193);
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

function build(model: Model, asOf: string): DecisionTable {
  const t0 = performance.now();
  const N = model.segments.length;
  const R = model.flows.length;
  const active = model.exceptions.filter((e) => isActive(e.expires, asOf));

  // Service sets: flow rules, then active exceptions (matcher index = set index), then sanitizers.
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
  const services = planServices(sets);
  const nSvc = services.classes;
  const basePlan = planBases(model, services, (i) => sanitizerSetOf[i]!);
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

  // 1. membership classes
  const memberships = (sides: number[][]) => {
    const lists: number[][] = Array.from({ length: N }, () => []);
    for (let x = 0; x < M; x++) for (const s of sides[x]!) lists[s]!.push(x);
    const ids = new Map<string, number>();
    const of = new Int32Array(N);
    const base: number[] = [];
    for (let s = 0; s < N; s++) {
      const key = `${baseOf[s]}|${lists[s]!.join(',')}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = base.length;
        ids.set(key, id);
        base.push(baseOf[s]!);
      }
      of[s] = id;
    }
    return { of, base, count: base.length };
  };
  const src = memberships(froms);
  const dst = memberships(tos);

  // 2. rule lists of touched class pairs, in matcher order
  const touched = new Map<number, number[]>();
  const srcSeen = new Int32Array(src.count).fill(-1);
  const dstSeen = new Int32Array(dst.count).fill(-1);
  for (let x = 0; x < M; x++) {
    const as: number[] = [];
    for (const s of froms[x]!) {
      const a = src.of[s]!;
      if (srcSeen[a] !== x) {
        srcSeen[a] = x;
        as.push(a);
      }
    }
    const bs: number[] = [];
    for (const d of tos[x]!) {
      const b = dst.of[d]!;
      if (dstSeen[b] !== x) {
        dstSeen[b] = x;
        bs.push(b);
      }
    }
    for (const a of as) {
      for (const b of bs) {
        const key = a * dst.count + b;
        const list = touched.get(key);
        if (list) list.push(x);
        else touched.set(key, [x]);
      }
    }
  }

  // 3. vectors
  const interner = new DecisionInterner(model);
  const ceilings = new Map<number, CeilingRow>();
  const ceilingOf = (a: number, b: number): CeilingRow => {
    const key = a * nB + b;
    let row = ceilings.get(key);
    if (!row) ceilings.set(key, (row = ceilingRow(bases[a]!, bases[b]!, services)));
    return row;
  };
  let store = new Uint32Array(Math.max(64, nSvc * 64));
  let nVec = 0;
  const byContent = new Map<number, number[]>();
  const scratch = new Uint32Array(nSvc);
  const memo = new Map<string, number>();
  const vectorFor = (ba: number, bb: number, list: readonly number[]): number => {
    const key = `${ba},${bb}|${list.join(',')}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    computeVector(bases[ba]!, bases[bb]!, list, ceilingOf(ba, bb), services, matchers, model.policy.defaults, interner, scratch);
    const h = hashRun(scratch, 0, nSvc);
    let bucket = byContent.get(h);
    if (!bucket) byContent.set(h, (bucket = []));
    let id = -1;
    for (const v of bucket) {
      let same = true;
      for (let c = 0, o = v * nSvc; c < nSvc; c++) if (store[o + c] !== scratch[c]) { same = false; break; }
      if (same) { id = v; break; }
    }
    if (id < 0) {
      id = nVec++;
      if (nVec * nSvc > store.length) {
        const grown = new Uint32Array(store.length * 2);
        grown.set(store);
        store = grown;
      }
      store.set(scratch, id * nSvc);
      bucket.push(id);
    }
    memo.set(key, id);
    return id;
  };

  // 4. the class matrix, then its distinct rows and columns
  const nA = src.count;
  const nD = dst.count;
  const matrix = new Uint32Array(nA * nD);
  const baseVec = new Int32Array(nB * nB).fill(-1);
  for (let a = 0; a < nA; a++) {
    const ba = src.base[a]!;
    for (let b = 0; b < nD; b++) {
      const bb = dst.base[b]!;
      let v = baseVec[ba * nB + bb]!;
      if (v < 0) baseVec[ba * nB + bb] = v = vectorFor(ba, bb, []);
      matrix[a * nD + b] = v;
    }
  }
  for (const [key, list] of touched) {
    const a = Math.floor(key / nD);
    const b = key - a * nD;
    matrix[key] = vectorFor(src.base[a]!, dst.base[b]!, list);
  }
  const rows = dedupeRuns(matrix, nA, (a) => a * nD, nD, 1);
  const nRows = rows.reps.length;
  // Columns compared over the distinct rows only: equal there means equal everywhere.
  const reduced = new Uint32Array(nRows * nD);
  rows.reps.forEach((a, r) => reduced.set(matrix.subarray(a * nD, (a + 1) * nD), r * nD));
  const cols = dedupeRuns(reduced, nD, (b) => b, nRows, nD);
  const nCols = cols.reps.length;
  const pairs = new Uint32Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) pairs[r * nCols + c] = reduced[r * nD + cols.reps[c]!]! * nSvc;
  }
  const srcClass = new Uint32Array(N);
  const dstClass = new Uint32Array(N);
  for (let s = 0; s < N; s++) {
    srcClass[s] = rows.classOf[src.of[s]!]!;
    dstClass[s] = cols.classOf[dst.of[s]!]!;
  }
  const decisions = interner.records;
  const vectors = decisions.length <= 65536 ? Uint16Array.from(store.subarray(0, nVec * nSvc)) : store.slice(0, nVec * nSvc);

  // 5. addresses
  const plan = planAddresses(model);
  const v4 = v4Arrays(plan.v4);
  const v6 = v6Arrays(plan.v6);

  const arrays = [v4.starts, v4.segments, v4.dir, v6.starts, v6.segments, services.tcp, services.udp, services.proto, srcClass, dstClass, pairs, vectors];
  const table = new DecisionTable({
    model,
    asOf,
    v4Starts: v4.starts,
    v4Segments: v4.segments,
    v4Dir: v4.dir,
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
    pairs,
    vectors,
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
  table.fragments = buildFragments(table);
  internalsOf.set(table, { services, bases: basePlan, ceilingOf, froms, tos, active: matchers.exceptionIndex });
  table.stats.compileMs = Math.round((performance.now() - t0) * 10) / 10;
  return table;
}
