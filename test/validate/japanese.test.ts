/**
 * Every rule-set problem in Japanese (`sanso validate --lang ja`). The static half of the
 * guarantee is problem(code, loc, en, ja): a problem without Japanese does not compile. This is
 * the other half: every bad fixture, every example rule set and a few problems no committed file
 * can show go through validateRuleSet, and each message's Japanese must be Japanese — kana or
 * kanji, and no English sentence left in it — so a `ja` that merely repeats or pastes English
 * fails here. The corpus must reach every rule-set code of the catalogue, so a code whose
 * messages are never checked fails too.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CODES } from '../../src/problems/codes.js';
import type { Problem } from '../../src/problems/problem.js';
import { validateRuleSet } from '../../src/validate/index.js';
import { loadFixtures } from '../fixtures/expect.js';
import { sanso } from '../cli/run.js';
import { englishFragment, JAPANESE } from './japanese.js';

t.test('the detector finds English, and lets identifiers and quoted values through', async (t) => {
  t.equal(englishFragment('segment lg-terminals is named by no flow'), 'is named by no flow');
  t.equal(englishFragment('許可ルール F-010 は効果を持ちません'), null);
  t.equal(englishFragment('policy.model は βモデル（beta） です。direction both のうち inbound の向き'), null);
  t.equal(englishFragment('「a rule file name」は名前に使えません'), null);
  t.equal(englishFragment('YAML の構文エラーです: Nested mappings are not allowed'), 'Nested mappings are not allowed');
});

/** Problems no committed fixture can show: paths that are not there, a subfolder, a date. */
function synthetic(dir: string): Problem[] {
  const out: Problem[] = [];
  out.push(...validateRuleSet([join(dir, 'missing')]).problems);
  out.push(...validateRuleSet(['/dev/null']).problems);
  const nested = join(dir, 'nested');
  mkdirSync(join(nested, 'old'), { recursive: true });
  writeFileSync(join(nested, '10.yaml'), 'segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.0/8]\n');
  writeFileSync(join(nested, 'old', '20.yaml'), 'segments: []\n');
  out.push(...validateRuleSet([nested]).problems);
  const expiring = join(dir, 'expiring.yaml');
  writeFileSync(
    expiring,
    [
      'segments:',
      '  - { name: lg, tier: lgwan, cidrs: [10.0.0.0/16] }',
      '  - { name: inet, tier: internet, cidrs: [10.1.0.0/16] }',
      'exceptions:',
      '  - { id: EX-1, from: [lg], to: [inet], services: [tcp/443], reason: r, approved-by: x, expires: 2030-01-10 }',
      '',
    ].join('\n'),
  );
  out.push(...validateRuleSet([expiring], { asOf: '2030-01-01' }).problems);
  // yaml's own errors, each with a sentence of its own in Japanese.
  const yamlErrors = ['a: [1, 2\n', 'a: "x\\q"\n', 'a:\n  - b\n c: 1\n', 'a: @x\n', '? [a]\n: 1\nb: {c: d\n', 'a: &x &y 1\n'];
  yamlErrors.forEach((text, i) => {
    const f = join(dir, `yaml-${i}.yaml`);
    writeFileSync(f, text);
    out.push(...validateRuleSet([f]).problems);
  });
  // Schema cases the fixtures do not reach.
  const schema = join(dir, 'schema.yaml');
  writeFileSync(schema, `services:\n  web: [443]\npolicy:\n  name: "${'x'.repeat(300)}"\nsegments:\n  - { name: "", tier: lgwan, cidrs: [10.0.0.0/8] }\n`);
  out.push(...validateRuleSet([schema]).problems);
  return out;
}

