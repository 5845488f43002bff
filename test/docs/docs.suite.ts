/**
 * The documentation: examples run, generated pages current, model pages true.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/docs/examples.test.ts`.
 */
import './examples.test.js';
import './generated.test.js';
import './models.test.js';
