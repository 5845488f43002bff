import t from 'tap';
import { loadPolicy } from '../../src/policy.js';
import { FlowResult, resolveFlow } from '../../src/lookup/flow.js';
import { decisionObject } from '../../src/lookup/render.js';
import { server } from './helpers.js';

const policy = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;

/** The library's own decision object for a flow: what the HTTP answer must equal. */
function expected(src: string, dst: string, service: string, lang: 'en' | 'ja' = 'en') {
  const out = new FlowResult();
  if (!resolveFlow(policy.table, src, dst, service, out)) throw new Error(`bad flow ${src} ${dst} ${service}`);
  return decisionObject(policy.table, out.decision, out.srcSeg, out.dstSeg, src, dst, lang);
}

// From the tour of the sample city (docs/tutorial.md): one flow per decision code.
const TOUR: [string, string, string, string, string, string | null][] = [
  ['10.20.100.5', '172.16.9.10', 'tcp/443', 'allow', 'GRANTED', 'F-120'],
  ['fd00:20:0:100::5', 'fd00:30:0:9::10', 'tcp/443', 'allow', 'GRANTED', 'F-120'],
  ['::ffff:10.20.100.5', '::ffff:172.16.9.10', 'tcp/443', 'allow', 'GRANTED', 'F-120'],
  ['10.10.2.5', '10.20.5.5', 'tcp/445', 'deny', 'MN-ISOLATION', null],
  ['10.20.100.5', '172.16.1.5', 'tcp/443', 'deny', 'SPLIT-PATH', null],
  ['172.16.9.10', '192.0.2.10', 'tcp/443', 'deny', 'CLOUD-AGGREGATION', null],
  ['10.20.100.5', '10.20.1.20', 'tcp/22', 'deny', 'EXPLICIT-DENY', 'F-001'],
  ['10.20.9.5', '10.20.1.20', 'tcp/22', 'allow', 'DEFAULT-ALLOW', null],
  ['10.10.100.20', '10.10.1.10', 'tcp/22', 'deny', 'NO-GRANT', null],
  ['10.10.1.40', '10.20.1.20', 'tcp/445', 'allow', 'EXCEPTION', 'EX-2026-01'],
];

t.test('POST /v1/decide answers as the sample city says, and exactly as the library does', async (t) => {
  const app = await server(t, { asOf: '2026-06-01' });
  for (const [src, dst, service, decision, code, rule] of TOUR) {
    const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: { src, dst, service } });
    t.equal(r.statusCode, 200, `${src} ${dst} ${service}`);
    t.match(r.headers['content-type'], /^application\/json/);
    const body = JSON.parse(r.body);
    t.match(body, { decision, code, rule, policyVersion: policy.version });
    t.same(body, expected(src, dst, service));
  }
});

t.test('the exception expires on --as-of', async (t) => {
  const app = await server(t, { asOf: '2027-10-01' });
  const r = await app.inject({ method: 'POST', url: '/v1/decide', payload: { src: '10.10.1.40', dst: '10.20.1.20', service: 'tcp/445' } });
  t.match(JSON.parse(r.body), { decision: 'deny', code: 'MN-ISOLATION' });
});

t.test('Accept-Language: ja gives the Japanese message', async (t) => {
  const app = await server(t, { asOf: '2026-06-01' });
  const flow = { src: '10.20.100.5', dst: '172.16.1.5', service: 'tcp/443' };
  const ja = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide', payload: flow, headers: { 'accept-language': 'ja-JP,ja;q=0.9' } })).body);
  const en = JSON.parse((await app.inject({ method: 'POST', url: '/v1/decide', payload: flow })).body);
  t.same(ja, expected(flow.src, flow.dst, flow.service, 'ja'));
  t.same(en, expected(flow.src, flow.dst, flow.service, 'en'));
  t.not(ja.message, en.message);
  t.match(ja.message, /[\u3040-\u30ff\u4e00-\u9fff]/, 'the message is Japanese');
});

t.test('POST /v1/decide/batch (JSON): same order, bad flows answered in place', async (t) => {
  const app = await server(t, { asOf: '2026-06-01' });
  const flows = [
    { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' },
    { src: '10.20.100.5', dst: '172.16.9.010', service: 'tcp/443' },
    { src: '10.20.100.5', dst: '172.16.1.5', service: 'tcp/443' },
    { src: 'fe80::1%eth0', dst: '172.16.1.5', service: 'tcp/443' },
    { src: '10.20.100.5', dst: '172.16.1.5', service: 'tcp/70000' },
    { src: '10.10.100.20', dst: '10.10.1.10', service: 'tcp/22' },
  ];
  const r = await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows } });
  t.equal(r.statusCode, 200);
  const { decisions } = JSON.parse(r.body);
  t.equal(decisions.length, flows.length);
  t.same(decisions[0], expected(flows[0]!.src, flows[0]!.dst, flows[0]!.service));
  t.match(decisions[1], { index: 1, error: /dst "172\.16\.9\.010": .*leading zero/ });
  t.same(decisions[2], expected(flows[2]!.src, flows[2]!.dst, flows[2]!.service));
  t.match(decisions[3], { index: 3, error: /src "fe80::1%eth0": .*zone/ });
  t.match(decisions[4], { index: 4, error: /service "tcp\/70000"/ });
  t.same(decisions[5], expected(flows[5]!.src, flows[5]!.dst, flows[5]!.service));
  t.same(Object.keys(decisions[1]).sort(), ['error', 'index'], 'an error entry says where and what, nothing else');
});

t.test('an empty JSON batch is an empty answer', async (t) => {
  const app = await server(t);
  const r = await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: [] } });
  t.equal(r.statusCode, 200);
  t.same(JSON.parse(r.body), { decisions: [] });
});

t.test('a JSON batch over the limit is 413 BATCH-TOO-LARGE', async (t) => {
  const app = await server(t, { batchLimit: 3 });
  const flow = { src: '10.20.100.5', dst: '172.16.9.10', service: 'tcp/443' };
  t.equal((await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: [flow, flow, flow] } })).statusCode, 200);
  const r = await app.inject({ method: 'POST', url: '/v1/decide/batch', payload: { flows: [flow, flow, flow, flow] } });
  t.equal(r.statusCode, 413);
  t.match(JSON.parse(r.body), { code: 'BATCH-TOO-LARGE', status: 413, type: 'https://sanso.example/problems/batch-too-large' });
});
