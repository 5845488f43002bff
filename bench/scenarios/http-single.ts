/**
 * HTTP, one decision per request: autocannon (programmatic, 127.0.0.1 only, bounded duration)
 * against sanso's POST /v1/decide as deployed (a bearer token checked, every decision logged to
 * a file: bench/lib/deployed.ts; BENCH_SANSO=bare for neither) and, in the same run, against a bare Fastify route answering a
 * constant decision of the same shape (the ceiling: what Fastify itself costs). Each server runs
 * in a child process, so the load generator has the other core; runs alternate between the two
 * servers so drift in the machine's load hits both alike. autocannon runs in a fresh process too
 * (bench/lib/load.ts), so that what earlier scenarios left in this one does not pace the client.
 *
 * Throughput is driven with 100 connections × 10 pipelined requests; on two shared cores the
 * load generator, not the server, can be the bottleneck, so each server's CPU time per request
 * is also read (over IPC) and turned into what one core could serve. Latency is read apart, one
 * request at a time on a kept-alive connection, where nothing queues.
 */
import { Agent, request } from 'node:http';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { startServer, type Child } from '../lib/child.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { AUTH, BARE } from '../lib/deployed.js';
import { v4Flows, v4Text, type TextFlow } from '../lib/flows.js';
import { fmt, median, round } from '../lib/stats.js';
import { row, type Row, type Scenario } from '../lib/scenario.js';

const CONNECTIONS = 100;
const PIPELINING = 10;

async function load(port: number, body: string, seconds: number): Promise<LoadResult> {
  return runLoad({
    url: `http://127.0.0.1:${port}/v1/decide`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AUTH },
    body,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
  });
}

/**
 * Latency without queueing: requests one after another on one kept-alive connection, timed in
 * microseconds (autocannon's histogram counts whole milliseconds, and these take less than one).
 */
async function latencies(port: number, body: string, count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v1/decide', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...AUTH } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) out.push(await once());
  } finally {
    agent.destroy();
  }
  return out;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** One request by hand first: a figure for a server that answers errors would be worthless. */
