/**
 * The diff's renderings: service sets as text (against a naive membership check on random key
 * ranges), the Markdown comment's size limit, truncation note and escaping, and Japanese.
 */
import fc from '../property/fc.js';
import t from 'tap';
import { COMMENT_LIMIT, COMMENT_MARKER, formatDiffMarkdown } from '../../src/diff/markdown.js';
import { mergeKeyRanges, serviceTexts } from '../../src/diff/services.js';
import { formatDiffText } from '../../src/diff/text.js';
import type { Change, DiffResult } from '../../src/diff/types.js';
import { isFlowKey, KEY_SPACE } from '../../src/model/services.js';
import { servicesHold } from './services-text.js';

const SEED = process.env.SANSO_PROP_SEED === undefined ? (Date.now() ^ (process.pid << 8)) | 0 : Number(process.env.SANSO_PROP_SEED);

t.test('service texts hold exactly the flow keys of the ranges', async (t) => {
  // Keys near the edges that matter: port 0 and 1, 65535, protocol boundaries, tcp and udp.
  const edge = fc.oneof(
    fc.constantFrom(0, 1, 65535, 65536, 6 * 65536, 6 * 65536 + 1, 6 * 65536 + 443, 7 * 65536 - 1, 7 * 65536, 17 * 65536, 17 * 65536 + 53, 18 * 65536, 58 * 65536, KEY_SPACE - 1),
    fc.integer({ min: 0, max: KEY_SPACE - 1 }),
  );
  const range = fc.tuple(edge, fc.integer({ min: 0, max: 3 * 65536 })).map(([lo, len]) => [lo, Math.min(KEY_SPACE - 1, lo + len)] as [number, number]);
  const probes = [0, 1, 2, 442, 443, 444, 65534, 65535].flatMap((p) => [1, 2, 6, 16, 17, 18, 47, 58, 255].map((proto) => proto * 65536 + p));
  const details = fc.check(
    fc.property(fc.array(range, { minLength: 1, maxLength: 4 }), (ranges) => {
      const merged = mergeKeyRanges(ranges);
      const texts = serviceTexts(merged);
      for (const key of [...probes, ...ranges.flatMap(([lo, hi]) => [lo - 1, lo, lo + 1, hi - 1, hi, hi + 1])]) {
        if (!isFlowKey(key)) continue;
        const inside = ranges.some(([lo, hi]) => key >= lo && key <= hi);
        if (servicesHold(texts, key) !== inside) throw new Error(`${JSON.stringify(ranges)} → ${JSON.stringify(texts)}: key ${key} ${inside ? 'missing' : 'extra'}`);
      }
    }),
    { numRuns: 500, seed: SEED },
  );
  t.notOk(details.failed, details.failed ? `seed ${SEED}: ${(details.errorInstance as Error).message}` : 'agrees');
  t.same(serviceTexts([[0, KEY_SPACE - 1]]), ['any']);
  t.same(serviceTexts([[6 * 65536, 6 * 65536 + 65535]]), ['tcp']);
  t.same(
    serviceTexts([
      [6 * 65536 + 443, 6 * 65536 + 445],
      [17 * 65536 + 53, 17 * 65536 + 53],
    ]),
    ['tcp/443-445', 'udp/53'],
  );
  t.same(serviceTexts([[47 * 65536, 52 * 65536]]), ['proto/47-52']);
  t.same(serviceTexts([[1 * 65536, 2 * 65536]]), ['icmp', 'proto/2']);
  // tcp port 0 alone is no flow service.
  t.same(serviceTexts([[6 * 65536, 6 * 65536]]), []);
});

function change(i: number, over: Partial<Change> = {}): Change {
  return {
    kind: 'newly-allowed',
    src: { segment: `lg-${String(i).padStart(5, '0')}`, tier: 'lgwan' },
    dst: { segment: 'inet-cms', tier: 'internet' },
    services: ['tcp/443'],
    before: { decision: 'deny', code: 'SPLIT-PATH', rule: null },
    after: { decision: 'allow', code: 'GRANTED', rule: 'F-140' },
    witness: { src: '10.20.0.1', dst: '172.16.1.0', service: 'tcp/443' },
    myNumber: false,
    ...over,
  };
}

function result(changes: Change[]): DiffResult {
  const counts = { 'newly-allowed': 0, 'newly-denied': 0, 'reason-changed': 0 };
  for (const c of changes) counts[c.kind]++;
  return {
    old: { policyVersion: 'sha256:aaaa', source: 'git:origin/main:rules', asOf: '2026-11-30' },
    new: { policyVersion: 'sha256:bbbb', source: 'rules', asOf: '2026-11-30' },
    counts,
    myNumber: changes.filter((c) => c.myNumber).length,
    truncated: false,
    changes,
  };
}

t.test("a comment never passes GitHub's limit, and says what it left out", async (t) => {
  const many = [
    ...Array.from({ length: 3000 }, (_, i) => change(i)),
    ...Array.from({ length: 2000 }, (_, i) =>
      change(i, { kind: 'newly-denied', before: { decision: 'allow', code: 'GRANTED', rule: 'F-1' }, after: { decision: 'deny', code: 'NO-GRANT', rule: null } }),
    ),
    change(1, { kind: 'reason-changed', myNumber: true, src: { segment: 'mn-zeimu', tier: 'mynumber' } }),
  ];
  const md = formatDiffMarkdown(result(many), { lang: 'en' });
  t.ok(md.length <= COMMENT_LIMIT, `${md.length} characters`);
  t.ok(md.length > COMMENT_LIMIT - 8000, 'and uses most of the room');
  t.ok(md.startsWith(`${COMMENT_MARKER}\n`));
  t.match(md, '3000 newly allowed, 2000 newly denied, 1 reason changed');
  const notShown = [...md.matchAll(/… (\d+) more not shown/g)].map((m) => Number(m[1]));
  const rows = md.split('\n').filter((l) => l.startsWith('| lg-') || l.startsWith('| ⚠️')).length;
  t.equal(rows + notShown.reduce((a, b) => a + b, 0), 5001, 'rows shown + rows not shown = all changes');
  // Each kind's <details> is closed, so the comment stays well-formed even when cut.
  t.equal(md.split('<details>').length, md.split('</details>').length);
  t.match(md, '> [!WARNING]');

  const small = formatDiffMarkdown(result(many.slice(0, 3)), { lang: 'en' });
  t.notMatch(small, 'more not shown');
});

t.test('names cannot break the table or inject HTML', async (t) => {
  const md = formatDiffMarkdown(result([change(0, { src: { segment: 'a|b<script>`x`', tier: 'lgwan' }, after: { decision: 'allow', code: 'GRANTED', rule: 'F|<img src=x>' } })]), {
    lang: 'en',
  });
  t.notMatch(md, '<script>');
  t.notMatch(md, '<img');
  t.match(md, 'a\\|b&lt;script&gt;');
  const row = md.split('\n').find((l) => l.includes('a\\|b'))!;
  t.equal(row.split(/(?<!\\)\|/).length, 8, 'six cells');
});

t.test('Japanese', async (t) => {
  const r = result([change(0, { myNumber: true })]);
  const md = formatDiffMarkdown(r, { lang: 'ja' });
  t.match(md, '新たに許可 1 件、新たに拒否 0 件、理由の変更 0 件');
  t.match(md, 'マイナンバー利用事務系に関わる変更が 1 件あります');
  const text = formatDiffText(r, 'ja');
  t.match(text, '新たに許可 (1)');
  t.match(text, '[マイナンバー]');
  t.match(formatDiffText(result([]), 'ja'), '判定が変わる通信はありません。');
});
