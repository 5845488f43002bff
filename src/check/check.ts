/**
 * The change-request check (docs/check.md), exact over address and port ranges, never sampled.
 *
 * A rule's flows are (source segment, destination segment, service class) cells of the table:
 * every flow in a cell gets the same decision. So the ranges are first cut into the segments and
 * service classes they touch (ranges.ts), and only cells are walked — and not even those one by
 * one: touched segments with the same table class and address families behave alike, so they
 * form groups, a (source group, destination group) pair reads one decision vector, and what a
 * vector says about the touched service classes (which codes, the lowest flow key of each) is
 * worked out once per vector. The table is read through table.vectorOf(srcClass, dstClass) (a
 * vector id) and table.cellOfVector(vector, serviceClass) (a decision id). Counts come from group
 * sizes; findings are listed segment by segment only until the limit is reached.
 */
import { decisionClause, decisionMessage, type Lang } from '../i18n/messages.js';
import type { DecisionTable } from '../lookup/table.js';
import { compressV6, formatV4 } from '../model/cidr.js';
import { formatServiceKey } from '../model/services.js';
import { DECISION_CODES, type DecisionCode } from '../problems/codes.js';
import type { LoadedPolicy } from '../policy.js';
import { RANKED, touch, touchServices, type Touch } from './ranges.js';
import type { ChangeRequest, CheckResult, Finding, RequestRule, RuleResult, Verdict } from './types.js';

export const MAX_FINDINGS = 1000;

/** Decision-code order: findings are listed by code in this order, then by source and destination segment. */
export const CODE_ORDER = Object.keys(DECISION_CODES) as DecisionCode[];
const NCODES = CODE_ORDER.length;
const bitOf = (code: DecisionCode): number => 1 << CODE_ORDER.indexOf(code);
const ALLOW_BITS = bitOf('EXCEPTION') | bitOf('GRANTED') | bitOf('DEFAULT-ALLOW');
const ALL_BITS = (1 << NCODES) - 1;
const DENY_BITS = ALL_BITS & ~ALLOW_BITS;
const NO_GRANT_BIT = bitOf('NO-GRANT');

export interface CheckOptions {
  lang: Lang;
  /** Findings listed per rule before `truncated` (default 1,000); counts stay exact. */
  maxFindings?: number;
  /** Findings listed over the whole request (default unbounded); later rules get fewer. */
  maxTotalFindings?: number;
}

const codeIndexOf = new WeakMap<DecisionTable, Uint8Array>();

/** Per decision id, the index of its code in CODE_ORDER. */
function codeIndex(table: DecisionTable): Uint8Array {
  let a = codeIndexOf.get(table);
  if (!a) {
    a = Uint8Array.from(table.decisions, (r) => CODE_ORDER.indexOf(r.code));
    codeIndexOf.set(table, a);
  }
  return a;
}

/** Memo per decision vector, shared by the rules of one request; `stamp` tells whose it is. */
interface VectorMemo {
  stamp: Int32Array;
  mask: Uint16Array;
  /** Per vector × code: the preferred touched flow key with that code (as ranges.ts orders them), and its decision id. */
  key: Float64Array;
  decision: Int32Array;
}

function vectorMemo(table: DecisionTable): VectorMemo {
  const n = table.vectorCount;
  return {
    stamp: new Int32Array(n).fill(-1),
    mask: new Uint16Array(n),
    key: new Float64Array(n * NCODES),
    decision: new Int32Array(n * NCODES),
  };
}

/** Touched segments grouped by (table class, families touched): members behave alike. */
interface Groups {
  of: Int32Array;
  cls: number[];
  mask: number[];
  size: number[];
}

