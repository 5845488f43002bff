/**
 * A naive evaluator written straight from docs/decisions.md, to check the compiled decision table against.
 *
 * It works from the RAW rule data (the merged plain objects the YAML files parse to), not from the
 * resolved Model and not from anything in compile/ or lookup/, so that name resolution, group
 * nesting, tier selectors, longest-prefix match, bridging, exception dates and defaults are all
 * computed a second, independent way. Only the text of rule CIDRs and services is parsed with the
 * shared parseCidr and parseServiceRange (they have unit tests of their own); flow addresses,
 * including ::ffff:-mapped ones, are parsed here, apart from the lookup's parser.
 *
 * Deliberately plain: BigInt addresses, linear scans over every CIDR and rule, recursion over
 * groups on every match; only the text of CIDRs and services is parsed once. Clarity over
 * speed: this file is the spec in executable form.
 */
import { parseCidr } from '../../src/model/cidr.js';
import { parseServiceRange } from '../../src/model/services.js';

// — the raw rule language (docs/rules.md), as the YAML parses —

export interface RawSanitizer {
  method: string;
  peer: string;
  direction: string;
  services: string[];
}

export interface RawSegment {
  name: string;
  tier: string;
  role?: string;
  mfa?: boolean;
  external?: boolean;
  description?: string;
  cidrs: string[];
  sanitizer?: RawSanitizer;
  /** Local breakout destination (α′ only, internet tier, external). */
  breakout?: { services: string[] };
}

export interface RawFlow {
  id: string;
  from: string[];
  to: string[];
  services: string[];
  action?: 'allow' | 'deny';
  ticket?: string;
}

export interface RawException {
  id: string;
  from: string[];
  to: string[];
  services: string[];
  reason: string;
  'approved-by': string;
  expires: string;
  ticket?: string;
}

export interface RawPolicy {
  name?: string;
  model?: string;
  timezone?: string;
  defaults?: Partial<Record<string, 'allow' | 'deny'>>;
  clauses?: Record<string, string>;
}

/** A rule set after merging its files: lists concatenated in merge order, maps united. */
export interface RawRuleSet {
  policy?: RawPolicy;
  services?: Record<string, string[]>;
  groups?: Record<string, string[]>;
  segments: RawSegment[];
  flows?: RawFlow[];
  exceptions?: RawException[];
}

// — the answer —

export interface RefEndpoint {
  segment: string;
  tier: string;
}

export interface RefDecision {
  decision: 'allow' | 'deny';
  code: string;
  rule: string | null;
  src: RefEndpoint;
  dst: RefEndpoint;
  /**
   * "sanitized" when an ALLOW crosses tiers through a sanitizer; "breakout" when it goes from
   * LGWAN to a breakout destination (α′) without one; "direct" other allows; "none" denies.
   */
  path: 'sanitized' | 'breakout' | 'direct' | 'none';
  sanitizer: { segment: string; method: string } | null;
}

export type RefResult = { ok: true; decision: RefDecision } | { ok: false; error: string };

const OUTSIDE: RawSegment = { name: 'outside', tier: 'outside', cidrs: [] };
const V4_MAPPED_PREFIX = 0xffffn;

