/**
 * README is where administrators look codes up: every code of the one catalogue must have its
 * row there, with the severity or clause the code really has.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { CODES, DECISION_CODES } from '../src/problems/codes.js';

const readme = readFileSync('README.md', 'utf8');

t.test('README opens with the two commands a newcomer needs', async (t) => {
  const head = readme.slice(0, 1200);
  t.match(head, 'npm ci && npm start');
  t.match(head, 'npm test');
});

t.test('README has a row for every rule-file problem code, with its severity', async (t) => {
  for (const [code, info] of Object.entries(CODES)) {
    t.match(readme, new RegExp(`^\\| \`${code}\` \\| ${info.severity} \\|`, 'm'), code);
  }
});

t.test('README has a row for every decision code, with its built-in clause', async (t) => {
  for (const [code, info] of Object.entries(DECISION_CODES)) {
    const clause = (info.clause ?? '—').replace(/[()]/g, '\\$&');
    t.match(readme, new RegExp(`^\\| \`${code}\` \\| ${clause} \\|`, 'm'), code);
  }
});
