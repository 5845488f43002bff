/** Every console string exists in both languages, and the Japanese is Japanese. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type Table = Record<string, string>;
const mod = (await import(pathToFileURL('console/strings.js').href)) as {
  STRINGS: { en: Table; ja: Table };
  preferredLang: (l: readonly string[]) => string;
  tr: (lang: string, key: string, vars?: Record<string, unknown>) => string;
};
const { en, ja } = mod.STRINGS;

/** Strings that read the same in both languages (codes, symbols). */
const SAME = new Set(['id', 'none', 'cellTitle']);
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]/;

t.test('every string has Japanese, and every Japanese string an English one', async (t) => {
  for (const k of Object.keys(en)) {
    t.ok(typeof ja[k] === 'string' && ja[k]!.trim() !== '', `ja has "${k}"`);
    if (!SAME.has(k) && k !== 'switchTo') t.match(ja[k], JAPANESE, `ja "${k}" is written in Japanese`);
  }
  for (const k of Object.keys(ja)) t.ok(k in en, `en has "${k}"`);
  // Placeholders match.
  for (const k of Object.keys(en)) t.same((ja[k] ?? '').match(/\{\w+\}/g)?.sort() ?? [], en[k]!.match(/\{\w+\}/g)?.sort() ?? [], `${k} placeholders`);
});

t.test('every key the app uses is in the table', async (t) => {
  const app = readFileSync('console/app.js', 'utf8');
  const used = new Set([...app.matchAll(/\bt\('([\w-]+)'/g)].map((m) => m[1]!));
  t.ok(used.size > 40, `${used.size} keys used`);
  for (const k of used) t.ok(k in en, k);
  // Keys built from a prefix: every kind, tier, method and verdict the API can answer.
  for (const k of ['exception', 'breakout', 'sanitized', 'direct', 'ceiling', 'explicit-deny', 'no-grant']) t.ok(`kind_${k}` in en && `short_${k}` in en, k);
  for (const k of ['mynumber', 'lgwan', 'internet', 'outside']) t.ok(`tier_${k}` in en, k);
  for (const k of ['mail-text', 'file-sanitize', 'screen-transfer']) t.ok(`method_${k}` in en, k);
  for (const k of ['compliant', 'violation', 'ungranted']) t.ok(`verdict_${k}` in en, k);
});

t.test('the browser language picks Japanese or English', async (t) => {
  t.equal(mod.preferredLang(['ja-JP', 'en-US']), 'ja');
  t.equal(mod.preferredLang(['en-GB', 'ja']), 'en');
  t.equal(mod.preferredLang(['fr-FR', 'ja']), 'ja');
  t.equal(mod.preferredLang(['fr-FR']), 'en');
  t.equal(mod.preferredLang([]), 'en');
  t.equal(mod.tr('ja', 'days', { n: 3 }), '3 日');
  t.equal(mod.tr('en', 'days', { n: 3 }), '3 days');
});
