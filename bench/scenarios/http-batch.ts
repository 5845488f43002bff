/**
 * HTTP batch: 2 M flows as one NDJSON stream through POST /v1/decide/batch, written with
 * backpressure from pre-built chunks and read back line by line, timed from the first byte sent
 * to the last byte received. The server runs in a child process; the client has the other core.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AUTH } from '../lib/deployed.js';
import { startServer } from '../lib/child.js';
import { v4Flows, v4Text, v6Flows, v6TextFlows } from '../lib/flows.js';
import { fmt, median } from '../lib/stats.js';
import { row, type Row, type Scenario } from '../lib/scenario.js';

const LINES_PER_CHUNK = 4096;

interface BatchRun {
  ms: number;
  lines: number;
  bytesOut: number;
  first: string;
}

function stream(port: number, chunks: readonly Buffer[]): Promise<BatchRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let lines = 0;
    let bytesOut = 0;
    let first = '';
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/decide/batch', headers: { 'content-type': 'application/x-ndjson', ...AUTH } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`POST /v1/decide/batch answered ${res.statusCode}`));
        return;
      }
      res.on('data', (b: Buffer) => {
        if (first.length < 2048) first += b.toString('utf8', 0, Math.min(b.length, 2048));
        bytesOut += b.length;
        for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, lines, bytesOut, first: first.slice(0, first.indexOf('\n')) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let k = 0;
    const pump = (): void => {
      while (k < chunks.length) if (!req.write(chunks[k++]!)) return void req.once('drain', pump);
      req.end();
    };
    pump();
  });
}

export const scenario: Scenario = {
  name: 'http-batch',
  title: 'HTTP POST /v1/decide/batch, NDJSON stream of 2 M flows',
  async run(ctx) {
    const set = await ctx.set('prefecture');
    const { model } = set.policy;
    const n = ctx.quick ? 200_000 : 2_000_000;
    const runs = ctx.runs(5, 1);
    const flows = [...v4Text(v4Flows(model, Math.round(n * 0.9), 40)), ...v6TextFlows(v6Flows(model, n - Math.round(n * 0.9), 41))];
    const chunks: Buffer[] = [];
    for (let i = 0; i < flows.length; i += LINES_PER_CHUNK) {
      chunks.push(
        Buffer.from(
          flows
            .slice(i, i + LINES_PER_CHUNK)
            .map((f) => `${JSON.stringify(f)}\n`)
            .join(''),
        ),
      );
    }
    const bytesIn = chunks.reduce((s, c) => s + c.length, 0);
    const server = await startServer('sanso', [set.dir, set.asOf]);
    try {
      // Warm-up, a quarter of the flows: with 100,000 the first measured run was still often the slowest.
      await stream(server.port, chunks.slice(0, Math.ceil(chunks.length / 4)));
      const rates: number[] = [];
      const cpuPer: number[] = [];
      let last: BatchRun | null = null;
      for (let r = 0; r < runs; r++) {
        const cpu0 = await server.cpu();
        const run = await stream(server.port, chunks);
        cpuPer.push(((await server.cpu()) - cpu0) / n);
        if (run.lines !== n) throw new Error(`sent ${n} flows, received ${run.lines} lines`);
        const parsed = JSON.parse(run.first) as { decision?: string };
        if (parsed.decision !== 'allow' && parsed.decision !== 'deny') throw new Error(`the first line is not a decision: ${run.first}`);
        rates.push((n / run.ms) * 1000);
        last = run;
        ctx.log(`  batch run ${r + 1}/${runs}: ${fmt((n / run.ms) * 1000)} decisions/s (${Math.round(run.ms)} ms)`);
      }
      const rows: Row[] = [
        row({
          scenario: 'http-batch',
          set: 'prefecture',
          subject: 'sanso POST /v1/decide/batch (NDJSON)',
          metric: 'rate',
          value: Math.round(median(rates)),
          unit: 'decisions/s',
          runs,
          target: { op: '>=', value: 1_000_000 },
          note: `${n.toLocaleString('en-US')} flows (90 % IPv4) per run, ${fmt(bytesIn / 2 ** 20)} MB in, ${fmt((last?.bytesOut ?? 0) / 2 ** 20)} MB out, end to end`,
        }),
        row({
          scenario: 'http-batch',
          set: 'prefecture',
          subject: 'server CPU per decision → capacity of one core',
          metric: 'rate',
          value: Math.round(1e6 / median(cpuPer)),
          unit: 'decisions/s',
          runs,
          note: `${fmt(median(cpuPer))} µs of server CPU per decision (the client parses nothing: it counts lines)`,
        }),
      ];
      return rows;
    } finally {
      await server.stop();
    }
  },
};
