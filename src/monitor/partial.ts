/**
 * Exact totals from many workers sharing a JetStream consumer. A worker counts a batch of
 * messages into a *partial*, publishes it to the partials stream and waits for JetStream to
 * store it, and only then acknowledges the batch's messages. So a message is never lost (no
 * ack before its counts are stored; an unacked message is redelivered after ack wait), but it
 * may be counted twice: stored in a partial, then the worker dies before its ack reaches the
 * server, and the message is redelivered to another worker.
 *
 * The merge makes that harmless. A partial keeps, per message, its stream sequence and what it
 * contributed (records, parsed, rejected, and per aggregate how many denied records); the merge
 * adds the contribution of each sequence once, whichever partial it meets first. Deciding is
 * deterministic (one policy version; a merge refuses partials of two), so every copy of a
 * message contributed the same. First and last seen are a minimum and a maximum over records,
 * which a repeated record does not change.
 */
import type { DecisionCode } from '../problems/codes.js';
import { findingJson, sortFindings, type Aggregate, type FindingJson, type Monitor } from './monitor.js';
import type { MonitorResult, RejectNote } from './result.js';
import { REJECTS_LISTED } from './result.js';

export interface PartialAggregate {
  code: DecisionCode;
  src: { segment: string; tier: string };
  dst: { segment: string; tier: string };
  service: string;
  /** Unix ms or null. */
  first: number | null;
  last: number | null;
  example: unknown;
  exampleAt: string;
}

/** [stream sequence, records, parsed, rejected, aggregate index, count, aggregate index, count, …] */
export type MessageLedger = number[];

export interface Partial {
  v: 1;
  worker: string;
  policyVersion: string;
  aggregates: PartialAggregate[];
  messages: MessageLedger[];
  rejects: RejectNote[];
}

/**
 * Builds one partial: messages go through a fresh Monitor, and its `counted` hook tallies the
 * aggregates each message touched. Use the hooks() of this builder when making the Monitor.
 */
export class PartialBuilder {
  readonly messages: MessageLedger[] = [];
  readonly rejects: RejectNote[] = [];
  private touched = new Map<number, number>();

  hooks(onFinding?: (a: Aggregate) => void) {
    return {
      counted: (a: Aggregate) => {
        this.touched.set(a.index, (this.touched.get(a.index) ?? 0) + 1);
      },
      rejected: (position: string, reason: string) => {
        if (this.rejects.length < REJECTS_LISTED) this.rejects.push({ position, reason });
      },
      ...(onFinding ? { finding: onFinding } : {}),
    };
  }

  /** Call around each message: before(m) … lines … after(m, seq). */
  before(m: Monitor): [number, number, number] {
    this.touched.clear();
    return [m.records, m.parsed, m.rejected];
  }

  after(m: Monitor, seq: number, at: [number, number, number]): void {
    const ledger: MessageLedger = [seq, m.records - at[0], m.parsed - at[1], m.rejected - at[2]];
    for (const [index, n] of this.touched) ledger.push(index, n);
    this.messages.push(ledger);
  }

  /**
   * The partial of the messages counted into m. `shipped` holds the findings (by key) whose
   * example this worker already stored in an earlier partial: they go without one (example
   * null), which keeps a long-running worker's partials small; the merge takes any partial's.
   */
  build(m: Monitor, worker: string, shipped?: Set<string>): Partial {
    const t = m.table;
    return {
      v: 1,
      worker,
      policyVersion: t.version,
      aggregates: m.aggregates.map((a) => {
        const f = findingJson(t, a);
        const key = findingKey(f);
        const withExample = shipped === undefined || !shipped.has(key);
        shipped?.add(key);
        return {
          code: f.code,
          src: f.src,
          dst: f.dst,
          service: f.service,
          first: Number.isNaN(a.first) ? null : a.first,
          last: Number.isNaN(a.last) ? null : a.last,
          example: withExample ? f.example : null,
          exampleAt: withExample ? f.exampleAt : '',
        };
      }),
      messages: this.messages,
      rejects: this.rejects,
    };
  }
}

export function findingKey(f: { code: string; src: { segment: string }; dst: { segment: string }; service: string }): string {
  return `${f.code}\u0000${f.src.segment}\u0000${f.dst.segment}\u0000${f.service}`;
}

export class MergeError extends Error {
  override name = 'MergeError';
}

/** The reduce: partials in any order → the result of `sanso monitor --json`, each message once. */
export function mergePartials(partials: Iterable<Partial>): MonitorResult & { messages: number; duplicates: number } {
  const seen = new Set<number>();
  let records = 0;
  let parsed = 0;
  let rejected = 0;
  let duplicates = 0;
  let version: string | null = null;
  const merged = new Map<string, FindingJson>();
  const rejects: RejectNote[] = [];
  for (const p of partials) {
    if (p.v !== 1) throw new MergeError(`a partial of version ${String(p.v)}: this sanso reads version 1`);
    if (version === null) version = p.policyVersion;
    else if (version !== p.policyVersion) throw new MergeError(`partials of two policy versions (${version}, ${p.policyVersion}): merge the runs of one rule set`);
    const counts = new Float64Array(p.aggregates.length);
    for (const m of p.messages) {
      const seq = m[0]!;
      if (seen.has(seq)) {
        duplicates++;
        continue;
      }
      seen.add(seq);
      records += m[1]!;
      parsed += m[2]!;
      rejected += m[3]!;
      for (let k = 4; k + 1 < m.length; k += 2) counts[m[k]!]! += m[k + 1]!;
    }
    for (const r of p.rejects) if (rejects.length < REJECTS_LISTED && !rejects.some((x) => x.position === r.position)) rejects.push(r);
    p.aggregates.forEach((a, i) => {
      const key = findingKey(a);
      let f = merged.get(key);
      const n = counts[i]!;
      if (f === undefined) {
        // An aggregate of duplicates only is not created here, but its times are the
        // originals' and may still widen nothing: min/max over the same records.
        f = { code: a.code, src: a.src, dst: a.dst, service: a.service, count: 0, firstSeen: null, lastSeen: null, example: a.example, exampleAt: a.exampleAt };
        merged.set(key, f);
      }
      if (f.example === null && a.example !== null) {
        f.example = a.example;
        f.exampleAt = a.exampleAt;
      }
      f.count += n;
      if (a.first !== null && (f.firstSeen === null || a.first < Date.parse(f.firstSeen))) f.firstSeen = new Date(a.first).toISOString();
      if (a.last !== null && (f.lastSeen === null || a.last > Date.parse(f.lastSeen))) f.lastSeen = new Date(a.last).toISOString();
    });
  }
  const findings = sortFindings([...merged.values()].filter((f) => f.count > 0));
  return { records, parsed, rejected, findings, policyVersion: version ?? '', rejects, rejectsTruncated: rejected > rejects.length, messages: seen.size, duplicates };
}
