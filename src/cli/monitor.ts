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
import { Monitor } from '../monitor/monitor.js';
import { serveMetrics } from '../monitor/metrics.js';
import { createReader, LOG_FORMATS, type LogFormat } from '../monitor/readers/index.js';
import { monitorResult } from '../monitor/result.js';
import { monitorStream, openFile } from '../monitor/source.js';
import { Webhook } from '../monitor/webhook.js';
import { parse } from './args.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';
import { counters, intOption, metricsUrl, MONITOR_USAGE, MonitorOutput, OPTIONS, summaryText, type MonitorValues } from './monitor-output.js';

// main.ts prints a command's own usage on a usage error: the monitor's lives beside its options.
export { MONITOR_USAGE } from './monitor-output.js';

function logFormat(values: MonitorValues): LogFormat {
  const f = values['log-format'];
  if (f === undefined) throw new UsageError(`monitor needs --log-format (${LOG_FORMATS.join(', ')})`);
  if (!(LOG_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--log-format takes ${LOG_FORMATS.join(', ')}, not "${f}"`);
  return f as LogFormat;
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
  const progress = io.stderrIsTTY
    ? setInterval(() => {
        const s = (performance.now() - started) / 1000;
        io.stderr(`\r${m.records} records (${Math.round(m.records / s)}/s), ${m.aggregates.length} findings `);
      }, 1000)
    : null;
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
