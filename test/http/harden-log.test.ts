/**
 * Issue 14, item 5: the decision log records what was answered as it is answered, stays bounded
 * when its reader stalls (and says how much it dropped), and records security events.
 */
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { bearer, logSink, server, testTokens } from './helpers.js';
import { listen } from './attack.js';

const FLOW = JSON.stringify({ src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' });

t.test('an NDJSON stream the client aborts has logged what it was answered', async (t) => {
  const { stream, entries } = logSink();
  const app = await server(t, { decisionLog: { destination: stream } });
  const base = await listen(app);
  let received = 0;
  await new Promise<void>((resolve) => {
    const req = httpRequest(`${base}/v1/decide/batch`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' } }, (res) => {
      res.on('data', (d: Buffer) => {
        for (const b of d) if (b === 10) received++;
        if (received >= 5000) {
          req.destroy();
          resolve();
        }
      });
    });
    req.on('error', () => undefined);
    // 100 chunks of 100 lines; the client leaves after 5,000 answers, before the stream ends.
    let sent = 0;
    const more = () => {
      while (sent < 100) {
        sent++;
        if (!req.write(`${`${FLOW}\n`.repeat(100)}`)) return void req.once('drain', more);
      }
    };
    more();
  });
  await new Promise((r) => setTimeout(r, 300));
  const parts = entries.filter((e) => e.msg === 'decision batch part');
  const logged = parts.reduce((n, p) => n + p.results.length, 0);
  t.ok(logged >= received, `${logged} flows logged, ${received} received by the client before it left`);
  t.ok(parts.every((p) => p.results.every((r: unknown) => JSON.stringify(r) === '["GRANTED","F-120"]')));
  t.equal(
    parts
      .map((p) => p.input)
      .join('')
      .split('\n')
      .filter((l: string) => l !== '').length,
    logged,
    'each result has its input line',
  );
});

t.test('a stalled log reader: entries dropped and counted, memory bounded, answers go on', async (t) => {
  // A named pipe whose reader never reads: a sleeping child holds it open.
  const dir = mkdtempSync(join(tmpdir(), 'sanso-fifo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'log');
  execFileSync('mkfifo', [fifo]);
  const child = spawn('sh', ['-c', 'exec sleep 60 < "$0"', fifo], { stdio: 'ignore' });
  const app = await server(t, { tokens: testTokens(), decisionLog: { destination: fifo, maxBufferBytes: 256 * 1024 } });
  // Teardown order: the child goes first so that the pipe breaks and the log can close.
  t.teardown(() => void child.kill());
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 4000; i++) {
    const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW, headers: { 'content-type': 'application/json', ...bearer('tok-decide') } });
    if (r.statusCode !== 200) t.fail(`answer ${i}: ${r.statusCode}`);
  }
  const dropped = app.sanso.decisionLog!.dropped;
  t.ok(dropped > 1000, `${dropped} entries dropped`);
  const m = await app.inject({ method: 'GET', url: '/metrics', headers: bearer('tok-metrics') });
  t.match(m.body, new RegExp(`^sanso_decision_log_dropped_total ${dropped}$`, 'm'));
  t.ok(process.memoryUsage().rss - rss0 < 200 * 1024 * 1024, 'memory did not follow the log');
  child.kill();
});

t.test('security events: failed authentication with the client address, reloads with the token', async (t) => {
  const { stream, entries } = logSink();
  const app = await server(t, { tokens: testTokens(), decisionLog: { destination: stream } });
  await app.inject({ method: 'POST', url: '/v1/decide', payload: FLOW, headers: { 'content-type': 'application/json', ...bearer('tok-wrong') } });
  await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json', ...bearer('tok-decide') } });
  await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json', ...bearer('tok-admin') } });
  const sec = entries.filter((e) => e.log === 'security');
  t.match(sec, [
    { event: 'auth-failed', reason: 'invalid token', client: '127.0.0.1', path: '/v1/decide' },
    { event: 'scope-denied', token: 'tok-decide', scope: 'admin', client: '127.0.0.1' },
    { event: 'reload', token: 'tok-admin', result: 'unchanged', client: '127.0.0.1' },
  ]);
  t.notMatch(JSON.stringify(sec), /tok-wrong/, 'a presented token is never logged');
});
