/**
 * The jobs a policy worker runs (pool.ts explains the pool). Each job takes the worker's own
 * compiled policy, the route's input (plain data, cloned across threads) and the limits, runs
 * synchronously, and returns the answer already serialized — so the main thread neither builds
 * nor stringifies a large object — or a problem code. To add one: a function here and its
 * name in JOBS; the route calls ctx.pool.run(name, input).
 */
import type { Text } from '../i18n/messages.js';
import { checkRequest } from '../check/check.js';
import { formatRequestError, parseChangeRequest } from '../check/parse.js';
import type { Endpoints } from '../check/types.js';
import type { LoadedPolicy } from '../policy.js';
import type { ApiErrorCode } from '../problems/codes.js';
import type { Lang } from './lang.js';

export interface JobLimits {
  /** Findings listed over one change request (counts stay exact). */
  maxFindings: number;
  /** Bytes of one answer. */
  maxAnswerBytes: number;
}

export type JobOutcome = { ok: true; json: string; version: string; log?: unknown } | { ok: false; code: ApiErrorCode; detail: Text; extensions?: Record<string, unknown> };

export type Job = (policy: LoadedPolicy, input: never, limits: JobLimits) => JobOutcome;

/** Whether a rule side is exactly one address the caller wrote (no range, no segment name). */
export function singleAddress(e: Endpoints): boolean {
  if (e.segments.length > 0) return false;
  if (e.v4.length + e.mapped.length + e.v6.length !== 1) return false;
  const r = e.v4[0] ?? e.mapped[0];
  if (r) return r.lo === r.hi;
  return e.v6[0]!.lo === e.v6[0]!.hi;
}

export interface CheckInput {
  body: unknown;
  lang: Lang;
  /** The caller may read the policy: witnesses are shown whole. */
  readPolicy: boolean;
}

/**
 * POST /v1/check. Witnesses are the lowest address of (the caller's range ∩ a segment): for a
 * wide range that is the segment's own first address, a CIDR of the rule set. A caller without
 * read-policy therefore sees a witness address only where its side of the rule is one address
 * it sent itself; the other side of the witness is null (docs/service.md, What a check shows).
 */
export function checkJob(policy: LoadedPolicy, input: CheckInput, limits: JobLimits): JobOutcome {
  const parsed = parseChangeRequest(input.body, policy.table);
  if (parsed.errors) {
    const n = parsed.errors.length;
    return {
      ok: false,
      code: 'BAD-CHANGE-REQUEST',
      detail: {
        en: `${n} error${n === 1 ? '' : 's'} in the change request; the first: ${formatRequestError(parsed.errors[0]!)}`,
        ja: `変更申請にエラーが ${n} 件あります。最初のもの: ${formatRequestError(parsed.errors[0]!, 'ja')}`,
      },
      extensions: { errors: parsed.errors.slice(0, 100).map((e) => ({ index: e.index, field: e.field, message: input.lang === 'ja' ? e.ja : e.message })) },
    };
  }
  const request = parsed.request;
  const result = checkRequest(policy, request, { lang: input.lang, maxTotalFindings: limits.maxFindings });
  if (!input.readPolicy) {
    for (const r of result.rules) {
      const rule = request.rules[r.index]!;
      const showSrc = singleAddress(rule.src);
      const showDst = singleAddress(rule.dst);
      if (showSrc && showDst) continue;
      for (const f of r.findings) {
        const w = f.witness as { src: string | null; dst: string | null };
        if (!showSrc) w.src = null;
        if (!showDst) w.dst = null;
      }
    }
  }
  const json = JSON.stringify(result);
  if (json.length > limits.maxAnswerBytes) {
    return {
      ok: false,
      code: 'ANSWER-TOO-LARGE',
      detail: {
        en: `the answer would be ${json.length} bytes, more than the limit of ${limits.maxAnswerBytes}; split the change request or narrow its ranges`,
        ja: `応答が ${json.length} バイトになり、上限の ${limits.maxAnswerBytes} バイトを超えます。変更申請を分割するか、範囲を狭めてください`,
      },
    };
  }
  return {
    ok: true,
    json,
    version: policy.version,
    log: { verdict: result.verdict, rules: result.rules.map((r) => ({ index: r.index, verdict: r.verdict, counts: r.counts })) },
  };
}

export const JOBS = {
  check: checkJob as Job,
} satisfies Record<string, Job>;

export type JobName = keyof typeof JOBS;
