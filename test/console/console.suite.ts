/**
 * The console: its strings and the page in Chromium.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/console/console.test.ts`.
 */
import './console.test.js';
import './strings.test.js';
