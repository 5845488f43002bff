/**
 * The NATS JetStream side of `sanso monitor` (docs/monitor.md, "Scaling out"):
 *  - a worker (`--from nats://HOST:PORT/SUBJECT`) pulls batches from a durable consumer that any
 *    number of workers share, decides them, publishes the batch's partial (partial.ts) to the
 *    partials stream, waits for it to be stored, then acknowledges the batch;
 *  - `publish` sends a log file's lines, --lines per message, to a subject of the stream;
 *  - `merge` reads every partial of a consumer and prints the exact result.
 * Loaded only when a NATS URL or subcommand is used, so the file mode never loads the client.
 */
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { LineSplitter } from '../monitor/lines.js';
import { Monitor, type Aggregate } from '../monitor/monitor.js';
import { serveMetrics } from '../monitor/metrics.js';
import { findingKey, mergePartials, MergeError, PartialBuilder, type Partial } from '../monitor/partial.js';
import { createReader, type LogFormat } from '../monitor/readers/index.js';
import { Webhook } from '../monitor/webhook.js';
import { counters, intOption, metricsUrl, MonitorOutput, summaryText, type MonitorValues } from './monitor-output.js';
import { loadForCommand } from './decide.js';
import { EXIT, UsageError, type Io } from './io.js';
import { findingJson } from '../monitor/monitor.js';

export const PARTIALS_STREAM = 'SANSO_PARTIALS';
const PARTIALS_SUBJECT = 'sanso.partials';

export function parseNatsUrl(url: string, needSubject: boolean): { server: string; subject: string } {
  const m = /^nats:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m || m[1] === undefined) throw new UsageError(`not a nats://HOST:PORT/SUBJECT URL: "${url}"`);
  const subject = m[2] ?? '';
  if (needSubject && !/^[^\s/]+$/.test(subject)) throw new UsageError(`the NATS URL names no subject: "${url}" (nats://HOST:PORT/flows.>)`);
  return { server: m[1], subject };
}

async function ensureStream(jsm: JetStreamManager, name: string, subjects: string[]): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch {
    await jsm.streams.add({ name, subjects });
  }
}

function ensurePartials(jsm: JetStreamManager): Promise<void> {
  return ensureStream(jsm, PARTIALS_STREAM, [`${PARTIALS_SUBJECT}.>`]);
}

