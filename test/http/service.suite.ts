/**
 * The service as it runs: listening, reloads, shutdown, the decision log and the hardening
 * against slow, large, hostile or unauthenticated requests.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/http/serve.test.ts`.
 */
import './serve.test.js';
import './reload.test.js';
import './shutdown.test.js';
import './decision-log.test.js';
import './front-door.test.js';
import './harden-body.test.js';
import './harden-check.test.js';
import './harden-log.test.js';
import './harden-open.test.js';
import './harden-reload.test.js';
import './harden-slow.test.js';
import './harden-tokens.test.js';
import './harden-watch.test.js';
