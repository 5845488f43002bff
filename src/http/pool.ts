/**
 * The policy worker pool: heavy work runs here, never on the event loop that answers
 * /v1/decide and /healthz.
 *
 * Each worker thread (policy-worker.ts) holds its own compiled copy of the serving policy,
 * compiled from the very bytes the main thread loaded (a source/read.ts RuleSnapshot sent by
 * structured clone), so a worker judges exactly the version the main thread serves. A swap sends
 * the new snapshot to every worker; messages to a worker are handled in order, so every job
 * queued after the swap runs on the new policy, and each result names the version it ran on.
 *
 * The generic API, for any route that must not block the loop (check today; audit, diff, … as
 * they come):
 *
 *   1. add a job to JOBS in src/http/jobs.ts: `(policy, input, limits) => JobOutcome` — it runs
 *      in the worker, synchronously, on the worker's policy, and returns a JSON string to send
 *      (or a problem code). Inputs and outputs cross threads by structured clone: plain data.
 *   2. in the route: `const out = await ctx.pool.run('your-job', input)`; send out.json as is
 *      (sendJobOutcome in routes/common.ts does the mapping of a refused outcome to a problem).
 *
 * Bounds: `size` workers (default: cores − 1, at least 1, at most 4), at most `queue` jobs
 * waiting (more → 503 OVERLOADED with Retry-After), and `timeoutMs` per job: a job still running
 * then is abandoned by terminating its worker (a synchronous job cannot be interrupted any other
 * way) and answered 503 TIME-BUDGET (the budget starts when a worker that has compiled the
 * policy takes the job: a worker compiling after a reload takes none); a fresh worker takes its place. A worker that dies is
 * replaced the same way. Workers start lazily, at the first job, unless start() is called.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { RuleSnapshot } from '../source/read.js';
import { DecisionTable } from '../lookup/table.js';
import type { LoadedPolicy } from '../policy.js';
import type { Problem } from '../problems/problem.js';
import type { ApiErrorCode } from '../problems/codes.js';
import { ApiError } from './problems.js';
import { INTERNAL_ERROR, NO_POLICY, SHUTTING_DOWN } from './details.js';
import type { Text } from '../i18n/messages.js';
import type { JobLimits, JobName, JobOutcome } from './jobs.js';

export interface PoolOptions {
  /** Rule paths, as given (messages name files by them). */
  paths: readonly string[];
  size?: number;
  queue?: number;
  timeoutMs?: number;
  limits?: Partial<JobLimits>;
  logger?: { error(obj: object, msg: string): void; warn?(obj: object, msg: string): void };
}

export const DEFAULT_POOL_QUEUE = 32;
export const DEFAULT_JOB_TIMEOUT_MS = 10_000;
export const DEFAULT_JOB_LIMITS: JobLimits = { maxFindings: 10_000, maxAnswerBytes: 8 * 1024 * 1024 };

export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

interface Pending {
  id: number;
  job: JobName;
  input: unknown;
  resolve: (o: JobOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
  /** The worker has compiled the latest policy sent: the time budget starts only then. */
  ready: boolean;
}

/** The worker module next to this one: .ts under the test runner, .js once built. */
function workerUrl(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './policy-worker.ts' : './policy-worker.js', here);
}

export class PolicyPool {
  readonly size: number;
  readonly queueLimit: number;
  readonly timeoutMs: number;
  readonly limits: JobLimits;
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private policy: { snapshot: RuleSnapshot; asOf: string; version: string } | null = null;
  private nextId = 1;
  private closed = false;
  private compiler: Worker | null = null;
  private readonly compiling = new Map<number, (r: { policy: LoadedPolicy | null; problems: Problem[] }) => void>();
  /** Counters for /metrics. */
  rejected = 0;
  timedOut = 0;
  restarted = 0;

  constructor(private readonly opts: PoolOptions) {
    this.size = Math.max(1, opts.size ?? defaultPoolSize());
    this.queueLimit = Math.max(0, opts.queue ?? DEFAULT_POOL_QUEUE);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    this.limits = { ...DEFAULT_JOB_LIMITS, ...opts.limits };
  }

  /** Jobs running or waiting. */
  get load(): number {
    return this.waiting.length + this.slots.filter((s) => s.busy !== null).length;
  }

  /** The policy every job after this call runs on (the main thread swapped to it). */
  setPolicy(snapshot: RuleSnapshot, asOf: string): void {
    this.policy = { snapshot, asOf, version: snapshot.version };
    for (const s of this.slots) this.sendPolicy(s);
  }

  /** Starts the workers now (they compile the policy while the service starts answering). */
  start(): void {
    while (!this.closed && this.slots.length < this.size) this.spawn();
  }

  /**
   * Runs `job` on a worker's copy of the serving policy. Rejects with an ApiError: OVERLOADED
   * (queue full), TIME-BUDGET (ran past timeoutMs), NOT-READY (closing, or no policy yet).
   */
  run(job: JobName, input: unknown): Promise<JobOutcome> {
    if (this.closed) return Promise.reject(new ApiError('NOT-READY', SHUTTING_DOWN));
    if (this.policy === null) return Promise.reject(new ApiError('NOT-READY', NO_POLICY));
    this.start();
    const idle = this.slots.find((s) => s.busy === null && s.ready);
    if (!idle && this.waiting.length >= this.queueLimit) {
      this.rejected++;
      return Promise.reject(
        new ApiError(
          'OVERLOADED',
          {
            en: `all ${this.size} policy workers are busy and ${this.waiting.length} requests wait; try again shortly`,
            ja: `ポリシーのワーカー ${this.size} 個がすべて処理中で、${this.waiting.length} 件のリクエストが待っています。少し後で再試行してください`,
          },
          { retryAfter: 1 },
        ),
      );
    }
    return new Promise<JobOutcome>((resolve, reject) => {
      const p: Pending = { id: this.nextId++, job, input, resolve, reject };
      if (idle) this.dispatch(idle, p);
      else this.waiting.push(p);
    });
  }

