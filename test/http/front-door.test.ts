/**
 * The front door (src/http/front-door.ts) against the Fastify route it stands in front of: the
 * same raw requests sent to a server with it and one without must get the same status, headers
 * (but Date and the decision id's value) and body, write the same decision-log entry, and count
 * the same metrics. The Fastify route is the reference; its own behaviour is tested elsewhere.
 */
import t, { type Test } from 'tap';
import fc from '../property/fc.js';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { frontDoorOf, installFrontDoor } from '../../src/http/front-door.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { drain, listen, rawSocket } from './attack.js';
import { logSink, server, testTokens } from './helpers.js';
import { runs } from '../property/settings.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a raw HTTP/1.1 byte stream into its answers (Content-Length framed, as ours are). */
function answers(raw: string): Answer[] {
  const out: Answer[] = [];
  let rest = Buffer.from(raw, 'latin1');
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`an unfinished answer: ${JSON.stringify(rest.toString('latin1').slice(0, 200))}`);
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const c = l.indexOf(':');
      headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    const body = rest.subarray(end + 4, end + 4 + length).toString('utf8');
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.subarray(end + 4 + length);
  }
  return out;
}

/** Everything the server answers to `request` (raw bytes, possibly several requests), then it closes. */
async function exchange(base: string, request: Buffer | string): Promise<Answer[]> {
  const s = await rawSocket(base);
  const done = drain(s, 10_000);
  s.write(request);
  return answers(await done);
}

/** What must be equal between the two: Date and the decision id's value are not. */
function comparable(a: Answer): Answer & { decisionId: boolean } {
  const { date: _date, 'sanso-decision-id': id, ...headers } = a.headers;
  return { status: a.status, headers, body: a.body, decisionId: id !== undefined };
}

function comparableLog(e: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, decision_id: _id, ...rest } = e;
  return rest;
}

interface Pair {
  base: { front: string; fastify: string };
  logs: { front: Record<string, unknown>[]; fastify: Record<string, unknown>[] };
  apps: { front: FastifyInstance; fastify: FastifyInstance };
}

/** Two servers on the sample city, the same but for the front door, listening, logging decisions. */
async function pair(t: Test, opts: { tokens?: boolean; bodyLimit?: number } = {}): Promise<Pair> {
  const make = async (frontDoor: boolean) => {
    const log = logSink();
    const app = await server(t, {
      ...(opts.tokens === false ? {} : { tokens: testTokens() }),
      ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
      decisionLog: { destination: log.stream },
      frontDoor,
    });
    return { app, base: await listen(app), entries: log.entries };
  };
  const front = await make(true);
  const fastify = await make(false);
  return { base: { front: front.base, fastify: fastify.base }, logs: { front: front.entries, fastify: fastify.entries }, apps: { front: front.app, fastify: fastify.app } };
}

/** A POST /v1/decide as bytes, with Connection: close; `headers` are added after Host. */
function post(body: string | Buffer, headers: Record<string, string> = {}, path = '/v1/decide'): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all = { 'content-type': 'application/json', authorization: 'Bearer tok-decide', 'content-length': String(bytes.length), connection: 'close', ...headers };
  const head = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${head}\r\n`, 'latin1'), bytes]);
}

/**
 * Sends `request` to both servers; asserts the same answers and the same new log entries.
 * Returns the front door's answers.
 */
async function same(t: Test, p: Pair, request: Buffer, what: string): Promise<Answer[]> {
  const before = { front: p.logs.front.length, fastify: p.logs.fastify.length };
  const [front, fastify] = await Promise.all([exchange(p.base.front, request), exchange(p.base.fastify, request)]);
  t.same(front.map(comparable), fastify.map(comparable), `${what}: the same answers`);
  // Entries are written once per turn of the event loop: let the last one out.
  await new Promise((r) => setImmediate(r));
  t.same(p.logs.front.slice(before.front).map(comparableLog), p.logs.fastify.slice(before.fastify).map(comparableLog), `${what}: the same log entries`);
  for (const [i, a] of front.entries()) {
    const id = a.headers['sanso-decision-id'];
    if (id !== undefined)
      t.ok(
        p.logs.front.some((e) => e.decision_id === id),
        `${what}: answer ${i}'s decision id names its log entry`,
      );
  }
  return front;
}

const FLOW = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
const BODY = JSON.stringify(FLOW);

