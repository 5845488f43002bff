/**
 * POST /v1/audit: the same object as `sanso audit --format json`, the audit scope, bounded
 * bodies, problem+json for every bad input, and no CIDR of the policy in any answer.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { audit, prepareDevice } from '../../src/audit/audit.js';
import { parseInterfaces } from '../../src/audit/interfaces.js';
import { parseDevice } from '../../src/device/parse.js';
import { hashToken, parseTokens } from '../../src/http/auth.js';
import { loadPolicy } from '../../src/policy.js';
import { parse as parseYaml } from 'yaml';
import { bearer, server } from './helpers.js';

const AS_OF = '2026-11-30';
const DIR = 'examples/firewalls';
const interfaces = parseYaml(readFileSync(`${DIR}/interfaces.yaml`, 'utf8')) as Record<string, string[]>;
const mistakes = readFileSync(`${DIR}/iptables-mistakes.save`, 'utf8');
const compliant = readFileSync(`${DIR}/nft-compliant.json`, 'utf8');

function tokens() {
  const list = ['tok-audit:audit', 'tok-check:check', 'tok-admin:admin'].map((x) => {
    const [name, scope] = x.split(':') as [string, string];
    return { name, sha256: hashToken(name), scopes: [scope] };
  });
  return parseTokens(JSON.stringify(list), 'test').tokens;
}

t.test('answers what the engine (and sanso audit --format json) does', async (t) => {
  const app = await server(t, { asOf: AS_OF });
  const r = await app.inject({ method: 'POST', url: '/v1/audit', payload: { device: mistakes, interfaces, maxFindings: 50 } });
  t.equal(r.statusCode, 200, r.body);
  const got = JSON.parse(r.body);
  const policy = loadPolicy(['rules/'], { asOf: AS_OF }).policy!;
  const parsed = await parseDevice(mistakes, 'device', 'auto', { lenient: false });
  const map = parseInterfaces({ file: 'i', data: interfaces, locate: () => ({ file: 'i', line: 1, col: 1 }) }, policy.model).map;
  const want = audit(
    parsed.devices.map((d) => prepareDevice(d, policy.table, map)),
    policy,
    [],
    { lang: 'en', maxFindings: 50 },
  );
  t.same(got, JSON.parse(JSON.stringify(want)), 'no field lost or added by the response schema');
  t.equal(got.verdict, 'findings');
  t.same(got.devices[0].counts, { violation: 365, ungranted: 60, outage: 0, unreachable: 2 });
  // Witnesses and rule texts, never a CIDR of the policy (the device's own text may hold some).
  const policyCidrs = policy.model.segments.flatMap((s) => s.cidrs.map((c) => c.text));
  const withoutDeviceText = JSON.stringify({
    ...got,
    devices: got.devices.map((d: { findings: object[] }) => ({ ...d, findings: d.findings.map((f) => ({ ...f, device: null, shadowedBy: null })), stateRules: [] })),
  });
  for (const c of policyCidrs) t.notOk(withoutDeviceText.includes(c), `no ${c}`);

  const ok = await app.inject({ method: 'POST', url: '/v1/audit', payload: { device: compliant, format: 'nft', interfaces } });
  t.equal(ok.statusCode, 200);
  t.equal(JSON.parse(ok.body).verdict, 'compliant');
  const ja = await app.inject({ method: 'POST', url: '/v1/audit', payload: { device: mistakes, interfaces, maxFindings: 1 }, headers: { 'accept-language': 'ja' } });
  t.match(JSON.parse(ja.body).devices[0].findings[0].policy.message, /マイナンバー/);
});

t.test('the audit scope', async (t) => {
  const app = await server(t, { asOf: AS_OF, tokens: tokens() });
  const payload = { device: compliant, interfaces };
  t.equal((await app.inject({ method: 'POST', url: '/v1/audit', payload })).statusCode, 401);
  t.equal((await app.inject({ method: 'POST', url: '/v1/audit', payload, headers: bearer('tok-check') })).statusCode, 403);
  t.equal((await app.inject({ method: 'POST', url: '/v1/audit', payload, headers: bearer('tok-audit') })).statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: '/v1/audit', payload, headers: bearer('tok-admin') })).statusCode, 200);
});

t.test('bad input is problem+json', async (t) => {
  const app = await server(t, { asOf: AS_OF });
  const post = async (payload: unknown) => {
    const r = await app.inject({ method: 'POST', url: '/v1/audit', payload: payload as object });
    t.match(r.headers['content-type'], 'application/problem+json');
    return { status: r.statusCode, body: JSON.parse(r.body) };
  };
  t.match(await post({ device: 'hello' }), { status: 400, body: { code: 'BAD-DEVICE', detail: /cannot tell which device/ } });
  t.match(await post({ device: compliant }), { status: 400, body: { code: 'BAD-DEVICE', errors: [{ code: 'AUDIT-INTERFACE-UNMAPPED', line: 1 }] } });
  const unsupported = mistakes.replace('-A FORWARD -j LOG', '-A FORWARD -m time --timestart 09:00 -j LOG');
  t.match(await post({ device: unsupported, interfaces }), { status: 400, body: { code: 'BAD-DEVICE', errors: [{ code: 'DEVICE-UNSUPPORTED', line: 26, col: 15 }] } });
  const lenient = await app.inject({ method: 'POST', url: '/v1/audit', payload: { device: unsupported, interfaces, lenient: true } });
  t.match(JSON.parse(lenient.body), { incomplete: true, warnings: [{ code: 'DEVICE-UNSUPPORTED' }] });
  t.match(await post({ device: compliant, interfaces: { lg0: ['lg-nope'] } }), {
    status: 400,
    body: { code: 'BAD-INTERFACES', errors: [{ field: 'interfaces.lg0[0]', message: /unknown segment or group "lg-nope"/ }] },
  });
  t.match(await post({ device: compliant, interfaces, extra: 1 }), { status: 400, body: { code: 'INVALID-REQUEST' } });
  t.match(await post({ device: compliant, format: 'cisco' }), { status: 400, body: { code: 'INVALID-REQUEST' } });
  t.match(await post({}), { status: 400, body: { code: 'INVALID-REQUEST' } });
  const huge = await app.inject({
    method: 'POST',
    url: '/v1/audit',
    payload: JSON.stringify({ device: 'x'.repeat(9 * 1024 * 1024) }),
    headers: { 'content-type': 'application/json' },
  });
  t.equal(huge.statusCode, 413);
});

t.test('OpenAPI documents the route', async (t) => {
  const app = await server(t);
  const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body);
  t.ok(doc.paths['/v1/audit'].post);
});
