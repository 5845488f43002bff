/**
 * CI: the GitHub Action and --strict.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/ci/action.test.ts`.
 */
import './action.test.js';
import './strict.test.js';
