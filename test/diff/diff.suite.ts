/**
 * Diff: what a change to the rules changes.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/diff/cli.test.ts`.
 */
import './cli.test.js';
import './format.test.js';
import './synthetic.test.js';