t.test('plainly valid requests are answered by the front door, exactly as by the route', async (t) => {
  const p = await pair(t);
  const door = frontDoorOf(p.apps.front)!;
  t.ok(door, 'installed by default');
  t.equal(frontDoorOf(p.apps.fastify), null, 'and not with frontDoor: false');
  const cases: [string, Buffer][] = [
    ['the common body', post(BODY)],
    ['keys in another order, JSON white space', post(`\r\n { "service" : "tcp/443",\t"dst":"172.16.9.10" , "src": "10.20.100.5" }\n`)],
    ['Japanese', post(BODY, { 'accept-language': 'ja' })],
    ['charset=utf-8', post(BODY, { 'content-type': 'application/json; charset=utf-8' })],
    ['IPv6', post(JSON.stringify({ src: 'fd00:20:0:100::5', dst: 'fd00:30:0:9::10', service: 'tcp/443' }))],
    ['IPv4-mapped', post(JSON.stringify({ src: '::ffff:10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' }))],
    ['a denied flow', post(JSON.stringify({ src: '10.10.100.20', dst: '10.10.1.10', service: 'tcp/22' }))],
    ['a sanitized flow', post(JSON.stringify({ src: '10.20.100.5', dst: '172.16.1.5', service: 'tcp/443' }))],
    ['the admin scope', post(BODY, { authorization: 'Bearer tok-admin' })],
  ];
  for (const [what, request] of cases) {
    const [a] = await same(t, p, request, what);
    t.equal(a!.status, 200, `${what}: 200`);
    t.ok(a!.headers['sanso-decision-id'], `${what}: logged`);
  }
  t.equal(door.answered, cases.length, 'every one answered at the front door');
  t.equal(door.replayed, 0, 'none replayed');
});

t.test('other bodies are replayed through the route: its answer, status and headers', async (t) => {
  const p = await pair(t);
  const door = frontDoorOf(p.apps.front)!;
  const cases: [string, string | Buffer][] = [
    ['a bad address', JSON.stringify({ ...FLOW, src: '10.20.100.500' })],
    ['a zone id', JSON.stringify({ ...FLOW, src: 'fe80::1%eth0' })],
    ['a bad service', JSON.stringify({ ...FLOW, service: 'tcp/70000' })],
    ['a port-less tcp', JSON.stringify({ ...FLOW, service: 'tcp' })],
    ['a key too many', JSON.stringify({ ...FLOW, extra: 1 })],
    ['a key missing', JSON.stringify({ src: FLOW.src, dst: FLOW.dst })],
    ['a number', JSON.stringify({ ...FLOW, service: 443 })],
    ['an address too long for the schema', JSON.stringify({ ...FLOW, src: '1'.repeat(65) })],
    ['an empty string', JSON.stringify({ ...FLOW, dst: '' })],
    ['a repeated key', `{"src":"10.20.100.5","src":"10.20.100.6","dst":"172.16.9.10","service":"tcp/443"}`],
    ['not JSON', '{"src":"10.20.100.5",'],
    ['an array', JSON.stringify([FLOW])],
    ['null', 'null'],
    ['nesting', `${'['.repeat(100)}${']'.repeat(100)}`],
    ['__proto__', `{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","__proto__":{"x":1}}`],
    ['full-width digits', JSON.stringify({ ...FLOW, src: '１０.20.100.5' })],
    ['bytes that are not UTF-8', Buffer.from(`{"src":"10.20.100.5\xff","dst":"172.16.9.10","service":"tcp/443"}`, 'latin1')],
    ['a control character in a value', `{"src":"10.20.100.5\u0001","dst":"172.16.9.10","service":"tcp/443"}`],
  ];
  for (const [what, body] of cases) {
    const [a] = await same(t, p, post(body), what);
    t.equal(a!.status, 400, `${what}: refused`);
    t.match(a!.headers['content-type'], /^application\/problem\+json/, `${what}: a problem document`);
  }
  // JSON the route accepts but the common-body reader does not: the route decides them.
  const decoded: [string, string | Buffer][] = [
    ['an escape, decoded as JSON decodes it', '{"src":"10.20.100.\\u0035","dst":"172.16.9.10","service":"tcp/443"}'],
    ['a byte-order mark (secure-json-parse drops it)', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BODY)])],
  ];
  for (const [what, body] of decoded) {
    const [a] = await same(t, p, post(body), what);
    t.equal(a!.status, 200, `${what}: decided`);
    t.ok(a!.headers['sanso-decision-id'], `${what}: logged`);
  }
  t.equal(door.replayed, cases.length + decoded.length, 'every one replayed');
  t.equal(door.answered, 0);
});

