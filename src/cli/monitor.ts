/**
 * `sanso monitor`: observed flows held against the policy (docs/monitor.md).
 *
 *   sanso monitor --from FILE|-|nats://HOST:PORT/SUBJECT --log-format FORMAT [--json]
 *   sanso monitor publish FILE|- --to nats://HOST:PORT/SUBJECT
 *   sanso monitor merge --from nats://HOST:PORT [--consumer NAME] [--json]
 *
 * Output protocol. Without --json, standard output is NDJSON, one event per line: a
 * {"event":"finding",…} when an aggregate is first seen (count 1), a {"event":"rejected",
 * "position","reason"} per record that cannot be read, and a last {"event":"end",…} holding the
 * whole result with exact counts. With --json, standard output is that result alone. Either
 * way standard error gets the rejected records as FILE:LINE: reason (the first 100) and a
 * summary. Exit 0: no finding; 3: at least one finding; 1: the input or the rules could not be
 * read (a rejected record is not an error of the run); 2: usage.
 */
import type { Server } from 'node:http';
import { CODE_LIST, findingJson, Monitor, type Aggregate } from '../monitor/monitor.js';
import { serveMetrics, type MonitorCounters } from '../monitor/metrics.js';
import { createReader, LOG_FORMATS, type LogFormat } from '../monitor/readers/index.js';
import { monitorResult, REJECTS_LISTED, type RejectNote } from '../monitor/result.js';
import { monitorStream, openFile } from '../monitor/source.js';
import { Webhook } from '../monitor/webhook.js';
import { parse } from './args.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';

export const MONITOR_USAGE = `usage: sanso monitor --from FILE|-|nats://HOST:PORT/SUBJECT --log-format FORMAT [options]
       sanso monitor publish FILE|- --to nats://HOST:PORT/SUBJECT [options]
       sanso monitor merge --from nats://HOST:PORT [options]

Decides observed flows against the rule set; every denied record is a finding, aggregated per
(code, source segment, destination segment, service). See docs/monitor.md.

FORMAT: iptables (netfilter LOG lines: syslog, journalctl -o export|json), fortigate,
vpcflow (AWS VPC Flow Logs v2-v5), nfdump-csv (nfdump -o csv), jsonl ({"src","dst","service"}).

options:
  --json                 print only the result object at the end (else NDJSON events)
  --webhook URL          POST each new finding (bounded queue, retries; never blocks reading)
  --metrics-port N       serve Prometheus counters on --metrics-host:N/metrics while running
  --metrics-host HOST    default 127.0.0.1
  --year YYYY            year of BSD syslog stamps (default: this year)
  --rules PATH           rule file or directory (default rules/)
  --as-of YYYY-MM-DD     the date exceptions are judged on

NATS (--from nats://…, publish, merge):
  --stream NAME          JetStream stream of records (default SANSO_FLOWS)
  --stream-subjects S    its subjects, comma-separated (default flows.>)
  --consumer NAME        durable pull consumer the workers share (default sanso-monitor)
  --batch N              messages per fetch and per flushed partial (default 256)
  --ack-wait SECONDS     redelivery after this long without an ack (default 30)
  --idle-exit SECONDS    a worker stops after this long with no message (default: never)
  --lines N              publish: lines per message (default 100)
`;

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'log-format': { type: 'string' },
  json: { type: 'boolean', default: false },
  webhook: { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string', default: '127.0.0.1' },
  year: { type: 'string' },
  stream: { type: 'string', default: 'SANSO_FLOWS' },
  'stream-subjects': { type: 'string', default: 'flows.>' },
  consumer: { type: 'string', default: 'sanso-monitor' },
  batch: { type: 'string', default: '256' },
  'ack-wait': { type: 'string', default: '30' },
  'idle-exit': { type: 'string' },
  lines: { type: 'string', default: '100' },
} as const;

/** Rejected records written to standard error at most (all are counted, 1,000 listed in --json). */
const REJECTS_PRINTED = 100;

export type MonitorValues = ReturnType<typeof parse<typeof OPTIONS>>['values'];

export function intOption(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} takes a whole number ${min}-${max}, not "${String(v)}"`);
  return n;
}

function logFormat(values: MonitorValues): LogFormat {
  const f = values['log-format'];
  if (f === undefined) throw new UsageError(`monitor needs --log-format (${LOG_FORMATS.join(', ')})`);
  if (!(LOG_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--log-format takes ${LOG_FORMATS.join(', ')}, not "${f}"`);
  return f as LogFormat;
}

/** What every way of running a monitor shares: events out, rejects noted, webhook, metrics. */
export class MonitorOutput {
  readonly rejects: RejectNote[] = [];
  webhook: Webhook | null = null;
  private printed = 0;
  private pending = '';

  constructor(
    private readonly io: Io,
    private readonly json: boolean,
    readonly table: Monitor['table'],
  ) {}

