/**
 * The NDJSON batch reads common lines from the request's bytes (NdjsonAnswers): whatever the
 * lines and wherever the socket cuts the stream — inside a line, a value, a UTF-8 character —
 * the answer bytes must be exactly those of the contract, which is stated here from the safe
 * parser alone, over the whole body decoded at once: one answer per line in order (blank lines
 * skipped but counted), an overlong line answered with its error, the last line needing no
 * newline.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { loadPolicy } from '../../src/policy.js';
import { renderDecision } from '../../src/lookup/render.js';
import { NdjsonAnswers } from '../../src/http/ndjson.js';
import type { Lang } from '../../src/i18n/messages.js';
import { contractAnswer } from './ndjson-contract.js';

const { table } = loadPolicy(['rules/'], { asOf: '2026-06-01' }).policy!;
const LIMIT = 160;

/** The contract's answer to one line, as the route writes it. */
function answer(line: string, n: number, lang: Lang): string {
  const a = contractAnswer(table, line, n, lang);
  return 'error' in a ? JSON.stringify(a) : renderDecision(table, a.out.decision, a.out.srcSeg, a.out.dstSeg, a.src, a.dst, lang);
}

/** The contract's answer to a whole body. */
function reference(body: Buffer, lang: Lang): string {
  const pieces = body.toString('utf8').split('\n');
  const last = pieces.pop()!;
  const out: string[] = [];
  let n = 0;
  const one = (line: string, final: boolean): void => {
    n++;
    if (line.length > LIMIT) {
      const error = lang === 'ja' ? `行が ${LIMIT} 文字を超えています` : `the line is longer than ${LIMIT} characters`;
      return void out.push(JSON.stringify({ line: n, error }));
    }
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      if (final) n--; // a blank last piece is no line at all
      return;
    }
    out.push(answer(line, n, lang));
  };
  for (const p of pieces) one(p, false);
  one(last, true);
  return out.map((l) => `${l}\n`).join('');
}

/**
 * The answers to a body arriving in `chunks`. A reader that copies what it takes lets go of it
 * at once, so the answers' slabs are written again as soon as they fill (`reuse`): what it read
 * must stay what was answered. Otherwise the reader keeps the buffers themselves, and every
 * slab is new.
 */
function run(chunks: Buffer[], lang: Lang, reuse = false): { text: string; lines: number; errors: number } {
  const a = new NdjsonAnswers(table, lang, LIMIT, reuse ? () => true : undefined);
  const parts: Buffer[] = [];
  const take = (): void => {
    for (const b of a.ready.splice(0)) parts.push(reuse ? Buffer.from(b) : b);
  };
  for (const c of chunks) {
    a.write(c);
    take();
  }
  a.end();
  take();
  return { text: Buffer.concat(parts).toString('utf8'), lines: a.lines, errors: a.errors };
}

const cidrs = table.model.segments.flatMap((s) => s.cidrs.map((c) => c.text));
const address = fc.oneof(
  {
    weight: 24,
    arbitrary: fc.tuple(fc.constantFrom(...cidrs), fc.nat()).map(([cidr, r]) => {
      const net = cidr.split('/')[0]!;
      if (net.includes(':')) return net.endsWith('::') ? `${net}${(r % 0xffff).toString(16)}` : net;
      const o = net.split('.').map(Number);
      o[3] = (o[3]! + (r % 256)) & 255;
      return r % 9 === 0 ? `::ffff:${o.join('.')}` : o.join('.');
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('010.0.0.1', '10.0.0.256', '::1', 'fd00::1%eth0', '', 'x', '三層', '10.20.100.\\u0035', '10.0.0.1\\\\', '10.0.0.1\\"', ' 10.0.0.1', '1.2.3.4\t'),
  },
);
const service = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom('tcp/443', 'tcp/445', 'udp/53', 'tcp/22', 'icmp', 'icmpv6', 'proto/47') },
  { weight: 1, arbitrary: fc.constantFrom('tcp/0443', 'tcp', 'any', 'TCP/443', 'tcp/80-90', 'tcp/4\\u00343', 'tcp/443\u0000') },
);
const ws = fc.oneof(
  { weight: 60, arbitrary: fc.constant('') },
  { weight: 6, arbitrary: fc.constantFrom(' ', '\t', '  ', '\r') },
  { weight: 1, arbitrary: fc.constantFrom('\u00a0', '\u3000', '\f') },
);
const key = (k: string) => fc.oneof({ weight: 60, arbitrary: fc.constant(`"${k}"`) }, { weight: 1, arbitrary: fc.constantFrom(`"\\u0073${k.slice(1)}"`, `"${k}x"`, k) });
const flowLine = fc
  .tuple(
    address,
    address,
    service,
    fc.oneof({ weight: 12, arbitrary: fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 2, 0]) }, { weight: 1, arbitrary: fc.constantFrom([0, 1, 2, 0], [0, 1], [0, 1, 2, 3]) }),
    fc.array(ws, { minLength: 12, maxLength: 12 }),
    key('src'),
    key('dst'),
    key('service'),
  )
  .map(([src, dst, svc, order, w, ks, kd, kv]) => {
    const members = order.map((m, i) => {
      const [k, v] = m === 0 ? [ks, src] : m === 1 ? [kd, dst] : m === 2 ? [kv, svc] : ['"note"', 'x'];
      return `${w[i * 2]}${k}${w[i * 2 + 1]}:${w[(i * 2 + 2) % 12]}"${v}"`;
    });
    return `${w[9]}{${members.join(',')}${w[10]}}${w[11]}`;
  });
