// The TypeScript loader the tests run under (.taprc: `node-arg: --import=./test/loader.mjs`):
// tsx, which strips types with esbuild. tap's default, ts-node, loads the whole TypeScript
// compiler into every test process and every worker thread, about half the suite's CPU time;
// types are checked once, by `tsc --noEmit` in `npm test`.
import 'tsx';
import { isMainThread } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

// tsx registers its hooks in the main thread only on Node 20 and 21, whose worker threads do not
// inherit them, so the HTTP server's policy workers (src/http/pool.ts) could not load their .ts.
if (!isMainThread && Number(process.versions.node.split('.')[0]) < 22) register();
