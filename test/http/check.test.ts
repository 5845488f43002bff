import t from 'tap';
import { loadPolicy } from '../../src/policy.js';
import { checkRequest } from '../../src/check/check.js';
import { parseChangeRequest } from '../../src/check/parse.js';
import { bearer, server, testTokens } from './helpers.js';

const policy = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;
function expected(body: unknown, lang: 'en' | 'ja' = 'en') {
  const parsed = parseChangeRequest(body, policy.table);
  if (!parsed.request) throw new Error('bad request');
  return checkRequest(policy, parsed.request, { lang });
}

const WIDE = { id: 'CR-2026-0042', rules: [{ src: ['lg-terminals'], dst: ['0.0.0.0/0'], services: ['tcp/443'], action: 'allow' }] };
const FINE = { rules: [{ src: ['10.20.100.0/24'], dst: ['inet-vbrowser'], services: ['https'], action: 'allow' }] };
const DENY = { rules: [{ src: ['lg-clients'], dst: ['inet-vbrowser'], services: ['tcp/443'], action: 'deny' }] };

t.test('POST /v1/check answers exactly what the checker (and sanso check --json) does', async (t) => {
  const app = await server(t, { asOf: '2026-06-01' });
  for (const [body, verdict] of [
    [WIDE, 'violation'],
    [FINE, 'compliant'],
    [DENY, 'compliant'],
  ] as const) {
    const r = await app.inject({ method: 'POST', url: '/v1/check', payload: body });
    t.equal(r.statusCode, 200);
    const got = JSON.parse(r.body);
    t.equal(got.verdict, verdict);
    t.same(got, JSON.parse(JSON.stringify(expected(body))), 'no field lost or added by the response schema');
  }
  // The wide request crosses into every other tier (the sample city: every ceiling code).
  const wide = JSON.parse((await app.inject({ method: 'POST', url: '/v1/check', payload: WIDE })).body);
  t.equal(wide.id, 'CR-2026-0042');
  t.ok(wide.rules[0].counts['SPLIT-PATH'] > 0);
  t.ok(wide.rules[0].counts['MN-ISOLATION'] > 0);
  t.ok(wide.rules[0].counts['CLOUD-AGGREGATION'] > 0);
  // A deny rule reports the granted flows it would block.
  const deny = JSON.parse((await app.inject({ method: 'POST', url: '/v1/check', payload: DENY })).body);
  t.ok(deny.rules[0].findings.some((f: { code: string; rule: string }) => f.code === 'GRANTED' && f.rule === 'F-120'));
});

t.test('Accept-Language: ja', async (t) => {
  const app = await server(t, { asOf: '2026-06-01' });
  const r = await app.inject({ method: 'POST', url: '/v1/check', payload: WIDE, headers: { 'accept-language': 'ja' } });
  t.same(JSON.parse(r.body), JSON.parse(JSON.stringify(expected(WIDE, 'ja'))));
});

t.test('a bad change request names every rule index and field', async (t) => {
  const app = await server(t);
  const bad = {
    rules: [
      { src: ['lg-terminals'], dst: ['inet-cms'], services: ['tcp/443'], action: 'allow' },
      { src: ['lg-terminalz'], dst: ['10.0.0.1/24'], services: ['tcp/90-80'], action: 'allow' },
      { src: [], dst: ['010.0.0.0/8'], services: ['https'], action: 'permit' },
    ],
  };
  const r = await app.inject({ method: 'POST', url: '/v1/check', payload: bad });
  t.equal(r.statusCode, 400);
  t.match(r.headers['content-type'], /^application\/problem\+json/);
  const p = JSON.parse(r.body);
  t.match(p, { code: 'BAD-CHANGE-REQUEST', type: 'https://sanso.example/problems/bad-change-request', instance: '/v1/check' });
  const fields = p.errors.map((e: { field: string }) => e.field);
  for (const f of ['rules[1].src[0]', 'rules[1].dst[0]', 'rules[1].services[0]', 'rules[2].src', 'rules[2].dst[0]', 'rules[2].action']) t.ok(fields.includes(f), f);
  t.ok(
    p.errors.every((e: { index: number | null; field: string }) => e.index === Number(/^rules\[(\d+)\]/.exec(e.field)?.[1])),
    'index agrees with field',
  );
  t.match(p.errors.find((e: { field: string }) => e.field === 'rules[1].src[0]').message, /did you mean "lg-terminals"/);

  for (const payload of [[WIDE], { rules: [] }, { id: 5, rules: WIDE.rules }, { rules: WIDE.rules, extra: true }]) {
    const res = await app.inject({ method: 'POST', url: '/v1/check', payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.equal(JSON.parse(res.body).code, 'BAD-CHANGE-REQUEST');
  }
  const poison = await app.inject({ method: 'POST', url: '/v1/check', headers: { 'content-type': 'application/json' }, payload: '{"rules":[],"__proto__":{"x":1}}' });
  t.equal(JSON.parse(poison.body).code, 'PROTOTYPE-POISONING');
});

t.test('the check scope; no segment CIDR in the answer', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  t.equal((await app.inject({ method: 'POST', url: '/v1/check', payload: WIDE })).statusCode, 401);
  t.equal((await app.inject({ method: 'POST', url: '/v1/check', payload: WIDE, headers: bearer('tok-decide') })).statusCode, 403);
  const r = await app.inject({ method: 'POST', url: '/v1/check', payload: WIDE, headers: bearer('tok-check') });
  t.equal(r.statusCode, 200);
  const body = JSON.parse(r.body);
  // The request itself holds 0.0.0.0/0; nothing else in the answer is a CIDR.
  t.notMatch(r.body.replaceAll('0.0.0.0/0', ''), /\d+\.\d+\.\d+\.\d+\/\d+|[0-9a-f:]+::?[0-9a-f]*\/\d+/);
  t.ok(body.rules[0].findings.length > 0);
  t.equal((await app.inject({ method: 'POST', url: '/v1/check', payload: WIDE, headers: bearer('tok-admin') })).statusCode, 200);
});