async function probe(port: number, body: string): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/decide`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body });
  if (res.status !== 200) throw new Error(`POST /v1/decide on port ${port} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export const scenario: Scenario = {
  name: 'http-single',
  title: 'HTTP POST /v1/decide vs a bare Fastify route (autocannon)',
  async run(ctx) {
    const set = await ctx.set('prefecture');
    const { table } = set.policy;
    // A granted flow: the answer carries a rule, segments, a message — the common case.
    const out = new FlowResult();
    const flows = v4Text(v4Flows(set.policy.model, 20_000, 30));
    const flow: TextFlow = flows.find((f) => resolveFlow(table, f.src, f.dst, f.service, out) && table.decision(out.decision).code === 'GRANTED') ?? flows[0]!;
    const body = JSON.stringify(flow);
    // Eleven pairs of 4 s rather than five of 8 s (or three long ones): about the same load time,
    // and more pairs for the paired median. On the shared bench machine the ceiling's CPU per request
    // moved from 25 to 50 µs within one run, and one run of five pairs read 0.66, 1.39, 0.78, 0.91
    // and 0.89: a median of five rests on one or two pairs.
    const seconds = ctx.quick ? 2 : 4;
    const runs = ctx.runs(11, 1);
    const LATENCY_REQUESTS = ctx.quick ? 500 : 2500;
    const servers: Child[] = [];
    try {
      const ceiling = await startServer('ceiling', []);
      servers.push(ceiling);
      const sanso = await startServer('sanso', [set.dir, set.asOf]);
      servers.push(sanso);
      const answer = await probe(sanso.port, body);
      if (answer.code !== table.decision(out.decision).code) throw new Error(`the service answered ${String(answer.code)}, the table ${table.decision(out.decision).code}`);
      await probe(ceiling.port, body);
      // Warm-up: JIT and connection set-up, not measured.
      await load(ceiling.port, body, 1);
      await load(sanso.port, body, 1);

      const results: Record<'ceiling' | 'sanso', LoadResult[]> = { ceiling: [], sanso: [] };
      // Server CPU per request: what each server could serve on one core, whatever the client manages.
      const cpuPer: Record<'ceiling' | 'sanso', number[]> = { ceiling: [], sanso: [] };
      const latency: Record<'ceiling' | 'sanso', number[][]> = { ceiling: [], sanso: [] };
      for (let r = 0; r < runs; r++) {
        const order = r % 2 === 0 ? (['ceiling', 'sanso'] as const) : (['sanso', 'ceiling'] as const);
        for (const who of order) {
          const server = who === 'sanso' ? sanso : ceiling;
          const cpu0 = await server.cpu();
          const res = await load(server.port, body, seconds);
          const cpu = (await server.cpu()) - cpu0;
          if (res.errors || res.non2xx || res.timeouts) throw new Error(`${who}: ${res.errors} errors, ${res.non2xx} non-2xx, ${res.timeouts} timeouts`);
          results[who].push(res);
          cpuPer[who].push(cpu / res['2xx']);
          const lat = await latencies(server.port, body, LATENCY_REQUESTS);
          latency[who].push(lat);
          ctx.log(
            `  ${who} run ${r + 1}/${runs}: ${fmt(res.requests.average)} req/s, server CPU ${fmt(cpu / res['2xx'])} µs/request; ` +
              `one at a time p50 ${fmt(percentile(lat, 50))} ms, p99 ${fmt(percentile(lat, 99))} ms`,
          );
        }
      }
      const rps = (who: 'ceiling' | 'sanso') => median(results[who].map((x) => x.requests.average));
      const lat = (who: 'ceiling' | 'sanso', p: number) => round(median(latency[who].map((x) => percentile(x, p))), 3);
      // The target is judged on paired runs: each run of sanso against the ceiling's run next to
      // it, then the median of those ratios, so that load from other tenants drifting between
      // runs (this machine's CPU time per request moved 2x within minutes) cancels out.
      const pairedRatio = median(results.sanso.map((x, r) => x.requests.average / results.ceiling[r]!.requests.average));
      const ratio = rps('sanso') / rps('ceiling');
      const base = { scenario: 'http-single', set: 'prefecture', runs };
      const how = `${CONNECTIONS} connections × ${PIPELINING} pipelined, ${seconds} s per run, body ${body}`;
      const rows: Row[] = [
        row({ ...base, subject: 'bare Fastify route, constant answer (ceiling)', metric: 'rate', value: Math.round(rps('ceiling')), unit: 'requests/s', note: how }),
        row({
          ...base,
          subject: BARE ? 'sanso POST /v1/decide (bare: no tokens, no decision log)' : 'sanso POST /v1/decide (token checked, decision log to a file)',
          metric: 'rate',
          value: Math.round(rps('sanso')),
          unit: 'requests/s',
          ratio: { to: 'ceiling', value: round(ratio) },
          note: how,
        }),
        row({
          ...base,
          subject: 'sanso ÷ ceiling, by requests/s (median of paired runs)',
          metric: 'ratio',
          value: round(pairedRatio),
          unit: '×',
          target: { op: '>=', value: 0.85 },
          note: `per run: ${results.sanso.map((x, r) => round(x.requests.average / results.ceiling[r]!.requests.average, 2)).join(', ')}; ratio of the medians ${round(ratio)}`,
        }),
      ];
      const capacity = (who: 'ceiling' | 'sanso') => 1e6 / median(cpuPer[who]);
      rows.push(
        row({
          ...base,
          subject: 'ceiling server CPU per request → capacity of one core',
          metric: 'rate',
          value: Math.round(capacity('ceiling')),
          unit: 'requests/s',
          note: `${fmt(median(cpuPer.ceiling))} µs of server CPU per request`,
        }),
      );
      rows.push(
        row({
          ...base,
          subject: 'sanso server CPU per request → capacity of one core',
          metric: 'rate',
          value: Math.round(capacity('sanso')),
          unit: 'requests/s',
          ratio: { to: 'ceiling', value: round(capacity('sanso') / capacity('ceiling')) },
          note: `${fmt(median(cpuPer.sanso))} µs of server CPU per request`,
        }),
      );
      const pairedCpu = median(cpuPer.sanso.map((x, r) => cpuPer.ceiling[r]! / x));
      rows.push(
        row({
          ...base,
          subject: 'sanso ÷ ceiling, by server CPU per request (median of paired runs)',
          metric: 'ratio',
          value: round(pairedCpu),
          unit: '×',
          target: { op: '>=', value: 0.85 },
          note: `per run: ${cpuPer.sanso.map((x, r) => round(cpuPer.ceiling[r]! / x, 2)).join(', ')}; ratio of the medians ${round(capacity('sanso') / capacity('ceiling'))}`,
        }),
      );
      for (const who of ['ceiling', 'sanso'] as const) {
        const how = `${LATENCY_REQUESTS} requests one at a time on one connection, client included`;
        rows.push(row({ ...base, subject: `${who} latency p50`, metric: 'latency', value: lat(who, 50), unit: 'ms', note: how }));
        rows.push(row({ ...base, subject: `${who} latency p99`, metric: 'latency', value: lat(who, 99), unit: 'ms', note: how }));
      }
      return rows;
    } finally {
      for (const s of servers) await s.stop();
    }
  },
};
