import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Problem } from '../../src/problems/problem.js';
import { MAX_ALIAS_COUNT, parseRuleBytes, readRuleSources } from '../../src/source/read.js';

const parse = (text: string | Uint8Array) => {
  const problems: Problem[] = [];
  const file = parseRuleBytes('x.yaml', typeof text === 'string' ? Buffer.from(text) : text, problems);
  return { file, problems };
};

t.test('a path that does not exist', async (t) => {
  const r = readRuleSources(['no/such/rules']);
  t.same(
    r.problems.map((p) => [p.code, p.loc]),
    [['PATH-NOT-FOUND', { file: 'no/such/rules', line: 1, col: 1 }]],
  );
  t.same(r.files, []);
  t.same(r.names, []);
});

t.test('a path that is not a regular file', async (t) => {
  const r = readRuleSources(['/dev/null']);
  t.same(
    r.problems.map((p) => p.code),
    ['READ-FAILED'],
  );
  t.same(r.names, ['/dev/null'], 'still listed among the files found');
});

t.test('directories: rule files only, in byte order of their names', async (t) => {
  const dir = t.testdir({
    'b.yaml': 'flows: []\n',
    'B.yml': '# upper case sorts first in byte order\n',
    '10.yaml': '# digits before letters\n',
    '9.yaml': '# "9" after "10" in byte order\n',
    'notes.txt': 'not a rule file',
    'sub.yaml': { 'inner.yaml': 'segments: []\n' },
    'á.yaml': '# non-ASCII after ASCII\n',
  });
  const r = readRuleSources([dir]);
  t.same(
    r.names.map((n) => n.slice(dir.length + 1)),
    ['10.yaml', '9.yaml', 'B.yml', 'b.yaml', 'á.yaml'],
  );
  t.same(
    r.files.map((f) => f.file),
    r.names,
  );
  // a folder named like a rule file is a folder: its rule file is skipped, with a word
  t.same(
    r.problems.map((p) => [p.code, p.severity, p.loc.file]),
    [['RULE-FILE-SKIPPED', 'warning', join(dir, 'sub.yaml', 'inner.yaml')]],
  );
});

t.test('no silent surprises: other-case extensions are read, subfolders are named', async (t) => {
  const dir = t.testdir({
    'A.YAML': '# saved on Windows\n',
    'b.Yml': '# mixed case\n',
    old: { 'x.yaml': 'flows: []\n', 'notes.txt': '', deeper: { 'Y.YML': '' } },
    '.git': { 'config.yaml': '' },
  });
  const r = readRuleSources([dir]);
  t.same(
    r.names.map((n) => n.slice(dir.length + 1)),
    ['A.YAML', 'b.Yml'],
  );
  t.same(
    r.problems.map((p) => [p.code, p.loc.file.slice(dir.length + 1)]),
    [
      ['RULE-FILE-SKIPPED', join('old', 'deeper', 'Y.YML')],
      ['RULE-FILE-SKIPPED', join('old', 'x.yaml')],
    ],
    'each skipped file once; hidden folders are not searched',
  );
  t.match(r.problems[1]!.message, /is in a subfolder of .* and is not read; move it into/);
});

t.test('a file named twice is read once; a directory with no rule files is a problem', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'segments: []\n', empty: { 'x.txt': '' } });
  const r = readRuleSources([dir, join(dir, 'a.yaml'), join(dir, 'empty')]);
  t.same(r.names, [join(dir, 'a.yaml')]);
  t.same(
    r.problems.map((p) => [p.code, p.loc.file]),
    [['NO-RULE-FILES', join(dir, 'empty')]],
  );
});

t.test('the version covers names and bytes', async (t) => {
  const dir = t.testdir({ one: { 'a.yaml': 'x: 1\n' }, two: { 'a.yaml': 'x: 2\n' }, three: { 'b.yaml': 'x: 1\n' }, four: { 'a.yaml': 'x: 1\n' } });
  const v = (d: string) => readRuleSources([join(dir, d)]).version;
  t.match(v('one'), /^sha256:[0-9a-f]{64}$/);
  t.equal(v('one'), v('four'), 'same names and bytes: same version, wherever the directory is');
  t.not(v('one'), v('two'), 'other bytes');
  t.not(v('one'), v('three'), 'other name');
});

t.test('files that fail to parse are listed but not returned; the others are', async (t) => {
  const dir = t.testdir({ 'a.yaml': 'a: [\n', 'b.yaml': 'segments: []\n' });
  const r = readRuleSources([dir]);
  t.same(r.names.length, 2);
  t.same(
    r.files.map((f) => f.file),
    [join(dir, 'b.yaml')],
  );
  t.same(
    r.problems.map((p) => p.code),
    ['YAML-SYNTAX'],
  );
});

t.test('locate: values, keys, list items, and the nearest node for a missing one', async (t) => {
  const { file } = parse('segments:\n  - name: a\n    tier: lgwan\n    cidrs: [10.0.0.0/8, "fd00::/8"]\n');
  const at = (path: (string | number)[], part?: 'key' | 'value') => {
    const l = file!.locate(path, part);
    return [l.line, l.col];
  };
  t.same(at(['segments', 0, 'tier']), [3, 11]);
  t.same(at(['segments', 0, 'tier'], 'key'), [3, 5]);
  t.same(at(['segments', 0, 'cidrs', 1]), [4, 25]);
  t.same(at(['segments', 0]), [2, 5]);
  t.same(at(['segments']), [2, 3]);
  t.same(at(['segments'], 'key'), [1, 1]);
  t.same(at(['segments', 0, 'sanitizer']), [2, 5], 'a missing key: its parent');
  t.same(at([]), [1, 1]);
  t.equal(file!.locate([]).file, 'x.yaml');
});

