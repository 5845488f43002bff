/**
 * The monitor's per-finding counts equal `decide` applied record by record: random records
 * against the sample city and against random rule sets, each written in a random log format,
 * cut into random chunks. The reference is resolveFlow on the flow's text (what `decide` runs)
 * and a plain Map; first and last seen are the minimum and maximum of the records' times.
 * More runs: SANSO_PROP_SCALE=X (test/property/settings.ts).
 */
import fc from '../property/fc.js';
import t from 'tap';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import type { DecisionTable } from '../../src/lookup/table.js';
import { formatServiceKey } from '../../src/model/services.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { LineSplitter } from '../../src/monitor/lines.js';
import { createReader, LOG_FORMATS, type LogFormat } from '../../src/monitor/readers/index.js';
import { monitorResult } from '../../src/monitor/result.js';
import { flowArbFor, scenarioArb, type FlowText } from '../reference/arbitrary.js';
import { load, loadPaths, mergeFiles } from '../property/pipeline.js';
import { HEADERS, renderLine, type TimedFlow } from '../../bench/lib/logs.js';
import { runs } from '../property/settings.js';

const RUNS = runs(40);

function expected(table: DecisionTable, flows: TimedFlow[]) {
  const out = new FlowResult();
  const cells = new Map<string, { count: number; first: number; last: number }>();
  let rejected = 0;
  for (const f of flows) {
    if (!resolveFlow(table, f.src, f.dst, f.service, out)) {
      rejected++;
      continue;
    }
    const d = table.decision(out.decision);
    if (d.decision !== 'deny') continue;
    const S = table.model.segments[out.srcSeg]!;
    const D = table.model.segments[out.dstSeg]!;
    const key = `${d.code} ${S.name} ${D.name} ${formatServiceKey(out.proto * 65536 + out.port)}`;
    const c = cells.get(key);
    if (c) {
      c.count++;
      c.first = Math.min(c.first, f.time);
      c.last = Math.max(c.last, f.time);
    } else cells.set(key, { count: 1, first: f.time, last: f.time });
  }
  return { cells, rejected };
}

function actual(table: DecisionTable, format: LogFormat, flows: TimedFlow[], cuts: number[], stringKeys: boolean) {
  const text = [HEADERS[format], ...flows.map((f) => renderLine(format, f))].filter((l, i) => i > 0 || l !== '').join('\n');
  const bytes = Buffer.from(text);
  const m = new Monitor(table, {}, { stringKeys });
  const reader = createReader(format);
  const splitter = new LineSplitter((buf, from, to, lineNo, tooLong) => m.line(reader, buf, from, to, 'x', lineNo, tooLong));
  let at = 0;
  for (const c of [...cuts.map((x) => Math.floor(x * bytes.length)).sort((a, b) => a - b), bytes.length]) {
    splitter.push(bytes.subarray(at, Math.max(at, c)));
    at = Math.max(at, c);
  }
  splitter.end();
  const r = monitorResult(table, m, []);
  const cells = new Map<string, { count: number; first: number; last: number }>();
  for (const f of r.findings)
    cells.set(`${f.code} ${f.src.segment} ${f.dst.segment} ${f.service}`, { count: f.count, first: Date.parse(f.firstSeen!) / 1000, last: Date.parse(f.lastSeen!) / 1000 });
  return { cells, rejected: r.rejected, records: r.records };
}

const timed = (flows: fc.Arbitrary<FlowText[]>) =>
  fc
    .tuple(flows, fc.array(fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), { minLength: 1, maxLength: 5 }))
    .map(([fs, times]) => fs.map((f, i) => ({ ...f, time: times[i % times.length]! })));

function check(table: DecisionTable, format: LogFormat, flows: TimedFlow[], cuts: number[], stringKeys = false): void {
  const want = expected(table, flows);
  const got = actual(table, format, flows, cuts, stringKeys);
  if (got.records !== flows.length || got.rejected !== want.rejected)
    throw new Error(`${format}: records ${got.records}/${flows.length}, rejected ${got.rejected} vs ${want.rejected}`);
  const a = JSON.stringify([...got.cells].sort());
  const b = JSON.stringify([...want.cells].sort());
  if (a !== b) throw new Error(`${format}: cells differ\n got ${a}\nwant ${b}`);
}

t.test('the sample city: every format counts what decide decides', async (t) => {
  const loaded = loadPaths(['rules'], '2026-11-30');
  const table = loaded.table!;
  const rules = mergeFiles(loaded.files);
  fc.assert(
    fc.property(
      fc.constantFrom(...LOG_FORMATS),
      timed(fc.array(flowArbFor(rules as never, '2026-11-30'), { minLength: 1, maxLength: 80 })),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      fc.boolean(),
      (format, flows, cuts, stringKeys) => {
        // stringKeys: the Map path that rule sets of more than ~10,000 segments take.
        check(table, format, flows, cuts, stringKeys);
      },
    ),
    { numRuns: RUNS * 2 },
  );
  t.pass('held');
});

t.test('random rule sets: every format counts what decide decides', async (t) => {
  fc.assert(
    fc.property(
      scenarioArb({ maxFlows: 60 }),
      fc.constantFrom(...LOG_FORMATS),
      fc.array(fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }), { minLength: 1, maxLength: 4 }),
      (s, format, times) => {
        const loaded = load(s.files, s.asOf);
        if (!loaded.table) throw new Error('a generated rule set did not build');
        check(
          loaded.table,
          format,
          s.flows.map((f, i) => ({ ...f, time: times[i % times.length]! })),
          [],
        );
      },
    ),
    { numRuns: RUNS },
  );
  t.pass('held');
});

t.test('thousands of findings: the slot table grows and still counts what the Map counts', async (t) => {
  const table = loadPaths(['rules'], '2026-11-30').table!;
  // 6,000 distinct services from the terminals to the Internet: 6,000 CLOUD-AGGREGATION findings.
  const flows: TimedFlow[] = [];
  for (let p = 1; p <= 6000; p++) flows.push({ src: `10.20.100.${p % 200}`, dst: '8.8.8.8', service: `udp/${p}`, time: 1_796_000_000 + p });
  const twice = [...flows, ...flows.map((f) => ({ ...f, time: f.time + 10 }))];
  const slots = actual(table, 'jsonl', twice, [], false);
  const map = actual(table, 'jsonl', twice, [], true);
  t.equal(slots.cells.size, 6000);
  t.ok(
    [...slots.cells.values()].every((c) => c.count === 2),
    'each finding counted twice',
  );
  t.same([...slots.cells].sort(), [...map.cells].sort());
  t.same([...slots.cells].sort(), [...expected(table, twice).cells].sort(), 'and both what decide decides');
});
