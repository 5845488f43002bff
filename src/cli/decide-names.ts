/**
 * `sanso decide` asked with names (docs/decisions.md, "Asking with names"): every segment pair
 * the sides stand for, each decision with its rule and message, as text or one line of JSON
 * (schemas/api/named-decisions.json). Names and tiers are printed, never a segment's CIDRs: only
 * an address the caller wrote is quoted back.
 */
import { decidePairs, pairCount, resolveService, resolveSide, type NameError, type Side } from '../check/names.js';
import { flowError } from '../http/flow-error.js';
import { METHOD_NAMES, TIER_NAMES, type Lang } from '../i18n/messages.js';
import { FlowResult, type FlowField } from '../lookup/flow.js';
import { decisionObject, type DecisionObject } from '../lookup/render.js';
import { formatServiceRanges } from '../model/services.js';
import type { ServiceRange, Tier } from '../model/types.js';
import type { LoadedPolicy } from '../policy.js';
import { EXIT, UsageError, type Io } from './io.js';

/** Segment pairs answered unless --max-pairs says otherwise: a screenful of a city, not a prefecture. */
export const MAX_PAIRS = 1000;

export interface NamedAnswer extends Omit<DecisionObject, 'src' | 'dst' | 'policyVersion'> {
  src: { address: string | null; segment: string; tier: Tier };
  dst: { address: string | null; segment: string; tier: Tier };
  services: string[];
}

export interface NamedResult {
  src: string;
  dst: string;
  service: string;
  /** Segment pairs the two sides stand for. */
  pairs: number;
  /** Pairs where every flow of the service is allowed, denied, or some allowed and some denied. */
  allowed: number;
  denied: number;
  partial: number;
  answers: NamedAnswer[];
  policyVersion: string;
  asOf: string;
}

const isError = (x: object): x is NameError => 'usage' in x;

const count = (n: number): string => n.toLocaleString('en-US');

/** The whole answer for (src, dst, service) given with names; throws UsageError for an unknown name or too many pairs. */
export function answerByNames(policy: LoadedPolicy, texts: Record<FlowField, string>, lang: Lang, maxPairs: number): NamedResult | { field: FlowField; message: string } {
  const { table } = policy;
  const scratch = new FlowResult();
  const sides: Partial<Record<'src' | 'dst', Side>> = {};
  let service: ServiceRange[] = [];
  for (const field of ['src', 'dst', 'service'] as const) {
    const r = field === 'service' ? resolveService(table, texts.service, scratch) : resolveSide(table, texts[field], scratch);
    if (isError(r)) {
      if (r.usage) throw new UsageError(`${field}: ${lang === 'ja' && r.ja !== undefined ? r.ja : r.message}`);
      return { field, message: flowError(field, texts[field], r.message, lang) };
    }
    if (field === 'service') service = r as ServiceRange[];
    else sides[field] = r as Side;
  }
  const src = sides.src!;
  const dst = sides.dst!;
  const n = pairCount(src, dst);
  if (n > maxPairs) {
    throw new UsageError(
      `${texts.src} → ${texts.dst} stands for ${count(n)} segment pairs (${count(src.segments.length)} × ${count(dst.segments.length)}); ` +
        `decide answers at most ${count(maxPairs)}: name fewer segments, or raise --max-pairs`,
    );
  }
  const answers: NamedAnswer[] = [];
  const state = new Map<number, number>(); // per pair (src * segments + dst): bit 1 allow seen, bit 2 deny seen
  const segs = table.model.segments.length;
  for (const a of decidePairs(table, src.segments, dst.segments, service)) {
    const d = decisionObject(table, a.decision, a.src, a.dst, '', '', lang);
    answers.push({
      decision: d.decision,
      code: d.code,
      rule: d.rule,
      src: { address: src.address, segment: d.src.segment, tier: d.src.tier },
      dst: { address: dst.address, segment: d.dst.segment, tier: d.dst.tier },
      services: formatServiceRanges(a.ranges),
      path: d.path,
      sanitizer: d.sanitizer,
      clause: d.clause,
      message: d.message,
    });
    const key = a.src * segs + a.dst;
    state.set(key, (state.get(key) ?? 0) | (d.decision === 'allow' ? 1 : 2));
  }
  let allowed = 0;
  let denied = 0;
  let partial = 0;
  for (const bits of state.values()) {
    if (bits === 1) allowed++;
    else if (bits === 2) denied++;
    else partial++;
  }
  return { src: texts.src, dst: texts.dst, service: texts.service, pairs: n, allowed, denied, partial, answers, policyVersion: policy.version, asOf: table.asOf };
}

