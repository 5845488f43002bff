/**
 * Device configurations: each vendor's reader and the shared fixtures.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/device/asa.test.ts`.
 */
import './asa.test.js';
import './examples.test.js';
import './fixtures.test.js';
import './fortios.test.js';
import './linux-parsers.test.js';
import './panos.test.js';
import './readers.test.js';
import './rtx.test.js';
