import t from 'tap';
import { loadPolicy } from '../../src/policy.js';
import { byteFragments, langIndex, renderBytesInto, renderDecision, renderDecisionInto } from '../../src/lookup/render.js';
import type { Lang } from '../../src/i18n/messages.js';

// A day the sample city's exception holds and one after it expired: different decision sets.
for (const asOf of ['2026-06-01', '2031-01-01']) {
  t.test(`the byte renderer writes exactly renderDecision's UTF-8 (sample city, ${asOf})`, async (t) => {
    const { table } = loadPolicy(['rules/'], { asOf }).policy!;
    const segments = table.model.segments.length;
    const b = byteFragments(table);
    t.equal(byteFragments(table), b, 'built once per table');
    let checked = 0;
    let differ = 0;
    let withJapanese = 0;
    const addrs: [string, string][] = [
      ['10.20.100.5', '172.16.9.10'],
      ['fd00:10:0:100::20', '0000:0000:0000:0000:0000:ffff:255.255.255.255'],
    ];
    for (const lang of ['en', 'ja'] as Lang[]) {
      for (let id = 0; id < table.decisions.length; id++) {
        for (let s = 0; s < segments; s++) {
          for (let d = 0; d < segments; d++) {
            const [src, dst] = addrs[(id + s + d) % 2]!;
            const want = Buffer.from(renderDecision(table, id, s, d, src, dst, lang), 'utf8');
            // Exactly the room the contract asks for: a writer that overran it would throw or differ.
            const buf = Buffer.alloc(7 + b.maxFixed + src.length + dst.length, 0xff);
            const end = renderDecisionInto(buf, 7, table, id, s, d, src, dst, lang);
            if (end - 7 !== want.length || !buf.subarray(7, end).equals(want)) differ++;
            // The same with the addresses taken from the bytes of a request line.
            const line = Buffer.from(`{"src":"${src}","dst":"${dst}"}\n`);
            const sf = 8;
            const df = line.indexOf('"dst":"') + 7;
            buf.fill(0xff);
            const view = (u: Uint8Array) => new DataView(u.buffer, u.byteOffset, u.length);
            const end2 = renderBytesInto(buf, view(buf), 7, b, id, s, d, view(line), sf, sf + src.length, df, df + dst.length, langIndex(lang));
            if (end2 - 7 !== want.length || !buf.subarray(7, end2).equals(want)) differ++;
            if (/[^\x00-\x7f]/.test(want.toString('utf8'))) withJapanese++;
            checked++;
          }
        }
      }
    }
    t.ok(table.decisions.length > 1 && segments > 10, 'a non-trivial table');
    const sides = new Set(table.decisions.map((r) => r.sanitizerSide));
    t.ok(sides.size >= 2 && sides.has('none'), `decisions with and without a sanitizer (${[...sides].join(', ')})`);
    t.ok(withJapanese > 0, 'some answers hold non-ASCII text');
    t.equal(differ, 0, `all ${checked} answers byte for byte`);
  });
}
