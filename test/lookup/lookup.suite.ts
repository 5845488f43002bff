/**
 * Lookup: the table's layout, flows as text and bytes, rendering, and the flow-text parsers
 * (test/property/flow-parsing.test.ts).
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/lookup/flow-bytes.test.ts`.
 */
import './flow-bytes.test.js';
import './flow.test.js';
import './layout.test.js';
import './pair-map.test.js';
import './render-bytes.test.js';
import './table.test.js';
import '../property/flow-parsing.test.js';
