import t from 'tap';
import { loadPolicy } from '../../src/policy.js';
import { decisionObject } from '../../src/lookup/render.js';
import { server } from './helpers.js';
import { contractAnswer } from './ndjson-contract.js';

const policy = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;

/** The contract's answer to one line, as an object (the decision from decisionObject, not the route's renderer). */
function reference(line: string, n: number, lang: 'en' | 'ja'): unknown {
  const a = contractAnswer(policy.table, line, n, lang);
  return 'error' in a ? a : decisionObject(policy.table, a.out.decision, a.out.srcSeg, a.out.dstSeg, a.src, a.dst, lang);
}

const LINES = [
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
  '{"service":"tcp/443","dst":"172.16.1.5","src":"10.20.100.5"}',
  '{"dst":"2001:db8:10::10","src":"fd00:10:0:100::20","service":"tcp/443"}',
  ' { "src" : "172.16.9.10" ,\t"dst":"192.0.2.10" , "service" : "udp/53" } ',
  '{"src":"10.10.1.40","dst":"10.20.1.20","service":"tcp/445"}',
  '{"src":"10.20.100.\\u0035","dst":"172.16.9.10","service":"tcp/443"}', // an escape: same flow
  '{"src":"10.20.100.5","src":"10.10.1.40","dst":"10.20.1.20","service":"tcp/445"}', // the last src counts
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","__proto__":{"x":1}}',
  '{"__proto__":{"x":1},"src":"10.20.100.5","dst":"172.16.9.10"}',
  '{"src":"__proto__","dst":"172.16.9.10","service":"tcp/443"}',
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","constructor":{"prototype":{}}}',
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"} x',
  '{"src":"10.20.100.5","dst":"172.16.9.10"}',
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":443}',
  '{"src":"010.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
  '{"src":"10.20.100.5","dst":"三層","service":"tcp/443"}',
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/0443"}',
  '\uFEFF{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
  '{"src":"10.20.100.5","dst":"172.16.9.10\t","service":"tcp/443"}', // a raw tab: not JSON
  '{"src":"10.20.100.5\\\\","dst":"172.16.9.10","service":"tcp/443"}', // an escaped backslash: a bad address
  '{"src":"10.20.100.5\\","dst":"172.16.9.10","service":"tcp/443"}', // an escaped quote: not JSON
  '{"src":"10.20.100.5\\","dst":"x","service":"tcp/443","dst":"172.16.9.10"}', // one src, with a quote in it
  '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443\u0000"}', // a raw NUL: not JSON
  'null',
  '"{}"',
  '[1,2,3]',
  'garbage',
];

for (const lang of ['en', 'ja'] as const) {
  t.test(`every line shape is answered as the safe parser reads it (${lang})`, async (t) => {
    const app = await server(t, { asOf: '2026-06-01' });
    // Repeated so that answers cross the server's output slabs.
    const lines: string[] = [];
    for (let i = 0; i < 1200; i++) lines.push(LINES[i % LINES.length]!);
    const r = await app.inject({
      method: 'POST',
      url: '/v1/decide/batch',
      headers: { 'content-type': 'application/x-ndjson', 'accept-language': lang },
      payload: `${lines.join('\n')}\n`,
    });
    t.equal(r.statusCode, 200);
    const got = r.body.slice(0, -1).split('\n');
    t.equal(got.length, lines.length);
    let differ = 0;
    got.forEach((g, i) => {
      const want = reference(lines[i]!, i + 1, lang);
      if (JSON.stringify(JSON.parse(g)) !== JSON.stringify(want)) {
        differ++;
        if (differ < 4) t.same(JSON.parse(g), want, `line ${i + 1}: ${lines[i]}`);
      }
    });
    t.equal(differ, 0, 'no line answered differently');
    const kinds = new Set(got.map((g) => ('error' in JSON.parse(g) ? 'error' : 'decision')));
    t.same([...kinds].sort(), ['decision', 'error']);
  });
}
