/**
 * Audit: the CLI, the examples and wildcards.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/audit/cli.test.ts`.
 */
import './cli.test.js';
import './examples.test.js';
import './wildcard.test.js';