function parseV4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return null;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseV6(text: string): bigint | null {
  let rest = text;
  let tail: bigint[] = [];
  // A dotted IPv4 tail stands for the last two groups.
  const lastColon = rest.lastIndexOf(':');
  if (rest.slice(lastColon + 1).includes('.')) {
    const v4 = parseV4(rest.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >> 16n, v4 & 0xffffn];
    rest = text.slice(0, lastColon + 1);
    if (!rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const halves = rest.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const after = halves.length === 2 ? groups(halves[1]!) : [];
  const all = [...head, ...after];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const given = all.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const zeros = halves.length === 2 ? 8 - given : 0;
  const values = [...head.map((g) => BigInt(parseInt(g, 16))), ...Array<bigint>(zeros).fill(0n), ...after.map((g) => BigInt(parseInt(g, 16))), ...tail];
  return values.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/**
 * An address as a flow gives it, as (family, value); IPv4-mapped IPv6 folded to IPv4 (docs/rules.md).
 * Parsed here rather than with parseCidr so the reference does not share the lookup's parsing.
 */
export function parseFlowAddress(text: string): { family: 4 | 6; value: bigint } | null {
  if (text.includes(':')) {
    const value = parseV6(text);
    if (value === null) return null;
    if (value >> 32n === V4_MAPPED_PREFIX) return { family: 4, value: value & 0xffffffffn };
    return { family: 6, value };
  }
  const value = parseV4(text);
  return value === null ? null : { family: 4, value };
}

/**
 * A flow's service as one key of the service key space; tcp/udp need a port, others none. A flow
 * has one port: `tcp/443-443` is a range as written, refused like any other range.
 */
export function parseFlowService(text: string): number | null {
  if (text.includes('-')) return null;
  const r = parseServiceRange(text);
  if (!r.ok || r.range.lo !== r.range.hi) return null;
  return r.range.lo;
}

export class ReferenceEvaluator {
  /** Every CIDR of every segment, parsed once (the scan over them stays naive). */
  private readonly cidrs: { seg: RawSegment; family: 4 | 6; prefix: number; first: bigint; last: bigint }[] = [];
  private readonly serviceCache = new Map<string, { lo: number; hi: number }>();
  private readonly segmentNames: Set<string>;

  constructor(
    readonly rules: RawRuleSet,
    /** YYYY-MM-DD, the day exceptions are judged on. */
    private readonly asOf: string,
  ) {
    this.segmentNames = new Set(rules.segments.map((s) => s.name));
    for (const seg of rules.segments) {
      for (const text of seg.cidrs) {
        const r = parseCidr(text);
        if (!r.ok) throw new Error(`reference: bad CIDR ${text} in ${seg.name}: ${r.reason}`);
        this.cidrs.push({ seg, ...r.cidr });
      }
    }
  }

  /** docs/rules.md, resolution: longest matching prefix, else `outside`. */
  segmentOf(addr: { family: 4 | 6; value: bigint }): RawSegment {
    let best: RawSegment = OUTSIDE;
    let bestPrefix = -1;
    for (const c of this.cidrs) {
      if (c.family !== addr.family) continue;
      if (addr.value < c.first || addr.value > c.last) continue;
      // The same CIDR twice is an error, so two matches never have equal prefixes.
      if (c.prefix > bestPrefix) {
        best = c.seg;
        bestPrefix = c.prefix;
      }
    }
    return best;
  }

  /** The segment a name stands for, or `outside`. */
  segmentNamed(name: string): RawSegment | null {
    if (name === 'outside') return OUTSIDE;
    return this.rules.segments.find((s) => s.name === name) ?? null;
  }

  /** Every segment (and `outside`) a from/to list stands for. */
  segmentsSelected(selectors: readonly string[]): RawSegment[] {
    return [...this.rules.segments, OUTSIDE].filter((seg) => this.selectsAny(selectors, seg));
  }

  private literalRange(text: string): { lo: number; hi: number } {
    let r = this.serviceCache.get(text);
    if (!r) {
      const p = parseServiceRange(text);
      if (!p.ok) throw new Error(`reference: bad service ${text}`);
      r = p.range;
      this.serviceCache.set(text, r);
    }
    return r;
  }

  /** Whether a from/to entry (segment, group, tier:X, outside) stands for `seg`. */
  selects(selector: string, seg: RawSegment, depth = 0): boolean {
    if (depth > 64) throw new Error('reference: group nesting too deep (a cycle?)');
    if (selector === 'outside') return seg === OUTSIDE;
    if (selector.startsWith('tier:')) return seg.tier === selector.slice('tier:'.length);
    const group = this.rules.groups && Object.hasOwn(this.rules.groups, selector) ? this.rules.groups[selector] : undefined;
    if (group) return group.some((member) => this.selects(member, seg, depth + 1));
    if (!this.segmentNames.has(selector)) throw new Error(`reference: unknown name ${selector}`);
    return seg !== OUTSIDE && seg.name === selector;
  }

  selectsAny(selectors: readonly string[], seg: RawSegment): boolean {
    return selectors.some((s) => this.selects(s, seg));
  }

  /** Whether the service key is in a list of services as written (literal or named). */
  serviceIn(services: readonly string[], key: number): boolean {
    for (const text of services) {
      const named = this.rules.services && Object.hasOwn(this.rules.services, text) ? this.rules.services[text] : undefined;
      const literals = named ?? [text];
      for (const lit of literals) {
        const r = this.literalRange(lit);
        if (key >= r.lo && key <= r.hi) return true;
      }
    }
    return false;
  }

  /**
   * docs/decisions.md "bridged": S's sanitizer with peer = tier(D), outbound|both, service in its services;
   * or D's with peer = tier(S), inbound|both. Returns the bridging segment (S's first), or null.
   * `method` restricts which sanitizers count (step 2.2 wants file-sanitize).
   */
  bridge(S: RawSegment, D: RawSegment, key: number, method?: string): RawSegment | null {
    const s = S.sanitizer;
    if (s && (method === undefined || s.method === method) && s.peer === D.tier && (s.direction === 'outbound' || s.direction === 'both') && this.serviceIn(s.services, key))
      return S;
    const d = D.sanitizer;
    // The guideline models (docs/models.md): a screen-transfer sanitizer in the LGWAN tier that
    // internet-tier hosts connect to bridges only under β and β′ (the validator refuses it
    // elsewhere, so this restates the model rather than guards against it).
    const beta = this.model() === 'beta' || this.model() === 'beta-prime';
    if (d && d.method === 'screen-transfer' && D.tier === 'lgwan' && !beta) return null;
    if (d && (method === undefined || d.method === method) && d.peer === S.tier && (d.direction === 'inbound' || d.direction === 'both') && this.serviceIn(d.services, key))
      return D;
    return null;
  }

  /** policy.model, default alpha. */
  model(): string {
    return this.rules.policy?.model ?? 'alpha';
  }

  /**
   * α′ local breakout: LGWAN → an internet-tier external segment on one of its breakout
   * services, under alpha-prime only. Nothing inbound, nothing for the My Number tier.
   */
  breakout(S: RawSegment, D: RawSegment, key: number): boolean {
    return (
      this.model() === 'alpha-prime' && S.tier === 'lgwan' && D.tier === 'internet' && D.external === true && D.breakout !== undefined && this.serviceIn(D.breakout.services, key)
    );
  }

  /** Valid through `expires` inclusive. Compared as calendar numbers, not via src/model/dates. */
  active(expires: string): boolean {
    const n = (d: string) => {
      const [y, m, day] = d.split('-').map(Number);
      return y! * 10000 + m! * 100 + day!;
    };
    return n(expires) >= n(this.asOf);
  }

  decide(srcText: string, dstText: string, serviceText: string): RefResult {
    const src = parseFlowAddress(srcText);
    if (!src) return { ok: false, error: `bad source address ${srcText}` };
    const dst = parseFlowAddress(dstText);
    if (!dst) return { ok: false, error: `bad destination address ${dstText}` };
    const key = parseFlowService(serviceText);
    if (key === null) return { ok: false, error: `bad service ${serviceText}` };
    return { ok: true, decision: this.decideResolved(this.segmentOf(src), this.segmentOf(dst), key) };
  }

  /** Whether a flow rule or exception names this (S, D, service). */
  matches(r: { from: string[]; to: string[]; services: string[] }, S: RawSegment, D: RawSegment, key: number): boolean {
    return this.selectsAny(r.from, S) && this.selectsAny(r.to, D) && this.serviceIn(r.services, key);
  }

  /** The ceiling (docs/decisions.md step 2): the first ceiling code that applies, or null. */
  ceiling(S: RawSegment, D: RawSegment, key: number): string | null {
    const tS = S.tier;
    const tD = D.tier;
    // 2.1
    if (tS === 'outside' || tD === 'outside') return 'CLOUD-AGGREGATION';
    // 2.2 — except a sanitized one-way import lgwan → mynumber through file-sanitize.
    if (tS !== tD && (tS === 'mynumber' || tD === 'mynumber')) {
      const sanitizedImport = tS === 'lgwan' && tD === 'mynumber' && this.bridge(S, D, key, 'file-sanitize') !== null;
      if (!sanitizedImport) return 'MN-ISOLATION';
    }
    // 2.3
    if ((tS === 'lgwan' && tD === 'internet') || (tS === 'internet' && tD === 'lgwan')) {
      if (this.bridge(S, D, key) === null && !this.breakout(S, D, key)) return 'SPLIT-PATH';
    }
    // 2.4
    if (tS === 'mynumber' && (S.role ?? 'server') === 'terminal' && S.mfa !== true) return 'MFA-REQUIRED';
    return null;
  }

  decideResolved(S: RawSegment, D: RawSegment, key: number): RefDecision {
    const flows = this.rules.flows ?? [];
    const matches = (r: { from: string[]; to: string[]; services: string[] }) => this.matches(r, S, D, key);
    const tS = S.tier;
    const tD = D.tier;
    const base = {
      src: { segment: S.name, tier: S.tier },
      dst: { segment: D.name, tier: D.tier },
    };
    const deny = (code: string, rule: string | null): RefDecision => ({ decision: 'deny', code, rule, ...base, path: 'none', sanitizer: null });
    const allow = (code: string, rule: string | null): RefDecision => {
      // §2: path is "sanitized" exactly when an ALLOW crosses tiers through a sanitizer
      // (S's where S bridges, else D's). lgwan→mynumber is bridged only by file-sanitize (2.2).
      const crossing = S.tier !== D.tier;
      const via = crossing ? this.bridge(S, D, key, S.tier === 'lgwan' && D.tier === 'mynumber' ? 'file-sanitize' : undefined) : null;
      // A sanitizer that bridges is the path even to a breakout destination (docs/models.md).
      return {
        decision: 'allow',
        code,
        rule,
        ...base,
        path: via ? 'sanitized' : crossing && this.breakout(S, D, key) ? 'breakout' : 'direct',
        sanitizer: via ? { segment: via.name, method: via.sanitizer!.method } : null,
      };
    };

    // 1. Explicit deny: the first deny rule in merged order that matches.
    for (const r of flows) {
      if ((r.action ?? 'allow') === 'deny' && matches(r)) return deny('EXPLICIT-DENY', r.id);
    }

    // 2. The ceiling.
    const ceiling = this.ceiling(S, D, key);

    // 3. Ceiling hit: the first unexpired matching exception lifts it, else deny with the code.
    if (ceiling !== null) {
      for (const e of this.rules.exceptions ?? []) {
        if (this.active(e.expires) && matches(e)) return allow('EXCEPTION', e.id);
      }
      return deny(ceiling, null);
    }

    // 4. Grant: the first matching allow rule.
    for (const r of flows) {
      if ((r.action ?? 'allow') === 'allow' && matches(r)) return allow('GRANTED', r.id);
    }

    // 5. Default for intra-tier flows.
    if (tS === tD && this.rules.policy?.defaults?.[tS] === 'allow') return allow('DEFAULT-ALLOW', null);

    // 6.
    return deny('NO-GRANT', null);
  }
}
