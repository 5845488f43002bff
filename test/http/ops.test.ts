import t from 'tap';
import { API_ERRORS } from '../../src/problems/codes.js';
import { buildServer, PolicyLoadError } from '../../src/http/server.js';
import { POLICY_BROKEN, ruleDir, server } from './helpers.js';

t.test('/healthz and /readyz', async (t) => {
  const app = await server(t);
  const h = await app.inject({ method: 'GET', url: '/healthz' });
  t.same([h.statusCode, JSON.parse(h.body)], [200, { status: 'ok' }]);
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 200);
  t.same(JSON.parse(r.body), { status: 'ready' }, 'no policy version for anonymous callers');
  t.equal((await app.inject({ method: 'HEAD', url: '/healthz' })).statusCode, 200);
});

t.test('/readyz turns 503 while the service shuts down', async (t) => {
  const app = await buildServer({ rulesPath: 'rules/' });
  t.equal(app.sanso.closing, false);
  // What close() sets first (preClose), set by hand: the route must then send balancers away.
  app.sanso.closing = true;
  const r = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(r.statusCode, 503);
  t.match(JSON.parse(r.body), { code: 'NOT-READY', detail: /shutting down/ });
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still alive');
  app.sanso.closing = false;
  await app.close();
  t.equal(app.sanso.closing, true, 'close() sets it');
});

t.test('a rule set with errors does not start: PolicyLoadError carries the report', async (t) => {
  const dir = ruleDir(t, { 'rules.yaml': POLICY_BROKEN });
  const err = await buildServer({ rulesPath: dir }).catch((e: unknown) => e);
  t.ok(err instanceof PolicyLoadError);
  t.ok((err as PolicyLoadError).problems.some((p) => p.code === 'YAML-SYNTAX' && p.severity === 'error'));
});

t.test('/metrics counts requests by route template and status, and decisions by code', async (t) => {
  const app = await server(t);
  const flow = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/v1/decide', payload: flow });
  await app.inject({ method: 'POST', url: '/v1/decide', payload: { ...flow, service: 'tcp/80' } });
  await app.inject({ method: 'POST', url: '/v1/decide', payload: { ...flow, src: 'x' } });
  await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: [flow, flow] } });
  await app.inject({ method: 'GET', url: '/no/such/thing/123' });
  const m = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(m.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  const text = m.body;
  t.match(text, /^sanso_http_requests_total\{method="POST",route="\/v1\/decide",status="200"\} 4$/m);
  t.match(text, /^sanso_http_requests_total\{method="POST",route="\/v1\/decide",status="400"\} 1$/m);
  t.match(text, /^sanso_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m, 'unknown URLs share one label');
  t.notMatch(text, /no\/such\/thing/);
  t.match(text, /^sanso_decisions_total\{decision="allow",code="GRANTED"\} 5$/m, 'three single, two in the batch');
  t.match(text, /^sanso_decisions_total\{decision="deny",code="SPLIT-PATH"\} 1$/m);
  t.match(text, /^sanso_http_request_duration_seconds_count\{method="POST",route="\/v1\/decide"\} 5$/m);
  t.match(text, /^sanso_policy_info\{name="サンプル市 \(Sample City\)",version="sha256:[0-9a-f]{64}"\} 1$/m);
  t.match(text, /^sanso_policy_last_reload_success 1$/m);
  t.match(text, /^sanso_policy_reloads_total\{result="ok"\} 1$/m);
});

t.test('the OpenAPI document at /docs covers every route, schema and problem', async (t) => {
  const app = await server(t);
  const doc = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body);
  t.equal(doc.openapi, '3.1.0');
  const same = JSON.parse((await app.inject({ method: 'GET', url: '/docs' })).body);
  t.same(same, doc);
  const routes = {
    '/v1/decide': 'post',
    '/v1/decide/batch': 'post',
    '/v1/check': 'post',
    '/v1/policy': 'get',
    '/v1/segments': 'get',
    '/v1/policy/reload': 'post',
    '/healthz': 'get',
    '/readyz': 'get',
    '/metrics': 'get',
  };
  for (const [path, method] of Object.entries(routes)) t.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
  t.notOk(doc.paths['/docs/json'], 'the docs routes are hidden');
  for (const name of ['flow', 'decision', 'batch-request', 'batch-response', 'change-request', 'check-result', 'policy-info', 'segments', 'problem']) {
    t.ok(doc.components.schemas[name], `component ${name}`);
  }
  // Every $ref resolves inside the document.
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const r of new Set(refs)) {
    const target = /"\$ref":"#\/components\/schemas\/([^"]+)"/.exec(r);
    t.ok(target && doc.components.schemas[target[1]!], r);
  }
  t.ok(doc.paths['/v1/decide'].post.requestBody.content['application/json']);
  t.ok(doc.paths['/v1/decide/batch'].post.requestBody.content['application/x-ndjson']);
  t.ok(doc.paths['/v1/decide'].post.responses['400'].content['application/problem+json']);
  const yaml = await app.inject({ method: 'GET', url: '/docs/yaml' });
  t.match(yaml.body, /^openapi: 3\.1\.0/m);
  t.ok(Object.keys(API_ERRORS).length > 10);
});
