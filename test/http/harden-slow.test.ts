/**
 * Issue 14, item 6: slow clients. The attack as run (slow headers, slow bodies, many idle
 * connections) scaled down, with the timeouts scaled down alike; and the shutdown deadline.
 */
import t from 'tap';
import type { Socket } from 'node:net';
import { closeWithin } from '../../src/http/server.js';
import { server } from './helpers.js';
import { drain, listen, NOT_BLOCKED_MS, probe, rawSocket } from './attack.js';

const LIMITS = { headersTimeout: 500, requestTimeout: 1500, connectionsCheckingInterval: 100, idleTimeout: 3000, maxConnections: 50 };

/** Resolves with the ms until the socket closes (and what it received). */
function closed(s: Socket): Promise<{ ms: number; text: string }> {
  const t0 = performance.now();
  return drain(s, 20_000).then((text) => ({ ms: performance.now() - t0, text }));
}

t.test('slow headers are cut at the headers timeout; /healthz answers meanwhile', async (t) => {
  const app = await server(t, LIMITS);
  const base = await listen(app);
  const p = probe(base);
  const sockets = await Promise.all(Array.from({ length: 40 }, () => rawSocket(base)));
  const ends = sockets.map((s) => {
    s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    return closed(s);
  });
  const results = await Promise.all(ends);
  const worst = await p.stop();
  const slowest = Math.max(...results.map((r) => r.ms));
  t.ok(slowest < 3000, `every slow-headers connection closed within ${Math.round(slowest)} ms (was 83 s)`);
  t.ok(
    results.every((r) => /^HTTP\/1\.1 408 /.test(r.text) || r.text === ''),
    'answered 408 or closed',
  );
  t.ok(worst < NOT_BLOCKED_MS, `/healthz answered within ${Math.round(worst)} ms`);
});

t.test('a slow body is cut at the request timeout however it trickles', async (t) => {
  const app = await server(t, LIMITS);
  const base = await listen(app);
  const s = await rawSocket(base);
  s.write(`POST /v1/decide HTTP/1.1\r\nHost: 127.0.0.1:${new URL(base).port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
  const trickle = setInterval(() => s.writable && s.write(' '), 100);
  const r = await closed(s);
  clearInterval(trickle);
  t.ok(r.ms < 4000, `closed after ${Math.round(r.ms)} ms (was 143 s)`);
  t.match(r.text, /^HTTP\/1\.1 408 /);
});

t.test('connections past the cap are closed at once', async (t) => {
  const app = await server(t, LIMITS);
  const base = await listen(app);
  const held = await Promise.all(Array.from({ length: 50 }, () => rawSocket(base)));
  for (const s of held) s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  await new Promise((r) => setTimeout(r, 100));
  const extra = await rawSocket(base);
  const r = await closed(extra);
  t.ok(r.ms < 1000, `the 51st connection closed within ${Math.round(r.ms)} ms`);
  t.equal(r.text, '', 'with no answer');
  for (const s of held) s.destroy();
});

t.test('shutdown has a deadline: a slow client cannot hold the process', async (t) => {
  const app = await server(t, { ...LIMITS, requestTimeout: 60_000, headersTimeout: 60_000, idleTimeout: 60_000 });
  const base = await listen(app);
  const s = await rawSocket(base);
  const gone = closed(s);
  s.write(`POST /v1/decide HTTP/1.1\r\nHost: 127.0.0.1:${new URL(base).port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const how = await closeWithin(app, 300);
  const ms = performance.now() - t0;
  t.equal(how, 'forced');
  t.ok(ms < 2000, `closed within ${Math.round(ms)} ms of SIGTERM's deadline of 300 ms`);
  await gone;
});