function streamOptions(values: MonitorValues): { stream: string; subjects: string[] } {
  return {
    stream: values.stream,
    subjects: values['stream-subjects']
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

async function connectTo(server: string, io: Io): Promise<NatsConnection | null> {
  try {
    return await connect({ servers: server, name: `sanso-monitor-${hostname()}-${process.pid}`, maxReconnectAttempts: -1 });
  } catch (e) {
    io.stderr(`sanso: cannot connect to NATS at ${server}: ${(e as Error).message}\n`);
    return null;
  }
}

export async function workerCommand(values: MonitorValues, format: LogFormat, io: Io): Promise<number> {
  const { server, subject } = parseNatsUrl(values.from!, true);
  const batch = intOption(values, 'batch', 1, 100_000)!;
  const ackWait = intOption(values, 'ack-wait', 1, 86_400)!;
  const idleExit = intOption(values, 'idle-exit', 1, 86_400);
  const year = intOption(values, 'year', 1970, 9999);
  const metricsPort = intOption(values, 'metrics-port', 0, 65535);
  const policy = loadForCommand(values.rules, values['as-of'], io);
  if (!policy) return EXIT.BAD_INPUT;
  const nc = await connectTo(server, io);
  if (!nc) return EXIT.BAD_INPUT;
  const worker = `${hostname()}-${process.pid}-${Date.now().toString(36)}`;
  const { stream, subjects } = streamOptions(values);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, stream, subjects);
  await ensurePartials(jsm);
  const durable = values.consumer;
  try {
    await jsm.consumers.info(stream, durable);
  } catch {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWait * 1e9,
      filter_subject: subject,
      max_ack_pending: 100_000,
      deliver_policy: DeliverPolicy.All,
    });
  }
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, durable);
  const reader = createReader(format, year === undefined ? {} : { year });
  const table = policy.table;
  const out = new MonitorOutput(io, values.json, table);
  if (values.webhook !== undefined) out.webhook = new Webhook(values.webhook);
  /** This worker's running totals (what it counted, duplicates included: the merge is exact). */
  const total = new Monitor(table);
  const announced = new Set<string>();
  const announce = (a: Aggregate): void => {
    const f = findingJson(table, a);
    const key = `${f.code}\u0000${f.src.segment}\u0000${f.dst.segment}\u0000${f.service}`;
    if (announced.has(key)) return;
    announced.add(key);
    out.hooks().finding(a);
  };
  const server2 = metricsPort === undefined ? null : await serveMetrics(values['metrics-host'], metricsPort, () => counters(total, out));
  if (server2) io.stderr(`sanso monitor: metrics on ${metricsUrl(server2)}\n`);
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const ackDelay = Number(io.env.SANSO_MONITOR_ACK_DELAY_MS ?? 0) || 0;
  const started = performance.now();
  let idleSince = Date.now();
  let flushes = 0;
  /** Wall-clock ms of the first message fetched and the last batch acked: the busy span. */
  let firstAt = 0;
  let lastAt = 0;
  const subjectOf = `${PARTIALS_SUBJECT}.${durable}`;
  // A partial must fit one NATS message: a batch whose partial does not is counted again in
  // halves (denied records of many distinct findings carry many examples).
  /** Findings whose example this worker has stored in a partial (see PartialBuilder.build). */
  const shipped = new Set<string>();
  const maxPayload = Math.floor((nc.info?.max_payload ?? 1 << 20) * 0.9);
  const flushGroup = async (msgs: JsMsg[]): Promise<void> => {
    const builder = new PartialBuilder();
    const m = new Monitor(table, builder.hooks(announce));
    for (const msg of msgs) {
      const at = builder.before(m);
      const source = `nats:${stream}:${msg.seq}`;
      const splitter = new LineSplitter((buf, from, to, lineNo, tooLong) => {
        m.line(reader, buf, from, to, source, lineNo, tooLong);
      });
      splitter.push(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length));
      splitter.end();
      builder.after(m, msg.seq, at);
    }
    const partial = builder.build(m, worker, shipped);
    let body = JSON.stringify(partial);
    if (Buffer.byteLength(body) > maxPayload) {
      if (msgs.length > 1) {
        for (const a of partial.aggregates) if (a.example !== null) shipped.delete(findingKey(a));
        const half = msgs.length >> 1;
        await flushGroup(msgs.slice(0, half));
        await flushGroup(msgs.slice(half));
        return;
      }
      // One message with findings whose examples do not fit: the counts matter, not the examples.
      for (const a of partial.aggregates) {
        if (a.example !== null) shipped.delete(findingKey(a));
        a.example = null;
      }
      body = JSON.stringify(partial);
    }
    // Stored before acked: JetStream answers the publish once the partial is persisted.
    await js.publish(subjectOf, body, { msgID: `${worker}-${flushes++}` });
    // Fault injection for the tests: widen the window between storing and acking, where a
    // worker that dies leaves messages counted but unacknowledged.
    if (ackDelay > 0) await new Promise((r) => setTimeout(r, ackDelay));
    for (const msg of msgs) msg.ack();
    await nc.flush();
    total.records += m.records;
    total.parsed += m.parsed;
    total.rejected += m.rejected;
    for (let i = 0; i < m.perCode.length; i++) total.perCode[i]! += m.perCode[i]!;
    for (const r of builder.rejects) out.hooks().rejected(r.position, r.reason);
  };
  try {
    while (!stopping) {
      const msgs: JsMsg[] = [];
      const it = await consumer.fetch({ max_messages: batch, expires: 1000 });
      for await (const m of it) msgs.push(m);
      if (msgs.length === 0) {
        if (idleExit !== undefined && Date.now() - idleSince >= idleExit * 1000) break;
        continue;
      }
      idleSince = Date.now();
      if (firstAt === 0) firstAt = idleSince;
      await flushGroup(msgs);
      lastAt = Date.now();
    }
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await out.webhook?.drain(10_000);
    server2?.close();
    await nc.drain().catch(() => undefined);
  }
  const seconds = (performance.now() - started) / 1000;
  const mine = { worker, records: total.records, parsed: total.parsed, rejected: total.rejected, partials: flushes, findingsSeen: announced.size, firstAt, lastAt };
  if (values.json) io.stdout(`${JSON.stringify(mine)}\n`);
  else {
    out.write(JSON.stringify({ event: 'end', ...mine }));
    out.flush();
  }
  io.stderr(summaryText(total, seconds).replace(/\d+ findings/, `${announced.size} findings`));
  return EXIT.OK;
}

