/**
 * The package as npm installs it (a build and an offline install).
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/package/pack.test.ts`.
 */
import './pack.test.js';