t.test('every rule-set problem has a Japanese message in the basic policy’s words', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sanso-ja-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const problems: Problem[] = [];
  for (const f of loadFixtures('test/fixtures/bad')) problems.push(...validateRuleSet([f.path]).problems);
  for (const p of ['examples/alpha-prime', 'examples/beta', 'examples/beta-prime', 'examples/ci/city-v2', 'examples/tutorial/mistake', 'examples/tutorial/town', 'rules']) {
    problems.push(...validateRuleSet([p]).problems);
  }
  problems.push(...synthetic(dir));
  t.ok(problems.length > 80, `${problems.length} problems`);
  const seen = new Set<string>();
  for (const p of problems) {
    seen.add(p.code);
    const what = `${p.code}: ${p.ja}`;
    t.match(p.ja, JAPANESE, `${what} — has kana or kanji`);
    t.equal(englishFragment(p.ja), null, `${what} — no English sentence left in it`);
    t.not(p.ja, p.message, `${p.code}: not the English message`);
  }
  const ruleSetCodes = Object.keys(CODES).filter((c) => !c.startsWith('DEVICE-') && !c.startsWith('AUDIT-'));
  for (const code of ruleSetCodes) t.ok(seen.has(code), `${code}: reached by the corpus, so its messages are checked`);
  // The tier names are the basic policy's, never the English ones.
  const all = problems.map((p) => p.ja).join('\n');
  for (const word of ['LGWAN接続系', 'インターネット接続系', 'マイナンバー利用事務系', '無害化']) t.ok(all.includes(word), word);
  t.notMatch(all, /LGWAN tier|internet tier|My Number tier/);
});

t.test('validate --lang ja prints the Japanese messages in every format, and the rest as it is', async (t) => {
  const fixture = 'test/fixtures/bad/CIDR-INVALID.yaml';
  const en = await sanso(['validate', fixture]);
  const ja = await sanso(['validate', fixture, '--lang', 'ja']);
  t.equal(ja.code, en.code, 'the same exit code');
  const [enLine] = en.out.split('\n');
  const [jaLine] = ja.out.split('\n');
  const prefix = /^(\S+:\d+:\d+: error CIDR-INVALID) /;
  t.equal(prefix.exec(jaLine!)?.[1], prefix.exec(enLine!)?.[1], 'FILE:LINE:COL, severity and code unchanged');
  t.match(jaLine, /セグメント .*ホスト部のビットが立っています/);
  t.match(ja.err, /エラー 1 件、警告 0 件（1 ファイル）/);
  t.match(ja.err, /1 ファイルを読みました/);
  for (const format of ['json', 'sarif', 'github', 'junit']) {
    const e = await sanso(['validate', fixture, '--format', format]);
    const j = await sanso(['validate', fixture, '--format', format, '--lang', 'ja']);
    t.match(j.out, /ホスト部のビットが立っています/, `${format}: Japanese message`);
    t.notMatch(j.out, /host bits are set/, `${format}: no English message`);
    t.match(e.out, /host bits are set/, `${format}: English by default`);
    if (format === 'json') {
      const a = JSON.parse(e.out) as { problems: Record<string, unknown>[] };
      const b = JSON.parse(j.out) as { problems: Record<string, unknown>[] };
      t.same(Object.keys(b.problems[0]!), Object.keys(a.problems[0]!), 'json: the same keys');
      t.same({ ...b.problems[0], message: '' }, { ...a.problems[0], message: '' }, 'json: only the message differs');
    }
    if (format === 'sarif') t.equal((JSON.parse(j.out) as { runs: { language?: string }[] }).runs[0]!.language, 'ja-JP', 'sarif: says its language');
  }
  const schemaStop = await sanso(['validate', 'test/fixtures/bad/YAML-SYNTAX-tab.yaml', '--lang', 'ja']);
  t.match(schemaStop.err, /注: 構文またはスキーマのエラーのため/);
});

t.test('validate --help says what --lang changes', async (t) => {
  const r = await sanso(['validate', '--help']);
  t.match(r.out, /--lang en\|ja +language of the problem messages and of the summary/);
});
