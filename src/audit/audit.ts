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
import { auditedPair, evaluateDevice, type DeviceVerdicts } from './evaluate.js';
import { compileDevice, T_ACCEPT, T_DROP, T_GOTO, T_RETURN, type CompiledDevice, type InterfaceMap } from './partition.js';
import { intersects } from './refine.js';

export const MAX_AUDIT_FINDINGS = 1000;
export const FINDING_KINDS = ['violation', 'ungranted', 'outage', 'unreachable'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

const CODE_ORDER = Object.keys(DECISION_CODES) as DecisionCode[];
const NCODES = CODE_ORDER.length;

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
  const compareMemo = new Map<number, Diff[] | null>();
  const compare = (dv: number, pv: number): Diff[] | null => {
    const k = dv * table.vectorCount + pv;
    const hit = compareMemo.get(k);
    if (hit !== undefined) return hit;
    table.vectorCells(pv, cells);
    let out: Map<number, Diff> | null = null;
    const base = dv * nV;
    for (let j = 0; j < jv.dev.length; j++) {
      const o = ver.vectors[base + jv.dev[j]!]!;
      const d = cells[jv.tab[j]!]!;
      const acc = ver.accepts[o]!;
      if (acc === allowOf[d]) continue;
      const code = codeOf[d]!;
      const slot = code * nOut + o;
      out ??= new Map();
      const e = out.get(slot);
      const key = jv.key[j]!;
      if (!e) out.set(slot, { slot, code, outcome: o, key, decision: d });
      else if (key < e.key) {
        e.key = key;
        e.decision = d;
      }
    }
    const list = out ? [...out.values()].sort((a, b) => a.slot - b.slot) : null;
    compareMemo.set(k, list);
    return list;
  };

  const sa = atoms(dev, 'src', nSeg);
  const da = atoms(dev, 'dst', nSeg);
  const gs = groups(sa, table.srcClass);
  const gd = groups(da, table.dstClass);
  const nH = gd.list.length;
  // Per group pair with findings: slot → (diff, source class, destination class) of its witness.
  const pairDiffs = new Map<number, { diff: Diff; ds: number; dd: number }[]>();
  const counts = new Float64Array(NCODES);
  const kindCodes: Partial<Record<FindingKind, Partial<Record<DecisionCode, number>>>> = {};
  const kindCounts: Record<FindingKind, number> = { violation: 0, ungranted: 0, outage: 0, unreachable: 0 };
  const union = new Map<number, { diff: Diff; ds: number; dd: number }>();
  for (let g = 0; g < gs.list.length; g++) {
    const G = gs.list[g]!;
    for (let h = 0; h < nH; h++) {
      const H = gd.list[h]!;
      const pv = table.vectorOf(G.tclass, H.tclass);
      union.clear();
      for (const ds of G.cls) {
        for (const dd of H.cls) {
          if (!auditedPair(dev, ds, dd)) continue;
          const diffs = compare(ver.pairs[ds * nD + dd]!, pv);
          if (!diffs) continue;
          for (const diff of diffs) {
            const e = union.get(diff.slot);
            if (!e || diff.key < e.diff.key) union.set(diff.slot, { diff, ds, dd });
          }
        }
      }
      if (union.size === 0) continue;
      const list = [...union.values()].sort((a, b) => a.diff.slot - b.diff.slot);
      pairDiffs.set(g * nH + h, list);
      const n = G.segs.length * H.segs.length;
      for (const e of list) {
        counts[e.diff.code]! += n;
        const kind = kindOf(e.diff.code, table, e.diff.decision);
        kindCounts[kind] += n;
        const byCode = (kindCodes[kind] ??= {});
        const code = CODE_ORDER[e.diff.code]!;
        byCode[code] = (byCode[code] ?? 0) + n;
      }
    }
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
  const segs = [...model.segments.keys()];
  for (const kind of ['violation', 'ungranted', 'outage'] as const) {
    if (kindCounts[kind] === 0) continue;
    const buckets = new Map<number, AuditFinding[]>();
    let listed = 0;
    for (const s of segs) {
      const g = gs.of[s]!;
      if (g < 0) continue;
      for (const d of segs) {
        const h = gd.of[d]!;
        if (h < 0) continue;
        const list = pairDiffs.get(g * nH + h);
        if (!list) continue;
        for (const { diff, ds, dd } of list) {
          if (kindOf(diff.code, table, diff.decision) !== kind) continue;
          let bucket = buckets.get(diff.outcome);
          if (!bucket) buckets.set(diff.outcome, (bucket = []));
          if (bucket.length >= max) continue;
          const S = model.segments[s]!;
          const D = model.segments[d]!;
          bucket.push({
            kind,
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
    for (const o of [...buckets.keys()].sort((a, b) => a - b)) {
      for (const f of buckets.get(o)!) {
        if (listed >= max) break;
        findings.push(f);
        listed++;
      }
    }
    if (listed < kindCounts[kind]) truncated = true;
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
      reason = shadowedBy.length > 0 ? 'earlier rules match every new connection it would match' : 'no audited new connection reaches it (e.g. it matches only flows that do not cross the device)';
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
  void counts;
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