  hooks() {
    return {
      finding: (a: Aggregate) => {
        const f = findingJson(this.table, a);
        const line = JSON.stringify({ event: 'finding', ...f });
        if (!this.json) this.write(line);
        this.webhook?.push(line);
      },
      rejected: (position: string, reason: string) => {
        if (this.rejects.length < REJECTS_LISTED) this.rejects.push({ position, reason });
        if (this.printed++ < REJECTS_PRINTED) this.io.stderr(`${position}: ${reason}\n`);
        if (!this.json) this.write(JSON.stringify({ event: 'rejected', position, reason }));
      },
    };
  }

  /** Events are written in chunks (and at the end): one write per event would dominate a big file. */
  write(line: string): void {
    this.pending += `${line}\n`;
    if (this.pending.length >= 16384) this.flush();
  }

  flush(): void {
    if (this.pending) this.io.stdout(this.pending);
    this.pending = '';
  }

  notePrinted(rejected: number): void {
    if (rejected > REJECTS_PRINTED) this.io.stderr(`… and ${rejected - REJECTS_PRINTED} more rejected records\n`);
  }
}

export function counters(m: Monitor, out: MonitorOutput): MonitorCounters {
  return { records: m.records, parsed: m.parsed, rejected: m.rejected, perCode: m.perCode, aggregates: m.aggregates.length, webhook: out.webhook ?? undefined };
}

export function metricsUrl(server: Server): string {
  const a = server.address();
  return a && typeof a === 'object' ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics` : String(a);
}

export function summaryText(m: Monitor, seconds: number): string {
  const denied = CODE_LIST.map((c, i) => [c, m.perCode[i]!] as const).filter(([, n]) => n > 0);
  const rate = seconds > 0 ? Math.round(m.records / seconds) : 0;
  return (
    `sanso monitor: ${m.records} records (${m.parsed} parsed, ${m.rejected} rejected) in ${seconds.toFixed(2)} s (${rate}/s); ` +
    `${m.aggregates.length} findings${denied.length ? ` from ${denied.map(([c, n]) => `${n} ${c}`).join(', ')}` : ''}\n`
  );
}

export async function run(args: string[], io: Io): Promise<number> {
  if (args[0] === 'publish' || args[0] === 'merge') {
    const sub = args[0];
    const { values, positionals } = parse(args.slice(1), OPTIONS);
    if (values.help) {
      io.stdout(MONITOR_USAGE);
      return EXIT.OK;
    }
    const nats = await import('./monitor-nats.js');
    return sub === 'publish' ? nats.publishCommand(values, positionals, io) : nats.mergeCommand(values, positionals, io);
  }
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    io.stdout(MONITOR_USAGE);
    return EXIT.OK;
  }
  if (positionals.length > 0) throw new UsageError(`monitor takes its input with --from, not "${positionals[0]}"`);
  const from = values.from;
  if (from === undefined) throw new UsageError('monitor needs --from FILE, - or nats://HOST:PORT/SUBJECT');
  const format = logFormat(values);
  const year = intOption(values, 'year', 1970, 9999);
  const metricsPort = intOption(values, 'metrics-port', 0, 65535);
  if (values.webhook !== undefined && !/^https?:\/\//.test(values.webhook)) throw new UsageError(`--webhook takes an http:// or https:// URL, not "${values.webhook}"`);
  if (from.startsWith('nats://')) {
    const nats = await import('./monitor-nats.js');
    return nats.workerCommand(values, format, io);
  }
  const policy = loadForCommand(values.rules, values['as-of'], io);
  if (!policy) return EXIT.BAD_INPUT;
  const reader = createReader(format, year === undefined ? {} : { year });
  const out = new MonitorOutput(io, values.json, policy.table);
  const m = new Monitor(policy.table, out.hooks());
  if (values.webhook !== undefined) out.webhook = new Webhook(values.webhook);
  let server: Server | null = null;
  if (metricsPort !== undefined) {
    server = await serveMetrics(values['metrics-host'], metricsPort, () => counters(m, out));
    io.stderr(`sanso monitor: metrics on ${metricsUrl(server)}\n`);
  }
  const started = performance.now();
  const progress = io.stderrIsTTY ? setInterval(() => {
    const s = (performance.now() - started) / 1000;
    io.stderr(`\r${m.records} records (${Math.round(m.records / s)}/s), ${m.aggregates.length} findings `);
  }, 1000) : null;
  let stream: NodeJS.ReadableStream;
  try {
    stream = from === '-' ? io.stdin : openFile(from);
    await monitorStream(m, reader, stream, from === '-' ? '-' : from);
  } catch (e) {
    if (progress) clearInterval(progress);
    server?.close();
    out.flush();
    io.stderr(`sanso: cannot read ${from}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return EXIT.BAD_INPUT;
  } finally {
    if (progress) {
      clearInterval(progress);
      io.stderr('\n');
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await out.webhook?.drain(10_000);
  server?.close();
  const result = monitorResult(policy.table, m, out.rejects);
  if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
  else {
    out.write(JSON.stringify({ event: 'end', ...result }));
    out.flush();
  }
  out.notePrinted(m.rejected);
  io.stderr(summaryText(m, seconds));
  if (out.webhook) io.stderr(`sanso monitor: webhook ${out.webhook.sent} sent, ${out.webhook.failed} failed, ${out.webhook.dropped} dropped\n`);
  return m.aggregates.length > 0 ? EXIT.DENY : EXIT.OK;
}