t.test('requests the guard refuses, or in any but the common form, go to Fastify untouched', async (t) => {
  const p = await pair(t, { bodyLimit: 256 });
  const door = frontDoorOf(p.apps.front)!;
  const chunked = Buffer.from(
    `POST /v1/decide HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer tok-decide\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`,
    'latin1',
  );
  const cases: [string, Buffer, number][] = [
    ['no token', post(BODY, { authorization: '' }), 401],
    ['a wrong token', post(BODY, { authorization: 'Bearer nope' }), 401],
    ['a token without the decide scope', post(BODY, { authorization: 'Bearer tok-check' }), 403],
    ['text/plain', post(BODY, { 'content-type': 'text/plain' }), 415],
    ['no Content-Type', post(BODY, { 'content-type': '' }), 415],
    ['Latin-1', post(BODY, { 'content-type': 'application/json; charset=iso-8859-1' }), 415],
    ['NDJSON on the single route', post(BODY, { 'content-type': 'application/x-ndjson' }), 415],
    ['gzip', post(BODY, { 'content-encoding': 'gzip' }), 415],
    ['too large for the body limit', post(JSON.stringify({ ...FLOW, pad: 'x'.repeat(300) })), 413],
    ['no body', post(''), 400],
    ['a charset written in capitals', post(BODY, { 'content-type': 'application/json; charset=UTF-8' }), 200],
    ['Content-Encoding: identity', post(BODY, { 'content-encoding': 'identity' }), 200],
    ['a query string', post(BODY, {}, '/v1/decide?x=1'), 200],
    ['chunked', chunked, 200],
    ['Expect: 100-continue', post(BODY, { expect: '100-continue' }), 200],
  ];
  for (const [what, request, status] of cases) {
    const answers = await same(t, p, request, what);
    t.equal(answers.at(-1)!.status, status, `${what}: ${status}`);
  }
  t.equal(door.answered + door.replayed, 0, 'the front door took none of them');
  // The security events were recorded once, by the guard, on both.
  const events = (logs: Record<string, unknown>[]) => logs.filter((e) => e.log === 'security').map((e) => e.event);
  t.same(events(p.logs.front), ['auth-failed', 'auth-failed', 'scope-denied']);
});

t.test('pipelined requests, some through the front door and some not, are answered in order', async (t) => {
  const p = await pair(t);
  const keep = { connection: 'keep-alive' };
  const request = Buffer.concat([
    post(BODY, keep),
    post(BODY, { ...keep, authorization: 'Bearer nope' }),
    post(JSON.stringify({ ...FLOW, src: 'nope' }), keep),
    post(JSON.stringify({ ...FLOW, service: 'udp/53' }), { ...keep, 'accept-language': 'ja' }),
    post(BODY),
  ]);
  const answers = await same(t, p, request, 'five pipelined');
  t.same(
    answers.map((a) => a.status),
    [200, 401, 400, 200, 200],
  );
  const door = frontDoorOf(p.apps.front)!;
  t.equal(door.answered, 3);
  t.equal(door.replayed, 1);
});

t.test('a client that hangs up mid-body leaves the service answering', async (t) => {
  const p = await pair(t);
  const s = await rawSocket(p.base.front);
  const whole = post(BODY).toString('latin1');
  s.write(whole.replace(`content-length: ${BODY.length}`, 'content-length: 500').slice(0, -10));
  await new Promise((r) => setTimeout(r, 50));
  s.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const [a] = await same(t, p, post(BODY), 'after the hang-up');
  t.equal(a!.status, 200);
  t.same(frontDoorOf(p.apps.front), { answered: 1, replayed: 0 }, 'the cut request answered nothing');
});

