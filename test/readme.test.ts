/**
 * README is the door: it opens with the two commands a newcomer needs, stays short, and every
 * relative link in it and in docs/ leads somewhere. (Problem codes are checked against
 * docs/problem-codes.md by test/docs/generated.test.ts.)
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const readme = readFileSync('README.md', 'utf8');

t.test('README opens with the two commands a newcomer needs', async (t) => {
  const head = readme.slice(0, 1200);
  t.match(head, 'npm ci && npm start');
  t.match(head, 'npm test');
});

t.test('README stays a door: under 1,500 words, pointing into docs/', async (t) => {
  const words = readme.split(/\s+/).filter((w) => w !== '').length;
  t.ok(words < 1500, `${words} words`);
  t.match(readme, '(docs/index.md)');
  t.notMatch(readme, /\.\.\/shared|SPEC §/, 'cites nothing outside the repository');
});

/** Pages other branches write; linked from docs/index.md before they are merged. */
const WRITTEN_ELSEWHERE = new Set(['audit.md', 'audit-linux.md', 'audit-vendors.md', 'models.md', 'diff.md', 'ci.md', 'service.md', 'monitor.md'].map((p) => join('docs', p)));

t.test('every relative link in README and docs/ resolves', async (t) => {
  const pages = [
    'README.md',
    'CHANGELOG.md',
    'examples/README.md',
    ...readdirSync('docs')
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
    ...readdirSync('docs/ja').map((f) => join('docs/ja', f)),
  ];
  let links = 0;
  for (const page of pages) {
    const text = readFileSync(page, 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      const path = normalize(join(dirname(page), target));
      links++;
      if (WRITTEN_ELSEWHERE.has(path) && !existsSync(path)) continue;
      t.ok(existsSync(path), `${page}: ${m[1]}`);
    }
  }
  t.ok(links > 50, `${links} links checked`);
});
