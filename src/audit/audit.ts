/**
 * The firewall audit (docs/audit.md): a device's verdicts (evaluate.ts) against the policy's
 * decision table, exactly, over classes.
 *
 * Where the device and the policy can disagree: a source atom is (segment, device source class),
 * a destination atom likewise, and a service atom is (device service class, table service class).
 * Segments with the same table class and the same device classes behave alike, so they are
 * grouped (as the change-request checker groups them); a (source group, destination group) pair
 * compares each of its (device source class, device destination class) verdict vectors with the
 * table's decision vector once — memoised on (device vector, policy vector) — and the findings of
 * a segment pair are the union of those comparisons. Counts come from group sizes: exact, never
 * sampled.
 */
import { decisionClause, decisionMessage, type Lang } from '../i18n/messages.js';
import type { DecisionTable } from '../lookup/table.js';
import { compressV6, formatV4 } from '../model/cidr.js';
import { formatServiceKey } from '../model/services.js';
import { DECISION_CODES, type DecisionCode } from '../problems/codes.js';
import { preferredFlowKey, RANKED } from '../check/ranges.js';
import type { Device, DeviceProblem } from '../device/types.js';
import { evaluateDevice, type DeviceVerdicts } from './evaluate.js';
import { compileDevice, T_ACCEPT, T_DROP, T_GOTO, T_RETURN, type CompiledDevice, type InterfaceMap } from './partition.js';
import { intersects } from './refine.js';

export const MAX_AUDIT_FINDINGS = 1000;
export const FINDING_KINDS = ['violation', 'ungranted', 'outage', 'unreachable'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

const CODE_ORDER = Object.keys(DECISION_CODES) as DecisionCode[];

/** The device rule (or chain default) that decided, as reports show it. */
export interface DeviceRef {
  file: string;
  /** Null where a chain's implicit default decided. */
  line: number | null;
  col: number | null;
  /** The rule's text; null where a chain's default decided. */
  text: string | null;
  chain: string;
  action: 'accept' | 'drop' | null;
  /** True where the chain's default (policy) decided rather than a rule. */
  default: boolean;
}

export interface AuditFinding {
  kind: FindingKind;
  /** The policy's decision code of the witness (null for unreachable). */
  code: DecisionCode | null;
  src: { segment: string; tier: string } | null;
  dst: { segment: string; tier: string } | null;
  witness: { src: string; dst: string; service: string } | null;
  device: DeviceRef;
  /** The policy's deciding rule id, clause and message of the witness (null for unreachable). */
  policy: { decision: 'allow' | 'deny'; rule: string | null; clause: string | null; message: string } | null;
  /** unreachable: why, and the earlier rules that match what it would. */
  reason?: string;
  shadowedBy?: DeviceRef[];
}

export interface DeviceAudit {
  name: string;
  file: string;
  format: string;
  families: (4 | 6)[];
  rules: number;
  counts: Record<FindingKind, number>;
  /** Per kind, per policy code: exact counts. */
  codes: Partial<Record<FindingKind, Partial<Record<DecisionCode, number>>>>;
  findings: AuditFinding[];
  /** True when a kind has more findings than were listed. */
  truncated: boolean;
  /**
   * Return-traffic rules: rules that match only a connection state other than NEW (ESTABLISHED,
   * RELATED, INVALID) and otherwise at most interfaces or the family. They serve no new
   * connection by design, so they are listed here, not reported unreachable (docs/audit.md).
   */
  stateRules: (DeviceRef & { why: string })[];
}

export interface AuditResult {
  verdict: 'compliant' | 'findings';
  policyVersion: string;
  asOf: string;
  devices: DeviceAudit[];
  /** --lenient: what was not understood; the verdict may be incomplete when this is non-empty. */
  warnings: DeviceProblem[];
  incomplete: boolean;
}

export interface AuditOptions {
  lang: Lang;
  /** Findings listed per kind and device before `truncated` (counts stay exact). */
  maxFindings?: number;
}

/** A compiled device ready to audit and to answer flows (see lookup.ts). */
export interface PreparedDevice {
  dev: CompiledDevice;
  ver: DeviceVerdicts;
}

export function prepareDevice(device: Device, table: DecisionTable, ifaces: InterfaceMap | null): PreparedDevice {
  const dev = compileDevice(device, table, ifaces);
  return { dev, ver: evaluateDevice(dev) };
}

/** Joint service classes: (device class, table class) with the preferred flow key in them. */
function jointServices(dev: CompiledDevice): { dev: Int32Array; tab: Int32Array; key: Float64Array } {
  const { starts, tableClass, cls } = dev.svc;
  const ids = new Map<number, number>();
  const d: number[] = [];
  const t: number[] = [];
  const k: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const hi = (i + 1 < starts.length ? starts[i + 1]! : 256 * 65536) - 1;
    const key = preferredFlowKey(starts[i]!, hi);
    if (key < 0) continue;
    const id0 = cls[i]! * 1048576 + tableClass[i]!;
    let id = ids.get(id0);
    if (id === undefined) {
      id = d.length;
      ids.set(id0, id);
      d.push(cls[i]!);
      t.push(tableClass[i]!);
      k.push(key);
    } else if (key < k[id]!) k[id] = key;
  }
  return { dev: Int32Array.from(d), tab: Int32Array.from(t), key: Float64Array.from(k) };
}

