import t from 'tap';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadPolicy } from '../../src/policy.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { decisionObject } from '../../src/lookup/render.js';
import { server } from './helpers.js';

const policy = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;
function expected(src: string, dst: string, service: string) {
  const out = new FlowResult();
  if (!resolveFlow(policy.table, src, dst, service, out)) throw new Error('bad flow');
  return decisionObject(policy.table, out.decision, out.srcSeg, out.dstSeg, src, dst, 'en');
}

const NDJSON = { 'content-type': 'application/x-ndjson' };
const FLOWS = [
  { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' },
  { src: '10.20.100.5', dst: '172.16.1.5', service: 'tcp/443' },
  { src: 'fd00:10:0:100::20', dst: '2001:db8:10::10', service: 'tcp/443' },
  { src: '172.16.9.10', dst: '192.0.2.10', service: 'udp/53' },
  { src: '10.10.1.40', dst: '10.20.1.20', service: 'tcp/445' },
];

t.test('a few thousand NDJSON lines with bad ones in the middle', async (t) => {
  const app = await server(t, { asOf: '2026-06-01', ndjsonLineLimit: 200 });
  const N = 3000;
  const lines: string[] = [];
  const want: ({ line: number; error: RegExp } | { flow: (typeof FLOWS)[number] } | null)[] = [];
  for (let i = 0; i < N; i++) {
    const n = i + 1;
    if (i === 1500) {
      lines.push('{"src":"10.20.100.5","dst":"172.16.9.10",');
      want.push({ line: n, error: /well-formed JSON/ });
    } else if (i === 1501) {
      lines.push('{"src":"10.20.100.5","dst":"300.1.1.1","service":"tcp/443"}');
      want.push({ line: n, error: /^dst "300\.1\.1\.1": .*greater than 255/ });
    } else if (i === 1502) {
      lines.push('');
      want.push(null); // blank lines are skipped (but counted)
    } else if (i === 1503) {
      lines.push(JSON.stringify({ ...FLOWS[0], note: 'x'.repeat(300) }));
      want.push({ line: n, error: /longer than 200/ });
    } else if (i === 1504) {
      lines.push('{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","constructor":{"prototype":{"x":1}}}');
      want.push({ line: n, error: /__proto__ or constructor\.prototype/ });
    } else if (i === 1505) {
      lines.push('[1,2,3]');
      want.push({ line: n, error: /exactly the string keys/ });
    } else {
      const flow = FLOWS[i % FLOWS.length]!;
      lines.push(i % 7 === 0 ? `${JSON.stringify(flow)}\r` : JSON.stringify(flow));
      want.push({ flow });
    }
  }
  const r = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: NDJSON, payload: `${lines.join('\n')}\n` });
  t.equal(r.statusCode, 200);
  t.match(r.headers['content-type'], /^application\/x-ndjson/);
  t.ok(r.body.endsWith('\n'));
  const got = r.body
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l));
  const expectedAnswers = want.filter((w) => w !== null);
  t.equal(got.length, expectedAnswers.length, 'one answer per non-blank line');
  let mismatches = 0;
  got.forEach((g, k) => {
    const w = expectedAnswers[k]!;
    if ('flow' in w) {
      if (JSON.stringify(g) !== JSON.stringify(expected(w.flow.src, w.flow.dst, w.flow.service))) mismatches++;
    } else {
      t.equal(g.line, w.line, `error on line ${w.line}`);
      t.match(g.error, w.error);
    }
  });
  t.equal(mismatches, 0, 'every good line is answered exactly as the library decides it');
});

t.test('NDJSON: the last line needs no newline; an overlong last line is answered', async (t) => {
  const app = await server(t, { ndjsonLineLimit: 100 });
  let r = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: NDJSON, payload: JSON.stringify(FLOWS[0]) });
  t.same(JSON.parse(r.body.trim()), expected(FLOWS[0]!.src, FLOWS[0]!.dst, FLOWS[0]!.service));
  r = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: NDJSON, payload: `${JSON.stringify(FLOWS[1])}\n${'y'.repeat(500)}` });
  const out = r.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.equal(out.length, 2);
  t.match(out[1], { line: 2, error: /longer than 100/ });
  r = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: NDJSON, payload: '' });
  t.equal(r.statusCode, 200);
  t.equal(r.body, '');
});

