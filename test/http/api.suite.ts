/**
 * The HTTP API route by route: answers, problems, languages, NDJSON, tokens and scopes.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/http/audit.test.ts`.
 */
import './audit.test.js';
import './auth-routes.test.js';
import './auth.test.js';
import './check.test.js';
import './compilers.test.js';
import './console.test.js';
import './decide.test.js';
import './docs.test.js';
import './errors.test.js';
import './flow-line.test.js';
import './lang-problems.test.js';
import './lang.test.js';
import './log-time.test.js';
import './matrix.test.js';
import './metrics.test.js';
import './models.test.js';
import './ndjson-bytes.test.js';
import './ndjson-shapes.test.js';
import './ndjson.test.js';
import './ops.test.js';
import './problems.test.js';
import './ready.test.js';
