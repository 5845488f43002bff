/**
 * What one decision says, apart from the two segments the lookup supplies. The compiler interns
 * these records (compile/decisions.ts); the lookup, the renderer and the messages only read
 * them. The type lives here, in a leaf module, so that none of its readers depends on the
 * compiler (docs/architecture.md).
 */
import type { CeilingCode, DecisionCode } from '../problems/codes.js';
import type { SanitizerMethod, Tier } from '../model/types.js';

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
  /**
   * sanitized: an allow across tiers through a sanitizer; breakout: LGWAN → an approved cloud
   * service directly (α′); direct: every other allow; none: a denial.
   */
  path: 'direct' | 'sanitized' | 'breakout' | 'none';
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
