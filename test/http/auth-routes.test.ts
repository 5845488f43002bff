import t from 'tap';
import { bearer, server, testTokens } from './helpers.js';

const FLOW = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
/** Every CIDR of the sample city, as written: none may reach a caller without read-policy. */
const CIDR = /\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/\d{1,2}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){1,7}\/\d{1,3}\b/i;

t.test('routes need a token with their scope once tokens are configured', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  // Reload takes no body but, as every state-changing route, a JSON Content-Type.
  const json = { 'content-type': 'application/json' };
  const routes: { method: 'GET' | 'POST'; url: string; scope: string; payload?: object; headers?: Record<string, string> }[] = [
    { method: 'POST', url: '/v1/decide', scope: 'decide', payload: FLOW },
    { method: 'POST', url: '/v1/decide/batch', scope: 'decide', payload: { flows: [FLOW] } },
    { method: 'POST', url: '/v1/check', scope: 'check', payload: { rules: [{ src: ['lg-terminals'], dst: ['inet-vbrowser'], services: ['https'], action: 'allow' }] } },
    { method: 'GET', url: '/metrics', scope: 'metrics' },
    { method: 'POST', url: '/v1/policy/reload', scope: 'admin', headers: json },
  ];
  const tokens = ['tok-decide', 'tok-check', 'tok-reader', 'tok-metrics', 'tok-admin'];
  for (const r of routes) {
    const none = await app.inject({ method: r.method, url: r.url, ...(r.payload ? { payload: r.payload } : {}) });
    t.equal(none.statusCode, 401, `${r.url} without a token`);
    t.match(none.headers['www-authenticate'], /^Bearer realm="sanso"/);
    t.match(JSON.parse(none.body), { code: 'UNAUTHORIZED', detail: /needs a bearer token/ });
    const wrong = await app.inject({ method: r.method, url: r.url, headers: bearer('tok-nobody'), ...(r.payload ? { payload: r.payload } : {}) });
    t.equal(wrong.statusCode, 401, `${r.url} with an unknown token`);
    t.match(JSON.parse(wrong.body), { code: 'UNAUTHORIZED', detail: /not valid/ });
    for (const tok of tokens) {
      const res = await app.inject({ method: r.method, url: r.url, headers: { ...r.headers, ...bearer(tok) }, ...(r.payload ? { payload: r.payload } : {}) });
      const allowed = tok === 'tok-admin' || tok === `tok-${r.scope}`;
      if (allowed) t.equal(res.statusCode, 200, `${r.url} with ${tok}`);
      else {
        t.equal(res.statusCode, 403, `${r.url} with ${tok}`);
        t.match(JSON.parse(res.body), { code: 'FORBIDDEN', detail: new RegExp(`needs the ${r.scope} scope`) });
        t.match(res.headers['www-authenticate'], /error="insufficient_scope"/);
      }
    }
  }
});

t.test('the token is checked before the body is read', async (t) => {
  const app = await server(t, { tokens: testTokens(), bodyLimit: 1024 });
  const r = await app.inject({ method: 'POST', url: '/v1/decide', headers: { 'content-type': 'application/json' }, payload: `{"broken${'x'.repeat(5000)}` });
  t.equal(r.statusCode, 401);
});

t.test('health, readiness and the OpenAPI document stay open', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  for (const url of ['/healthz', '/readyz', '/docs', '/docs/json', '/docs/yaml']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url);
  }
  const unknown = await app.inject({ method: 'GET', url: '/v1/nothing' });
  t.equal(unknown.statusCode, 404);
});

t.test('without read-policy: names and tiers, counts, never a CIDR or a message', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  for (const tok of ['tok-decide', 'tok-check', 'tok-metrics']) {
    const seg = await app.inject({ method: 'GET', url: '/v1/segments', headers: bearer(tok) });
    t.equal(seg.statusCode, 200);
    t.notMatch(seg.body, CIDR, `${tok}: no CIDR in /v1/segments`);
    const body = JSON.parse(seg.body);
    t.ok(body.segments.length > 0);
    for (const s of body.segments) t.same(Object.keys(s).sort(), ['name', 'tier'], `${tok}: ${s.name}`);
    const pol = await app.inject({ method: 'GET', url: '/v1/policy', headers: bearer(tok) });
    t.equal(pol.statusCode, 200);
    t.notMatch(pol.body, CIDR, `${tok}: no CIDR in /v1/policy`);
    const p = JSON.parse(pol.body);
    t.notOk('files' in p, 'no file names');
    t.notOk('problems' in p.warnings, 'warnings counted, not shown');
    t.notOk('problems' in p.lastReload, 'reload problems counted, not shown');
    t.type(p.counts.segments, 'number');
  }
  // A decide-only caller's decisions carry segment names, not the segments' CIDRs.
  const d = await app.inject({ method: 'POST', url: '/v1/decide', headers: bearer('tok-decide'), payload: FLOW });
  t.notMatch(d.body, CIDR);
});

t.test('with read-policy (or admin): CIDRs, roles, sanitizers, files', async (t) => {
  const app = await server(t, { tokens: testTokens() });
  for (const tok of ['tok-reader', 'tok-admin']) {
    const segRes = await app.inject({ method: 'GET', url: '/v1/segments', headers: bearer(tok) });
    t.match(segRes.body, CIDR, 'the pattern the redaction tests use does find CIDRs');
    const seg = JSON.parse(segRes.body);
    const vb = seg.segments.find((s: { name: string }) => s.name === 'inet-vbrowser');
    // From rules/22-segments-internet.yaml.
    t.match(vb, {
      tier: 'internet',
      role: 'server',
      cidrs: ['172.16.9.0/24', 'fd00:30:0:9::/64'],
      sanitizer: { method: 'screen-transfer', peer: 'lgwan', direction: 'inbound', services: ['https'] },
    });
    const p = JSON.parse((await app.inject({ method: 'GET', url: '/v1/policy', headers: bearer(tok) })).body);
    t.ok(p.files.length >= 8, 'the rule files are listed');
    t.ok(Array.isArray(p.warnings.problems));
  }
});

t.test('no tokens: every route is open and the caller may read the policy', async (t) => {
  const app = await server(t);
  const seg = JSON.parse((await app.inject({ method: 'GET', url: '/v1/segments' })).body);
  t.ok(seg.segments.every((s: { cidrs?: string[] }) => Array.isArray(s.cidrs) && s.cidrs.length > 0));
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: '/v1/policy/reload', headers: { 'content-type': 'application/json' } })).statusCode, 200);
});
