/**
 * Reports: SARIF, JUnit, text and the problem catalogue.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/report/github.test.ts`.
 */
import './github.test.js';
import './json.test.js';
import './junit.test.js';
import './sarif.test.js';
import './text.test.js';
