/**
 * Decision logs (the pino NDJSON `sanso serve` writes, src/http/decision-log.ts) summarised for
 * the report: counts per decision code over the period, the most frequent denied cells (source
 * segment → destination segment, resolved against the policy being inspected) and who asked
 * (token names). Lines that are not decision entries are counted and skipped: a log file holds
 * other service lines too.
 */
import type { DecisionTable } from '../lookup/table.js';
import { FlowResult, resolveFlow } from '../lookup/flow.js';

export interface LogSummary {
  entries: number;
  /** Lines that were not decision entries (other logs, malformed JSON). */
  skipped: number;
  from: string | null;
  to: string | null;
  codes: { code: string; count: number }[];
  denied: { src: string; dst: string; count: number }[];
  callers: { caller: string; count: number }[];
}

const TOP = 10;

function bump(m: Map<string, number>, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

export function summariseDecisionLog(text: string, table: DecisionTable): LogSummary {
  const codes = new Map<string, number>();
  const denied = new Map<string, number>();
  const callers = new Map<string, number>();
  let entries = 0;
  let skipped = 0;
  let from: string | null = null;
  let to: string | null = null;
  const out = new FlowResult();
  const names = table.model.segments.map((s) => s.name);
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      skipped++;
      continue;
    }
    if (e === null || typeof e !== 'object' || e.log !== 'decision') {
      skipped++;
      continue;
    }
    entries++;
    if (typeof e.time === 'string') {
      if (from === null || e.time < from) from = e.time;
      if (to === null || e.time > to) to = e.time;
    }
    bump(callers, typeof e.caller === 'string' ? e.caller : '(anonymous)');
    const result = e.result as { decision?: unknown; code?: unknown } | undefined;
    if (result && typeof result.code === 'string') {
      bump(codes, result.code);
      const input = e.input as { src?: unknown; dst?: unknown; service?: unknown } | undefined;
      if (result.decision === 'deny' && input && typeof input.src === 'string' && typeof input.dst === 'string' && typeof input.service === 'string') {
        if (resolveFlow(table, input.src, input.dst, input.service, out)) bump(denied, `${names[out.srcSeg]}\u0000${names[out.dstSeg]}`);
      }
    } else if (e.counts && typeof e.counts === 'object') {
      // A batch summary: its counts per code.
      for (const [k, v] of Object.entries(e.counts as Record<string, unknown>)) if (typeof v === 'number') bump(codes, k, v);
    }
  }
  return {
    entries,
    skipped,
    from,
    to,
    codes: sorted(codes).map(([code, count]) => ({ code, count })),
    denied: sorted(denied)
      .slice(0, TOP)
      .map(([k, count]) => {
        const [src, dst] = k.split('\u0000');
        return { src: src!, dst: dst!, count };
      }),
    callers: sorted(callers).map(([caller, count]) => ({ caller, count })),
  };
}
