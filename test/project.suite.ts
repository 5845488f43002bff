/**
 * The repository as a whole and the single-file subjects: layering, the suites themselves, README, examples,
 * the sample city, the reference evaluator, rule sources, the matrix, the inspection report, the
 * bench's synthetic prefecture and the policy loader.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/architecture/layers.test.ts`.
 */
import './architecture/layers.test.js';
import './architecture/suites.test.js';
import './bench/synthetic.test.js';
import './examples/models.test.js';
import './inspection/report.test.js';
import './matrix/matrix.test.js';
import './policy.test.js';
import './readme.test.js';
import './reference/evaluator.test.js';
import './sample/sample-city.test.js';
import './source/read.test.js';
