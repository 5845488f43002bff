/**
 * What the ways of running `sanso monitor` share (a file or stdin in monitor.ts, NATS workers
 * in monitor-nats.ts): the usage, the options, events out, rejects noted, webhook, metrics. Its
 * own module so that the NATS part, loaded only for nats:// sources, imports it without a cycle.
 */
import type { Server } from 'node:http';
import { CODE_LIST, findingJson, type Aggregate, type Monitor } from '../monitor/monitor.js';
import type { MonitorCounters } from '../monitor/metrics.js';
import type { RejectNote } from '../monitor/result.js';
import { REJECTS_LISTED } from '../monitor/result.js';
import type { Webhook } from '../monitor/webhook.js';
import type { parse } from './args.js';
import { UsageError, type Io } from './io.js';

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

export const OPTIONS = {
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
