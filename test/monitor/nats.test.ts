/**
 * Scale-out on a real JetStream: a nats-server -js on 127.0.0.1 (random port, temporary store),
 * records published with `sanso monitor publish`, two worker processes on one durable consumer,
 * one killed with SIGKILL after its first partial was stored and before it acknowledged the
 * batch (SANSO_MONITOR_ACK_DELAY_MS holds it in that window). Its batch is redelivered to the
 * other worker, so it is counted twice in the partials — and `monitor merge` must still give
 * exactly the totals of a single run over the same file: no record lost, none counted twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { sanso } from '../cli/run.js';
import { natsMissing, startNats } from './nats-server.js';

const missing = natsMissing();
const AS_OF = '2026-11-30';

const FLOWS = [
  { src: '10.20.100.5', dst: '172.16.1.10', service: 'tcp/443' },
  { src: '10.10.100.7', dst: '10.20.100.9', service: 'tcp/445' },
  { src: '10.20.100.5', dst: '8.8.8.8', service: 'udp/53' },
  { src: '10.20.100.5', dst: '10.20.1.10', service: 'tcp/443' },
  { src: '10.10.100.7', dst: '10.10.1.5', service: 'icmp' },
];

function worker(url: string, env: Record<string, string> = {}): { p: ChildProcess; out: Promise<string> } {
  const p = spawn(
    process.execPath,
    [
      ...process.execArgv,
      'bin/sanso.ts',
      'monitor',
      '--from',
      `${url}/flows.>`,
      '--log-format',
      'jsonl',
      '--as-of',
      AS_OF,
      '--json',
      '--batch',
      '50',
      '--ack-wait',
      '1',
      '--idle-exit',
      '3',
    ],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', () => undefined);
  return { p, out: new Promise((resolve) => p.once('exit', () => resolve(out))) };
}

t.test('two workers, one killed midway: exact totals after merge', { skip: missing ?? false }, async (t) => {
  const nats = await startNats();
  const dir = mkdtempSync(join(tmpdir(), 'sanso-monitor-'));
  t.teardown(async () => {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // 3,000 records, some malformed, in 750 messages of 4 lines.
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(i % 97 === 0 ? `{"src":"10.20.100.${i % 300}"}` : JSON.stringify({ ...FLOWS[i % FLOWS.length], n: i, time: 1796000000 + i }));
  const file = join(dir, 'flows.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const single = await sanso(['monitor', '--from', file, '--log-format', 'jsonl', '--json', '--as-of', AS_OF]);
  const want = JSON.parse(single.out) as { records: number; parsed: number; rejected: number; findings: { code: string; count: number; firstSeen: string; lastSeen: string }[] };
  t.equal(want.records, 3000);

  const pub = await sanso(['monitor', 'publish', file, '--to', `${nats.url}/flows.kanagawa.sample-city`, '--lines', '4']);
  t.equal(pub.code, 0, pub.err);
  t.match(pub.err, '3000 lines in 750 messages');

  const a = worker(nats.url, { SANSO_MONITOR_ACK_DELAY_MS: '60000' });
  // Wait for A's first partial to be stored: A is then in the window before its acks.
  const nc = await connect({ servers: nats.url.replace('nats://', '') });
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const n = await jsm.streams.info('SANSO_PARTIALS').then(
      (i) => i.state.messages,
      () => 0,
    );
    if (n >= 1) break;
    if (Date.now() > deadline) throw new Error('worker A stored no partial');
    await new Promise((r) => setTimeout(r, 50));
  }
  const b = worker(nats.url);
  a.p.kill('SIGKILL');
  await a.out;
  t.equal(a.p.signalCode, 'SIGKILL', 'A died without acknowledging');
  const bOut = JSON.parse(await b.out) as { records: number };
  t.ok(bOut.records >= 3000 - 200, `B counted the rest and A's redelivered batch (${bOut.records})`);
  await nc.close();

  const merged = await sanso(['monitor', 'merge', '--from', nats.url, '--json']);
  t.equal(merged.code, 3, merged.err);
  t.match(merged.err, /\((\d+) delivered twice, counted once\)/);
  const twice = Number(/\((\d+) delivered twice/.exec(merged.err)![1]);
  t.ok(twice > 0, `messages counted by both workers: ${twice}`);
  const got = JSON.parse(merged.out) as typeof want;
  t.same([got.records, got.parsed, got.rejected], [want.records, want.parsed, want.rejected], 'records, parsed, rejected: exact');
  const key = (f: { code: string; count: number; firstSeen: string; lastSeen: string }) => [f.code, f.count, f.firstSeen, f.lastSeen].join(' ');
  t.same(got.findings.map(key).sort(), want.findings.map(key).sort(), 'every finding: the same count, first and last seen');
});
