import t, { type Test } from 'tap';
import fc from '../property/fc.js';
import { runs } from '../property/settings.js';
import { connect, type AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { API_ERRORS, PROBLEM_TYPE_BASE } from '../../src/problems/codes.js';
import { server } from './helpers.js';

const GOOD = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Every error answer is a complete RFC 9457 document of a catalogued type, and nothing else. */
function isProblem(t: Test, r: LightMyRequestResponse, code: keyof typeof API_ERRORS, label: string) {
  t.equal(r.statusCode, API_ERRORS[code].status, `${label}: status`);
  t.match(r.headers['content-type'], /^application\/problem\+json/, `${label}: content type`);
  const body = JSON.parse(r.body);
  t.equal(body.code, code, `${label}: code`);
  t.equal(body.type, PROBLEM_TYPE_BASE + code.toLowerCase(), `${label}: type`);
  t.equal(body.status, r.statusCode, `${label}: status member`);
  t.equal(body.title, API_ERRORS[code].title, `${label}: title`);
  t.type(body.detail, 'string', `${label}: detail`);
  t.type(body.instance, 'string', `${label}: instance`);
  t.notMatch(r.body, /\bat .*\.(?:js|ts):\d+/, `${label}: no stack trace`);
  return body;
}

t.test('malformed JSON, empty bodies and wrong types are 400', async (t) => {
  const app = await server(t);
  const cases: [string, string, keyof typeof API_ERRORS][] = [
    ['truncated', '{"src":"10.20.100.5",', 'MALFORMED-JSON'],
    ['not JSON', 'src=10.20.100.5', 'MALFORMED-JSON'],
    ['empty', '', 'INVALID-REQUEST'],
    ['only white space', '  \n', 'MALFORMED-JSON'],
    ['number for src', JSON.stringify({ ...GOOD, src: 10 }), 'INVALID-REQUEST'],
    ['missing service', JSON.stringify({ src: GOOD.src, dst: GOOD.dst }), 'INVALID-REQUEST'],
    ['unknown key', JSON.stringify({ ...GOOD, port: 443 }), 'INVALID-REQUEST'],
    ['an array', JSON.stringify([GOOD]), 'INVALID-REQUEST'],
    ['null', 'null', 'INVALID-REQUEST'],
    ['a string', '"10.20.100.5"', 'INVALID-REQUEST'],
    ['a very long address', JSON.stringify({ ...GOOD, src: '1'.repeat(100) }), 'INVALID-REQUEST'],
  ];
  for (const [label, payload, code] of cases) {
    const r = await app.inject({ method: 'POST', url: '/v1/decide', headers: JSON_HEADERS, payload });
    const body = isProblem(t, r, code, label);
    t.equal(body.instance, '/v1/decide');
  }
  const r = await app.inject({ method: 'POST', url: '/v1/decide', headers: JSON_HEADERS, payload: JSON.stringify({ ...GOOD, port: 443 }) });
  t.match(JSON.parse(r.body).detail, /unknown key "port"/);
});

t.test('bad addresses and services', async (t) => {
  const app = await server(t);
  const cases: [Partial<typeof GOOD>, keyof typeof API_ERRORS, RegExp][] = [
    [{ src: '010.20.100.5' }, 'BAD-ADDRESS', /^src "010\.20\.100\.5": .*leading zero/],
    [{ dst: '172.16.9.256' }, 'BAD-ADDRESS', /^dst .*greater than 255/],
    [{ src: 'fe80::1%eth0' }, 'BAD-ADDRESS', /zone/],
    [{ dst: 'fd00::1::2' }, 'BAD-ADDRESS', /IPv6/],
    [{ dst: '10.20.0.0/16' }, 'BAD-ADDRESS', /^dst /],
    [{ src: ' 10.20.100.5' }, 'BAD-ADDRESS', /^src /],
    [{ src: '10.20.100' }, 'BAD-ADDRESS', /^src /],
    [{ service: 'tcp/0' }, 'BAD-SERVICE', /out of range/],
    [{ service: 'tcp/65536' }, 'BAD-SERVICE', /out of range/],
    [{ service: 'tcp' }, 'BAD-SERVICE', /need a port/],
    [{ service: 'udp/53-54' }, 'BAD-SERVICE', /one port/],
    [{ service: 'icmp/8' }, 'BAD-SERVICE', /no ports/],
    [{ service: 'any' }, 'BAD-SERVICE', /not any/],
    [{ service: 'https' }, 'BAD-SERVICE', /not a flow service/],
    [{ service: 'proto/300' }, 'BAD-SERVICE', /0–255/],
    [{ service: 'tcp/0443' }, 'BAD-SERVICE', /leading zeros|not a number/],
  ];
  for (const [patch, code, detail] of cases) {
    const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: { ...GOOD, ...patch } });
    const body = isProblem(t, r, code, JSON.stringify(patch));
    t.match(body.detail, detail);
  }
});