  /**
   * Loads and compiles a rule snapshot on a thread of its own (not one of the pool's: a reload
   * neither waits behind checks nor counts against their queue or time budget) and returns the
   * policy to the main thread, which then only swaps a reference. The compiled table crosses as
   * its own fields (typed arrays, the model, the render fragments) and gets its class back here.
   */
  compile(snapshot: RuleSnapshot, asOf: string | undefined): Promise<{ policy: LoadedPolicy | null; problems: Problem[] }> {
    if (this.closed) return Promise.reject(new Error('the pool is closed'));
    let w = this.compiler;
    if (w === null) {
      w = this.compiler = new Worker(workerUrl(), { workerData: { limits: this.limits } });
      w.unref();
      const fail = (err: unknown) => {
        this.compiler = null;
        for (const done of this.compiling.values()) done({ policy: null, problems: [] });
        this.compiling.clear();
        if (!this.closed) this.opts.logger?.error({ err }, 'the compile worker failed');
      };
      w.on('message', (m: { id: number; compiled: { policy: LoadedPolicy | null; problems: Problem[] } }) => {
        const done = this.compiling.get(m.id);
        if (!done) return;
        this.compiling.delete(m.id);
        if (this.compiling.size === 0) this.compiler?.unref();
        const p = m.compiled.policy;
        if (p) Object.setPrototypeOf(p.table, DecisionTable.prototype);
        done(m.compiled);
      });
      w.on('error', fail);
      w.on('exit', (code) => code !== 0 && fail(new Error(`exit ${code}`)));
    }
    const id = this.nextId++;
    w.ref();
    return new Promise((resolve) => {
      this.compiling.set(id, resolve);
      w.postMessage({ type: 'compile', id, paths: this.opts.paths, snapshot, asOf });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.compiler) {
      const c = this.compiler;
      this.compiler = null;
      await c.terminate();
    }
    for (const done of this.compiling.values()) done({ policy: null, problems: [] });
    this.compiling.clear();
    for (const p of this.waiting.splice(0)) p.reject(new ApiError('NOT-READY', SHUTTING_DOWN));
    await Promise.all(
      this.slots.splice(0).map((s) => {
        if (s.timer) clearTimeout(s.timer);
        s.busy?.reject(new ApiError('NOT-READY', SHUTTING_DOWN));
        return s.worker.terminate();
      }),
    );
  }

  private sendPolicy(slot: Slot): void {
    const p = this.policy;
    if (!p) return;
    slot.ready = false;
    slot.worker.postMessage({ type: 'policy', paths: this.opts.paths, snapshot: p.snapshot, asOf: p.asOf });
  }

  private spawn(): Slot {
    const worker = new Worker(workerUrl(), { workerData: { limits: this.limits } });
    // Workers must never keep a process alive that is otherwise done.
    worker.unref();
    const slot: Slot = { worker, busy: null, timer: null, ready: false };
    worker.on('message', (m: { id: number; outcome: JobOutcome } | { ready: true }) => {
      if ('ready' in m) {
        slot.ready = true;
        if (slot.busy === null) this.next(slot);
      } else this.finished(slot, m);
    });
    worker.on('error', (err) => {
      this.opts.logger?.error({ err }, 'a policy worker failed; replacing it');
      this.replace(slot, 'INTERNAL', INTERNAL_ERROR);
    });
    worker.on('exit', (code) => {
      if (!this.closed && this.slots.includes(slot)) {
        this.opts.logger?.error({ code }, 'a policy worker exited; replacing it');
        this.replace(slot, 'INTERNAL', INTERNAL_ERROR);
      }
    });
    this.sendPolicy(slot);
    this.slots.push(slot);
    return slot;
  }

  private dispatch(slot: Slot, p: Pending): void {
    slot.busy = p;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      this.timedOut++;
      this.replace(slot, 'TIME-BUDGET', {
        en: `the request needed more than the ${this.timeoutMs} ms budget of work; split it into smaller requests`,
        ja: `リクエストの処理が時間の上限 ${this.timeoutMs} ミリ秒を超えました。より小さなリクエストに分けてください`,
      });
    }, this.timeoutMs);
    slot.worker.postMessage({ type: 'job', id: p.id, job: p.job, input: p.input });
  }

  private finished(slot: Slot, m: { id: number; outcome: JobOutcome }): void {
    const p = slot.busy;
    if (!p || p.id !== m.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
    slot.worker.unref();
    p.resolve(m.outcome);
    this.next(slot);
  }

  private next(slot: Slot): void {
    if (!slot.ready) return;
    const p = this.waiting.shift();
    if (p) this.dispatch(slot, p);
  }

  /** Abandons a slot's worker (its job answered with `code`) and starts another. */
  private replace(slot: Slot, code: ApiErrorCode, detail: Text): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const p = slot.busy;
    slot.busy = null;
    void slot.worker.terminate();
    p?.reject(new ApiError(code, detail, code === 'TIME-BUDGET' ? { retryAfter: 1 } : undefined));
    if (this.closed) return;
    this.restarted++;
    const fresh = this.spawn();
    this.next(fresh);
  }
}
