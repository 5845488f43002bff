/**
 * Decision logs, in the manner of OPA's: one JSON line per decision request with a decision id,
 * the time, the policy version, the caller and client, the input and the result, so an auditor
 * can replay any answer against the exact policy that gave it.
 *
 * What is logged, as it is answered:
 * - POST /v1/decide: one entry (input and result).
 * - POST /v1/decide/batch, JSON: one entry holding every flow and, in the same order, its result
 *   as [code, rule] (null for a flow answered with an error).
 * - NDJSON: one "decision batch part" entry per chunk of the request as it is answered — its
 *   input, the request text of the lines answered (a line cut by a chunk's end goes with the
 *   part that answers it), and results in line order, blank lines skipped — then a summary entry
 *   when the stream ends. A stream the client aborts has logged every part answered before.
 *   Replay: concatenate the parts' input in `part` order, split at newlines, drop blank lines,
 *   pair with the results.
 * - /v1/check: one entry (the change request and the verdicts).
 * - Security events (log: "security"): failed authentication, a refused scope or Host, reloads
 *   and the token behind them; never sampled.
 *
 * The decide entry is written from pre-serialized pieces, the way the answer is (render.ts), not
 * through an object and a serializer; the rest goes through pino. Both write into one sonic-boom
 * destination: asynchronous, batched (the entries of one turn of the event loop, or 16 KiB, are
 * handed over together; while a write is under way sonic-boom gathers the rest, and the next
 * write takes up to 4 MiB of it), and bounded (maxBufferBytes, default 64 MiB): when the disk or reader cannot keep up, entries are
 * dropped and counted (`dropped`, exported as sanso_decision_log_dropped_total) instead of the
 * process growing without bound. Sampling and redaction are configured once.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { isoTime, pinoIsoTime } from './log-time.js';

export interface DecisionLogOptions {
  /** Where lines go: 'stdout' (default), 'stderr', a file path, or a writable stream. */
  destination?: 'stdout' | 'stderr' | string | NodeJS.WritableStream;
  /** Fraction of decision requests logged, 0–1 (default 1: all). */
  sampleRate?: number;
  /** Paths removed from every entry, e.g. ["input.src", "input.dst"] (pino redact syntax). */
  redact?: string[];
  /** Most bytes waiting to be written before entries are dropped (default 64 MiB). */
  maxBufferBytes?: number;
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
  /** JSON batch: the flows and their results, in order. */
  input?: unknown;
  results?: unknown;
  /** NDJSON: how many part entries came before this summary. */
  parts?: number;
  /** The decision id to use (NDJSON: the parts' id). */
  id?: string;
}

