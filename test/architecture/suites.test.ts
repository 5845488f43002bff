/**
 * tap runs suites, not test files (.taprc: include test/**\/*.suite.ts): a suite imports test
 * files, which then share one process. Each process costs a Node start, tap, and a load of
 * everything its tests import (an HTTP test file paid ~1.1 s of CPU for the server's modules
 * before its first assertion); the 33 HTTP files cost 95 s of CPU one process each and 53 s in
 * one (`npm run test:cost`, 2026-12-01, before servers shared their compiled schemas). This
 * checks that grouping can never drop a test: every test file belongs to exactly one suite, and
 * suites hold nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import coverageMap from '../coverage-map.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== 'fixtures' && e.name !== 'node_modules') walk(p, out);
    } else out.push(p);
  }
  return out;
}

const files = walk('test');
const tests = files.filter((f) => f.endsWith('.test.ts')).sort();
const suites = files.filter((f) => f.endsWith('.suite.ts')).sort();
const IMPORT = /^import '(\.{1,2}\/[^']+)\.js';$/;

/** What a suite imports, as test/… paths; throws on a line that is neither comment nor import. */
function membersOf(suite: string): string[] {
  const text = readFileSync(join(ROOT, suite), 'utf8').replace(/\/\*\*[\s\S]*?\*\/\n/, '');
  const members: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = IMPORT.exec(line);
    if (!m) throw new Error(`${suite}: a suite holds only imports of test files, not ${JSON.stringify(line)}`);
    members.push(relative(ROOT, resolve(ROOT, dirname(suite), `${m[1]}.ts`)));
  }
  return members;
}

t.test('every test file belongs to exactly one suite, and suites import only test files', async (t) => {
  const owner = new Map<string, string>();
  for (const s of suites) {
    for (const m of membersOf(s)) {
      t.ok(m.endsWith('.test.ts') && tests.includes(m), `${s} imports ${m}, an existing test file`);
      t.notOk(owner.has(m), `${m} is in ${s}${owner.has(m) ? ` and in ${owner.get(m)}` : ''}`);
      owner.set(m, s);
    }
  }
  t.same(
    tests.filter((f) => !owner.has(f)),
    [],
    'no test file is left out of every suite',
  );
  t.ok(tests.length > 100 && suites.length >= 10, `${tests.length} test files in ${suites.length} suites`);
});

t.test('tap runs the suites, and nothing else', async (t) => {
  const taprc = readFileSync(join(ROOT, '.taprc'), 'utf8');
  const include = /^include:\n((?:\s+- .*\n)+)/m.exec(taprc);
  t.ok(include, '.taprc has an include list');
  t.same(
    include![1]!
      .trim()
      .split('\n')
      .map((l) => l.trim()),
    ['- test/**/*.suite.ts'],
  );
});

t.test('the randomized agreements and the allocation test run without coverage counters', async (t) => {
  for (const s of suites) {
    const uncovered = /agreement-[a-z]+\.suite\.ts$|alloc\.suite\.ts$/.test(s);
    t.equal(coverageMap(s) === null, uncovered, `${s}: ${uncovered ? 'no counters' : 'covered'}`);
  }
  t.equal(coverageMap('test/http/decide.test.ts')?.length, 0, 'a test file run alone covers what it imports');
  t.equal(coverageMap('test/property/compile-vs-reference.test.ts'), null, 'and an agreement run alone has no counters either');
});

t.test('the checker refuses a suite with test code of its own', async (t) => {
  t.throws(() => membersOf('test/architecture/suites.test.ts'), /a suite holds only imports/);
});