t.test('a failure inside the front door is answered by the route, as the route answers it', async (t) => {
  // A decision log whose destination throws: the route's own error handler answers 500.
  const broken = () =>
    ({
      write() {
        throw new Error('the disk is gone');
      },
    }) as unknown as NodeJS.WritableStream;
  const front = await server(t, { tokens: testTokens(), decisionLog: { destination: broken() } });
  const fastify = await server(t, { tokens: testTokens(), decisionLog: { destination: broken() }, frontDoor: false });
  const [a, b] = await Promise.all([exchange(await listen(front), post(BODY)), exchange(await listen(fastify), post(BODY))]);
  t.same(a!.map(comparable), b!.map(comparable));
  t.equal(a![0]!.status, 500);
  t.same(frontDoorOf(front), { answered: 0, replayed: 1 });
  // Not counted at all: the log is written before the decision is counted (recordDecide), and
  // no decision was answered. Were the front door to count before it logs, its replay would
  // count the same request a second time.
  const decisions = async (app: FastifyInstance) =>
    (await app.inject({ url: '/metrics', headers: { authorization: 'Bearer tok-admin' } })).body
      .split('\n')
      .filter((l) => l.startsWith('sanso_decisions_total') && !l.endsWith(' 0'));
  t.same(await decisions(front), []);
  t.same(await decisions(fastify), []);
});

t.test('metrics count what the front door answers as the route counts it', async (t) => {
  const p = await pair(t);
  for (const body of [BODY, BODY, JSON.stringify({ ...FLOW, src: 'x' }), JSON.stringify({ src: '10.10.100.20', dst: '10.10.1.10', service: 'tcp/22' })]) {
    await same(t, p, post(body), body);
  }
  const scrape = async (base: string) => {
    const r = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer tok-admin' } });
    const text = await r.text();
    // Latency sums and buckets differ by nature; counts do not.
    return text.split('\n').filter((l) => /^sanso_http_(requests_total|request_duration_seconds_count)\{[^}]*decide/.test(l) || /^sanso_decisions_total/.test(l));
  };
  const [front, fastify] = await Promise.all([scrape(p.base.front), scrape(p.base.fastify)]);
  t.ok(
    front.some((l) => /sanso_http_requests_total\{method="POST",route="\/v1\/decide",status="200"\} 3/.test(l)),
    front.join('\n'),
  );
  t.same(front, fastify);
});

t.test('open mode: Host is checked at the front door as the guard checks it', async (t) => {
  const p = await pair(t, { tokens: false });
  const door = frontDoorOf(p.apps.front)!;
  const port = (base: string) => new URL(base).port;
  // Each server listens on its own port: the request names each its own way.
  const send = async (host: (port: string) => string) => {
    const req = (base: string) =>
      post(BODY, { authorization: '' })
        .toString('latin1')
        .replace('Host: 127.0.0.1', `Host: ${host(port(base))}`);
    const [front, fastify] = await Promise.all([exchange(p.base.front, req(p.base.front)), exchange(p.base.fastify, req(p.base.fastify))]);
    t.same(front.map(comparable), fastify.map(comparable));
    return front[0]!.status;
  };
  t.equal(await send((port) => `127.0.0.1:${port}`), 200);
  t.equal(await send((port) => `localhost:${port}`), 200);
  t.equal(await send((port) => `evil.example:${port}`), 421);
  t.equal(await send(() => '127.0.0.1:1'), 421);
  t.equal(door.answered, 2, 'the two allowed, at the front door');
  await new Promise((r) => setImmediate(r));
  const entries = p.logs.front.filter((e) => e.log === 'decision');
  t.equal(entries.length, 2);
  t.equal(entries[0]!.caller, null, 'no caller in open mode');
});

t.test('random flows and bodies: the front door and the route agree', async (t) => {
  const p = await pair(t);
  const address = fc.constantFrom(
    '10.20.100.5',
    '10.10.1.5',
    '172.16.9.10',
    '172.16.1.5',
    '10.10.100.20',
    '203.0.113.9',
    '8.8.8.8',
    'fd00:20:0:100::5',
    '::ffff:10.20.100.5',
    '2001:db8:20::1',
    '10.20.100.500',
    '',
    'FD00:20:0:100::5',
  );
  const service = fc.constantFrom('tcp/443', 'tcp/22', 'tcp/445', 'udp/53', 'icmp', 'icmpv6', 'proto/47', 'tcp/0', 'tcp/70000', 'TCP/443', 'tcp');
  const ws = fc.constantFrom('', ' ', '\n', '\t ');
  const body = fc
    .record({
      src: address,
      dst: address,
      service,
      order: fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 0, 2]),
      ws,
      mutation: fc.constantFrom('none', 'none', 'none', 'escape', 'extra', 'drop', 'number'),
    })
    .map(({ src, dst, service, order, ws, mutation }) => {
      const pairs: [string, unknown][] = [
        ['src', src],
        ['dst', dst],
        ['service', service],
      ];
      let fields = order.map((i) => pairs[i]!);
      if (mutation === 'extra') fields.push(['note', 'x']);
      if (mutation === 'drop') fields = fields.slice(1);
      if (mutation === 'number') fields[0] = [fields[0]![0], 7];
      let text = `{${fields.map(([k, v]) => `${ws}${JSON.stringify(k)}${ws}:${ws}${JSON.stringify(v)}`).join(',')}${ws}}`;
      // \u002e is "." in JSON: the same flow, not the same bytes.
      if (mutation === 'escape') text = text.replace('.', '\\u002e');
      return text;
    });
  const lang = fc.constantFrom('', 'ja', 'en', 'ja;q=0.5, en');
  const door = frontDoorOf(p.apps.front)!;
  // Decided without an escape: the front door's; everything else: the route's.
  let plain = 0;
  await fc.assert(
    fc.asyncProperty(body, lang, async (text, lang) => {
      const [a] = await same(t, p, post(text, { 'accept-language': lang }), text);
      if (a!.status === 200 && !text.includes('\\u')) plain++;
    }),
    { numRuns: runs(60) },
  );
  t.equal(door.answered, plain, 'the plain 200s came from the front door');
  t.equal(door.replayed, runs(60) - plain, 'the rest through the route');
  t.ok(plain > 0 && plain < runs(60), `both kinds were drawn (${plain} at the front door)`);
});