function sideText(s: NamedAnswer['src'], lang: Lang): string {
  if (lang === 'ja') {
    // The tiers in the basic policy's words, as the single-flow form writes them.
    const tier = TIER_NAMES.ja[s.tier];
    return s.address === null ? `${s.segment}（${tier}）` : `${s.address}（${s.segment}、${tier}）`;
  }
  return s.address === null ? `${s.segment} (${s.tier})` : `${s.address} (${s.segment}, ${s.tier})`;
}

const SUMMARY = {
  en: (r: NamedResult) =>
    `${count(r.pairs)} segment pair${r.pairs === 1 ? '' : 's'} for ${r.src} → ${r.dst} ${r.service}: ${count(r.allowed)} allowed, ${count(r.denied)} denied` +
    (r.partial > 0 ? `, ${count(r.partial)} partly allowed` : ''),
  ja: (r: NamedResult) =>
    `${r.src} → ${r.dst} ${r.service} のセグメントの組 ${count(r.pairs)} 件: 許可 ${count(r.allowed)}、拒否 ${count(r.denied)}` +
    (r.partial > 0 ? `、一部許可 ${count(r.partial)}` : ''),
};

/** One decision as `decide` prints it, for one flow or one named pair: the line, its message beneath. */
export function decisionText(a: Pick<NamedAnswer, 'decision' | 'code' | 'rule' | 'src' | 'dst' | 'path' | 'sanitizer' | 'message'>, services: string, lang: Lang): string {
  const rule = a.rule === null ? '' : ` ${a.rule}`;
  if (lang === 'ja') {
    // The tiers and the path in the basic policy's words; the code and rule id stay as they are.
    const via = a.sanitizer ? `（${a.sanitizer.segment} の${METHOD_NAMES.ja[a.sanitizer.method]}を経由）` : a.path === 'breakout' ? '（ローカルブレイクアウト）' : '';
    return `${a.decision.toUpperCase()} ${a.code}${rule}: ${sideText(a.src, lang)}→ ${sideText(a.dst, lang)}${services}${via}\n  ${a.message}\n`;
  }
  const via = a.sanitizer ? ` via ${a.sanitizer.segment} (${a.sanitizer.method})` : a.path === 'breakout' ? ' by local breakout' : '';
  return `${a.decision.toUpperCase()} ${a.code}${rule}: ${sideText(a.src, lang)} → ${sideText(a.dst, lang)} ${services}${via}\n  ${a.message}\n`;
}

/** The answer as people read it: each decision as the single-flow form prints it, then a summary. */
export function formatNamedText(r: NamedResult, lang: Lang): string {
  let out = '';
  for (const a of r.answers) out += decisionText(a, a.services.join(', '), lang);
  return `${out}${SUMMARY[lang](r)}\n`;
}

/** Runs the named form of `decide`: exit 0 when every answer allows, 3 when any denies, 1 bad address or service text. */
export function runByNames(policy: LoadedPolicy, texts: Record<FlowField, string>, opts: { json: boolean; lang: Lang; maxPairs: number }, io: Io): number {
  const r = answerByNames(policy, texts, opts.lang, opts.maxPairs);
  if ('message' in r) {
    io.stderr(`sanso: ${r.message}\n`);
    return EXIT.BAD_INPUT;
  }
  const result = r;
  io.stdout(opts.json ? `${JSON.stringify(result)}\n` : formatNamedText(result, opts.lang));
  return result.denied > 0 || result.partial > 0 ? EXIT.DENY : EXIT.OK;
}
