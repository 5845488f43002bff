/**
 * What `sanso diff` answers with: the flows whose decision differs between two rule sets, as
 * changes. Every such flow lies in exactly one change; docs/diff.md says how changes are keyed.
 */
import type { Tier } from '../model/types.js';
import type { DecisionCode } from '../problems/codes.js';

export const CHANGE_KINDS = ['newly-allowed', 'newly-denied', 'reason-changed'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The part of a decision a change compares: the verdict, the code and the deciding rule. */
export interface Reason {
  decision: 'allow' | 'deny';
  code: DecisionCode;
  /** The deciding flow rule or exception id, or null. */
  rule: string | null;
}

export interface ChangeSide {
  /** The segment these addresses belong to in the NEW rule set (by name), and its tier there. */
  segment: string;
  tier: Tier;
  /** Present exactly when the same addresses belonged to another segment (name or tier) in OLD. */
  was?: { segment: string; tier: Tier };
}

export interface Change {
  kind: ChangeKind;
  src: ChangeSide;
  dst: ChangeSide;
  /** The services whose decision changed, e.g. ["tcp/443-445", "udp/53", "icmp", "proto/50-51"]. */
  services: string[];
  before: Reason;
  after: Reason;
  /** One concrete flow of this change: OLD decides it as `before`, NEW as `after`. */
  witness: { src: string; dst: string; service: string };
  /** The change touches the My Number tier (either side, before or after). */
  myNumber: boolean;
}

export interface DiffSideInfo {
  policyVersion: string;
  /** Where the rule set was read from: a path, or git:REF:path. */
  source: string;
  /** The date exceptions were judged on. */
  asOf: string;
}

export interface DiffResult {
  old: DiffSideInfo;
  new: DiffSideInfo;
  /** Exact counts of changes per kind, also when `changes` is truncated. */
  counts: Record<ChangeKind, number>;
  /** Changes touching the My Number tier, exact. */
  myNumber: number;
  /** True when `changes` stops at the limit; counts stay exact. */
  truncated: boolean;
  changes: Change[];
}
