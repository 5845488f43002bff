/**
 * Decision records and decision vectors. A record is everything a decision says except the two
 * segments (which the lookup supplies), so records are few and interned; a vector is the decision
 * id for every service class of one (source, destination) situation.
 */
import type { DecisionCode } from '../problems/codes.js';
import type { Model, SanitizerMethod, Tier } from '../model/types.js';
import { CEIL_NAMES, CEIL_NONE, SIDE_BREAKOUT, SIDE_NONE, SIDE_SRC, type Base, type CeilingRow } from './ceiling.js';
import type { ServicePlan } from './services.js';
import type { DecisionRecord, SanitizerSide } from '../lookup/decision.js';

export type { DecisionRecord, SanitizerSide } from '../lookup/decision.js';

const CODES: readonly DecisionCode[] = ['EXPLICIT-DENY', 'CLOUD-AGGREGATION', 'MN-ISOLATION', 'SPLIT-PATH', 'MFA-REQUIRED', 'EXCEPTION', 'GRANTED', 'DEFAULT-ALLOW', 'NO-GRANT'];
const C_EXPLICIT = 0;
const C_EXCEPTION = 5;
const C_GRANTED = 6;
const C_DEFAULT = 7;
const C_NO_GRANT = 8;
const SIDES: readonly SanitizerSide[] = ['none', 'src', 'dst', 'none'];
const METHODS: readonly (SanitizerMethod | null)[] = [null, 'mail-text', 'file-sanitize', 'screen-transfer'];
const METHOD_NUM: Record<SanitizerMethod, number> = { 'mail-text': 1, 'file-sanitize': 2, 'screen-transfer': 3 };
const TIERS: readonly (Tier | null)[] = [null, 'mynumber', 'lgwan', 'internet'];
const TIER_NUM: Record<Tier, number> = { mynumber: 1, lgwan: 2, internet: 3, outside: 0 };

/** Interns decision records by their fields, given as small numbers (no allocation on a hit). */
export class DecisionInterner {
  readonly records: DecisionRecord[] = [];
  private readonly ids = new Map<number, number>();

  constructor(private readonly model: Model) {}

  /**
   * code: index in CODES; rule/exception: model indices or -1; side: 0 none, 1 src, 2 dst, 3 breakout;
   * method: index in METHODS; ceiling: ceiling.ts numbering; tier: index in TIERS.
   */
  intern(code: number, rule: number, exception: number, side: number, method: number, ceiling: number, tier: number): number {
    const key = ((((((rule + 1) * 1048576 + (exception + 1)) * 16 + code) * 4 + side) * 4 + method) * 8 + ceiling) * 4 + tier;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.records.length;
      const name = CODES[code]!;
      const allow = code === C_EXCEPTION || code === C_GRANTED || code === C_DEFAULT;
      this.records.push({
        id,
        decision: allow ? 'allow' : 'deny',
        code: name,
        rule,
        exception,
        ruleId: rule >= 0 ? this.model.flows[rule]!.id : exception >= 0 ? this.model.exceptions[exception]!.id : null,
        path: !allow ? 'none' : side === SIDE_NONE ? 'direct' : side === SIDE_BREAKOUT ? 'breakout' : 'sanitized',
        sanitizerSide: allow ? SIDES[side]! : 'none',
        method: allow ? METHODS[method]! : null,
        ceiling: CEIL_NAMES[ceiling]!,
        tier: TIERS[tier]!,
      });
      this.ids.set(key, id);
    }
    return id;
  }
}

/** What the vector computation needs to know about the rule set. */
export interface Matchers {
  /** Flow rules are matchers 0..flows-1 (model order); active exceptions follow. */
  flows: number;
  deny: Uint8Array;
  /** Model index of each active exception (matcher flows + k ↔ exceptionIndex[k]). */
  exceptionIndex: number[];
}

/**
 * The decision algorithm (docs/decisions.md) for every service class of one situation: bases S and D and the matchers whose from
 * holds S and to holds D, in order. Writes decision ids into `out`.
 *
 * Word-parallel over the service-class bitsets: each step claims the classes its matchers hold
 * that no earlier step decided, so the cost is (matchers × words + classes), not their product.
 */
