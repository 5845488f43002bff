/**
 * What a change request must find, worked out a second, independent way: from the RAW rule set
 * with the reference evaluator (test/reference/evaluator.ts), never from the compiled table.
 *
 * Exact without sampling, by breakpoints: an address resolves to the same segment everywhere
 * between two consecutive CIDR boundaries (a CIDR's first address, or the one after its last),
 * and a service key gets the same decision everywhere between two consecutive boundaries of the
 * rule set's service ranges. So a range is cut at those points, each piece asks the reference
 * about its first address (the lowest of the piece) or its preferred flow key, and that answers
 * for the whole piece. Only CIDR and service texts are parsed with the shared parsers.
 */
import { parseCidr } from '../../src/model/cidr.js';
import { parseServiceRange } from '../../src/model/services.js';
import { formatV4, formatV6 } from '../reference/arbitrary.js';
import type { RawRuleSet, RawSegment, ReferenceEvaluator } from '../reference/evaluator.js';

export const CODE_ORDER = ['EXPLICIT-DENY', 'CLOUD-AGGREGATION', 'MN-ISOLATION', 'SPLIT-PATH', 'MFA-REQUIRED', 'EXCEPTION', 'GRANTED', 'DEFAULT-ALLOW', 'NO-GRANT'];

const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = (1n << 128n) - 1n;
const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST + V4_MAX;

export interface RequestRuleText {
  src: string[];
  dst: string[];
  services: string[];
  action: 'allow' | 'deny';
}

export interface ExpectedFinding {
  code: string;
  src: { segment: string; tier: string };
  dst: { segment: string; tier: string };
  witness: { src: string; dst: string; service: string };
  rule: string | null;
}

export interface ExpectedRule {
  /** Sorted as the checker must list them: code (decision-code order), source, destination segment. */
  findings: ExpectedFinding[];
  counts: Record<string, number>;
  empty: boolean;
}

interface Range {
  family: 4 | 6;
  lo: bigint;
  hi: bigint;
  /** IPv4 written as ::ffff:-mapped IPv6. */
  mapped: boolean;
}

/** A request entry that is an address or CIDR, as ranges (the mapped block cut out as IPv4). */
export function entryRanges(text: string): Range[] | null {
  const r = parseCidr(text, true);
  if (!r.ok) return null;
  const { family, first, last } = r.cidr;
  if (family === 4) return [{ family: 4, lo: first, hi: last, mapped: false }];
  const out: Range[] = [];
  if (first < MAPPED_FIRST) out.push({ family: 6, lo: first, hi: last < MAPPED_FIRST ? last : MAPPED_FIRST - 1n, mapped: false });
  if (first <= MAPPED_LAST && last >= MAPPED_FIRST) {
    out.push({ family: 4, lo: (first > MAPPED_FIRST ? first : MAPPED_FIRST) - MAPPED_FIRST, hi: (last < MAPPED_LAST ? last : MAPPED_LAST) - MAPPED_FIRST, mapped: true });
  }
  if (last > MAPPED_LAST) out.push({ family: 6, lo: first > MAPPED_LAST ? first : MAPPED_LAST + 1n, hi: last, mapped: false });
  return out;
}

const SERVICE_FIELDS = ['flows', 'exceptions'] as const;

export class Oracle {
  private readonly bounds: Record<4 | 6, bigint[]> = { 4: [], 6: [] };
  /** Every service key where some rule, exception or sanitizer range starts or ends (the one after): decisions are constant between two. */
  readonly serviceBounds: number[];
  private readonly whole = new Map<number, Map<string, bigint>>();
  readonly segmentIndex = new Map<string, number>();