const line = fc.oneof(
  { weight: 20, arbitrary: flowLine },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '   ',
      '\r',
      'null',
      '[1,2,3]',
      'garbage',
      '{"src":"10.0.0.1"',
      '\uFEFF{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
      '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443","__proto__":{"x":1}}',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(flowLine, fc.integer({ min: 100, max: 400 })).map(([l, n]) => l.replace('{', `{${' '.repeat(n)}`)) },
  { weight: 1, arbitrary: fc.tuple(flowLine, fc.integer({ min: 40, max: 90 })).map(([l, n]) => l.replace('{', `{${'\u3000'.repeat(n)}`)) },
);
const body = fc
  .tuple(fc.array(line, { minLength: 1, maxLength: 60, size: 'max' }), fc.boolean())
  .map(([lines, newline]) => Buffer.from(lines.join('\n') + (newline ? '\n' : ''), 'utf8'));

function cut(b: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((x) => x % (b.length + 1)))].sort((x, y) => x - y);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(b.subarray(from, p));
    from = p;
  }
  chunks.push(b.subarray(from));
  return chunks;
}

for (const lang of ['en', 'ja'] as const) {
  t.test(`any body, cut anywhere, is answered byte for byte as the safe parser reads it whole (${lang})`, async (t) => {
    let answers = 0;
    let decisions = 0;
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 12, size: 'max' }), (b, at) => {
        const want = reference(b, lang);
        const got = run(cut(b, at), lang);
        const whole = run([b], lang, true);
        answers += want.split('\n').length - 1;
        decisions += (want.match(/"decision"/g) ?? []).length;
        return got.text === want && whole.text === want && got.lines === whole.lines && got.errors === (want.match(/^\{"line"/gm) ?? []).length;
      }),
      { numRuns: 600, seed: lang === 'en' ? 20261125 : 20261126 },
    );
    t.ok(decisions > 8000 && answers - decisions > 1000, `decisions (${decisions}) and errors (${answers - decisions}) both answered`);
  });
}

t.test('a body cut at every byte, with characters of one, two and three bytes', async (t) => {
  const lines = [
    '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
    '{"src":"fd00:10:0:100::20","dst":"2001:db8:10::10","service":"tcp/443"}\r',
    '{"src":"10.20.100.5","dst":"三層","service":"tcp/443"}',
    `{"src":"10.20.100.5",${'\u3000'.repeat(50)}"dst":"172.16.9.10","service":"tcp/443"}`,
    '',
    `{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"${' '.repeat(200)}}`,
    '{"src":"é","dst":"172.16.9.10","service":"tcp/443"}',
    '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
  ];
  const b = Buffer.from(lines.join('\n'), 'utf8');
  const want = reference(b, 'ja');
  let differ = 0;
  for (let i = 0; i <= b.length; i++) {
    for (const j of [i + 1, i + 2, i + 3, i + 97]) {
      if (run(cut(b, [i, j]), 'ja').text !== want) differ++;
    }
  }
  t.equal(differ, 0, `all ${(b.length + 1) * 4} cuttings`);
  t.equal(want.split('\n').length - 1, 7, 'seven answers (one blank line)');
});

t.test('slabs written again once read give the same answers as new ones', async (t) => {
  // Enough answers to fill many slabs, arriving in chunks of a few hundred lines.
  const flows = [
    '{"src":"10.20.100.5","dst":"172.16.9.10","service":"tcp/443"}',
    '{"src":"fd00:10:0:100::20","dst":"2001:db8:10::10","service":"tcp/443"}',
    '{"src":"10.10.1.40","dst":"10.20.1.20","service":"tcp/445"}',
    '{"src":"10.20.100.5","dst":"x","service":"tcp/443"}',
  ];
  const lines: string[] = [];
  for (let i = 0; i < 20000; i++) lines.push(flows[(i * 7) % flows.length]!);
  const b = Buffer.from(`${lines.join('\n')}\n`);
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += 40000) chunks.push(b.subarray(i, i + 40000));
  const fresh = run(chunks, 'ja');
  const reused = run(chunks, 'ja', true);
  t.ok(fresh.text.length > 8 * 256 * 1024, `answers over many slabs (${fresh.text.length} bytes)`);
  t.equal(reused.text, fresh.text);
  t.equal(fresh.text, reference(b, 'ja'));
});
