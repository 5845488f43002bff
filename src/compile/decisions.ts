/**
 * Decision records and decision vectors. A record is everything a decision says except the two
 * segments (which the lookup supplies), so records are few and interned; a vector is the decision
 * id for every service class of one (source, destination) situation.
 */
import type { CeilingCode, DecisionCode } from '../problems/codes.js';
import type { Model, SanitizerMethod, Tier } from '../model/types.js';
import { CEIL_NAMES, CEIL_NONE, SIDE_NONE, SIDE_SRC, type Base, type CeilingRow } from './ceiling.js';
import { hasClass, type ServicePlan } from './services.js';

export type SanitizerSide = 'none' | 'src' | 'dst';

export interface DecisionRecord {
  id: number;
  decision: 'allow' | 'deny';
  code: DecisionCode;
  /** Index into model.flows of the deciding rule (EXPLICIT-DENY, GRANTED), else -1. */
  rule: number;
  /** Index into model.exceptions of the deciding exception (EXCEPTION), else -1. */
  exception: number;
  /** The deciding flow or exception id, or null. */
  ruleId: string | null;
  path: 'direct' | 'sanitized' | 'none';
  /** Which segment's sanitizer the path goes through; the segment itself is the flow's. */
  sanitizerSide: SanitizerSide;
  method: SanitizerMethod | null;
  /**
   * The tier-model code this decision relates to: the ceiling an exception lifts, the split a
   * sanitizer bridges, or the ceiling code of a ceiling denial. Null for plain rule decisions.
   */
  ceiling: CeilingCode | null;
  /** For DEFAULT-ALLOW: the tier whose default allowed it. */
  tier: Tier | null;
}

export class DecisionInterner {
  readonly records: DecisionRecord[] = [];
  private readonly ids = new Map<number, number>();

  constructor(private readonly model: Model) {}

  intern(r: Omit<DecisionRecord, 'id' | 'ruleId'>): number {
    // A numeric key: this runs once per (vector, service class), so no strings here.
    const key =
      ((((((r.rule + 1) * 1048576 + (r.exception + 1)) * 16 + CODE_NUM[r.code]) * 4 + SIDE_NUM[r.sanitizerSide]) * 4 + METHOD_NUM[r.method ?? 'none']) * 8 +
        CEIL_NUM[r.ceiling ?? 'none']) * 4 + TIER_NUM[r.tier ?? 'none'];
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.records.length;
      const ruleId = r.rule >= 0 ? this.model.flows[r.rule]!.id : r.exception >= 0 ? this.model.exceptions[r.exception]!.id : null;
      this.records.push({ id, ruleId, ...r });
      this.ids.set(key, id);
    }
    return id;
  }
}

const CODE_NUM: Record<DecisionCode, number> = {
  'EXPLICIT-DENY': 0, 'CLOUD-AGGREGATION': 1, 'MN-ISOLATION': 2, 'SPLIT-PATH': 3, 'MFA-REQUIRED': 4,
  EXCEPTION: 5, GRANTED: 6, 'DEFAULT-ALLOW': 7, 'NO-GRANT': 8,
};
const SIDE_NUM: Record<SanitizerSide, number> = { none: 0, src: 1, dst: 2 };
const METHOD_NUM: Record<SanitizerMethod | 'none', number> = { none: 0, 'mail-text': 1, 'file-sanitize': 2, 'screen-transfer': 3 };
const CEIL_NUM: Record<CeilingCode | 'none', number> = { none: 0, 'CLOUD-AGGREGATION': 1, 'MN-ISOLATION': 2, 'SPLIT-PATH': 3, 'MFA-REQUIRED': 4 };
const TIER_NUM: Record<Tier | 'none', number> = { none: 0, mynumber: 1, lgwan: 2, internet: 3, outside: 0 };

/** What the vector computation needs to know about the rule set. */
export interface Matchers {
  /** Flow rules are matchers 0..flows-1 (model order); active exceptions follow. */
  flows: number;
  deny: Uint8Array;
  /** Model index of each active exception (matcher flows + k ↔ exceptionIndex[k]). */
  exceptionIndex: number[];
}

const sideName = (side: number): SanitizerSide => (side === SIDE_NONE ? 'none' : side === SIDE_SRC ? 'src' : 'dst');

/**
 * SPEC §2 for every service class of one situation: bases S and D and the matchers whose from
 * holds S and to holds D, in order. Writes decision ids into `out`.
 */
export function computeVector(
  S: Base,
  D: Base,
  list: readonly number[],
  ceiling: CeilingRow,
  services: ServicePlan,
  m: Matchers,
  defaults: Model['policy']['defaults'],
  interner: DecisionInterner,
  out: Uint32Array,
): void {
  const n = services.classes;
  for (let c = 0; c < n; c++) {
    out[c] = decideClass(S, D, list, ceiling, services, m, defaults, interner, c);
  }
}

function decideClass(
  S: Base,
  D: Base,
  list: readonly number[],
  ceiling: CeilingRow,
  services: ServicePlan,
  m: Matchers,
  defaults: Model['policy']['defaults'],
  interner: DecisionInterner,
  c: number,
): number {
  // 1. explicit deny
  for (const x of list) {
    if (x < m.flows && m.deny[x] === 1 && hasClass(services, x, c)) {
      return interner.intern({ decision: 'deny', code: 'EXPLICIT-DENY', rule: x, exception: -1, path: 'none', sanitizerSide: 'none', method: null, ceiling: null, tier: null });
    }
  }
  const side = ceiling.side[c]!;
  const method = side === SIDE_NONE ? null : side === SIDE_SRC ? S.sanitizer!.method : D.sanitizer!.method;
  const path = side === SIDE_NONE ? 'direct' : 'sanitized';
  // 2–3. the ceiling
  const code = ceiling.code[c]!;
  if (code !== CEIL_NONE) {
    const name = CEIL_NAMES[code]!;
    for (const x of list) {
      if (x >= m.flows && hasClass(services, x, c)) {
        return interner.intern({ decision: 'allow', code: 'EXCEPTION', rule: -1, exception: m.exceptionIndex[x - m.flows]!, path, sanitizerSide: sideName(side), method, ceiling: name, tier: null });
      }
    }
    return interner.intern({ decision: 'deny', code: name, rule: -1, exception: -1, path: 'none', sanitizerSide: 'none', method: null, ceiling: name, tier: null });
  }
  const lifted = side === SIDE_NONE ? null : CEIL_NAMES[ceiling.wouldBe[c]!]!;
  // 4. grant
  for (const x of list) {
    if (x < m.flows && m.deny[x] === 0 && hasClass(services, x, c)) {
      return interner.intern({ decision: 'allow', code: 'GRANTED', rule: x, exception: -1, path, sanitizerSide: sideName(side), method, ceiling: lifted, tier: null });
    }
  }
  // 5. default (outside never gets here: its ceiling always hits)
  if (S.tier === D.tier && S.tier !== 'outside' && defaults[S.tier] === 'allow') {
    return interner.intern({ decision: 'allow', code: 'DEFAULT-ALLOW', rule: -1, exception: -1, path: 'direct', sanitizerSide: 'none', method: null, ceiling: null, tier: S.tier });
  }
  // 6.
  return interner.intern({ decision: 'deny', code: 'NO-GRANT', rule: -1, exception: -1, path: 'none', sanitizerSide: 'none', method: null, ceiling: null, tier: null });
}
