/**
 * The resolved rule set: every name looked up, every address and service turned into numbers.
 * The compiler reads only this; YAML and positions stay behind in `source/` except as Locations
 * kept for messages.
 */
import type { Location } from '../source/location.js';
import type { DecisionCode } from '../problems/codes.js';

export const TIERS = ['mynumber', 'lgwan', 'internet', 'outside'] as const;
export type Tier = (typeof TIERS)[number];
/** Tiers a segment may be declared in (outside is implicit). */
export type SiteTier = Exclude<Tier, 'outside'>;
export const SITE_TIERS: readonly SiteTier[] = ['mynumber', 'lgwan', 'internet'];

export type Role = 'terminal' | 'server' | 'other';
export type SanitizerMethod = 'mail-text' | 'file-sanitize' | 'screen-transfer';
export type Direction = 'inbound' | 'outbound' | 'both';
export type Action = 'allow' | 'deny';
export type GuidelineModel = 'alpha' | 'alpha-prime' | 'beta' | 'beta-prime';

/**
 * A contiguous range of the service key space (see services.ts: key = proto * 65536 + port,
 * port 0 for protocols without ports). Inclusive bounds.
 */
export interface ServiceRange {
  lo: number;
  hi: number;
}

/**
 * Inclusive address ranges, as the checker (`check/`) and the device compiler (`device/`) both
 * use them: IPv4 as unsigned 32-bit numbers, IPv6 as bigints.
 */
export interface Range4 {
  lo: number;
  hi: number;
}
export interface Range6 {
  lo: bigint;
  hi: bigint;
}

/** A service as written (`tcp/443`, `https`), resolved to ranges. */
export interface ServiceRef {
  text: string;
  ranges: ServiceRange[];
  loc: Location;
}

export interface Cidr {
  family: 4 | 6;
  /** As written, e.g. "10.20.0.0/16". */
  text: string;
  prefix: number;
  /** First and last address; IPv4 in [0, 2^32), IPv6 in [0, 2^128). */
  first: bigint;
  last: bigint;
  loc: Location;
}

export interface Sanitizer {
  method: SanitizerMethod;
  peer: SiteTier;
  direction: Direction;
  services: ServiceRef[];
  loc: Location;
}

/**
 * Local breakout (α′ only): LGWAN-tier hosts reach this internet-tier external cloud service
 * directly on these services, without SPLIT-PATH (docs/models.md).
 */
export interface Breakout {
  services: ServiceRef[];
  loc: Location;
}

export interface Segment {
  /** Position in Model.segments; `outside` is always the last. */
  index: number;
  name: string;
  tier: Tier;
  role: Role;
  mfa: boolean;
  external: boolean;
  cidrs: Cidr[];
  sanitizer: Sanitizer | null;
  /** Non-null only on an internet-tier external segment of an alpha-prime rule set. */
  breakout: Breakout | null;
  description: string | null;
  loc: Location;
}

/** A from/to entry as written, with the segments it stands for. */
export interface Selector {
  text: string;
  segments: number[];
  loc: Location;
}

export interface FlowRule {
  /** Merged order across files: the "first matching rule" of docs/decisions.md. */
  index: number;
  id: string;
  action: Action;
  from: Selector[];
  to: Selector[];
  services: ServiceRef[];
  ticket: string | null;
  loc: Location;
}

export interface Exception {
  index: number;
  id: string;
  from: Selector[];
  to: Selector[];
  services: ServiceRef[];
  reason: string;
  approvedBy: string;
  /** YYYY-MM-DD, valid through this date inclusive in policy.timezone. */
  expires: string;
  ticket: string | null;
  loc: Location;
}

export interface Policy {
  name: string;
  model: GuidelineModel;
  timezone: string;
  defaults: Record<SiteTier, Action>;
  /** Clause text per decision code, built-in defaults overridden by policy.clauses. */
  clauses: Partial<Record<DecisionCode, string>>;
  /** policy.exception-max-days: the most days an exception's expires may lie after the day it is judged on; null for no limit. */
  exceptionMaxDays: number | null;
}

export interface Model {
  policy: Policy;
  /** Declared segments in merged order, then the implicit `outside`. */
  segments: Segment[];
  outside: number;
  groups: Map<string, { members: string[]; segments: number[]; loc: Location }>;
  services: Map<string, ServiceRef[]>;
  flows: FlowRule[];
  exceptions: Exception[];
  /** The files read, in merge order. */
  files: string[];
  /** "sha256:<hex>" over the files' names and bytes in merge order. */
  version: string;
}

/** Union of segment indices a list of selectors stands for, sorted, without repeats. */
export function selectorSegments(selectors: readonly Selector[]): number[] {
  const set = new Set<number>();
  for (const s of selectors) for (const i of s.segments) set.add(i);
  return [...set].sort((a, b) => a - b);
}

/** Every range of a list of service refs. */
export function serviceRanges(refs: readonly ServiceRef[]): ServiceRange[] {
  return refs.flatMap((r) => r.ranges);
}
