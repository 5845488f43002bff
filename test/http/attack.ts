/**
 * For the hardening tests: a real listening server (127.0.0.1, port 0) and a probe that times
 * /healthz while an attack runs. The bound asserted on the probe is loose on purpose (the test
 * machine is shared): the point is "not blocked for seconds", not a latency figure.
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Polls /healthz every `everyMs` until stopped; the slowest answer seen, in ms. */
export function probe(base: string, everyMs = 50): { stop(): Promise<number> } {
  let worst = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      const r = await fetch(`${base}/healthz`);
      await r.text();
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return worst;
    },
  };
}

/** A raw connection to the server (slow and malformed clients). */
export function rawSocket(base: string): Promise<Socket> {
  const port = Number(new URL(base).port);
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything a socket receives until it closes (or `ms` passes). */
export function drain(s: Socket, ms = 10_000): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      clearTimeout(timer);
      resolve(text);
    };
    const timer = setTimeout(() => {
      s.destroy();
      done();
    }, ms);
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('close', done);
    s.on('error', () => undefined);
  });
}

/** A loose bound for "answered, not blocked": generous for a shared, busy test machine. */
export const NOT_BLOCKED_MS = 1500;