t.test('what the flow parser accepts needs no escaping in JSON and fits the flow schema', async (t) => {
  // The log writes these unquoted, and the front door answers them without the schema's check.
  const p = await server(t);
  const table = p.sanso.lifecycle.current!.table;
  const out = new FlowResult();
  const schema = JSON.parse(readFileSync('schemas/api/flow.json', 'utf8')) as { properties: Record<'src' | 'dst' | 'service', { maxLength: number }> };
  const MAX = { src: schema.properties.src.maxLength, dst: schema.properties.dst.maxLength, service: schema.properties.service.maxLength };
  // Valid addresses and services, some with one character put in anywhere: a quote, a
  // backslash, a control character, a space, a letter from outside ASCII.
  const octet = fc.integer({ min: 0, max: 300 }).map(String);
  const v4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const v6 = fc
    .array(
      fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)),
      { minLength: 2, maxLength: 8 },
    )
    .map((g) => (g.length < 8 ? `${g[0]}::${g.slice(1).join(':')}` : g.join(':')));
  // Eight groups padded with zeros to eight digits: 71 characters, were they accepted.
  const padded = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((n) => n.toString(16).padStart(8, '0')).join(':'));
  const svc = fc
    .tuple(fc.constantFrom('tcp', 'udp', 'icmp', 'icmpv6', 'proto', 'TCP', 'sctp'), fc.integer({ min: 0, max: 70000 }), fc.constantFrom(0, 0, 0, 30))
    .map(([p, n, z]) => (p.startsWith('icmp') ? p : `${p}/${'0'.repeat(z)}${n}`));
  const odd = fc.constantFrom('"', '\\', '\u0001', ' ', '\u3000', 'é', '/', '%');
  const poke = (arb: fc.Arbitrary<string>) =>
    fc.oneof(
      arb,
      fc.tuple(arb, odd, fc.nat()).map(([s, c, i]) => s.slice(0, i % (s.length + 1)) + c + s.slice(i % (s.length + 1))),
    );
  let accepted = 0;
  fc.assert(
    fc.property(poke(fc.oneof(v4, v6, padded)), poke(fc.oneof(v4, v6, padded)), poke(svc), (src, dst, service) => {
      if (!resolveFlow(table, src, dst, service, out)) return;
      accepted++;
      for (const s of [src, dst, service]) if (JSON.stringify(s) !== `"${s}"`) t.fail(`${JSON.stringify(s)} was accepted`);
      if (src.length > MAX.src || dst.length > MAX.dst || service.length > MAX.service) t.fail(`${src} ${dst} ${service}: longer than the schema allows`);
    }),
    { numRuns: runs(3000) },
  );
  t.ok(accepted > runs(3000) / 200, `${accepted} accepted: the property is not empty`);
});

t.test('installing twice is refused: Fastify must be the one request listener', async (t) => {
  const app = await server(t, { frontDoor: false });
  installFrontDoor(app, app.sanso, { bodyLimit: 1024, verdict: () => 'token' });
  app.server.on('request', () => undefined);
  t.throws(() => installFrontDoor(app, app.sanso, { bodyLimit: 1024, verdict: () => 'token' }), /one request listener, found 2/);
});
