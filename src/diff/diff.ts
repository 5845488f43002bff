/**
 * The exact decision diff of two compiled tables (docs/diff.md).
 *
 * A flow is (source address, destination address, service). regions.ts cuts both address spaces
 * into address regions (OLD segment, NEW segment) and the key space into service regions (OLD
 * class, NEW class); inside a (source region, destination region, service region) cell both
 * tables decide every flow alike, so comparing cells is comparing every flow.
 *
 * Cells are not walked one by one. A source region reads OLD through its OLD source class and NEW
 * through its NEW source class, so regions with the same pair of classes behave alike: they form
 * a group, and likewise for destinations. A (source group, destination group) pair reads one OLD
 * vector and one NEW vector; what a pair of vectors changes (per service region, the OLD and NEW
 * reason) is worked out once per distinct pair of vectors. Only the group pairs with a change are
 * then spread over their regions.
 *
 * A change is one (source region, destination region, before reason, after reason): its services
 * are every service region where the pair of regions goes from that reason to that one. So each
 * flow whose decision changes lies in exactly one change, and the change says both decisions.
 */
import { RANKED } from '../check/ranges.js';
import type { DecisionTable } from '../lookup/table.js';
import { compressV6, formatV4 } from '../model/cidr.js';
import { formatServiceKey } from '../model/services.js';
import type { Segment } from '../model/types.js';
import { addressRegions, serviceRegions, type AddressRegions } from './regions.js';
import { mergeKeyRanges, serviceTexts } from './services.js';
import { CHANGE_KINDS, type Change, type ChangeKind, type ChangeSide, type DiffResult, type DiffSideInfo, type Reason } from './types.js';

export interface DiffOptions {
  /** Changes listed before `truncated` (default: all). Counts stay exact. */
  maxChanges?: number;
  /** Where each side was read from, for the result's old/new.source. */
  oldSource?: string;
  newSource?: string;
}

/** One (before reason, after reason) of a pair of vectors, with the service regions it holds. */
interface Entry {
  before: number;
  after: number;
  kind: number;
  regions: number[];
  /** Made on first use: the services as text and the witness service. */
  services?: string[];
  witness?: string;
}

/** Interns (decision, code, rule) across both tables, so reasons compare as numbers. */
class Reasons {
  readonly list: Reason[] = [];
  private readonly ids = new Map<string, number>();

