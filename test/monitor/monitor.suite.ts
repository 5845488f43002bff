/**
 * Monitor: flow logs read, merged and judged.
 *
 * One process for these files (see test/architecture/suites.test.ts); each still runs alone:
 * `npx tap test/monitor/cli.test.ts`.
 */
import './cli.test.js';
import './jsonl-paths.test.js';
import './merge.test.js';
import './nats.test.js';
import './readers.test.js';