t.test('one tab in the indentation is one clear message, not a cascade', async (t) => {
  const r = parse('segments:\n  - name: a\n\ttier: lgwan\n    cidrs: [10.0.0.0/8]\nflows:\n  - id: F\n');
  t.same(
    r.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['YAML-SYNTAX', 3, 1]],
  );
  t.match(r.problems[0]!.message, /^a tab indents line 3; YAML indents with spaces only: replace the tab with spaces/);
  t.equal(r.file, null);
  // a tab inside a value is not indentation and not an error
  t.same(parse('a: "x\ty"\n').problems, []);
});

t.test('empty files', async (t) => {
  for (const text of ['', '# only a comment\n', '\n\n']) {
    const r = parse(text);
    t.same(r.problems, []);
    t.equal(r.file!.data, null, JSON.stringify(text));
  }
});

t.test('encodings', async (t) => {
  // A leading BOM is allowed (YAML permits it; Windows editors write it) and not counted in columns.
  const bom = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\nb: [\n')]));
  t.same(
    bom.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['YAML-SYNTAX', 3, 1]],
  );
  const bomOk = parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a: 1\n')]));
  t.same(bomOk.problems, []);
  t.same(bomOk.file!.data, { a: 1 });
  t.same(bomOk.file!.locate(['a'], 'key'), { file: 'x.yaml', line: 1, col: 1 });
  // One anywhere else is inside the document, which YAML forbids.
  const inner = parse(Buffer.concat([Buffer.from('a: 1\n  '), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('b: 2\n')]));
  t.same(
    inner.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['ENCODING-BOM', 2, 3]],
  );
  t.equal(inner.file, null);
  const sjis = parse(Buffer.from([0x61, 0x3a, 0x20, 0x31, 0x0a, 0x62, 0x3a, 0x20, 0x82, 0xa0, 0x0a]));
  t.same(
    sjis.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['ENCODING-INVALID', 2, 4]],
  );
  t.match(sjis.problems[0]!.message, /byte 0x82 at offset 8/);
  // an overlong encoding and a UTF-16 surrogate are not UTF-8 either
  t.same(
    parse(Buffer.from([0x61, 0xc0, 0xaf])).problems.map((p) => p.code),
    ['ENCODING-INVALID'],
  );
  t.same(
    parse(Buffer.from([0x61, 0xed, 0xa0, 0x80])).problems.map((p) => p.code),
    ['ENCODING-INVALID'],
  );
  t.same(parse('a: 住民記録 🏯\n').problems, [], 'real UTF-8 of every length is fine');
});

t.test('YAML problems', async (t) => {
  const dup = parse('a:\n  b: 1\n  c: 2\n  b: 3\n');
  t.same(
    dup.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['YAML-DUPLICATE-KEY', 4, 3]],
  );
  t.match(dup.problems[0]!.message, /key "b" appears twice in this map; the first is at line 2/);
  const alias = parse('a: &x 1\nb: *y\n');
  t.same(
    alias.problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['YAML-SYNTAX', 2, 4]],
  );
  t.match(alias.problems[0]!.message, /\*y names no anchor/);
  t.same(parse('a: 1\n---\n').problems, [], 'a stray document marker at the end is harmless');
  t.same(
    parse('a: 1\n---\nb: 1\n').problems.map((p) => [p.code, p.loc.line]),
    [['YAML-MULTIPLE-DOCUMENTS', 2]],
  );
  t.same(
    parse('a: 1\n\tb: 2\n').problems.map((p) => p.code),
    ['YAML-SYNTAX'],
  );
});

t.test('aliases: a few are fine, a bomb is refused', async (t) => {
  const ok = parse('web: &web [tcp/80, tcp/443]\na: *web\nb: *web\n');
  t.same(ok.problems, []);
  t.same(ok.file!.data, { web: ['tcp/80', 'tcp/443'], a: ['tcp/80', 'tcp/443'], b: ['tcp/80', 'tcp/443'] });
  const wide = `a: &a [1]\nb: [${Array(MAX_ALIAS_COUNT + 1)
    .fill('*a')
    .join(', ')}]\n`;
  t.same(
    parse(wide).problems.map((p) => [p.code, p.loc.line, p.loc.col]),
    [['YAML-ALIAS-LIMIT', 2, 5]],
  );
  let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 30; i++)
    bomb += `a${i}: &a${i} [${Array(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  t.same(
    parse(bomb).problems.map((p) => p.code),
    ['YAML-ALIAS-LIMIT'],
    'a 10^30 expansion is refused (and the test finishes)',
  );
});

t.test('a file too large is refused before parsing', async (t) => {
  const dir = t.testdir({});
  const big = join(dir, 'big.yaml');
  mkdirSync(dir, { recursive: true });
  writeFileSync(big, Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
  t.same(
    readRuleSources([big]).problems.map((p) => p.code),
    ['READ-FAILED'],
  );
});
