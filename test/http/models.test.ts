/**
 * The guideline models over HTTP: the α′ example city's breakout decision and the β city's
 * screen transfer into the LGWAN tier, single and in both batch forms, each answer valid against
 * the published decision schema (whose path enum names breakout); GET /v1/policy names the model.
 */
import Ajv from 'ajv';
import t from 'tap';
import { loadApiSchemas, SCHEMA_BASE } from '../../src/http/schemas.js';
import { server } from './helpers.js';

const ajv = new Ajv.default({ strict: false });
for (const s of loadApiSchemas()) ajv.addSchema(s);
const validDecision = ajv.getSchema(`${SCHEMA_BASE}decision.json`)!;

const BREAKOUT = { src: '10.20.100.5', dst: '203.0.113.10', service: 'tcp/443' };
const INBOUND = { src: '203.0.113.10', dst: '10.20.100.5', service: 'tcp/443' };
const MN = { src: '10.10.100.5', dst: '203.0.113.10', service: 'tcp/443' };

t.test('α′: breakout over POST /v1/decide and both batch forms', async (t) => {
  const app = await server(t, { rulesPath: 'examples/alpha-prime' });
  const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: BREAKOUT });
  t.equal(r.statusCode, 200);
  const d = JSON.parse(r.body);
  t.match(d, { decision: 'allow', code: 'GRANTED', rule: 'F-130', path: 'breakout', sanitizer: null });
  t.ok(validDecision(d), `valid against decision.json ${JSON.stringify(validDecision.errors)}`);
  const ja = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide', payload: BREAKOUT, headers: { 'accept-language': 'ja' } })).body);
  t.match(ja.message, /ローカルブレイクアウト/);

  const batch = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: [BREAKOUT, INBOUND, MN] } })).body);
  t.match(batch.decisions, [
    { path: 'breakout', code: 'GRANTED' },
    { code: 'SPLIT-PATH', path: 'none' },
    { code: 'MN-ISOLATION', path: 'none' },
  ]);
  for (const x of batch.decisions) t.ok(validDecision(x), `${x.code} valid`);

  const nd = await app.inject({
    method: 'POST',
    url: '/v1/decide/batch',
    headers: { 'content-type': 'application/x-ndjson' },
    payload: `${JSON.stringify(BREAKOUT)}\n${JSON.stringify(INBOUND)}\n`,
  });
  const lines = nd.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.same(lines[0], d, 'NDJSON answers as the single route does');
  t.match(lines[1], { code: 'SPLIT-PATH' });

  const policy = JSON.parse((await app.inject({ method: 'GET', url: '/v1/policy' })).body);
  t.equal(policy.model, 'alpha-prime');
});

t.test('β: screen transfer into the LGWAN tier over HTTP', async (t) => {
  const app = await server(t, { rulesPath: 'examples/beta' });
  const d = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide', payload: { src: '172.16.100.5', dst: '10.20.9.10', service: 'tcp/3389' } })).body);
  t.match(d, { decision: 'allow', code: 'GRANTED', path: 'sanitized', sanitizer: { segment: 'lg-vdi', method: 'screen-transfer' } });
  t.ok(validDecision(d));
});

t.test('OpenAPI publishes the path enum with breakout', async (t) => {
  const app = await server(t);
  const text = (await app.inject({ method: 'GET', url: '/docs/json' })).body;
  const doc = JSON.parse(text) as { components?: { schemas?: Record<string, { properties?: Record<string, { enum?: string[] }> }> } };
  const decision = Object.values(doc.components?.schemas ?? {}).find((s) => s.properties?.path && s.properties?.sanitizer);
  t.same(decision?.properties?.path?.enum, ['direct', 'sanitized', 'breakout', 'none']);
});