interface Atoms {
  /** Per segment: its device classes (auditable ones) and the lowest address in each. */
  cls: number[][];
  low: (number | bigint)[][];
}

function atoms(dev: CompiledDevice, side: 'src' | 'dst', nSeg: number): Atoms {
  const S = dev[side];
  const cls: number[][] = Array.from({ length: nSeg }, () => []);
  const low: (number | bigint)[][] = Array.from({ length: nSeg }, () => []);
  const n = S.cls.length;
  for (let i = 0; i < n; i++) {
    const c = S.cls[i]!;
    if (c < 0) continue;
    const f = S.family[c]!;
    if (!dev.device.families.includes(f as 4 | 6)) continue;
    if (dev.interfaces && S.iface[c]! < 0) continue;
    const seg = S.seg[i]!;
    const list = cls[seg]!;
    if (!list.includes(c)) {
      list.push(c);
      low[seg]!.push(i < S.n4 ? S.starts4[i]! : S.starts6[i - S.n4]!);
    }
  }
  return { cls, low };
}

interface Group {
  tclass: number;
  cls: number[];
  segs: number[];
}

function groups(a: Atoms, classOf: Uint32Array): { list: Group[]; of: Int32Array } {
  const ids = new Map<string, number>();
  const list: Group[] = [];
  const of = new Int32Array(a.cls.length).fill(-1);
  a.cls.forEach((cs, seg) => {
    if (cs.length === 0) return;
    const sorted = [...cs].sort((x, y) => x - y);
    const key = `${classOf[seg]}:${sorted.join(',')}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = list.length;
      ids.set(key, id);
      list.push({ tclass: classOf[seg]!, cls: sorted, segs: [] });
    }
    list[id]!.segs.push(seg);
    of[seg] = id;
  });
  return { list, of };
}

/** One disagreement between a device vector and a policy vector. */
interface Diff {
  /** code index * outcomes + outcome */
  slot: number;
  /** Index of the finding kind in FINDING_KINDS. */
  kind: number;
  code: number;
  outcome: number;
  key: number;
  decision: number;
}

export function deviceRef(dev: CompiledDevice, outcome: number): DeviceRef {
  const R = dev.rules.length;
  if (outcome < R) {
    const r = dev.rules[outcome]!;
    return {
      file: r.rule.loc.file,
      line: r.rule.loc.line,
      col: r.rule.loc.col,
      text: r.rule.text,
      chain: dev.chains[r.chain]!.name,
      action: r.target === T_ACCEPT ? 'accept' : r.target === T_DROP ? 'drop' : null,
      default: false,
    };
  }
  const c = outcome - R;
  const chain = dev.device.chains.get(dev.chains[c]!.name)!;
  return {
    file: chain.policyLoc?.file ?? dev.device.file,
    line: chain.policyLoc?.line ?? null,
    col: chain.policyLoc?.col ?? null,
    text: null,
    chain: chain.name,
    action: chain.policy === 'drop' ? 'drop' : 'accept',
    default: true,
  };
}

function kindOf(code: number, table: DecisionTable, decision: number): FindingKind {
  if (table.decision(decision).decision === 'allow') return 'outage';
  return CODE_ORDER[code] === 'NO-GRANT' ? 'ungranted' : 'violation';
}

export function auditDevice(prep: PreparedDevice, table: DecisionTable, opts: AuditOptions): DeviceAudit {
  const { dev, ver } = prep;
  const max = opts.maxFindings ?? MAX_AUDIT_FINDINGS;
  const model = table.model;
  const nSeg = model.segments.length;
  const nD = dev.dst.classes;
  const nV = dev.svc.classes;
  const nOut = dev.rules.length + dev.chains.length;
  const jv = jointServices(dev);
  const codeOf = Uint8Array.from(table.decisions, (r) => CODE_ORDER.indexOf(r.code));
  const allowOf = Uint8Array.from(table.decisions, (r) => (r.decision === 'allow' ? 1 : 0));
  const cells = new Int32Array(table.serviceClasses);
  const KIND_INDEX: Record<FindingKind, number> = { violation: 0, ungranted: 1, outage: 2, unreachable: 3 };
  // A comparison's result is a list of Diffs, interned by id; `results[0]` is the empty list.
  const results: Diff[][] = [[]];
  // Per result id: how many segment pairs have exactly that result (tallied once at the end).
  let weight = new Float64Array(1024);
  const nDV = ver.vectorCount;
  // (device vector, policy vector) → result id: an open-addressed hash on typed arrays (a dense
  // device × policy vector matrix, as before, took 4,199 × 18,197 × 4 bytes = 305 MB on the
  // bench prefecture: too much for a request of the HTTP service).
  let memoCap = 1 << 16;
  let memoDv = new Int32Array(memoCap).fill(-1);
  let memoPv = new Int32Array(memoCap);
  let memoId = new Int32Array(memoCap);
  let memoN = 0;
  const slotOf = (dv: number, pv: number, dvs: Int32Array, pvs: Int32Array, mask: number): number => {
    let i = (Math.imul(dv, 0x9e3779b1) ^ Math.imul(pv, 0x85ebca77)) & mask;
    while (dvs[i] !== -1 && (dvs[i] !== dv || pvs[i] !== pv)) i = (i + 1) & mask;
    return i;
  };
  const memoPut = (dv: number, pv: number, id: number): void => {
    if ((memoN + 1) * 2 > memoCap) {
      const cap = memoCap * 2;
      const dvs = new Int32Array(cap).fill(-1);
      const pvs = new Int32Array(cap);
      const vals = new Int32Array(cap);
      for (let i = 0; i < memoCap; i++) {
        if (memoDv[i] === -1) continue;
        const j = slotOf(memoDv[i]!, memoPv[i]!, dvs, pvs, cap - 1);
        dvs[j] = memoDv[i]!;
        pvs[j] = memoPv[i]!;
        vals[j] = memoId[i]!;
      }
      memoCap = cap;
      memoDv = dvs;
      memoPv = pvs;
      memoId = vals;
    }
    const i = slotOf(dv, pv, memoDv, memoPv, memoCap - 1);
    memoDv[i] = dv;
    memoPv[i] = pv;
    memoId[i] = id;
    memoN++;
  };
  const compare = (dv: number, pv: number): number => {
    const at = slotOf(dv, pv, memoDv, memoPv, memoCap - 1);
    if (memoDv[at] !== -1) return memoId[at]!;
    table.vectorCells(pv, cells);
    let out: Map<number, Diff> | null = null;
    const base = dv * nV;
    for (let j = 0; j < jv.dev.length; j++) {
      const o = ver.vectors[base + jv.dev[j]!]!;
      const d = cells[jv.tab[j]!]!;
      if (ver.accepts[o] === allowOf[d]) continue;
      const code = codeOf[d]!;
      const slot = code * nOut + o;
      out ??= new Map();
      const e = out.get(slot);
      const key = jv.key[j]!;
      if (!e) out.set(slot, { slot, kind: KIND_INDEX[kindOf(code, table, d)], code, outcome: o, key, decision: d });
      else if (key < e.key) {
        e.key = key;
        e.decision = d;
      }
    }
    let id = 0;
    if (out) {
      id = results.length;
      const list = [...out.values()].sort((a, b) => a.slot - b.slot);
      results.push(list);
      if (id >= weight.length) {
        const grown = new Float64Array(weight.length * 2);
        grown.set(weight);
        weight = grown;
      }
    }
    memoPut(dv, pv, id);
    return id;
  };

  const sa = atoms(dev, 'src', nSeg);
  const da = atoms(dev, 'dst', nSeg);
  const gs = groups(sa, table.srcClass);
  const gd = groups(da, table.dstClass);
  const nG = gs.list.length;
  const nH = gd.list.length;
  // Per group pair: its findings, as a result id (one class pair) or a union of several (ids of
  // `unions`, negated − 1). Each entry of a union keeps the class pair of its witness.
  const pairResult = new Int32Array(nG * nH);
  const pairWitness = new Int32Array(nG * nH * 2);
  const unions: { diff: Diff; ds: number; dd: number }[][] = [];
  const kindCodes: Partial<Record<FindingKind, Partial<Record<DecisionCode, number>>>> = {};
  const kindCounts: Record<FindingKind, number> = { violation: 0, ungranted: 0, outage: 0, unreachable: 0 };
  // Per kind × outcome: how many findings, for choosing which to list.
  const perOutcome = [new Float64Array(nOut), new Float64Array(nOut), new Float64Array(nOut)];
  const union = new Map<number, { diff: Diff; ds: number; dd: number }>();
  const tally = (diff: Diff, n: number): void => {
    const kind = FINDING_KINDS[diff.kind]!;
    kindCounts[kind] += n;
    perOutcome[KIND_INDEX[kind]]![diff.outcome]! += n;
    const byCode = (kindCodes[kind] ??= {});
    const code = CODE_ORDER[diff.code]!;
    byCode[code] = (byCode[code] ?? 0) + n;
  };
  const sFamily = dev.src.family;
  const dFamily = dev.dst.family;
  const sIf = dev.src.iface;
  const dIf = dev.dst.iface;
  const ifaces = dev.interfaces !== null;
  // Per group pair, the distinct comparison results of its class pairs (deduplicated by a
  // stamp, so the inner loop over class pairs touches typed arrays only), then their union.
  const seen = new Int32Array(1024);
  let seenOf = seen;
  let stamp = 0;
  const ids: number[] = [];
  const gCls = gs.list.map((G) => Int32Array.from(G.cls));
  const hCls = gd.list.map((H) => Int32Array.from(H.cls));
  const pairs = ver.pairs;
  // Per group pair, the device vectors already met: a class pair with a vector met before adds
  // nothing (its comparison with the pair's one policy vector is the same result, and the first
  // class pair keeps the witness), so only the distinct vectors reach the memo.
  const seenDv = new Int32Array(nDV);
  // Per source group, the destination classes are sorted into "columns": two destination
  // classes whose verdict vectors (or being skipped) agree for every source class of the group
  // share a column id. Within a destination group, a class whose column was met earlier adds
  // nothing — for every source class its vector was met one step before — so the class-pair
  // walk visits one destination class per distinct column, in the same order as before (the
  // witnesses stay the same). Columns are refined source class by source class on typed arrays.
  const col = new Int32Array(nD);
  const local = new Int32Array(nD);
  const locStamp = new Int32Array(nDV + 1);
  const locIdx = new Int32Array(nDV + 1);
  let locSt = 0;
  let renumStamp = new Int32Array(1024);
  let renumVal = new Int32Array(1024);
  let renumSt = 0;
  const colStamp = new Int32Array(nD + 1);
  const cols = new Int32Array(nD);
  for (let g = 0; g < nG; g++) {
    const G = gs.list[g]!;
    const gc = gCls[g]!;
    const gSize = G.segs.length;
    col.fill(0);
    let nCol = 1;
    for (let a = 0; a < gc.length; a++) {
      const ds = gc[a]!;
      const fs = sFamily[ds]!;
      const is = sIf[ds]!;
      const row = ds * nD;
      locSt++;
      let k = 0;
      for (let dd = 0; dd < nD; dd++) {
        const skip = dFamily[dd] !== fs || (ifaces && (is < 0 || dIf[dd]! < 0 || is === dIf[dd]));
        const v = skip ? nDV : pairs[row + dd]!;
        if (locStamp[v] !== locSt) {
          locStamp[v] = locSt;
          locIdx[v] = k++;
        }
        local[dd] = locIdx[v]!;
      }
      if (k === 1) continue;
      const size = nCol * k;
      if (size > renumStamp.length) {
        renumStamp = new Int32Array(Math.max(size, renumStamp.length * 2));
        renumVal = new Int32Array(renumStamp.length);
        renumSt = 0;
      }
      renumSt++;
      let next = 0;
      for (let dd = 0; dd < nD; dd++) {
        const key = col[dd]! * k + local[dd]!;
        if (renumStamp[key] !== renumSt) {
          renumStamp[key] = renumSt;
          renumVal[key] = next++;
        }
        col[dd] = renumVal[key]!;
      }
      nCol = next;
    }
    for (let h = 0; h < nH; h++) {
      const H = gd.list[h]!;
      const hc = hCls[h]!;
      stamp++;
      let nc = 0;
      for (let b = 0; b < hc.length; b++) {
        const dd = hc[b]!;
        const c = col[dd]!;
        if (colStamp[c] === stamp) continue;
        colStamp[c] = stamp;
        cols[nc++] = dd;
      }
      const pv = table.vectorOf(G.tclass, H.tclass);
      ids.length = 0;
      for (let a = 0; a < gc.length; a++) {
        const ds = gc[a]!;
        const fs = sFamily[ds]!;
        const is = sIf[ds]!;
        const row = ds * nD;
        for (let b = 0; b < nc; b++) {
          const dd = cols[b]!;
          if (dFamily[dd] !== fs) continue;
          if (ifaces && (is < 0 || dIf[dd]! < 0 || is === dIf[dd])) continue;
          const dv = pairs[row + dd]!;
          if (seenDv[dv] === stamp) continue;
          seenDv[dv] = stamp;
          const id = compare(dv, pv);
          if (id === 0) continue;
          if (id >= seenOf.length) {
            const grown = new Int32Array(Math.max(id + 1, seenOf.length * 2));
            grown.set(seenOf);
            seenOf = grown;
          }
          if (seenOf[id] === stamp) continue;
          seenOf[id] = stamp;
          ids.push(id, ds, dd);
        }
      }
      if (ids.length === 0) continue;
      const slot = g * nH + h;
      const n = gSize * H.segs.length;
      if (ids.length === 3) {
        const id = ids[0]!;
        pairResult[slot] = id;
        pairWitness[slot * 2] = ids[1]!;
        pairWitness[slot * 2 + 1] = ids[2]!;
        weight[id]! += n;
        continue;
      }
      union.clear();
      for (let i = 0; i < ids.length; i += 3) {
        for (const diff of results[ids[i]!]!) {
          const e = union.get(diff.slot);
          if (!e || diff.key < e.diff.key) union.set(diff.slot, { diff, ds: ids[i + 1]!, dd: ids[i + 2]! });
        }
      }
      const list = [...union.values()].sort((a, b) => a.diff.slot - b.diff.slot);
      pairResult[slot] = -(unions.length + 1);
      unions.push(list);
      for (const e of list) tally(e.diff, n);
    }
  }

  for (let id = 1; id < results.length; id++) {
    if (weight[id]! > 0) for (const diff of results[id]!) tally(diff, weight[id]!);
  }

  const findings: AuditFinding[] = [];
  let truncated = false;
  const texts = new Map<number, { clause: string | null; message: string }>();
  const policyOf = (id: number): AuditFinding['policy'] => {
    let t = texts.get(id);
    const r = table.decision(id);
    if (!t) {
      const expires = r.exception >= 0 ? model.exceptions[r.exception]!.expires : null;
      t = { clause: decisionClause(model.policy, r), message: decisionMessage(r, opts.lang, { policy: model.policy, expires }) };
      texts.set(id, t);
    }
    return { decision: r.decision, rule: r.ruleId, clause: t.clause, message: t.message };
  };
  const addr = (a: Atoms, seg: number, cls: number): string => {
    const i = a.cls[seg]!.indexOf(cls);
    const v = a.low[seg]![i]!;
    return typeof v === 'bigint' ? compressV6(v) : formatV4(v);
  };
  // Listed per kind in device order of the deciding rule (so each offending rule shows up even
  // when an any→any rule has thousands of findings), then by source and destination segment.
  // Only the first `max` per kind are made into objects: the outcomes they come from are known
  // from the counts, so the walk below skips every other entry.
  const cutoff = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    let left = max;
    let o = 0;
    for (; o < nOut && left > 0; o++) left -= Math.min(left, perOutcome[k]![o]!);
    cutoff[k] = o;
    if (kindCounts[FINDING_KINDS[k]!] > max) truncated = true;
  }
  const buckets: Map<number, AuditFinding[]>[] = [new Map(), new Map(), new Map()];
  const take = (k: number, o: number): AuditFinding[] | null => {
    if (o >= cutoff[k]!) return null;
    let b = buckets[k]!.get(o);
    if (!b) buckets[k]!.set(o, (b = []));
    return b.length < max ? b : null;
  };
  const segs = [...model.segments.keys()];
  for (const s of segs) {
    const g = gs.of[s]!;
    if (g < 0) continue;
    for (const d of segs) {
      const h = gd.of[d]!;
      if (h < 0) continue;
      const slot = g * nH + h;
      const r = pairResult[slot]!;
      if (r === 0) continue;
      const list = r > 0 ? results[r]! : null;
      const u = r < 0 ? unions[-r - 1]! : null;
      const n = list ? list.length : u!.length;
      for (let i = 0; i < n; i++) {
        const diff = list ? list[i]! : u![i]!.diff;
        const k = diff.kind;
        if (diff.outcome >= cutoff[k]!) continue;
        const bucket = take(k, diff.outcome);
        if (!bucket) continue;
        const ds = list ? pairWitness[slot * 2]! : u![i]!.ds;
        const dd = list ? pairWitness[slot * 2 + 1]! : u![i]!.dd;
        const S = model.segments[s]!;
        const D = model.segments[d]!;
        bucket.push({
          kind: FINDING_KINDS[k]!,
          code: CODE_ORDER[diff.code]!,
          src: { segment: S.name, tier: S.tier },
          dst: { segment: D.name, tier: D.tier },
          witness: { src: addr(sa, s, ds), dst: addr(da, d, dd), service: formatServiceKey(diff.key % RANKED) },
          device: deviceRef(dev, diff.outcome),
          policy: policyOf(diff.decision),
        });
      }
    }
  }
  for (let k = 0; k < 3; k++) {
    let listed = 0;
    for (const o of [...buckets[k]!.keys()].sort((a, b) => a - b)) {
      for (const f of buckets[k]!.get(o)!) {
        if (listed >= max) break;
        findings.push(f);
        listed++;
      }
    }
  }

  // Unreachable rules: no audited new connection reaches and matches them.
  let listedUnreachable = 0;
  const jumpedTo = reachableChains(dev);
  const stateRules: DeviceAudit['stateRules'] = [];
  for (const r of dev.rules) {
    if (ver.hit[r.index]) continue;
    if (r.never !== null && r.rule.conditions.every((c) => c.kind === 'never' || c.kind === 'in' || c.kind === 'out' || c.kind === 'family')) {
      stateRules.push({ ...deviceRef(dev, r.index), why: r.never });
      continue;
    }
    kindCounts.unreachable++;
    if (listedUnreachable >= max) {
      truncated = true;
      continue;
    }
    listedUnreachable++;
    const shadowedBy: DeviceRef[] = [];
    let reason: string;
    if (r.never !== null) reason = `it matches only ${r.never}: no new connection`;
    else if (!jumpedTo[r.chain]) reason = `chain ${dev.chains[r.chain]!.name} is not reached from the forward path`;
    else if (r.empty) reason = 'its conditions match no flow of the families and interfaces audited';
    else {
      for (const qi of dev.chains[r.chain]!.rules) {
        if (qi >= r.index) break;
        const q = dev.rules[qi]!;
        if (q.empty || !(q.target === T_ACCEPT || q.target === T_DROP || q.target === T_RETURN || q.target === T_GOTO)) continue;
        if (q.src && r.src && !intersects(q.src, r.src)) continue;
        if (q.dst && r.dst && !intersects(q.dst, r.dst)) continue;
        if (q.svc && r.svc && !intersects(q.svc, r.svc)) continue;
        shadowedBy.push(deviceRef(dev, q.index));
      }
      reason =
        shadowedBy.length > 0
          ? 'earlier rules match every new connection it would match'
          : 'no audited new connection reaches it (e.g. it matches only flows that do not cross the device)';
    }
    findings.push({
      kind: 'unreachable',
      code: null,
      src: null,
      dst: null,
      witness: null,
      device: deviceRef(dev, r.index),
      policy: null,
      reason,
      shadowedBy,
    });
  }
  const device = dev.device;
  return {
    name: device.name,
    file: device.file,
    format: device.format,
    families: device.families,
    rules: dev.rules.length,
    counts: kindCounts,
    codes: kindCodes,
    findings,
    truncated,
    stateRules,
  };
}

/** Per chain: whether the forward path can reach it (an entry, or jumped to from one reached). */
function reachableChains(dev: CompiledDevice): Uint8Array {
  const seen = new Uint8Array(dev.chains.length);
  const stack = [...dev.entries];
  for (const e of stack) seen[e] = 1;
  while (stack.length > 0) {
    const c = stack.pop()!;
    for (const ri of dev.chains[c]!.rules) {
      const to = dev.rules[ri]!.to;
      if (to >= 0 && !seen[to]) {
        seen[to] = 1;
        stack.push(to);
      }
    }
  }
  return seen;
}

/** Audits every device; the result object of `sanso audit --format json` and POST /v1/audit. */
export function audit(devices: PreparedDevice[], policy: { table: DecisionTable; version: string }, warnings: DeviceProblem[], opts: AuditOptions): AuditResult {
  const results = devices.map((p) => auditDevice(p, policy.table, opts));
  const any = results.some((r) => FINDING_KINDS.some((k) => r.counts[k] > 0));
  return {
    verdict: any ? 'findings' : 'compliant',
    policyVersion: policy.version,
    asOf: policy.table.asOf,
    devices: results,
    warnings,
    incomplete: warnings.length > 0,
  };
}

/** The interfaces each segment lies behind, from names → segment lists. */
export function interfaceMap(names: string[], segments: number[][], nSeg: number): InterfaceMap {
  const segmentIface = new Int32Array(nSeg).fill(-1);
  segments.forEach((list, i) => {
    for (const s of list) segmentIface[s] = i;
  });
  return { names, segmentIface };
}
