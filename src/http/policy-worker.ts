/**
 * A policy worker thread (pool.ts): compiles the snapshot it is sent, then runs jobs (jobs.ts)
 * on it, one at a time, in the order they arrive.
 */
import { INTERNAL_ERROR, NO_POLICY } from './details.js';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPolicy, type LoadedPolicy } from '../policy.js';
import type { RuleSnapshot } from '../source/read.js';
import { JOBS, type JobLimits, type JobName, type JobOutcome } from './jobs.js';

type Message =
  | { type: 'policy'; paths: string[]; snapshot: RuleSnapshot; asOf: string }
  | { type: 'job'; id: number; job: JobName; input: unknown }
  | { type: 'compile'; id: number; paths: string[]; snapshot: RuleSnapshot; asOf: string | undefined };

const limits = (workerData as { limits: JobLimits }).limits;
let policy: LoadedPolicy | null = null;

parentPort!.on('message', (m: Message) => {
  if (m.type === 'policy') {
    // The main thread loaded these very bytes without errors: they compile here the same way.
    policy = loadPolicy(m.paths, { asOf: m.asOf, snapshot: m.snapshot }).policy;
    parentPort!.postMessage({ ready: true });
    return;
  }
  if (m.type === 'compile') {
    // A reload compiled here and sent back whole: the table's own fields, plain data, which the
    // main thread gives back their class (pool.ts PolicyPool.compile).
    const r = loadPolicy(m.paths, { ...(m.asOf !== undefined ? { asOf: m.asOf } : {}), snapshot: m.snapshot });
    const policy = r.policy ? { ...r.policy, table: { ...r.policy.table } } : null;
    parentPort!.postMessage({ id: m.id, compiled: { policy, problems: r.problems } });
    return;
  }
  let outcome: JobOutcome;
  if (policy === null) outcome = { ok: false, code: 'NOT-READY', detail: NO_POLICY };
  else {
    try {
      outcome = JOBS[m.job](policy, m.input as never, limits);
    } catch (err) {
      // A job's bug answers this request with a 500, and the worker goes on serving.
      console.error(err);
      outcome = { ok: false, code: 'INTERNAL', detail: INTERNAL_ERROR };
    }
  }
  parentPort!.postMessage({ id: m.id, outcome });
});
