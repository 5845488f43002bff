/**
 * The merge reduce on its own, without NATS: messages of random sample-city records are counted
 * into partials by several "workers" in random batches, some messages delivered again to another
 * worker (as after a worker died between storing and acking), and the partials merged in any
 * order. The result must equal one Monitor over every message once: counts, first and last seen.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { LineSplitter } from '../../src/monitor/lines.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { mergePartials, PartialBuilder, type Partial } from '../../src/monitor/partial.js';
import { createReader } from '../../src/monitor/readers/index.js';
import { monitorResult } from '../../src/monitor/result.js';
import { flowArbFor } from '../reference/arbitrary.js';
import { loadPaths, mergeFiles } from '../property/pipeline.js';
import { runs } from '../property/settings.js';

const RUNS = runs(30);
const loaded = loadPaths(['rules'], '2026-11-30');
const table = loaded.table!;
const flow = flowArbFor(mergeFiles(loaded.files) as never, '2026-11-30');

function feed(m: Monitor, seq: number, text: string): void {
  const reader = createReader('jsonl');
  const s = new LineSplitter((buf, from, to, lineNo, tooLong) => m.line(reader, buf, from, to, `nats:S:${seq}`, lineNo, tooLong));
  s.push(Buffer.from(text));
  s.end();
}

const messageArb = fc
  .array(fc.tuple(flow, fc.integer({ min: 1_700_000_000, max: 1_700_100_000 }), fc.boolean()), { minLength: 1, maxLength: 5 })
  .map((recs) => recs.map(([f, time, bad]) => (bad && time % 7 === 0 ? '{"src":"x"}' : JSON.stringify({ ...f, time }))).join('\n'));

t.test('merge: every message once, whatever was redelivered and in whatever order', async (t) => {
  fc.assert(
    fc.property(
      fc.array(messageArb, { minLength: 1, maxLength: 40 }),
      fc.array(fc.tuple(fc.nat(2), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.nat(),
      (messages, plan, redeliver, seed) => {
        // The truth: every message once.
        const one = new Monitor(table);
        messages.forEach((text, i) => feed(one, i + 1, text));
        const want = monitorResult(table, one, []);
        // Deliveries: each message once in order, plus some again later (a redelivery).
        const deliveries = messages.map((_, i) => i);
        for (const r of redeliver) deliveries.push(r % messages.length);
        const shipped = [new Set<string>(), new Set<string>(), new Set<string>()];
        const partials: Partial[] = [];
        let at = 0;
        let k = 0;
        while (at < deliveries.length) {
          const [worker, size] = plan[k++ % plan.length]!;
          const builder = new PartialBuilder();
          const m = new Monitor(table, builder.hooks());
          for (const i of deliveries.slice(at, at + size)) {
            const before = builder.before(m);
            feed(m, i + 1, messages[i]!);
            builder.after(m, i + 1, before);
          }
          partials.push(builder.build(m, `w${worker}`, shipped[worker]));
          at += size;
        }
        // Any order of partials.
        const order = partials
          .map((p, i) => [((i + 1) * 2654435761 + seed) % 4294967296, p] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, p]) => p);
        const got = mergePartials(order);
        const key = (f: { code: string; src: { segment: string }; dst: { segment: string }; service: string; count: number; firstSeen: string | null; lastSeen: string | null }) =>
          `${f.code} ${f.src.segment} ${f.dst.segment} ${f.service} ${f.count} ${f.firstSeen} ${f.lastSeen}`;
        if (got.records !== want.records || got.parsed !== want.parsed || got.rejected !== want.rejected)
          throw new Error(`totals ${got.records}/${got.parsed}/${got.rejected} vs ${want.records}/${want.parsed}/${want.rejected}`);
        const a = got.findings.map(key).sort().join('\n');
        const b = want.findings.map(key).sort().join('\n');
        if (a !== b) throw new Error(`findings differ:\n${a}\nvs\n${b}`);
        if (got.findings.some((f) => f.example === null)) throw new Error('a finding without an example');
        if (got.duplicates !== deliveries.length - messages.length) throw new Error(`duplicates ${got.duplicates}`);
      },
    ),
    { numRuns: RUNS },
  );
  t.pass('held');
});

t.test('merge refuses partials of two policy versions', async (t) => {
  const p: Partial = { v: 1, worker: 'a', policyVersion: 'sha256:a', aggregates: [], messages: [], rejects: [] };
  t.throws(() => mergePartials([p, { ...p, policyVersion: 'sha256:b' }]), /two policy versions/);
});