/** Reads NDJSON lines from a response as they arrive. */
function lineReader(res: IncomingMessage) {
  let buf = '';
  const lines: string[] = [];
  let waiter: (() => void) | null = null;
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    waiter?.();
  });
  return {
    lines,
    /** Resolves once at least n lines have arrived. */
    until(n: number): Promise<void> {
      if (lines.length >= n) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = () => {
          if (lines.length >= n) {
            waiter = null;
            resolve();
          }
        };
      });
    },
    ended: new Promise<void>((resolve) => res.on('end', () => resolve())),
  };
}

t.test('NDJSON streams both ways on a real loopback port', async (t) => {
  const app = await server(t, { asOf: '2026-06-01' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  let req!: ClientRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/decide/batch', headers: NDJSON }, resolve);
    req.on('error', reject);
    // The first lines go out before the response exists: the server answers while we still send.
    for (let i = 0; i < 100; i++) req.write(`${JSON.stringify(FLOWS[i % FLOWS.length])}\n`);
  });
  t.equal(res.statusCode, 200);
  const reader = lineReader(res);
  await reader.until(100);
  t.equal(reader.lines.length, 100, 'answers for the first 100 lines arrived before the request ended');
  // A line split inside a multi-byte character, over two writes.
  const odd = Buffer.from(`${JSON.stringify({ ...FLOWS[0], メモ: '三層' })}\n`, 'utf8');
  const cut = odd.indexOf(Buffer.from('三', 'utf8')) + 1;
  req.write(odd.subarray(0, cut));
  req.write(odd.subarray(cut));
  for (let i = 0; i < 99; i++) req.write(`${JSON.stringify(FLOWS[i % FLOWS.length])}\n`);
  await reader.until(200);
  req.end();
  await reader.ended;
  t.equal(reader.lines.length, 200);
  t.match(JSON.parse(reader.lines[100]!), { line: 101, error: /exactly the string keys/ });
  const versions = new Set(reader.lines.filter((_, i) => i !== 100).map((l) => JSON.parse(l).policyVersion));
  t.same([...versions], [policy.version]);
});

t.test('NDJSON on a real port to a reader that stalls: slabs are written again only once sent', async (t) => {
  // The server reuses an answer slab once the response has written everything handed to it; a
  // reader that keeps stopping fills the socket, so writes wait in the kernel's queue and a slab
  // reused too early would show up as answers overwritten by later ones.
  const app = await server(t, { asOf: '2026-06-01' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const N = 40000;
  const want = FLOWS.map((f) => JSON.stringify(expected(f.src, f.dst, f.service)));
  const body = Buffer.from(Array.from({ length: N }, (_, i) => `${JSON.stringify(FLOWS[(i * 3) % FLOWS.length])}\n`).join(''));
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/decide/batch', headers: NDJSON }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  const parts: Buffer[] = [];
  let events = 0;
  res.on('data', (b: Buffer) => {
    parts.push(b);
    if (++events % 8 === 0) {
      res.pause();
      setTimeout(() => res.resume(), 5);
    }
  });
  await new Promise((resolve) => res.on('end', resolve));
  const lines = Buffer.concat(parts).toString('utf8').split('\n');
  t.equal(lines.pop(), '', 'the last answer ends with a newline');
  t.equal(lines.length, N);
  let differ = 0;
  lines.forEach((l, i) => {
    if (JSON.stringify(JSON.parse(l)) !== want[(i * 3) % FLOWS.length]) differ++;
  });
  t.equal(differ, 0, `all ${N} answers as decided (${Math.round(Buffer.concat(parts).length / 2 ** 20)} MB)`);
});
