/**
 * Randomized agreement of the policy engine with its naive reference: compile, realistic rule sets,
 * check, diff and monitor. Run without coverage counters (test/coverage-map.mjs).
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/property/compile-vs-reference.test.ts`.
 */
import './compile-vs-reference.test.js';
import './realistic-vs-reference.test.js';
import '../check/property.test.js';
import '../diff/property.test.js';
import '../monitor/property.test.js';
