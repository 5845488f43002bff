/**
 * Randomized agreement of the device side with its references: the audit and its partition
 * refinement, the vendor parsers with their semantics, and the Linux kernel. Run without coverage
 * counters (test/coverage-map.mjs).
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/audit/property.test.ts`.
 */
import '../audit/property.test.js';
import '../audit/refine.test.js';
import '../device/parsers-vs-semantics.test.js';
import '../kernel/kernel-vs-parsers.test.js';