function group(t: Touch, classOf: Uint32Array): Groups {
  const of = new Int32Array(t.mask.length).fill(-1);
  const ids = new Map<number, number>();
  const g: Groups = { of, cls: [], mask: [], size: [] };
  for (const s of t.segments) {
    const key = classOf[s]! * 4 + t.mask[s]!;
    let id = ids.get(key);
    if (id === undefined) {
      id = g.cls.length;
      ids.set(key, id);
      g.cls.push(classOf[s]!);
      g.mask.push(t.mask[s]!);
      g.size.push(0);
    }
    g.size[id]!++;
    of[s] = id;
  }
  return g;
}

function witnessAddress(t: Touch, seg: number, v4: boolean): string {
  if (v4) {
    const text = formatV4(t.low4[seg]!);
    return t.mapped4[seg] ? `::ffff:${text}` : text;
  }
  return compressV6(t.low6[seg]!);
}

interface Context {
  table: DecisionTable;
  opts: CheckOptions;
  memo: VectorMemo;
  codeOf: Uint8Array;
  /** Findings the request may still list (maxTotalFindings). */
  budget: number;
  /** Rendered clause and message per decision id, for this request's language. */
  texts: Map<number, { clause: string | null; message: string }>;
}

function texts(ctx: Context, id: number): { clause: string | null; message: string } {
  let t = ctx.texts.get(id);
  if (!t) {
    const { model } = ctx.table;
    const r = ctx.table.decision(id);
    const expires = r.exception >= 0 ? model.exceptions[r.exception]!.expires : null;
    t = { clause: decisionClause(model.policy, r), message: decisionMessage(r, ctx.opts.lang, { policy: model.policy, expires }) };
    ctx.texts.set(id, t);
  }
  return t;
}