  of(table: DecisionTable): Int32Array {
    return Int32Array.from(table.decisions, (d) => {
      const key = `${d.decision}\u0000${d.code}\u0000${d.ruleId ?? ''}\u0000${d.ruleId === null ? 0 : 1}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.list.length;
        this.ids.set(key, id);
        this.list.push({ decision: d.decision, code: d.code, rule: d.ruleId });
      }
      return id;
    });
  }
}

function kindOf(before: Reason, after: Reason): number {
  if (before.decision === 'deny' && after.decision === 'allow') return 0;
  if (before.decision === 'allow' && after.decision === 'deny') return 1;
  return 2;
}

/** Regions grouped by their (OLD class, NEW class) on one side: members behave alike. */
interface Groups {
  count: number;
  oldClass: number[];
  newClass: number[];
  /** Members of group g: members[start[g] .. start[g + 1]). */
  start: Int32Array;
  members: Int32Array;
}

function groups(regions: AddressRegions, oldClassOf: Uint32Array, newClassOf: Uint32Array, newClasses: number): Groups {
  const ids = new Map<number, number>();
  const oldClass: number[] = [];
  const newClass: number[] = [];
  const of = new Int32Array(regions.count);
  const sizes: number[] = [];
  for (let r = 0; r < regions.count; r++) {
    const ca = oldClassOf[regions.oldSeg[r]!]!;
    const cb = newClassOf[regions.newSeg[r]!]!;
    const key = ca * newClasses + cb;
    let g = ids.get(key);
    if (g === undefined) {
      g = oldClass.length;
      ids.set(key, g);
      oldClass.push(ca);
      newClass.push(cb);
      sizes.push(0);
    }
    sizes[g]!++;
    of[r] = g;
  }
  const start = new Int32Array(oldClass.length + 1);
  for (let g = 0; g < oldClass.length; g++) start[g + 1] = start[g]! + sizes[g]!;
  const fill = start.slice(0, oldClass.length);
  const members = new Int32Array(regions.count);
  for (let r = 0; r < regions.count; r++) members[fill[of[r]!]!++] = r;
  return { count: oldClass.length, oldClass, newClass, start, members };
}

function side(oldSeg: Segment, newSeg: Segment): ChangeSide {
  const s: ChangeSide = { segment: newSeg.name, tier: newSeg.tier };
  if (oldSeg.name !== newSeg.name || oldSeg.tier !== newSeg.tier) s.was = { segment: oldSeg.name, tier: oldSeg.tier };
  return s;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Growable list of (source region, destination region, entry) triples. */
class Triples {
  data = new Int32Array(3 * 1024);
  length = 0;
  push(s: number, d: number, e: number): void {
    if (this.length * 3 + 3 > this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const k = this.length++ * 3;
    this.data[k] = s;
    this.data[k + 1] = d;
    this.data[k + 2] = e;
  }
}

export function diffTables(a: DecisionTable, b: DecisionTable, opts: DiffOptions = {}): DiffResult {
  const reasons = new Reasons();
  const reasonA = reasons.of(a);
  const reasonB = reasons.of(b);
  const addr = addressRegions(a, b);
  const svc = serviceRegions(a, b);
  const gs = groups(addr, a.srcClass, b.srcClass, b.srcClasses);
  const gd = groups(addr, a.dstClass, b.dstClass, b.dstClasses);

  // Per distinct (OLD vector, NEW vector): the index of its entry list in `lists` (0: no change).
  const entries: Entry[] = [];
  const lists: number[][] = [[]];
  const memo = new Map<number, number>();
  const cellsA = new Int32Array(a.serviceClasses);
  const cellsB = new Int32Array(b.serviceClasses);
  const nR = svc.count;
  const oldClass = svc.oldClass;
  const newClass = svc.newClass;
  const compare = (va: number, vb: number): number => {
    a.vectorCells(va, cellsA);
    b.vectorCells(vb, cellsB);
    let list: number[] | null = null;
    let byPair: Map<number, number> | null = null;
    for (let r = 0; r < nR; r++) {
      const x = reasonA[cellsA[oldClass[r]!]!]!;
      const y = reasonB[cellsB[newClass[r]!]!]!;
      if (x === y) continue;
      list ??= [];
      byPair ??= new Map();
      const key = x * reasons.list.length + y;
      let e = byPair.get(key);
      if (e === undefined) {
        e = entries.length;
        byPair.set(key, e);
        entries.push({ before: x, after: y, kind: kindOf(reasons.list[x]!, reasons.list[y]!), regions: [] });
        list.push(e);
      }
      entries[e]!.regions.push(r);
    }
    if (!list) return 0;
    lists.push(list);
    return lists.length - 1;
  };

  const triples = new Triples();
  const counts = [0, 0, 0];
  const nVB = b.vectorCount;
  for (let g = 0; g < gs.count; g++) {
    const sa = gs.oldClass[g]!;
    const sb = gs.newClass[g]!;
    const sFrom = gs.start[g]!;
    const sTo = gs.start[g + 1]!;
    for (let h = 0; h < gd.count; h++) {
      const va = a.vectorOf(sa, gd.oldClass[h]!);
      const vb = b.vectorOf(sb, gd.newClass[h]!);
      const key = va * nVB + vb;
      let l = memo.get(key);
      if (l === undefined) memo.set(key, (l = compare(va, vb)));
      if (l === 0) continue;
      const dFrom = gd.start[h]!;
      const dTo = gd.start[h + 1]!;
      for (const e of lists[l]!) {
        counts[entries[e]!.kind]! += (sTo - sFrom) * (dTo - dFrom);
        for (let i = sFrom; i < sTo; i++) {
          const s = gs.members[i]!;
          for (let k = dFrom; k < dTo; k++) triples.push(s, gd.members[k]!, e);
        }
      }
    }
  }

  // Order: kind, then source (NEW name, OLD name), destination likewise, then the services.
  const segA = a.model.segments;
  const segB = b.model.segments;
  const order = Array.from({ length: addr.count }, (_, r) => r).sort(
    (x, y) => byteCompare(segB[addr.newSeg[x]!]!.name, segB[addr.newSeg[y]!]!.name) || byteCompare(segA[addr.oldSeg[x]!]!.name, segA[addr.oldSeg[y]!]!.name),
  );
  const rank = new Int32Array(addr.count);
  order.forEach((r, i) => (rank[r] = i));
  const firstKey = (e: Entry): number => svc.ranges[e.regions[0]!]![0]![0];
  const idx = Array.from({ length: triples.length }, (_, i) => i);
  const t = triples.data;
  idx.sort((x, y) => {
    const ex = entries[t[x * 3 + 2]!]!;
    const ey = entries[t[y * 3 + 2]!]!;
    return ex.kind - ey.kind || rank[t[x * 3]!]! - rank[t[y * 3]!]! || rank[t[x * 3 + 1]!]! - rank[t[y * 3 + 1]!]! || firstKey(ex) - firstKey(ey);
  });

  const address = (r: number, v4: boolean): string => (v4 ? formatV4(addr.low4[r]!) : compressV6(addr.low6[r]!));
  const max = opts.maxChanges ?? Infinity;
  const changes: Change[] = [];
  let myNumber = 0;
  for (let n = 0; n < idx.length; n++) {
    const k = idx[n]! * 3;
    const s = t[k]!;
    const d = t[k + 1]!;
    const e = entries[t[k + 2]!]!;
    const sOld = segA[addr.oldSeg[s]!]!;
    const sNew = segB[addr.newSeg[s]!]!;
    const dOld = segA[addr.oldSeg[d]!]!;
    const dNew = segB[addr.newSeg[d]!]!;
    const mn = sOld.tier === 'mynumber' || sNew.tier === 'mynumber' || dOld.tier === 'mynumber' || dNew.tier === 'mynumber';
    if (mn) myNumber++;
    if (changes.length >= max) continue;
    if (!e.services) {
      const rs = e.regions.flatMap((r) => svc.ranges[r]!);
      e.services = serviceTexts(mergeKeyRanges(rs));
      let best = Infinity;
      for (const r of e.regions) if (svc.preferred[r]! < best) best = svc.preferred[r]!;
      e.witness = formatServiceKey(best % RANKED);
    }
    // Both addresses IPv4 where both regions hold some, else both IPv6, else one of each (a
    // flow may mix families; its decision depends on the segments only).
    const both4 = addr.low4[s]! >= 0 && addr.low4[d]! >= 0;
    const both6 = addr.low6[s] !== null && addr.low6[d] !== null;
    const srcV4 = both4 || (!both6 && addr.low4[s]! >= 0);
    const dstV4 = both4 || (!both6 && addr.low4[d]! >= 0);
    changes.push({
      kind: CHANGE_KINDS[e.kind]!,
      src: side(sOld, sNew),
      dst: side(dOld, dNew),
      services: e.services,
      before: reasons.list[e.before]!,
      after: reasons.list[e.after]!,
      witness: { src: address(s, srcV4), dst: address(d, dstV4), service: e.witness! },
      myNumber: mn,
    });
  }
  const info = (table: DecisionTable, source: string | undefined): DiffSideInfo => ({ policyVersion: table.version, source: source ?? '', asOf: table.asOf });
  return {
    old: info(a, opts.oldSource),
    new: info(b, opts.newSource),
    counts: { 'newly-allowed': counts[0]!, 'newly-denied': counts[1]!, 'reason-changed': counts[2]! } satisfies Record<ChangeKind, number>,
    myNumber,
    truncated: changes.length < idx.length,
    changes,
  };
}
