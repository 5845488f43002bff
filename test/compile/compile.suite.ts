/**
 * Compile: decisions and the analysis of the compiled table.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/compile/analysis.test.ts`.
 */
import './analysis.test.js';
import './decide.test.js';
