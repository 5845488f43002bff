/**
 * Change-request checks: parsing, ranges, names, text and hand-written cases.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/check/hand.test.ts`.
 */
import './hand.test.js';
import './names.test.js';
import './parse.test.js';
import './ranges.test.js';
import './text.test.js';