function checkRule(ctx: Context, rule: RequestRule, stamp: number): RuleResult {
  const { table, memo, codeOf } = ctx;
  const max = Math.min(ctx.opts.maxFindings ?? MAX_FINDINGS, ctx.budget);
  const svc = touchServices(table, rule.services);
  const src = touch(table, rule.src);
  const dst = touch(table, rule.dst);
  const gs = group(src, table.srcClass);
  const gd = group(dst, table.dstClass);
  const nS = gs.cls.length;
  const nD = gd.cls.length;
  const wanted = rule.action === 'allow' ? DENY_BITS : ALLOW_BITS;
  const classes = Int32Array.from(svc.classes);
  const { order } = svc;
  // Vectors are stored as runs: when the rule touches many service classes, expanding the vector
  // once beats one run search per class.
  const cells = classes.length * 4 > table.serviceClasses ? new Int32Array(table.serviceClasses) : null;

  const vectorBits = (v: number): number => {
    if (memo.stamp[v] === stamp) return memo.mask[v]!;
    let m = 0;
    const slot0 = v * NCODES;
    if (cells) table.vectorCells(v, cells);
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i]!;
      const d = cells ? cells[c]! : table.cellOfVector(v, c);
      const ci = codeOf[d]!;
      const k = order[c]!;
      const slot = slot0 + ci;
      if ((m & (1 << ci)) === 0 || k < memo.key[slot]!) {
        m |= 1 << ci;
        memo.key[slot] = k;
        memo.decision[slot] = d;
      }
    }
    memo.stamp[v] = stamp;
    memo.mask[v] = m;
    return m;
  };

  // Pass 1: per group pair, which wanted codes occur. Pair sizes are summed per set of codes
  // (at most 2^9 of them) and spread over the codes once at the end.
  const pairBits = new Uint16Array(nS * nD);
  const rowBits = new Uint16Array(nS);
  const bySet = new Float64Array(1 << NCODES);
  const dCls = Int32Array.from(gd.cls);
  const dMask = Int32Array.from(gd.mask);
  const dSize = Float64Array.from(gd.size);
  let flows = false;
  if (svc.classes.length > 0) {
    for (let g = 0; g < nS; g++) {
      const sCls = gs.cls[g]!;
      const mask = gs.mask[g]!;
      const size = gs.size[g]!;
      const out = g * nD;
      let row = 0;
      for (let h = 0; h < nD; h++) {
        if ((mask & dMask[h]!) === 0) continue;
        flows = true;
        const v = table.vectorOf(sCls, dCls[h]!);
        const bits = (memo.stamp[v] === stamp ? memo.mask[v]! : vectorBits(v)) & wanted;
        if (bits === 0) continue;
        pairBits[out + h] = bits;
        row |= bits;
        bySet[bits]! += size * dSize[h]!;
      }
      rowBits[g] = row;
    }
  }
  const counts = new Float64Array(NCODES);
  for (let set = 1; set < bySet.length; set++) {
    if (bySet[set] === 0) continue;
    for (let ci = 0; ci < NCODES; ci++) if (set & (1 << ci)) counts[ci]! += bySet[set]!;
  }

  // Pass 2: findings in order (code, source segment, destination segment), up to `max`.
  const { model } = table;
  const findings: Finding[] = [];
  let total = 0;
  for (let ci = 0; ci < NCODES; ci++) total += counts[ci]!;
  outer: for (let ci = 0; ci < NCODES; ci++) {
    let need = counts[ci]!;
    if (need === 0) continue;
    const bit = 1 << ci;
    for (const s of src.segments) {
      const g = gs.of[s]!;
      if ((rowBits[g]! & bit) === 0) continue;
      for (const d of dst.segments) {
        const h = gd.of[d]!;
        if ((pairBits[g * nD + h]! & bit) === 0) continue;
        if (findings.length >= max) break outer;
        const v = table.vectorOf(gs.cls[g]!, gd.cls[h]!);
        const slot = v * NCODES + ci;
        const id = memo.decision[slot]!;
        const v4 = (src.mask[s]! & dst.mask[d]! & 1) !== 0;
        const S = model.segments[s]!;
        const D = model.segments[d]!;
        const { clause, message } = texts(ctx, id);
        findings.push({
          code: CODE_ORDER[ci]!,
          src: { segment: S.name, tier: S.tier },
          dst: { segment: D.name, tier: D.tier },
          witness: { src: witnessAddress(src, s, v4), dst: witnessAddress(dst, d, v4), service: formatServiceKey(memo.key[slot]! % RANKED) },
          rule: table.decision(id).ruleId,
          clause,
          message,
        });
        if (--need === 0) continue outer;
      }
    }
  }

  const countObject: Partial<Record<DecisionCode, number>> = {};
  let found = 0;
  for (let ci = 0; ci < NCODES; ci++) {
    if (counts[ci]! > 0) {
      countObject[CODE_ORDER[ci]!] = counts[ci]!;
      found |= 1 << ci;
    }
  }
  ctx.budget -= findings.length;
  let verdict: Verdict = 'compliant';
  if (rule.action === 'allow') {
    if (found & DENY_BITS & ~NO_GRANT_BIT) verdict = 'violation';
    else if (found & NO_GRANT_BIT) verdict = 'ungranted';
  }
  return { index: rule.index, verdict, truncated: total > findings.length, counts: countObject, findings, action: rule.action, empty: !flows };
}

const RANK: Record<Verdict, number> = { compliant: 0, ungranted: 1, violation: 2 };

/** The worst of several verdicts (violation > ungranted > compliant). */
export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'compliant';
  for (const v of verdicts) if (RANK[v] > RANK[worst]) worst = v;
  return worst;
}

/** Every rule of the request against the loaded policy, answered with the result object of docs/check.md. */
export function checkRequest(policy: Pick<LoadedPolicy, 'table' | 'version'>, request: ChangeRequest, opts: CheckOptions): CheckResult {
  const { table } = policy;
  const ctx: Context = { table, opts, memo: vectorMemo(table), codeOf: codeIndex(table), texts: new Map(), budget: opts.maxTotalFindings ?? Infinity };
  const rules = request.rules.map((rule, i) => checkRule(ctx, rule, i));
  return {
    verdict: worstVerdict(rules.map((r) => r.verdict)),
    policyVersion: policy.version,
    rules,
    id: request.id,
    asOf: table.asOf,
  };
}
