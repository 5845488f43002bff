/**
 * A change request (docs/check.md) as the checker reads it, and the result it answers with.
 * The request is parsed against one compiled table: names are already segment indices and
 * addresses already numbers, so checking never meets text again.
 */
import type { Action, Range4, Range6, ServiceRange, Tier } from '../model/types.js';
import type { DecisionCode } from '../problems/codes.js';

export type { Range4, Range6 };

/** One side (src or dst) of a proposed rule. Ranges are sorted, disjoint and merged. */
export interface Endpoints {
  /** Segments named (directly, by group, `outside` or `tier:X`), ascending, no repeats. */
  segments: number[];
  /** IPv4 addresses written as IPv4. */
  v4: Range4[];
  /** IPv4 addresses written as ::ffff:-mapped IPv6 (witnesses are shown in that form). */
  mapped: Range4[];
  /** IPv6 addresses outside ::ffff:0:0/96 (which is IPv4, in `mapped`). */
  v6: Range6[];
}

export interface RequestRule {
  /** 0-based position in the request. */
  index: number;
  action: Action;
  src: Endpoints;
  dst: Endpoints;
  /** Service key ranges, sorted, disjoint and merged. */
  services: ServiceRange[];
  /** The rule as written, for reports. */
  text: { src: string[]; dst: string[]; services: string[] };
}

export interface ChangeRequest {
  id: string | null;
  rules: RequestRule[];
}

/** A bad change request: which rule (null for the request itself), which field, why. */
export interface RequestError {
  index: number | null;
  /** `rules[2].src[1]`, `rules[0].action`, `id`; "the request" for the whole document. */
  field: string;
  message: string;
  /** The same message in Japanese (--lang ja, Accept-Language: ja). */
  ja: string;
  /** The same place as a path into the document, for callers that can locate it (YAML lines). */
  path: (string | number)[];
  /** Whether the error is about the key at `path` (an unknown key) or its value. */
  part: 'key' | 'value';
}

export type Verdict = 'compliant' | 'ungranted' | 'violation';

export interface FindingSide {
  segment: string;
  tier: Tier;
}

export interface Finding {
  code: DecisionCode;
  src: FindingSide;
  dst: FindingSide;
  witness: { src: string; dst: string; service: string };
  /** The deciding flow rule or exception of the witness, or null. */
  rule: string | null;
  /** The clause of the basic policy the witness's decision cites, or null. */
  clause: string | null;
  message: string;
}

export interface RuleResult {
  index: number;
  verdict: Verdict;
  truncated: boolean;
  /** Distinct findings per code, exact even when `findings` is truncated; only codes found. */
  counts: Partial<Record<DecisionCode, number>>;
  findings: Finding[];
  action: Action;
  /** True when the rule stands for no flow at all (e.g. IPv4 sources, IPv6 destinations only). */
  empty: boolean;
}

export interface CheckResult {
  verdict: Verdict;
  policyVersion: string;
  rules: RuleResult[];
  /** The request's id, or null. */
  id: string | null;
  /** The date exceptions were judged on. */
  asOf: string;
}
