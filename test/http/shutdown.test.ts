import t from 'tap';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { server } from './helpers.js';

const FLOW = JSON.stringify({ src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' });

function collect(res: IncomingMessage) {
  const state = { text: '', lines: 0, waiters: [] as [number, () => void][] };
  res.setEncoding('utf8');
  res.on('data', (d: string) => {
    state.text += d;
    state.lines = state.text.split('\n').length - 1;
    state.waiters = state.waiters.filter(([n, fn]) => (state.lines >= n ? (fn(), false) : true));
  });
  const ended = new Promise<void>((resolve) => res.on('end', () => resolve()));
  const until = (n: number) => new Promise<void>((resolve) => (state.lines >= n ? resolve() : state.waiters.push([n, resolve])));
  return { state, ended, until };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

t.test('close() finishes the requests in flight and refuses new connections', async (t) => {
  const app = await server(t);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  let req!: ReturnType<typeof httpRequest>;
  const res = await new Promise<IncomingMessage>((resolve) => {
    req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/decide/batch', headers: { 'content-type': 'application/x-ndjson' } }, resolve);
    for (let i = 0; i < 10; i++) req.write(`${FLOW}\n`);
  });
  const c = collect(res);
  await c.until(10);

  let closed = false;
  const closing = app.close().then(() => (closed = true));
  for (let i = 0; i < 5; i++) await tick();
  t.equal(closed, false, 'close waits while a request is in flight');
  const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => false,
    () => true,
  );
  t.ok(refused, 'no new connections once closing');

  for (let i = 0; i < 10; i++) req.write(`${FLOW}\n`);
  req.end();
  await c.ended;
  t.equal(c.state.lines, 20, 'the request in flight got every answer');
  await closing;
  t.equal(closed, true);
});
