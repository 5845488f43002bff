/**
 * The device's verdict for every (source class, destination class, service class), exactly.
 *
 * Row by row (one source class at a time) only the rules whose source side holds are kept; the
 * destination classes are then grouped by which of those rules' destination sides hold (rows
 * with the same kept rules share the grouping), and each group is evaluated once: the chains run
 * over a bitset of live service classes, so a jump, goto or return acts on all service classes
 * at once and stays exact. Groups with the same applicable rules are evaluated once across rows
 * (the memo is keyed on the rule list, as the policy compiler memoises its vectors), and the
 * resulting verdict vectors are interned.
 *
 * An outcome is a rule's global index (accept or drop decided there) or rules.length + chain
 * index (that chain's policy decided).
 */
import { hasBit, newBits, type Bits } from './refine.js';
import { T_ACCEPT, T_CONTINUE, T_DROP, T_GOTO, T_JUMP, T_RETURN, type CompiledDevice } from './partition.js';

export interface DeviceVerdicts {
  /** Per source class × destination class (row-major): the verdict vector id. */
  pairs: Int32Array;
  /** Vector v's outcome for service class c: vectors[v * svcClasses + c]. */
  vectors: Int32Array;
  vectorCount: number;
  /** Per outcome: 1 accept, 0 drop. */
  accepts: Uint8Array;
  /** Per rule: 1 when some audited new connection reaches it and matches it. */
  hit: Uint8Array;
}

/** Whether a (source class, destination class) pair is audited: same family, the device filters
 * it, and with an interfaces file it enters and leaves by two different mapped interfaces. */
export function auditedPair(dev: CompiledDevice, s: number, d: number): boolean {
  const f = dev.src.family[s]!;
  if (f !== dev.dst.family[d] || !dev.device.families.includes(f as 4 | 6)) return false;
  if (!dev.interfaces) return true;
  const a = dev.src.iface[s]!;
  const b = dev.dst.iface[d]!;
  return a >= 0 && b >= 0 && a !== b;
}

