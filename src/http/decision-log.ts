/**
 * Decision logs, in the manner of OPA's: one JSON line per decision request with a decision id,
 * the time, the policy version, the input and the result, so an auditor can replay any answer
 * against the exact policy that gave it. Written through pino to an asynchronous destination
 * (sonic-boom, sync: false): the request path only formats a line into a buffer. A batch logs a
 * summary, not every flow. Sampling and redaction are configured once.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';

export interface DecisionLogOptions {
  /** Where lines go: 'stdout' (default), 'stderr', a file path, or a writable stream. */
  destination?: 'stdout' | 'stderr' | string | NodeJS.WritableStream;
  /** Fraction of decision requests logged, 0–1 (default 1: all). */
  sampleRate?: number;
  /** Paths removed from every entry, e.g. ["input.src", "input.dst"] (pino redact syntax). */
  redact?: string[];
}

export interface DecisionEntry {
  route: string;
  policyVersion: string;
  caller: string | null;
  /** The client's address (request.ip). */
  client?: string;
  input: unknown;
  result: unknown;
}

export interface BatchEntry {
  route: string;
  policyVersion: string;
  caller: string | null;
  client?: string;
  flows: number;
  errors: number;
  counts: Record<string, number>;
}

export class DecisionLog {
  private readonly logger: Logger;
  private readonly rate: number;
  private readonly boom: ReturnType<typeof pino.destination> | null;

  constructor(opts: DecisionLogOptions = {}) {
    const rate = opts.sampleRate ?? 1;
    this.rate = Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 1;
    const dest = opts.destination ?? 'stdout';
    if (typeof dest === 'string') {
      const fd = dest === 'stdout' ? 1 : dest === 'stderr' ? 2 : dest;
      this.boom = pino.destination({ dest: fd, sync: false, mkdir: typeof fd === 'string' });
    } else {
      this.boom = null;
    }
    this.logger = pino(
      {
        base: { log: 'decision' },
        messageKey: 'msg',
        timestamp: pino.stdTimeFunctions.isoTime,
        ...(opts.redact && opts.redact.length ? { redact: { paths: opts.redact, remove: true } } : {}),
      },
      this.boom ?? (dest as NodeJS.WritableStream),
    );
  }

  /** Whether this request is logged; decided before any entry is built. */
  sampled(): boolean {
    return this.rate >= 1 || (this.rate > 0 && Math.random() < this.rate);
  }

  /** Logs one decision request; returns its decision id (sent back as Sanso-Decision-Id). */
  decision(e: DecisionEntry, msg = 'decision'): string {
    const id = randomUUID();
    this.logger.info({ decision_id: id, route: e.route, policy_version: e.policyVersion, caller: e.caller, client: e.client, input: e.input, result: e.result }, msg);
    return id;
  }

  batch(e: BatchEntry): string {
    const id = randomUUID();
    this.logger.info(
      { decision_id: id, route: e.route, policy_version: e.policyVersion, caller: e.caller, client: e.client, flows: e.flows, errors: e.errors, counts: e.counts },
      'decision batch',
    );
    return id;
  }

  /** A security event (failed authentication, a refused scope, a reload and who asked): never sampled. */
  security(event: string, fields: Record<string, unknown>): void {
    this.logger.warn({ log: 'security', event, ...fields }, event);
  }

  /** Writes out what is buffered and closes a destination this log opened. */
  async close(): Promise<void> {
    const boom = this.boom;
    if (!boom) return;
    await new Promise<void>((resolve) => {
      boom.once('close', () => resolve());
      boom.once('error', () => resolve());
      // Before sonic-boom has opened its file, end() waits for 'ready' by itself.
      boom.end();
    });
  }
}
