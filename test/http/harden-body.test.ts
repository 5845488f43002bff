/**
 * Issue 14, item 2 (and the small JSON items of 11): no body is read where none is taken, the
 * token is checked before a body is parsed, nesting is bounded, duplicate keys and encodings are
 * refused. The attack as run: deeply nested 1 MiB bodies from 4 connections, /healthz timed.
 */
import t from 'tap';
import { bearer, server, testTokens } from './helpers.js';
import { drain, listen, NOT_BLOCKED_MS, probe, rawSocket } from './attack.js';
import { parseJson, scanJson } from '../../src/http/json.js';
import { runs } from '../property/settings.js';

const MIB = 1024 * 1024;
const DEEP = '['.repeat(MIB / 2) + ']'.repeat(MIB / 2);

async function post(base: string, path: string, body: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: r.status, headers: r.headers, body: (await r.json()) as { code: string } };
}

t.test('unknown routes and 405s refuse bodies unread; nesting is bounded; /healthz answers', async (t) => {
  for (const tokens of [undefined, testTokens()]) {
    const app = await server(t, tokens ? { tokens } : {});
    const base = await listen(app);
    const p = probe(base);
    const attacks = Array.from({ length: 4 }, async () => {
      const results = [];
      for (let i = 0; i < 3; i++) {
        results.push(await post(base, '/v1/nothing', DEEP));
        results.push(await post(base, '/healthz', DEEP));
        results.push(await post(base, '/v1/decide', DEEP));
      }
      return results;
    });
    const results = (await Promise.all(attacks)).flat();
    const worst = await p.stop();
    const mode = tokens ? 'tokens' : 'open';
    for (const r of results) {
      if (r.status === 404 || r.status === 405 || r.status === 400) t.ok(['BODY-NOT-ALLOWED', 'NESTING-TOO-DEEP'].includes(r.body.code), `${mode}: ${r.status} ${r.body.code}`);
      else t.equal(r.status, 401, `${mode}: unauthenticated decide refused before parsing`);
    }
    t.ok(results.filter((r) => r.body.code === 'BODY-NOT-ALLOWED').length === 24, `${mode}: unknown route and GET-only route refuse bodies`);
    if (!tokens)
      t.ok(
        results.some((r) => r.body.code === 'NESTING-TOO-DEEP'),
        'open: the decide body is refused for its depth',
      );
    t.ok(worst < NOT_BLOCKED_MS, `${mode}: /healthz answered within ${Math.round(worst)} ms`);
  }
});

t.test('a body on a body-less route is refused and the connection closed; reload needs JSON', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  const base = await listen(app);
  const r = await post(base, '/v1/policy/reload', '{}', bearer('tok-admin'));
  t.equal(r.status, 400);
  t.equal(r.body.code, 'BODY-NOT-ALLOWED');
  t.equal(r.headers.get('connection'), 'close');
  // A cross-site form or a body-less fetch: no JSON Content-Type, no reload.
  for (const ct of [undefined, 'text/plain', 'application/x-www-form-urlencoded']) {
    const res = await fetch(`${base}/v1/policy/reload`, { method: 'POST', headers: { ...bearer('tok-admin'), ...(ct ? { 'content-type': ct } : {}) } });
    t.equal(res.status, 415, `reload with ${ct ?? 'no Content-Type'}`);
  }
  const ok = await fetch(`${base}/v1/policy/reload`, { method: 'POST', headers: { ...bearer('tok-admin'), 'content-type': 'application/json' } });
  t.equal(ok.status, 200);
  // A GET with a chunked body, on a raw socket: refused, not read.
  const s = await rawSocket(base);
  s.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n${'x'.repeat(16)}\r\n`);
  const text = await drain(s, 3000);
  t.match(text, /^HTTP\/1\.1 400 /);
  t.match(text, /BODY-NOT-ALLOWED/);
});

t.test('Content-Encoding and non-UTF-8 charsets are 415; duplicate keys are 400', async (t) => {
  const app = await server(t);
  const flow = '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}';
  const gz = await app.inject({ method: 'POST', url: '/v1/decide', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: flow });
  t.equal(gz.statusCode, 415);
  for (const cs of ['shift_jis', 'iso-8859-1', 'utf-16']) {
    const r = await app.inject({ method: 'POST', url: '/v1/decide', headers: { 'content-type': `application/json; charset=${cs}` }, payload: flow });
    t.equal(r.statusCode, 415, cs);
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/decide', headers: { 'content-type': 'application/json; charset=UTF-8' }, payload: flow })).statusCode, 200);
  const dup = await app.inject({
    method: 'POST',
    url: '/v1/decide',
    headers: { 'content-type': 'application/json' },
    payload: '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","src":"10.30.0.1"}',
  });
  t.equal(dup.statusCode, 400);
  t.match(JSON.parse(dup.body), { code: 'DUPLICATE-KEY', detail: /"src"/ });
  // Escaped spelling of the same key is the same key.
  t.match(parseJson('{"a":1,"\\u0061":2}'), { ok: false, code: 'DUPLICATE-KEY' });
  t.match(parseJson('{"a":{"a":1},"b":[{"a":1},{"a":2}]}'), { ok: true }, 'the same key in different objects is fine');
  t.match(parseJson(`${'['.repeat(64)}${']'.repeat(64)}`), { ok: true });
  t.match(parseJson(`${'['.repeat(65)}${']'.repeat(65)}`), { ok: false, code: 'NESTING-TOO-DEEP' });
  t.equal(scanJson('{"k":"[[[[{"}', 2), null, 'brackets inside strings do not count');
});

/** Nesting depth of a parsed value, naively. */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v !== null && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

t.test('scanJson agrees with a naive depth count and finds every repeated key', async () => {
  const { default: fc } = await import('../property/fc.js');
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 8 }), (v, max) => {
      const text = JSON.stringify(v);
      const r = scanJson(text, max);
      return depthOf(v) > max ? r?.code === 'NESTING-TOO-DEEP' : r === null;
    }),
    { numRuns: runs(300) },
  );
  // A key repeated in one object, with any spelling of escapes, anywhere in a document.
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1 }), fc.nat(), fc.boolean(), (obj, pick, escaped) => {
      const keys = Object.keys(obj);
      const k = keys[pick % keys.length]!;
      const spelled = escaped ? `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(k);
      const text = `[${JSON.stringify(obj).slice(0, -1)},${spelled}:0}]`;
      return scanJson(text, 64)?.code === 'DUPLICATE-KEY';
    }),
    { numRuns: runs(300) },
  );
});
