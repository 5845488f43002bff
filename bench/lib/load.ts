/**
 * autocannon in a process of its own. By the time the HTTP scenario runs, the bench's own process
 * has compiled the prefecture and run every scenario before it; a load generator sharing that
 * heap would be paced by whatever those left behind, and a server's CPU per request depends on
 * the pace of its client (how many requests each turn of its event loop finds). A fresh process
 * gives every run the same client. (Sanso's median was ~27 µs per request with the scenario run
 * alone and ~31 µs in a full run on 2026-12-01, the ceiling about the same in both: this is the
 * variable removed, not a measured cure; the shared machine's noise was larger than either.)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options, type Result } from 'autocannon';

const CHILD = process.argv[1] === fileURLToPath(import.meta.url);

/** The result fields the scenarios read; the rest of autocannon's does not cross the process boundary. */
export type LoadResult = Pick<Result, 'requests' | 'errors' | 'non2xx' | 'timeouts' | '2xx'>;

export function runLoad(opts: Options): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: LoadResult | null = null;
    child.once('message', (m) => {
      result = m as LoadResult;
    });
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the load generator exited with code ${code} and no result`))));
    child.send(opts);
  });
}

if (CHILD) {
  process.once('message', (opts) => {
    void autocannon(opts as Options).then((r) => {
      const out: LoadResult = { requests: r.requests, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeouts, '2xx': r['2xx'] };
      process.send!(out, () => process.disconnect());
    });
  });
}
