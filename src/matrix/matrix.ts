/**
 * The zone matrix: what the policy allows between every pair of tiers and of segments, read off
 * the compiled table — never sampled. It is the picture administrators and auditors know from
 * Tufin's and FireMon's consoles, and the console (GET /v1/matrix) and the self-inspection report
 * both draw it from this one computation.
 *
 * Segments with the same (source class, destination class) read the same decision vector, so a
 * cell is summarised once per distinct vector: which services are allowed and how (direct,
 * through a sanitizer, local breakout, by a time-limited exception), and what denies the rest
 * (a tier-model ceiling, an explicit deny, no grant). Cells then point at their summary.
 */
import type { DecisionRecord } from '../lookup/decision.js';
import { decisionClause } from '../i18n/messages.js';
import type { DecisionTable } from '../lookup/table.js';
import { formatServiceRanges } from '../model/services.js';
import type { SanitizerMethod, ServiceRange, Tier } from '../model/types.js';
import type { DecisionCode } from '../problems/codes.js';
import { preferredFlowKey, RANKED } from '../check/ranges.js';
import { formatServiceKey } from '../model/services.js';

/** A cell's colour: the most notable thing it allows, else what denies it. */
export type CellKind = 'exception' | 'breakout' | 'sanitized' | 'direct' | 'ceiling' | 'explicit-deny' | 'no-grant';

export const CELL_KINDS: readonly CellKind[] = ['exception', 'breakout', 'sanitized', 'direct', 'ceiling', 'explicit-deny', 'no-grant'];

/** One decision of a cell and the services it covers there. */
export interface MatrixEntry {
  kind: CellKind;
  decision: 'allow' | 'deny';
  code: DecisionCode;
  /** The deciding flow or exception id, or null. */
  rule: string | null;
  path: string;
  method: SanitizerMethod | null;
  /** The tier-model code the decision relates to (a ceiling it lifts or hits). */
  ceiling: DecisionCode | null;
  clause: string | null;
  /** Exceptions: the last day they are valid. */
  expires: string | null;
  /** The services of the cell this decision covers, as rule files write them (merged ranges). */
  services: string[];
  /** A service to try it with: tcp first, the lowest port. */
  witnessService: string;
}

export interface CellSummary {
  kind: CellKind;
  /** The ceiling code that denies (kind 'ceiling'). */
  ceilingCode: DecisionCode | null;
  /** Allowed entries first (in the order of CELL_KINDS), then denials. */
  entries: MatrixEntry[];
}

export interface SegmentInfo {
  index: number;
  name: string;
  tier: Tier;
}

export interface SegmentMatrix {
  segments: SegmentInfo[];
  /** Distinct cell summaries; cells point into this list. */
  summaries: CellSummary[];
  /** cells[i][j]: summary index for source segments[i] → destination segments[j]. */
  cells: number[][];
}

export interface TierCell {
  src: Tier;
  dst: Tier;
  /** Segment pairs in this tier pair per cell kind. */
  counts: Record<CellKind, number>;
  /** The tier pair's colour: the most notable kind any of its segment pairs has. */
  kind: CellKind;
  /** Sanitizer methods and breakout seen among the allowed crossings. */
  methods: SanitizerMethod[];
  /** Ceiling codes that deny some of its flows. */
  ceilings: DecisionCode[];
}

const TIER_ORDER: readonly Tier[] = ['mynumber', 'lgwan', 'internet', 'outside'];

function kindOf(r: DecisionRecord): CellKind {
  if (r.decision === 'allow') {
    if (r.code === 'EXCEPTION') return 'exception';
    if ((r.path as string) === 'breakout') return 'breakout';
    return r.path === 'sanitized' ? 'sanitized' : 'direct';
  }
  if (r.code === 'EXPLICIT-DENY') return 'explicit-deny';
  if (r.code === 'NO-GRANT') return 'no-grant';
  return 'ceiling';
}

const rank = (k: CellKind): number => CELL_KINDS.indexOf(k);

/**
 * Computes summaries per distinct vector, lazily, so that a tier-pair drill-down on a
 * 2,000-segment prefecture touches only the vectors its cells read.
 */
export class ZoneMatrix {
  private readonly classRanges: ServiceRange[][];
  private readonly byVector = new Map<number, number>();
  readonly summaries: CellSummary[] = [];
  private readonly cellsBuf: Int32Array;

  constructor(readonly table: DecisionTable) {
    // Per service class, the key intervals it is made of.
    const n = table.serviceClasses;
    this.classRanges = Array.from({ length: n }, () => []);
    const starts = table.serviceStarts;
    for (let i = 0; i < starts.length; i++) {
      const hi = (i + 1 < starts.length ? starts[i + 1]! : 256 * 65536) - 1;
      this.classRanges[table.serviceIntervalClass[i]!]!.push({ lo: starts[i]!, hi });
    }
    this.cellsBuf = new Int32Array(n);
  }

  /** Summary index of the cell source segment → destination segment. */
  cell(src: number, dst: number): number {
    const t = this.table;
    const v = t.vectorOf(t.srcClass[src]!, t.dstClass[dst]!);
    let s = this.byVector.get(v);
    if (s === undefined) {
      s = this.summaries.length;
      this.summaries.push(this.summarise(v));
      this.byVector.set(v, s);
    }
    return s;
  }

