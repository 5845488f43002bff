/**
 * `sanso monitor`: records per second of CPU time on one core for each log format, read and
 * decided and counted (Monitor.line) against reading alone (the reader's line(), the ceiling),
 * over log text generated in memory from 65,536 IPv4 flows of the prefecture, skewed onto a
 * few CIDRs (Zipf s = 1). Then the
 * JetStream path on this machine: records published in messages of 100 lines, drained by one
 * worker and then by two (fresh consumers on the same stream), from the first fetch to the
 * last ack. Skipped, with the reason, where nats-server is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../../src/monitor/lines.js';
import { Monitor } from '../../src/monitor/monitor.js';
import { createReader, LOG_FORMATS, type LogFormat } from '../../src/monitor/readers/index.js';
import { PARSED } from '../../src/monitor/record.js';
import { main } from '../../src/cli/main.js';
import { v4Flows, v4Text } from '../lib/flows.js';
import { GcCounter } from '../lib/gc.js';
import { HEADERS, renderLine } from '../lib/logs.js';
import { fmt, round } from '../lib/stats.js';
import { row, type Row, type Scenario } from '../lib/scenario.js';
import { measure } from './lookup.js';
import { packageRoot } from '../../src/source/package-root.js';

/** Log text of n records in a format, as one Buffer (chunked when read, as a file would be). */
function logText(format: LogFormat, flows: { src: string; dst: string; service: string }[], n: number): Buffer {
  const lines: string[] = [];
  if (HEADERS[format]) lines.push(HEADERS[format]);
  for (let i = 0; i < n; i++) lines.push(renderLine(format, { ...flows[i % flows.length]!, time: 1_796_000_000 + (i >> 10) }));
  return Buffer.from(`${lines.join('\n')}\n`);
}

const CHUNK = 1 << 20;

export const scenario: Scenario = {
  name: 'monitor',
  title: 'Monitor: log records read and decided (records/s, one core); JetStream workers',
  async run(ctx) {
    const rows: Row[] = [];
    const gc = new GcCounter();
    const set = await ctx.set('prefecture');
    const { table, model } = set.policy;
    const n = ctx.quick ? 200_000 : 1_000_000;
    const runs = ctx.runs(5, 3);
    // Traffic piled onto a few CIDRs (Zipf, s = 1), as the lookup bench's skewed case: real logs
    // repeat a few conversations, and uniform random pairs would make every fourth record a new finding.
    const flows = v4Text(v4Flows(model, 65_536, 11, 1));
    try {
      for (const format of LOG_FORMATS) {
        const text = logText(format, flows, n);
        const parseOnly = (): number => {
          const reader = createReader(format);
          const m = new Monitor(table);
          let parsed = 0;
          const s = new LineSplitter((buf, from, to) => {
            if (reader.line(buf, from, to, m.rec) === PARSED) parsed++;
          });
          for (let at = 0; at < text.length; at += CHUNK) s.push(text.subarray(at, Math.min(text.length, at + CHUNK)));
          s.end();
          return parsed;
        };
        let denied = 0;
        // Steady state: one Monitor across runs, so after the warm-up every finding exists and a
        // record costs what it costs a long-running monitor. A first pass (fresh Monitor) also
        // opens a finding, with its example, for most of the 65,536 distinct flows.
        const steady = new Monitor(table);
        const full = (fresh = true): number => {
          const reader = createReader(format);
          const m = fresh ? new Monitor(table) : steady;
          const before = m.parsed;
          const s = new LineSplitter((buf, from, to, lineNo, tooLong) => {
            m.line(reader, buf, from, to, 'bench', lineNo, tooLong);
          });
          for (let at = 0; at < text.length; at += CHUNK) s.push(text.subarray(at, Math.min(text.length, at + CHUNK)));
          s.end();
          if (fresh) denied = m.perCode.reduce((a, b) => a + b, 0);
          if (m.parsed - before !== n) throw new Error(`${format}: ${m.parsed - before} of ${n} records parsed`);
          return m.aggregates.length;
        };
        const p = await measure(ctx, gc, `${format} parse only`, n, runs, parseOnly);
        const f = await measure(ctx, gc, `${format} parse + decide + count, first pass`, n, runs, full);
        const st = await measure(ctx, gc, `${format} parse + decide + count, steady`, n, runs, () => full(false));
        const target = format === 'jsonl' || format === 'nfdump-csv' ? { target: { op: '>=' as const, value: 1_000_000 } } : {};
        const base = { scenario: 'monitor', set: 'prefecture', runs };
        rows.push(
          row({
            ...base,
            subject: `monitor ${format}: read only (ceiling)`,
            metric: 'rate',
            value: Math.round(p.rate),
            unit: 'records/s',
            note: `${n.toLocaleString('en-US')} records, ${(text.length / n).toFixed(0)} B each; wall ${fmt(p.wallRate)}/s`,
          }),
        );
        rows.push(
          row({
            ...base,
            subject: `monitor ${format}: read + decide + count, steady state`,
            metric: 'rate',
            value: Math.round(st.rate),
            unit: 'records/s',
            ...target,
            ratio: { to: 'read only', value: round(st.rate / p.rate) },
            note: `${Math.round((denied / n) * 100)} % denied, ${st.checksum} findings already open; ${st.gcEvents} GC events, max heap growth ${st.maxHeapGrowth} B; wall ${fmt(st.wallRate)}/s`,
          }),
        );
        rows.push(
          row({
            ...base,
            subject: `monitor ${format}: read + decide + count, first pass`,
            metric: 'rate',
            value: Math.round(f.rate),
            unit: 'records/s',
            ratio: { to: 'read only', value: round(f.rate / p.rate) },
            note: `a fresh monitor opens ${f.checksum} findings (example kept for each); ${f.gcEvents} GC events; wall ${fmt(f.wallRate)}/s`,
          }),
        );
      }
    } finally {
      gc.close();
    }
    try {
      rows.push(...(await jetstreamRows(ctx, set.dir, set.asOf, flows)));
    } catch (e) {
      ctx.log(`  JetStream part did not run: ${(e as Error).message}`);
    }
    return rows;
  },
};

