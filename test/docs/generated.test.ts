/**
 * The generated pages are what their generators write from the committed sources, and the
 * problem-code page is checked both ways, as fastify checks its errors: every code of the
 * catalogue is documented with the severity, clause or status it really has, and every code
 * the page documents exists. After adding codes or bench results: `npm run docs`.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { API_ERRORS, CODES, DECISION_CODES } from '../../src/problems/codes.js';
import { performanceMarkdown, problemCodesMarkdown, readResults } from '../../scripts/docs.js';

const codesPage = readFileSync('docs/problem-codes.md', 'utf8');

t.test('docs/problem-codes.md is what npm run docs:codes writes', async (t) => {
  t.equal(codesPage, problemCodesMarkdown());
});

t.test('docs/performance.md is what npm run docs:perf writes from bench/results.json', async (t) => {
  t.equal(readFileSync('docs/performance.md', 'utf8'), performanceMarkdown(readResults()));
});

/** The rows of one `## title` section: code → the cells after it. */
function rows(page: string, title: string): Map<string, string[]> {
  const start = page.indexOf(`\n## ${title}\n`);
  if (start < 0) return new Map();
  const end = page.indexOf('\n## ', start + 1);
  const section = page.slice(start, end < 0 ? undefined : end);
  const out = new Map<string, string[]>();
  for (const m of section.matchAll(/^\| `([A-Z0-9-]+)` \|(.*)\|$/gm))
    out.set(
      m[1]!,
      m[2]!.split(' | ').map((c) => c.trim()),
    );
  return out;
}

t.test('every rule-file code is documented with its severity, and every documented one exists', async (t) => {
  const documented = rows(codesPage, 'Rule-file problems');
  for (const [code, info] of Object.entries(CODES)) t.equal(documented.get(code)?.[0], info.severity, code);
  for (const code of documented.keys()) t.ok(code in CODES, `${code} is in the catalogue`);
});

t.test('every decision code is documented with its built-in clause, and every documented one exists', async (t) => {
  const documented = rows(codesPage, 'Decision codes');
  for (const [code, info] of Object.entries(DECISION_CODES)) t.equal(documented.get(code)?.[0], info.clause ?? '—', code);
  for (const code of documented.keys()) t.ok(code in DECISION_CODES, `${code} is in the catalogue`);
  t.same([...documented.keys()], Object.keys(DECISION_CODES), 'in the order the algorithm tries them');
});

t.test('every HTTP problem type is documented with its status and title, and every documented one exists', async (t) => {
  const documented = rows(codesPage, 'HTTP problem types');
  for (const [code, e] of Object.entries(API_ERRORS)) t.same(documented.get(code)?.slice(0, 2), [String(e.status), e.title], code);
  for (const code of documented.keys()) t.ok(code in API_ERRORS, `${code} is in the catalogue`);
});

t.test('the both-ways check fails on a missing and on a stale code', async (t) => {
  const stale = codesPage.replace('| `GROUP-CYCLE` |', '| `GROUP-LOOP` |');
  const documented = rows(stale, 'Rule-file problems');
  t.notOk(documented.has('GROUP-CYCLE'), 'a code dropped from the page is seen as missing');
  t.notOk('GROUP-LOOP' in CODES, 'a code the catalogue does not have is seen as stale');
});
