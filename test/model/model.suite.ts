/**
 * The model: building it, bridging, CIDRs and services, the guideline models.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/model/bridging.test.ts`.
 */
import './bridging.test.js';
import './build.test.js';
import './cidr-services.test.js';
import './models.test.js';