/** Text that needs no escaping (addresses, services) is quoted as is; anything else by JSON. */
const PLAIN = /^[\w.:/+-]*$/;
function quote(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

export const DEFAULT_LOG_BUFFER_BYTES = 64 * 1024 * 1024;
const MAX_WRITE_BYTES = 4 * 1024 * 1024;

/** The pieces of a decide entry for one table: per decision id, `"result":{…}`. */
export interface LogFragments {
  result: string[];
  /** Per decision id: `["CODE","rule"]` (rule null when none). */
  compact: string[];
}

export function logFragments(decisions: readonly { decision: string; code: string; ruleId: string | null }[]): LogFragments {
  return {
    result: decisions.map((r) => `"result":{"decision":${JSON.stringify(r.decision)},"code":${JSON.stringify(r.code)},"rule":${JSON.stringify(r.ruleId)}}`),
    compact: decisions.map((r) => `[${JSON.stringify(r.code)},${JSON.stringify(r.ruleId)}]`),
  };
}

export class DecisionLog {
  private readonly logger: Logger;
  private readonly rate: number;
  private readonly boom: ReturnType<typeof pino.destination> | null;
  private readonly stream: NodeJS.WritableStream | null;
  /** Whether decide entries may be written from pieces (no redaction configured). */
  private readonly fast: boolean;
  /** Whether a redaction path reaches into `input` (NDJSON parts then log no request text). */
  private readonly redactsInput: boolean;
  /** Entries dropped because the destination could not keep up. */
  dropped = 0;
  private lastVersion = '';
  private lastVersionJson = '""';
  private readonly callerJson = new Map<string, string>();
  /**
   * Decision ids: UUID-shaped (version 4, RFC 9562 variant), random per process in their first
   * 80 bits and a counter in the last 48 — unique, and far cheaper than randomUUID() per entry.
   * They name entries; they are not secrets.
   */
  private readonly idPrefix = randomUUID().slice(0, 24);
  private idCount = 0;
  /** The time of the last entry, as text, and the millisecond it names: entries share it. */
  private lastMs = -1;
  private lastTime = '';

  constructor(opts: DecisionLogOptions = {}) {
    const rate = opts.sampleRate ?? 1;
    this.rate = Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 1;
    const dest = opts.destination ?? 'stdout';
    if (typeof dest === 'string') {
      const fd = dest === 'stdout' ? 1 : dest === 'stderr' ? 2 : dest;
      this.boom = pino.destination({
        dest: fd,
        sync: false,
        mkdir: typeof fd === 'string',
        maxLength: opts.maxBufferBytes ?? DEFAULT_LOG_BUFFER_BYTES,
        // Buffers, not strings, and up to 4 MiB per write(2). sonic-boom keeps one write in
        // flight and, by default, writes at most 16 KiB each time: under load an event-loop turn
        // answers more than that, so the backlog grew by megabytes a second, lived long enough
        // to be promoted, and garbage collection became the largest cost of a logged decide.
        // In string mode it would also re-measure (and flatten) the growing string on every write.
        contentMode: 'buffer',
        maxWrite: MAX_WRITE_BYTES,
      } as Parameters<typeof pino.destination>[0]);
      this.boom.on('drop', (data: string) => {
        let n = 0;
        for (let i = data.indexOf('\n'); i >= 0; i = data.indexOf('\n', i + 1)) n++;
        this.dropped += Math.max(1, n);
      });
      this.stream = null;
    } else {
      this.boom = null;
      this.stream = dest;
    }
    const redact = opts.redact ?? [];
    this.fast = redact.length === 0;
    // A path into a decide entry's input (input.src) is meant for every flow: a JSON batch's input
    // is an array of flows, so it gets the same path under each element (input[*].src). An NDJSON
    // part's input is request text, which cannot lose a field: any path into input drops it whole.
    const paths = [...redact, ...redact.filter((p) => p.startsWith('input.')).map((p) => `input[*].${p.slice('input.'.length)}`)];
    this.redactsInput = redact.some((p) => p === 'input' || p.startsWith('input.') || p.startsWith('input['));
    this.logger = pino(
      {
        base: { log: 'decision' },
        messageKey: 'msg',
        timestamp: pinoIsoTime,
        ...(redact.length > 0 ? { redact: { paths, remove: true } } : {}),
      },
      // pino's entries join the decide entries' batches (in order), as text: the destination
      // takes buffers only.
      this.boom ? { write: (line: string) => this.write(line) } : (dest as NodeJS.WritableStream),
    );
  }

  /** Whether this request is logged; decided before any entry is built. */
  sampled(): boolean {
    return this.rate >= 1 || (this.rate > 0 && Math.random() < this.rate);
  }

  /**
   * Entries gathered in this turn of the event loop, handed to sonic-boom together: its write()
   * measures the byte length of the string it appends to on every call, which for one short
   * entry at a time costs more than building the entry.
   */
  private pending = '';
  private scheduled = false;
  private readonly flushPending = (): void => {
    this.scheduled = false;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    // contentMode 'buffer': sonic-boom's types know only strings.
    (this.boom as unknown as { write(data: Buffer): boolean }).write(Buffer.from(text));
  };

  private write(line: string): void {
    if (this.boom === null) {
      this.stream!.write(line);
      return;
    }
    this.pending += line;
    if (this.pending.length >= 16 * 1024) this.flushPending();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushPending);
    }
  }

  private nextId(): string {
    return this.idPrefix + (this.idCount++).toString(16).padStart(12, '0');
  }

  private time(): string {
    const now = Date.now();
    if (now !== this.lastMs) {
      this.lastMs = now;
      this.lastTime = isoTime(now);
    }
    return this.lastTime;
  }

  private versionJson(v: string): string {
    if (v !== this.lastVersion) {
      this.lastVersion = v;
      this.lastVersionJson = JSON.stringify(v);
    }
    return this.lastVersionJson;
  }

  private callerOf(name: string | null): string {
    if (name === null) return 'null';
    let j = this.callerJson.get(name);
    if (j === undefined) this.callerJson.set(name, (j = JSON.stringify(name)));
    return j;
  }

  /**
   * One POST /v1/decide, from pieces: the same entry decision() would write. `result` is the
   * decision id's piece (logFragments). `src`, `dst` and `service` must have passed the flow
   * parser (lookup/flow.ts), which accepts ASCII letters, digits and `.:/` only: nothing to
   * escape. Returns the decision id.
   */
  decide(version: string, caller: string | null, client: string, src: string, dst: string, service: string, result: string): string {
    const id = this.nextId();
    if (!this.fast) {
      const r = JSON.parse(`{${result}}`) as { result: unknown };
      this.logger.info({ decision_id: id, route: '/v1/decide', policy_version: version, caller, client, input: { src, dst, service }, result: r.result }, 'decision');
      return id;
    }
    this.write(
      `{"level":30,"time":"${this.time()}","log":"decision","decision_id":"${id}","route":"/v1/decide","policy_version":${this.versionJson(version)},"caller":${this.callerOf(caller)},"client":${quote(client)},"input":{"src":"${src}","dst":"${dst}","service":"${service}"},${result},"msg":"decision"}\n`,
    );
    return id;
  }

  /** Logs one decision request; returns its decision id (sent back as Sanso-Decision-Id). */
  decision(e: DecisionEntry, msg = 'decision'): string {
    const id = randomUUID();
    this.logger.info({ decision_id: id, route: e.route, policy_version: e.policyVersion, caller: e.caller, client: e.client, input: e.input, result: e.result }, msg);
    return id;
  }

  /** One part of an NDJSON batch, as answered: the request text and the results (JSON array text). */
  part(id: string, part: number, e: { route: string; policyVersion: string; caller: string | null; client?: string }, input: string, results: string): void {
    if (!this.fast) {
      const text = this.redactsInput ? { input_redacted: true } : { input };
      this.logger.info(
        { decision_id: id, part, route: e.route, policy_version: e.policyVersion, caller: e.caller, client: e.client ?? null, ...text, results: JSON.parse(results) as unknown },
        'decision batch part',
      );
      return;
    }
    this.write(
      `{"level":30,"time":"${this.time()}","log":"decision","decision_id":"${id}","part":${part},"route":${JSON.stringify(e.route)},"policy_version":${this.versionJson(e.policyVersion)},"caller":${this.callerOf(e.caller)},"client":${JSON.stringify(e.client ?? null)},"input":${JSON.stringify(input)},"results":${results},"msg":"decision batch part"}\n`,
    );
  }

  batch(e: BatchEntry): string {
    const id = e.id ?? randomUUID();
    this.logger.info(
      {
        decision_id: id,
        route: e.route,
        policy_version: e.policyVersion,
        caller: e.caller,
        client: e.client,
        flows: e.flows,
        errors: e.errors,
        counts: e.counts,
        ...(e.parts !== undefined ? { parts: e.parts } : {}),
        ...(e.input !== undefined ? { input: e.input, results: e.results } : {}),
      },
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
    this.flushPending();
    await new Promise<void>((resolve) => {
      boom.once('close', () => resolve());
      boom.once('error', () => resolve());
      // Before sonic-boom has opened its file, end() waits for 'ready' by itself.
      boom.end();
    });
  }
}
