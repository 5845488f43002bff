// The fast TypeScript loader: tsx, which strips types with esbuild. `npm run test:quick` runs the
// tests under it (`--node-arg=--import=./test/loader.mjs`); tap's default, ts-node, loads the
// whole TypeScript compiler into every test process and every worker thread, about half the
// suite's CPU. `npm test` keeps ts-node for now: under tsx, tap's coverage does not see src/*.ts
// (tsx's load hook answers before tap's process-info hook). Types are checked by tsc either way.
import 'tsx';
import { isMainThread } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// tsx registers its hooks in the main thread only on Node 20 and 21, whose worker threads do not
// inherit them, so the HTTP server's policy workers (src/http/pool.ts) could not load their .ts.
if (!isMainThread && Number(process.versions.node.split('.')[0]) < 22) register();

// tap still puts its TypeScript plugin's loader on each test's command line. TAP_TYPE_STRIP_ONLY=1
// (test:quick's --test-env) makes that load nothing, but the plugin sets the variable back to 0 below Node 22 when
// the test imports tap, and worker threads and child processes would then load ts-node after
// all. So a test process runs the plugin's one-time setup now, puts the variable back, and
// leaves the plugin's loader out of the arguments its children inherit.
const tapTs = process.execArgv.findIndex((a) => /[\\/]@tapjs[\\/]typescript[\\/]/.test(a));
if (isMainThread && tapTs >= 0) {
  const { plugin } = await import('@tapjs/typescript');
  plugin();
  process.env.TAP_TYPE_STRIP_ONLY = '1';
  process.execArgv.splice(tapTs, 1);
}