  constructor(
    private readonly rules: RawRuleSet,
    private readonly ref: ReferenceEvaluator,
  ) {
    const b4 = new Set<bigint>();
    const b6 = new Set<bigint>([MAPPED_FIRST, MAPPED_LAST + 1n]);
    rules.segments.forEach((seg, i) => {
      this.segmentIndex.set(seg.name, i);
      for (const text of seg.cidrs) {
        const c = parseCidr(text);
        if (!c.ok) throw new Error(text);
        const set = c.cidr.family === 4 ? b4 : b6;
        set.add(c.cidr.first);
        set.add(c.cidr.last + 1n);
      }
    });
    this.segmentIndex.set('outside', rules.segments.length);
    this.bounds[4] = [...b4].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.bounds[6] = [...b6].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const sb = new Set<number>();
    const add = (texts: readonly string[]) => {
      for (const lit of this.expand(texts)) {
        sb.add(lit.lo);
        sb.add(lit.hi + 1);
      }
    };
    for (const key of SERVICE_FIELDS) for (const r of rules[key] ?? []) add(r.services);
    for (const s of rules.segments) {
      if (s.sanitizer) add(s.sanitizer.services);
      // α′ breakout services cut the ceiling too (docs/models.md).
      if (s.breakout) add(s.breakout.services);
    }
    this.serviceBounds = [...sb].sort((a, b) => a - b);
  }

  /** Service texts (names expanded) as key ranges. */
  expand(texts: readonly string[]): { lo: number; hi: number }[] {
    const out: { lo: number; hi: number }[] = [];
    for (const text of texts) {
      const named = this.rules.services && Object.hasOwn(this.rules.services, text) ? this.rules.services[text]! : [text];
      for (const lit of named) {
        const r = parseServiceRange(lit);
        if (!r.ok) throw new Error(`oracle: bad service ${lit}`);
        out.push(r.range);
      }
    }
    return out;
  }

  /** Segment name → lowest address resolving to it, over [lo, hi] of one family. */
  private touched(family: 4 | 6, lo: bigint, hi: bigint, into: Map<string, bigint>): void {
    const points = [lo, ...this.bounds[family].filter((p) => p > lo && p <= hi)];
    for (const p of points) {
      // The mapped block belongs to IPv4; IPv6 ranges here never reach into it.
      if (family === 6 && p >= MAPPED_FIRST && p <= MAPPED_LAST) continue;
      const seg = this.ref.segmentOf({ family, value: p }).name;
      const old = into.get(seg);
      if (old === undefined || p < old) into.set(seg, p);
    }
  }

  /** Every segment with an address in the family, and its lowest. */
  private wholeFamily(family: 4 | 6): Map<string, bigint> {
    let m = this.whole.get(family);
    if (!m) {
      m = new Map();
      if (family === 4) this.touched(4, 0n, V4_MAX, m);
      else {
        this.touched(6, 0n, MAPPED_FIRST - 1n, m);
        this.touched(6, MAPPED_LAST + 1n, V6_MAX, m);
      }
      this.whole.set(family, m);
    }
    return m;
  }

  /** One side of a rule: per family, segment → lowest address; and IPv4 lows that came only from mapped input. */
  side(entries: readonly string[]): { 4: Map<string, bigint>; 6: Map<string, bigint>; mappedOnly: Set<string> } {
    const native4 = new Map<string, bigint>();
    const mapped4 = new Map<string, bigint>();
    const v6 = new Map<string, bigint>();
    const merge = (into: Map<string, bigint>, from: Map<string, bigint>, only?: Set<string>) => {
      for (const [seg, p] of from) {
        if (only && !only.has(seg)) continue;
        const old = into.get(seg);
        if (old === undefined || p < old) into.set(seg, p);
      }
    };
    for (const text of entries) {
      const ranges = entryRanges(text);
      if (ranges) {
        for (const r of ranges) this.touched(r.family, r.lo, r.hi, r.family === 6 ? v6 : r.mapped ? mapped4 : native4);
        continue;
      }
      const named = new Set(this.ref.segmentsSelected([text]).map((s: RawSegment) => s.name));
      merge(native4, this.wholeFamily(4), named);
      merge(v6, this.wholeFamily(6), named);
    }
    const all4 = new Map(native4);
    merge(all4, mapped4);
    const mappedOnly = new Set<string>();
    for (const [seg, p] of all4) if (native4.get(seg) !== p) mappedOnly.add(seg);
    return { 4: all4, 6: v6, mappedOnly };
  }

  /** Per piece of the rule's services: the preferred flow key (tcp, udp, icmp, icmpv6, others). */
  servicePieces(texts: readonly string[]): number[] {
    const out: number[] = [];
    for (const r of this.expand(texts)) {
      const starts = [r.lo, ...this.serviceBounds.filter((b) => b > r.lo && b <= r.hi)];
      starts.forEach((start, i) => {
        const end = i + 1 < starts.length ? starts[i + 1]! - 1 : r.hi;
        const k = preferred(start, end);
        if (k !== null) out.push(k);
      });
    }
    return out;
  }

