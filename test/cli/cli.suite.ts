/**
 * The command line, command by command.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/cli/check.test.ts`.
 */
import './check.test.js';
import './decide-names.test.js';
import './decide.test.js';
import './entrypoint.test.js';
import './exceptions.test.js';
import './flow-csv.test.js';
import './lang-ja.test.js';
import './usage.test.js';
import './validate-fixtures.test.js';
import './validate.test.js';
