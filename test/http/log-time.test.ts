/**
 * http/log-time.ts against Date#toISOString, the naive reference, on random instants and in the
 * orders a log meets them (the same second again, the next millisecond, a step back after a clock
 * change), and the decision log's two writers (pieces and pino) against the same format.
 */
import { Writable } from 'node:stream';
import fc from '../property/fc.js';
import t from 'tap';
import { DecisionLog } from '../../src/http/decision-log.js';
import { isoTime, pinoIsoTime } from '../../src/http/log-time.js';
import { runs } from '../property/settings.js';

const RUNS = runs(2000);
// From before 1970 to past year 9999, where toISOString writes a sign and six digits.
const INSTANT = fc.integer({ min: -62_000_000_000_000, max: 300_000_000_000_000 });

t.test('isoTime is Date#toISOString, whatever order instants come in', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(INSTANT, fc.integer({ min: 1_700_000_000_000, max: 1_700_000_003_000 })), { minLength: 1, maxLength: 20 }), (instants) => {
      for (const ms of instants) if (isoTime(ms) !== new Date(ms).toISOString()) return false;
      return true;
    }),
    { numRuns: RUNS },
  );
  // The edges of a second, in order and back again.
  const s = Date.UTC(2026, 10, 30, 23, 59, 59);
  for (const ms of [s, s + 999, s + 1000, s + 999, s - 1, s + 1000 + 1]) t.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  t.equal(isoTime(Date.UTC(2026, 10, 30, 12)), '2026-11-30T12:00:00.000Z');
  t.match(pinoIsoTime(), /^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
});

t.test('every decision log entry writes the same format', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = new DecisionLog({ destination: stream });
  const before = Date.now();
  log.decide('sha256:v', 'ops', '127.0.0.1', '10.0.0.1', '10.0.0.2', 'tcp/443', '"result":{"decision":"allow","code":"GRANTED","rule":"F-1"}');
  log.part('id', 0, { route: '/v1/decide/batch', policyVersion: 'sha256:v', caller: null }, '10.0.0.1 10.0.0.2 tcp/443\n', '[["GRANTED","F-1"]]');
  log.decision({ route: '/v1/check', policyVersion: 'sha256:v', caller: null, input: {}, result: {} });
  log.security('auth-failed', { reason: 'no token' });
  const redacted = new DecisionLog({ destination: stream, redact: ['input.src'] });
  redacted.decide('sha256:v', null, '127.0.0.1', '10.0.0.1', '10.0.0.2', 'tcp/443', '"result":{"decision":"deny","code":"NO-GRANT","rule":null}');
  const after = Date.now();
  t.equal(lines.length, 5);
  for (const l of lines) {
    const e = JSON.parse(l) as { time: string; msg: string };
    t.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, e.msg);
    const ms = Date.parse(e.time);
    t.ok(ms >= before && ms <= after, `${e.msg}: the time of writing`);
  }
});