export async function publishCommand(values: MonitorValues, positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('monitor publish takes one FILE or -');
  if (values.to === undefined) throw new UsageError('monitor publish needs --to nats://HOST:PORT/SUBJECT');
  const { server, subject } = parseNatsUrl(values.to, true);
  const perMessage = intOption(values, 'lines', 1, 100_000)!;
  const nc = await connectTo(server, io);
  if (!nc) return EXIT.BAD_INPUT;
  const { stream, subjects } = streamOptions(values);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, stream, subjects);
  const js = jetstream(nc);
  const file = positionals[0]!;
  let lines: Buffer[] = [];
  let messages = 0;
  let sent = 0;
  const inflight = new Set<Promise<unknown>>();
  const send = async (): Promise<void> => {
    if (lines.length === 0) return;
    const data = Buffer.concat(lines.flatMap((l) => [l, NL]));
    sent += lines.length;
    lines = [];
    messages++;
    const p = js.publish(subject, data);
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    if (inflight.size >= 256) await Promise.race(inflight);
  };
  try {
    const input = file === '-' ? io.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
    const pendingLines: Buffer[] = [];
    const splitter = new LineSplitter((buf, from, to) => {
      pendingLines.push(Buffer.from(buf.subarray(from, to)));
    });
    for await (const chunk of input) {
      splitter.push(chunk as Buffer);
      for (const l of pendingLines) {
        lines.push(l);
        if (lines.length >= perMessage) await send();
      }
      pendingLines.length = 0;
    }
    splitter.end();
    lines.push(...pendingLines);
    await send();
    await Promise.all(inflight);
  } catch (e) {
    io.stderr(`sanso: cannot publish ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    await nc.close();
    return EXIT.BAD_INPUT;
  }
  await nc.drain();
  io.stderr(`sanso monitor publish: ${sent} lines in ${messages} messages to ${subject} (stream ${stream})\n`);
  return EXIT.OK;
}

const NL = Buffer.from('\n');

/** Every stored partial of a consumer, in stream order. */
async function readPartials(jsm: JetStreamManager, durable: string): Promise<Partial[]> {
  const info = await jsm.streams.info(PARTIALS_STREAM);
  const out: Partial[] = [];
  const subject = `${PARTIALS_SUBJECT}.${durable}`;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    let msg;
    try {
      msg = await jsm.streams.getMessage(PARTIALS_STREAM, { seq });
    } catch {
      continue; // deleted
    }
    if (msg === null || msg.subject !== subject) continue;
    out.push(JSON.parse(Buffer.from(msg.data).toString('utf8')) as Partial);
  }
  return out;
}

export async function mergeCommand(values: MonitorValues, positionals: string[], io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError('monitor merge takes no arguments');
  if (values.from === undefined) throw new UsageError('monitor merge needs --from nats://HOST:PORT');
  const { server } = parseNatsUrl(values.from, false);
  const nc = await connectTo(server, io);
  if (!nc) return EXIT.BAD_INPUT;
  try {
    const jsm = await jetstreamManager(nc);
    const partials = await readPartials(jsm, values.consumer);
    const result = mergePartials(partials);
    const { messages, duplicates, ...rest } = result;
    io.stdout(`${JSON.stringify(values.json ? rest : { event: 'end', ...rest })}\n`);
    io.stderr(
      `sanso monitor merge: ${partials.length} partials, ${messages} messages (${duplicates} delivered twice, counted once), ${rest.records} records, ${rest.findings.length} findings\n`,
    );
    return rest.findings.length > 0 ? EXIT.DENY : EXIT.OK;
  } catch (e) {
    if (e instanceof MergeError) {
      io.stderr(`sanso: ${e.message}\n`);
      return EXIT.BAD_INPUT;
    }
    io.stderr(`sanso: cannot read the partials from ${server}: ${(e as Error).message}\n`);
    return EXIT.BAD_INPUT;
  } finally {
    await nc.close();
  }
}