export function evaluateDevice(dev: CompiledDevice): DeviceVerdicts {
  const nS = dev.src.classes;
  const nD = dev.dst.classes;
  const nV = dev.svc.classes;
  const W = (nV + 31) >>> 5;
  const R = dev.rules.length;
  const nC = dev.chains.length;
  const accepts = new Uint8Array(R + nC);
  for (const r of dev.rules) accepts[r.index] = r.target === T_ACCEPT ? 1 : 0;
  dev.chains.forEach((c, i) => {
    accepts[R + i] = c.policy === 'drop' ? 0 : 1;
  });
  const hit = new Uint8Array(R);
  const pairs = new Int32Array(nS * nD);
  const vecIds = new Map<string, number>();
  const vecList: Int32Array[] = [];
  // Memo: applicable rule list → vector id and the rules the evaluation reached.
  const memo = new Map<string, { vec: number; hits: Int32Array; marked: boolean }>();
  type Entry = { vec: number; hits: Int32Array; marked: boolean };
  let row: { grp: Int32Array; groupVec: Int32Array; groupMemo: Entry[] };

  const rules = dev.rules;
  const live = (): Bits => newBits(nV);
  const out = new Int32Array(nV);
  const reached: number[] = [];
  // Per chain, the applicable rules of the current evaluation, in order.
  const chainRules: number[][] = dev.chains.map(() => []);

  const assign = (m: Bits, outcome: number): void => {
    for (let w = 0; w < W; w++) {
      let x = m[w]!;
      while (x !== 0) {
        const low = x & -x;
        out[(w << 5) + 31 - Math.clz32(low)] = outcome;
        x ^= low;
      }
    }
  };

  /** Runs chain c over the live classes in `lv` (modified); returns those it returned. */
  const run = (c: number, lv: Bits): Bits => {
    const ret = newBits(nV);
    const m = newBits(nV);
    for (const ri of chainRules[c]!) {
      const r = rules[ri]!;
      let any = 0;
      const svc = r.svc;
      for (let w = 0; w < W; w++) {
        const x = svc ? lv[w]! & svc[w]! : lv[w]!;
        m[w] = x;
        any |= x;
      }
      if (any === 0) continue;
      reached.push(ri);
      switch (r.target) {
        case T_ACCEPT:
        case T_DROP:
          assign(m, ri);
          for (let w = 0; w < W; w++) lv[w]! &= ~m[w]!;
          break;
        case T_CONTINUE:
          break;
        case T_RETURN:
          for (let w = 0; w < W; w++) {
            ret[w]! |= m[w]!;
            lv[w]! &= ~m[w]!;
          }
          break;
        case T_JUMP: {
          const sub = run(r.to, Uint32Array.from(m));
          // Decided inside leave the live set; returned ones go on here.
          for (let w = 0; w < W; w++) lv[w]! &= ~(m[w]! & ~sub[w]!);
          break;
        }
        case T_GOTO: {
          const sub = run(r.to, Uint32Array.from(m));
          for (let w = 0; w < W; w++) {
            lv[w]! &= ~m[w]!;
            ret[w]! |= sub[w]!;
          }
          break;
        }
      }
      let left = 0;
      for (let w = 0; w < W; w++) left |= lv[w]!;
      if (left === 0) break;
    }
    const policy = dev.chains[c]!.policy;
    if (policy) {
      assign(lv, R + c);
      lv.fill(0);
    } else for (let w = 0; w < W; w++) ret[w]! |= lv[w]!;
    return ret;
  };

  const evaluate = (applicable: number[]): { vec: number; hits: Int32Array } => {
    for (const l of chainRules) l.length = 0;
    for (const ri of applicable) chainRules[rules[ri]!.chain]!.push(ri);
    reached.length = 0;
    let lv = live();
    lv.fill(0xffffffff);
    if ((nV & 31) !== 0) lv[W - 1] = ((1 << (nV & 31)) - 1) >>> 0;
    out.fill(-1);
    for (const e of dev.entries) {
      const returned = run(e, Uint32Array.from(lv));
      // A base chain that returns applies its own policy (accept for a chain without one).
      assign(returned, R + e);
      // Only what this chain accepted goes on to the next entry chain.
      const next = live();
      for (let c = 0; c < nV; c++) if (out[c]! >= 0 && accepts[out[c]!] === 1 && hasBit(lv, c)) next[c >>> 5]! |= 1 << (c & 31);
      lv = next;
    }
    if (dev.entries.length === 0) out.fill(R); // no entry chain: everything forwarded (never happens with parsers)
    const key = out.join(',');
    let vec = vecIds.get(key);
    if (vec === undefined) {
      vec = vecList.length;
      vecIds.set(key, vec);
      vecList.push(Int32Array.from(out));
    }
    return { vec, hits: Int32Array.from(new Set(reached)) };
  };

  const grp = new Int32Array(nD);
  const count = new Int32Array(nD + 1);
  const moveTo = new Int32Array(nD + 1).fill(-1);
  const rowRules: number[] = [];
  // Per source class, the rules whose source side holds there, in order: rules for every class
  // are merged with the rules listing the class, so a row never scans all rules.
  const always: number[] = [];
  const bySrc: number[][] = Array.from({ length: nS }, () => []);
  for (const r of rules) {
    if (r.empty) continue;
    if (!r.src) {
      always.push(r.index);
      continue;
    }
    const b = r.src;
    for (let w = 0; w < b.length; w++) {
      let x = b[w]!;
      while (x !== 0) {
        const low = x & -x;
        bySrc[(w << 5) + 31 - Math.clz32(low)]!.push(r.index);
        x ^= low;
      }
    }
  }
  for (let s = 0; s < nS; s++) {
    rowRules.length = 0;
    const own = bySrc[s]!;
    let i = 0;
    let j = 0;
    while (i < always.length || j < own.length) {
      if (j >= own.length || (i < always.length && always[i]! < own[j]!)) rowRules.push(always[i++]!);
      else rowRules.push(own[j++]!);
    }
    {
      // Group destination classes by which row rules' destination sides hold.
      grp.fill(0);
      let groups = 1;
      const size = [nD];
      for (const ri of rowRules) {
        const split = rules[ri]!.dstSplit;
        if (!split) continue;
        const touched: number[] = [];
        for (const d of split) {
          const g = grp[d]!;
          if (count[g] === 0) touched.push(g);
          count[g]!++;
        }
        for (const g of touched) {
          if (count[g]! < size[g]!) {
            moveTo[g] = groups++;
            size.push(count[g]!);
            size[g]! -= count[g]!;
          }
        }
        for (const d of split) {
          const to = moveTo[grp[d]!]!;
          if (to >= 0) grp[d] = to;
        }
        for (const g of touched) {
          count[g] = 0;
          moveTo[g] = -1;
        }
      }
      const rep = new Int32Array(groups).fill(-1);
      for (let d = 0; d < nD; d++) if (rep[grp[d]!] === -1) rep[grp[d]!] = d;
      const groupVec = new Int32Array(groups);
      const groupMemo: Entry[] = [];
      for (let g = 0; g < groups; g++) {
        const d0 = rep[g]!;
        const applicable: number[] = [];
        for (const ri of rowRules) {
          const dst = rules[ri]!.dst;
          if (!dst || hasBit(dst, d0)) applicable.push(ri);
        }
        const key = applicable.join(',');
        let entry = memo.get(key);
        if (!entry) {
          const e = evaluate(applicable);
          entry = { vec: e.vec, hits: e.hits, marked: false };
          memo.set(key, entry);
        }
        groupVec[g] = entry.vec;
        groupMemo.push(entry);
      }
      row = { grp, groupVec, groupMemo };
    }
    // One pass over the destination classes: the verdict vector of each pair, and reachability
    // (which counts audited flows only).
    const base = s * nD;
    const rowFamily = dev.src.family[s]!;
    const rowAudited = dev.device.families.includes(rowFamily as 4 | 6) && (!dev.interfaces || dev.src.iface[s]! >= 0);
    const { grp: rg, groupVec: gv, groupMemo: gm } = row;
    for (let d = 0; d < nD; d++) {
      const g = rg[d]!;
      pairs[base + d] = gv[g]!;
      if (rowAudited && !gm[g]!.marked && auditedPair(dev, s, d)) {
        const entry = gm[g]!;
        entry.marked = true;
        for (const ri of entry.hits) hit[ri] = 1;
      }
    }
  }
  const vectors = new Int32Array(vecList.length * nV);
  vecList.forEach((v, i) => vectors.set(v, i * nV));
  return { pairs, vectors, vectorCount: vecList.length, accepts, hit };
}