t.test('prototype pollution is refused, and pollutes nothing', async (t) => {
  const app = await server(t);
  const payloads = [
    `{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","__proto__":{"polluted":true}}`,
    `{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","constructor":{"prototype":{"polluted":true}}}`,
    `{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","\\u005f_proto__":{"polluted":true}}`,
    `{"flows":[{"__proto__":{"polluted":true},"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}]}`,
  ];
  for (const [i, payload] of payloads.entries()) {
    const url = i === 3 ? '/v1/decide/batch' : '/v1/decide';
    const r = await app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload });
    isProblem(t, r, 'PROTOTYPE-POISONING', payload);
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('oversized bodies are 413, wrong content types 415', async (t) => {
  const app = await server(t, { bodyLimit: 2048 });
  const big = JSON.stringify({ ...GOOD, pad: 'x'.repeat(4096) });
  isProblem(t, await app.inject({ method: 'POST', url: '/v1/decide', headers: JSON_HEADERS, payload: big }), 'BODY-TOO-LARGE', 'big');
  const types = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/x-ndjson', 'multipart/form-data; boundary=x'];
  for (const type of types) {
    const r = await app.inject({ method: 'POST', url: '/v1/decide', headers: { 'content-type': type }, payload: JSON.stringify(GOOD) });
    isProblem(t, r, 'UNSUPPORTED-MEDIA-TYPE', type);
  }
  const r = await app.inject({ method: 'POST', url: '/v1/decide/batch', headers: { 'content-type': 'text/csv' }, payload: '10.20.100.5,172.16.9.10,tcp/443\n' });
  isProblem(t, r, 'UNSUPPORTED-MEDIA-TYPE', 'csv to batch');
  // JSON with a charset parameter is still JSON.
  const ok = await app.inject({ method: 'POST', url: '/v1/decide', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(GOOD) });
  t.equal(ok.statusCode, 200);
});

t.test('unknown routes are 404, known routes with the wrong method 405 with Allow', async (t) => {
  const app = await server(t);
  isProblem(t, await app.inject({ method: 'GET', url: '/v2/decide' }), 'NOT-FOUND', 'GET /v2/decide');
  const r = await app.inject({ method: 'GET', url: '/v1/decide?x=1' });
  const body = isProblem(t, r, 'METHOD-NOT-ALLOWED', 'GET /v1/decide');
  t.equal(r.headers.allow, 'POST');
  t.equal(body.instance, '/v1/decide', 'instance carries no query');
  const d = await app.inject({ method: 'DELETE', url: '/v1/policy' });
  isProblem(t, d, 'METHOD-NOT-ALLOWED', 'DELETE /v1/policy');
  t.equal(d.headers.allow, 'GET, HEAD');
});

t.test('no input makes a 5xx: random bodies on every POST route', async (t) => {
  const app = await server(t);
  const routes = ['/v1/decide', '/v1/decide/batch'];
  const body = fc.oneof(
    fc.json(),
    fc.string(),
    fc.record({ src: fc.string(), dst: fc.string(), service: fc.string() }),
    fc.record({ flows: fc.array(fc.record({ src: fc.string(), dst: fc.string(), service: fc.string() }), { maxLength: 5 }) }),
    fc.record({ src: fc.ipV6(), dst: fc.ipV4Extended(), service: fc.constantFrom('tcp/1', 'udp/65535', 'icmp', 'proto/47', 'tcp/') }),
  );
  const type = fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/json; charset=latin1');
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...routes), body, type, async (url, b, ct) => {
      const payload = typeof b === 'string' ? b : JSON.stringify(b);
      const r = await app.inject({ method: 'POST', url, headers: { 'content-type': ct }, payload });
      if (r.statusCode >= 500) return false;
      if (r.statusCode >= 400) {
        const p = JSON.parse(r.body);
        return Object.hasOwn(API_ERRORS, p.code) && p.status === r.statusCode;
      }
      return true;
    }),
    { numRuns: runs(300) },
  );
  t.pass('every answer was 2xx or a catalogued 4xx problem');
});

/** Sends raw bytes to a listening server and collects what comes back until it closes. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d) => (data += d));
    s.on('close', () => resolve(data));
    s.on('error', reject);
    s.write(bytes);
  });
}

function problemOf(response: string) {
  const [head, body] = response.split('\r\n\r\n');
  return { head: head!, body: JSON.parse(body!) };
}

t.test('request timeouts, oversized headers and broken HTTP on a real socket', async (t) => {
  const app = await server(t, { requestTimeout: 300, connectionsCheckingInterval: 50 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;

  // A body promised but never sent: the request times out.
  const slow = problemOf(await raw(port, `POST /v1/decide HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"src":`));
  t.match(slow.head, /^HTTP\/1\.1 408 /);
  t.match(slow.head, /content-type: application\/problem\+json/i);
  t.match(slow.body, { code: 'REQUEST-TIMEOUT', status: 408, type: `${PROBLEM_TYPE_BASE}request-timeout` });

  const big = problemOf(await raw(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
  t.match(big.head, /^HTTP\/1\.1 431 /);
  t.match(big.body, { code: 'HEADERS-TOO-LARGE', status: 431 });

  const junk = problemOf(await raw(port, 'THIS IS NOT HTTP\r\n\r\n'));
  t.match(junk.head, /^HTTP\/1\.1 400 /);
  t.match(junk.body, { code: 'BAD-HTTP', status: 400 });

  // The server is still there.
  const ok = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(ok.status, 200);
});
