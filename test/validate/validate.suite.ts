/**
 * Validation of rule files.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/validate/fixtures.test.ts`.
 */
import './fixtures.test.js';
import './index.test.js';
import './japanese.test.js';
import './schema.test.js';