async function jetstreamRows(ctx: Parameters<Scenario['run']>[0], rules: string, asOf: string, flows: { src: string; dst: string; service: string }[]): Promise<Row[]> {
  if (spawnSync('nats-server', ['--version']).error) {
    ctx.log('  JetStream part skipped: nats-server is not installed');
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), 'sanso-bench-monitor-'));
  const server = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const rows: Row[] = [];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
      server.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        const m = /client connections on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(`nats://127.0.0.1:${m[1]}`);
        }
      });
    });
    const n = ctx.quick ? 100_000 : 400_000;
    const file = join(dir, 'flows.jsonl');
    // 2,000 distinct flows repeated: a few hundred findings, as a day of real traffic has, not
    // one per record (partials carry each finding's example once per worker).
    writeFileSync(file, logText('jsonl', flows.slice(0, 2000), n));
    const quiet = { stdout: () => undefined, stderr: () => undefined, stdin: process.stdin, env: {} };
    const t0 = performance.now();
    const code = await main(['monitor', 'publish', file, '--to', `${url}/flows.bench.city`, '--lines', '100'], quiet);
    if (code !== 0) throw new Error(`publish exited ${code}`);
    const publishRate = n / ((performance.now() - t0) / 1000);
    rows.push(
      row({
        scenario: 'monitor',
        set: 'prefecture',
        subject: 'monitor publish (JSON lines, 100 per message)',
        metric: 'rate',
        value: Math.round(publishRate),
        unit: 'records/s',
        runs: 1,
        note: 'one publisher, 256 publishes in flight, wall clock',
      }),
    );
    const bin = join(packageRoot(), 'dist', 'bin', 'sanso.js');
    for (const workers of [1, 2]) {
      const outs = await Promise.all(
        Array.from(
          { length: workers },
          () =>
            new Promise<string>((resolve, reject) => {
              const p = spawn(
                process.execPath,
                [
                  bin,
                  'monitor',
                  '--from',
                  `${url}/flows.>`,
                  '--log-format',
                  'jsonl',
                  '--rules',
                  rules,
                  '--as-of',
                  asOf,
                  '--json',
                  '--consumer',
                  `bench-${workers}`,
                  '--batch',
                  '100',
                  '--idle-exit',
                  '2',
                ],
                { stdio: ['ignore', 'pipe', 'pipe'] },
              );
              let out = '';
              let err = '';
              p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
              p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
              p.once('exit', (c) => (c === 0 ? resolve(out) : reject(new Error(`worker exited ${c}: ${err.slice(-500)}`))));
            }),
        ),
      );
      const results = outs.map((o) => JSON.parse(o) as { records: number; firstAt: number; lastAt: number });
      const records = results.reduce((a, r) => a + r.records, 0);
      const span = (Math.max(...results.map((r) => r.lastAt)) - Math.min(...results.map((r) => r.firstAt).filter((x) => x > 0))) / 1000;
      rows.push(
        row({
          scenario: 'monitor',
          set: 'prefecture',
          subject: `monitor over JetStream, ${workers} worker${workers > 1 ? 's' : ''}`,
          metric: 'rate',
          value: Math.round(records / span),
          unit: 'records/s',
          runs: 1,
          note: `${records.toLocaleString('en-US')} records (of ${n.toLocaleString('en-US')}) in ${span.toFixed(2)} s, first fetch to last ack, wall clock; ${results.map((r) => r.records).join(' + ')}; nats-server on the same 2 cores`,
        }),
      );
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