  expected(rule: RequestRuleText): ExpectedRule {
    const src = this.side(rule.src);
    const dst = this.side(rule.dst);
    const keys = this.servicePieces(rule.services);
    const segs = new Map<string, RawSegment>();
    for (const s of this.ref.segmentsSelected(['tier:outside', ...this.rules.segments.map((x) => x.name)])) segs.set(s.name, s);
    const found = new Map<string, ExpectedFinding & { order: number; key: number }>();
    let empty = true;
    const names = (m: Map<string, bigint>) => [...m.keys()];
    const pairs = new Set<string>();
    for (const family of [4, 6] as const) {
      for (const s of names(src[family])) for (const d of names(dst[family])) pairs.add(`${s}\u0000${d}`);
    }
    for (const pair of pairs) {
      const [s, d] = pair.split('\u0000') as [string, string];
      const family = src[4].has(s) && dst[4].has(d) ? 4 : 6;
      if (keys.length > 0) empty = false;
      for (const k of keys) {
        const dec = this.ref.decideResolved(segs.get(s)!, segs.get(d)!, k);
        const relevant = rule.action === 'allow' ? dec.decision === 'deny' : dec.decision === 'allow';
        if (!relevant) continue;
        const id = `${dec.code}\u0000${pair}`;
        const order = rank(k);
        const old = found.get(id);
        if (old && old.order <= order) continue;
        const address = (m: typeof src, seg: string) => {
          const v = m[family].get(seg)!;
          if (family === 6) return formatV6(v);
          return m.mappedOnly.has(seg) ? `::ffff:${formatV4(v)}` : formatV4(v);
        };
        found.set(id, {
          code: dec.code,
          src: { segment: s, tier: segs.get(s)!.tier },
          dst: { segment: d, tier: segs.get(d)!.tier },
          witness: { src: address(src, s), dst: address(dst, d), service: serviceText(k) },
          rule: dec.rule,
          order,
          key: k,
        });
      }
    }
    const findings = [...found.values()]
      .sort(
        (a, b) =>
          CODE_ORDER.indexOf(a.code) - CODE_ORDER.indexOf(b.code) ||
          this.segmentIndex.get(a.src.segment)! - this.segmentIndex.get(b.src.segment)! ||
          this.segmentIndex.get(a.dst.segment)! - this.segmentIndex.get(b.dst.segment)!,
      )
      .map(({ code, src: s, dst: d, witness, rule: r }) => ({ code, src: s, dst: d, witness, rule: r }));
    const counts: Record<string, number> = {};
    for (const f of findings) counts[f.code] = (counts[f.code] ?? 0) + 1;
    return { findings, counts, empty };
  }
}

/** Preference rank of a flow key, then the key: tcp, udp, icmp, icmpv6, other protocols. */
export function rank(key: number): number {
  const proto = Math.floor(key / 65536);
  const r = proto === 6 ? 0 : proto === 17 ? 1 : proto === 1 ? 2 : proto === 58 ? 3 : 4;
  return r * 2 ** 24 + key;
}

/** The preferred flow key in [lo, hi], protocol by protocol; null if none is a flow. */
export function preferred(lo: number, hi: number): number | null {
  let best: number | null = null;
  for (let proto = Math.floor(lo / 65536); proto <= Math.floor(hi / 65536); proto++) {
    const ports = proto === 6 || proto === 17;
    const first = proto * 65536 + (ports ? 1 : 0);
    const last = proto * 65536 + (ports ? 65535 : 0);
    const k = Math.max(first, lo);
    if (k > Math.min(last, hi)) continue;
    if (best === null || rank(k) < rank(best)) best = k;
  }
  return best;
}

export function serviceText(key: number): string {
  const proto = Math.floor(key / 65536);
  const port = key % 65536;
  if (proto === 6) return `tcp/${port}`;
  if (proto === 17) return `udp/${port}`;
  if (proto === 1) return 'icmp';
  if (proto === 58) return 'icmpv6';
  return `proto/${proto}`;
}