export function computeVector(
  S: Base,
  D: Base,
  list: Int32Array,
  length: number,
  ceiling: CeilingRow,
  services: ServicePlan,
  m: Matchers,
  defaults: Model['policy']['defaults'],
  interner: DecisionInterner,
  out: Uint32Array,
  decided: Uint32Array,
): void {
  const W = services.words;
  const bits = services.bits;
  decided.fill(0);
  const methodOf = (side: number): number =>
    side === SIDE_NONE || side === SIDE_BREAKOUT ? 0 : side === SIDE_SRC ? METHOD_NUM[S.sanitizer!.method] : METHOD_NUM[D.sanitizer!.method];
  // 1. explicit deny
  for (let i = 0; i < length; i++) {
    const x = list[i]!;
    if (x >= m.flows || m.deny[x] !== 1) continue;
    let id = -1;
    for (let w = 0; w < W; w++) {
      let free = bits[x * W + w]! & ~decided[w]!;
      if (free === 0) continue;
      decided[w]! |= free;
      if (id < 0) id = interner.intern(C_EXPLICIT, x, -1, SIDE_NONE, 0, CEIL_NONE, 0);
      while (free !== 0) {
        out[(w << 5) + 31 - Math.clz32(free & -free)] = id;
        free &= free - 1;
      }
    }
  }
  // 2–3. the ceiling: the first matching active exception lifts it, else deny with its code
  for (let i = 0; i < length; i++) {
    const x = list[i]!;
    if (x < m.flows) continue;
    const e = m.exceptionIndex[x - m.flows]!;
    for (let w = 0; w < W; w++) {
      let free = bits[x * W + w]! & ceiling.mask[w]! & ~decided[w]!;
      if (free === 0) continue;
      decided[w]! |= free;
      while (free !== 0) {
        const c = (w << 5) + 31 - Math.clz32(free & -free);
        const side = ceiling.side[c]!;
        out[c] = interner.intern(C_EXCEPTION, -1, e, side, methodOf(side), ceiling.code[c]!, 0);
        free &= free - 1;
      }
    }
  }
  for (let w = 0; w < W; w++) {
    let free = ceiling.mask[w]! & ~decided[w]!;
    if (free === 0) continue;
    decided[w]! |= free;
    while (free !== 0) {
      const c = (w << 5) + 31 - Math.clz32(free & -free);
      const code = ceiling.code[c]!;
      out[c] = interner.intern(code, -1, -1, SIDE_NONE, 0, code, 0);
      free &= free - 1;
    }
  }
  // 4. grant (bridged classes cite the split the sanitizer lifts)
  for (let i = 0; i < length; i++) {
    const x = list[i]!;
    if (x >= m.flows || m.deny[x] !== 0) continue;
    for (let w = 0; w < W; w++) {
      let free = bits[x * W + w]! & ~decided[w]!;
      if (free === 0) continue;
      decided[w]! |= free;
      while (free !== 0) {
        const c = (w << 5) + 31 - Math.clz32(free & -free);
        const side = ceiling.side[c]!;
        out[c] = interner.intern(C_GRANTED, x, -1, side, methodOf(side), side === SIDE_NONE ? CEIL_NONE : ceiling.wouldBe[c]!, 0);
        free &= free - 1;
      }
    }
  }
  // 5–6. default for intra-tier flows, else no grant (outside never gets here: its ceiling always hits)
  const rest =
    S.tier === D.tier && S.tier !== 'outside' && defaults[S.tier] === 'allow'
      ? interner.intern(C_DEFAULT, -1, -1, SIDE_NONE, 0, CEIL_NONE, TIER_NUM[S.tier])
      : interner.intern(C_NO_GRANT, -1, -1, SIDE_NONE, 0, CEIL_NONE, 0);
  for (let c = 0; c < services.classes; c++) {
    if ((decided[c >>> 5]! & (1 << (c & 31))) === 0) out[c] = rest;
  }
}
