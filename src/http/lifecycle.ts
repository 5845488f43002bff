/**
 * The serving policy and how it changes. `current` is the one reference every request reads,
 * once, at its start: a reload compiles the new table aside and replaces the reference in a
 * single assignment, so no answer can mix two policy versions and a failed reload leaves the
 * old policy serving. Reloads are serialized (one chain), come from the API, SIGHUP, a change
 * to the rule files (debounced fs.watch) or the date rolling over in policy.timezone (an
 * exception may have expired), and every attempt is recorded for /v1/policy, /metrics and the log.
 */
import { EventEmitter } from 'node:events';
import { watch, statSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { hasErrors, type Problem } from '../problems/problem.js';
import { msUntilNextDay } from '../model/dates.js';

/** What the lifecycle needs to know of a loaded policy. */
export interface PolicyLike {
  version: string;
  asOf: string;
  loadedAt: Date;
  warnings: Problem[];
  model: { policy: { name: string; timezone: string } };
}

export interface LoadOutcome<P> {
  policy: P | null;
  problems: Problem[];
}

/** Reads and compiles the rule files; asOf undefined means today in policy.timezone. */
export type Loader<P> = (asOf: string | undefined) => LoadOutcome<P> | Promise<LoadOutcome<P>>;

export type Trigger = 'start' | 'api' | 'signal' | 'watch' | 'date';

export interface ReloadRecord {
  trigger: Trigger;
  /** ok: a new policy serves; unchanged: same files and date, nothing swapped; failed: errors, old policy serves. */
  result: 'ok' | 'unchanged' | 'failed';
  at: Date;
  /** The version serving after the attempt (null only if nothing ever loaded). */
  version: string | null;
  /** The problems of the attempt: errors when it failed, warnings otherwise. */
  problems: Problem[];
}

export interface LifecycleLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface LifecycleOptions<P> {
  load: Loader<P>;
  /** --as-of: a fixed date, so no rollover recompiles. */
  asOf?: string;
  /** Paths to watch for changes (files or directories); none → no watching. */
  watchPaths?: readonly string[];
  /**
   * Recompiles the serving policy's model for today (the date rolled over). Without it a
   * rollover re-reads the files. With it the rollover expires exceptions without picking up
   * file edits nobody asked to load (with --no-watch, edits wait for SIGHUP or the API).
   */
  recompile?: (p: P) => P | Promise<P>;
  /**
   * Quiet time (default 1 s): a watch reload happens only once the rule files have had no event
   * for this long AND read the same (fingerprint) at two reads this far apart. A file rewritten
   * in place in several writes is thus never loaded half-written, unless a writer pauses longer
   * than this between writes — which is why docs/service.md says to deploy by rename.
   */
  debounceMs?: number;
  /** A hash of what the rule files hold now (their names and bytes); the watcher compares two. */
  fingerprint?: () => string;
  logger?: LifecycleLogger;
}

/** Seconds past local midnight before recompiling: msUntilNextDay is precise to the second. */
const ROLLOVER_MARGIN_MS = 2000;

export class PolicyLifecycle<P extends PolicyLike> extends EventEmitter {
  /** THE serving policy. Read it once per request into a local. */
  current: P | null = null;
  lastReload: ReloadRecord | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly watchers: FSWatcher[] = [];
  private debounce: NodeJS.Timeout | null = null;
  /** The fingerprint the last quiet period ended with; a reload waits for it to repeat. */
  private seen: string | null = null;
  private rollover: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: LifecycleOptions<P>) {
    super();
  }

  /** The first load. Resolves with its record; a failed start leaves `current` null. */
  start(): Promise<ReloadRecord> {
    return this.reload('start');
  }

  /** Queues a reload after any running one; resolves with its record. */
  reload(trigger: Trigger): Promise<ReloadRecord> {
    const next = this.chain.then(() => this.attempt(trigger));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async attempt(trigger: Trigger): Promise<ReloadRecord> {
    const old = this.current;
    let outcome: LoadOutcome<P>;
    try {
      const recompile = this.opts.recompile;
      outcome = trigger === 'date' && recompile && old !== null ? { policy: await recompile(old), problems: old.warnings } : await this.opts.load(this.opts.asOf);
    } catch (e) {
      // A loader bug must not take the service down: treat it as a failed reload.
      this.opts.logger?.error({ err: e }, 'policy loader threw');
      outcome = { policy: null, problems: [] };
    }
    const at = new Date();
    let record: ReloadRecord;
    if (outcome.policy === null || hasErrors(outcome.problems)) {
      record = { trigger, result: 'failed', at, version: old?.version ?? null, problems: outcome.problems.filter((p) => p.severity === 'error') };
    } else if (old !== null && trigger !== 'start' && old.version === outcome.policy.version && old.asOf === outcome.policy.asOf) {
      record = { trigger, result: 'unchanged', at, version: old.version, problems: outcome.problems };
    } else {
      // The swap: one assignment. Requests that already read `current` finish on the old one.
      this.current = outcome.policy;
      record = { trigger, result: 'ok', at, version: outcome.policy.version, problems: outcome.problems };
    }
    this.lastReload = record;
    if (!this.closed && this.current) this.scheduleRollover(this.current);
    const log = this.opts.logger;
    // A failed start is reported by the caller (the validator's text report), not logged here.
    if (log && !(trigger === 'start' && record.result === 'failed')) {
      const base = { trigger, result: record.result, version: record.version, previous: old?.version ?? null };
      if (record.result === 'failed') {
        log.error(
          { ...base, problems: record.problems.map((p) => ({ code: p.code, file: p.loc.file, line: p.loc.line, col: p.loc.col, message: p.message })) },
          'policy reload failed; the previous policy keeps serving',
        );
      } else log.info({ ...base, warnings: record.problems.length }, record.result === 'ok' ? 'policy loaded' : 'policy unchanged');
    }
    this.emit('reload', record);
    return record;
  }

  /** Recompile when the date changes in policy.timezone, unless --as-of fixed the date. */
  private scheduleRollover(p: P): void {
    if (this.opts.asOf !== undefined) return;
    if (this.rollover) clearTimeout(this.rollover);
    const ms = msUntilNextDay(p.model.policy.timezone) + ROLLOVER_MARGIN_MS;
    this.rollover = setTimeout(() => {
      this.rollover = null;
      void this.reload('date');
    }, ms);
    this.rollover.unref();
  }

  /**
   * Watches the rule files. Each path is watched through its parent directory too (for the
   * path's own name), so replacing it — a rename over a file, a directory symlink swapped with
   * `ln -sfn` and rename — is seen; a directory is watched for *.yaml / *.yml and Kubernetes'
   * `..data` swaps. After every watch reload the watches are set up again, on the new targets.
   * A burst of events becomes one reload once the files are quiet and stable (see debounceMs).
   */
  watch(): void {
    if (this.closed) return;
    for (const w of this.watchers.splice(0)) w.close();
    const paths = this.opts.watchPaths ?? [];
    for (const path of paths) {
      const abs = resolve(path);
      let isDir = false;
      try {
        isDir = statSync(abs).isDirectory();
      } catch {
        continue;
      }
      const name = basename(abs);
      // The path's own entry in its parent: it being replaced (file rename, symlink swap).
      this.watchDir(dirname(abs), (f) => f === null || f === name);
      // A directory's rule files (through a symlink, the current target's).
      if (isDir) this.watchDir(abs, (f) => f === null || f.startsWith('..') || /\.ya?ml$/.test(f));
    }
  }

  private watchDir(dir: string, relevant: (f: string | null) => boolean): void {
    try {
      const w = watch(dir, { persistent: false }, (_event, filename) => {
        if (this.closed || !relevant(filename === null ? null : String(filename))) return;
        this.seen = null;
        this.arm();
      });
      w.on('error', (err) => this.opts.logger?.error({ err, dir }, 'watching the rule files failed; reload by SIGHUP or the API'));
      this.watchers.push(w);
    } catch (err) {
      this.opts.logger?.error({ err, dir }, 'cannot watch the rule files; reload by SIGHUP or the API');
    }
  }

  /** (Re)starts the quiet timer; when it ends, the files are read and compared (settle). */
  private arm(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.settle(), this.opts.debounceMs ?? 1000);
    this.debounce.unref();
  }

  private settle(): void {
    this.debounce = null;
    if (this.closed) return;
    const fp = this.opts.fingerprint;
    if (fp) {
      let now: string;
      try {
        now = fp();
      } catch {
        now = '';
      }
      if (now !== this.seen) {
        // Changed since the last look (or the first look): wait one more quiet period.
        this.seen = now;
        this.arm();
        return;
      }
    }
    this.seen = null;
    void this.reload('watch').then(() => this.watch());
  }

  /** Stops watching and timers; a reload already running still finishes. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers.splice(0)) w.close();
    if (this.debounce) clearTimeout(this.debounce);
    if (this.rollover) clearTimeout(this.rollover);
    this.debounce = this.rollover = null;
    await this.chain;
  }
}