  private summarise(v: number): CellSummary {
    const t = this.table;
    const policy = t.model.policy;
    t.vectorCells(v, this.cellsBuf);
    const byDecision = new Map<number, ServiceRange[]>();
    for (let c = 0; c < t.serviceClasses; c++) {
      const d = this.cellsBuf[c]!;
      let list = byDecision.get(d);
      if (!list) byDecision.set(d, (list = []));
      list.push(...this.classRanges[c]!);
    }
    const entries: MatrixEntry[] = [];
    for (const [id, ranges] of byDecision) {
      const r = t.decision(id);
      let best = -1;
      for (const x of ranges) {
        const k = preferredFlowKey(x.lo, x.hi);
        if (k >= 0 && (best < 0 || k < best)) best = k;
      }
      // A decision that covers only non-flow keys (tcp port 0) is no cell content.
      if (best < 0) continue;
      entries.push({
        kind: kindOf(r),
        decision: r.decision,
        code: r.code,
        rule: r.ruleId,
        path: r.path,
        method: r.method,
        ceiling: r.ceiling,
        clause: decisionClause(policy, r),
        expires: r.exception >= 0 ? t.model.exceptions[r.exception]!.expires : null,
        services: formatServiceRanges(ranges),
        witnessService: formatServiceKey(best % RANKED),
      });
    }
    // CELL_KINDS lists allowing kinds first, most notable first, then ceilings before other
    // denials: the first entry is the cell's colour.
    entries.sort((a, b) => rank(a.kind) - rank(b.kind) || compareServices(a, b));
    const ceiling = entries.find((e) => e.kind === 'ceiling');
    return { kind: entries[0]?.kind ?? 'no-grant', ceilingCode: ceiling?.code ?? null, entries };
  }

  /** The segment × segment matrix, optionally restricted to a source and a destination tier. */
  segments(srcTier: Tier | null = null, dstTier: Tier | null = null): SegmentMatrix {
    const segs = this.table.model.segments;
    const pick = (tier: Tier | null): SegmentInfo[] => segs.filter((s) => tier === null || s.tier === tier).map((s) => ({ index: s.index, name: s.name, tier: s.tier }));
    const rows = pick(srcTier);
    const cols = pick(dstTier);
    const local = new Map<number, number>();
    const summaries: CellSummary[] = [];
    const cells = rows.map((r) =>
      cols.map((c) => {
        const g = this.cell(r.index, c.index);
        let l = local.get(g);
        if (l === undefined) {
          l = summaries.length;
          summaries.push(this.summaries[g]!);
          local.set(g, l);
        }
        return l;
      }),
    );
    return {
      segments: segs.filter((s) => rows.some((r) => r.index === s.index) || cols.some((c) => c.index === s.index)).map((s) => ({ index: s.index, name: s.name, tier: s.tier })),
      summaries,
      cells,
    };
  }

  /**
   * The tier × tier matrix: every segment pair counted once by its cell's kind. Segment pairs
   * are counted through their (source class, destination class) pairs, so a 2,000-segment
   * prefecture reads each distinct pair once instead of four million cells.
   */
  tiers(): TierCell[] {
    const t = this.table;
    const segs = t.model.segments;
    // Per class of the tier: how many segments it has, and one of them to read cells with.
    const classCounts = (tier: Tier, classOf: Uint32Array): Map<number, { n: number; seg: number }> => {
      const m = new Map<number, { n: number; seg: number }>();
      for (const s of segs) {
        if (s.tier !== tier) continue;
        const e = m.get(classOf[s.index]!);
        if (e) e.n++;
        else m.set(classOf[s.index]!, { n: 1, seg: s.index });
      }
      return m;
    };
    const out: TierCell[] = [];
    for (const a of TIER_ORDER) {
      const rows = classCounts(a, t.srcClass);
      if (rows.size === 0) continue;
      for (const b of TIER_ORDER) {
        const cols = classCounts(b, t.dstClass);
        if (cols.size === 0) continue;
        const counts = Object.fromEntries(CELL_KINDS.map((k) => [k, 0])) as Record<CellKind, number>;
        const methods = new Set<SanitizerMethod>();
        const ceilings = new Set<DecisionCode>();
        let kind: CellKind = 'no-grant';
        for (const r of rows.values()) {
          for (const c of cols.values()) {
            const sum = this.summaries[this.cell(r.seg, c.seg)]!;
            counts[sum.kind] += r.n * c.n;
            if (rank(sum.kind) < rank(kind)) kind = sum.kind;
            for (const e of sum.entries) {
              if (e.decision === 'allow' && e.method) methods.add(e.method);
              if (e.kind === 'ceiling') ceilings.add(e.code);
            }
          }
        }
        out.push({ src: a, dst: b, counts, kind, methods: [...methods].sort(), ceilings: [...ceilings].sort() });
      }
    }
    return out;
  }
}

function compareServices(a: MatrixEntry, b: MatrixEntry): number {
  return a.witnessService < b.witnessService ? -1 : a.witnessService > b.witnessService ? 1 : 0;
}
