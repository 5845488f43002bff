/**
 * The allocation test, alone in its process and without coverage counters: what it measures is
 * the optimized hot path, which other tests and the counters would change.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/lookup/alloc.test.ts`.
 */
import './alloc.test.js';
