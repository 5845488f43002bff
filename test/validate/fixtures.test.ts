/**
 * The fixture corpus through validateRuleSet: every bad fixture yields exactly the problems its
 * `# expect:` lines name (code, file, line and column, nothing more), and every good fixture
 * yields none and a model.
 */
import t from 'tap';
import { CODES } from '../../src/problems/codes.js';
import { validateRuleSet } from '../../src/validate/index.js';
import { key, loadFixtures } from '../fixtures/expect.js';

const bad = loadFixtures('test/fixtures/bad');
const good = loadFixtures('test/fixtures/good');

t.test('bad fixtures', async (t) => {
  t.ok(bad.length > 0, 'the corpus is there');
  for (const f of bad) {
    t.test(f.name, async (t) => {
      t.ok(f.expected.length > 0, 'the fixture says what it expects');
      for (const e of f.expected) t.ok(Object.hasOwn(CODES, e.code), `${e.code} is a catalogue code`);
      const r = validateRuleSet([f.path]);
      const got = r.problems.map((p) => key({ code: p.code, ...p.loc })).sort();
      t.same(got, f.expected.map(key).sort(), r.problems.map((p) => `${key({ code: p.code, ...p.loc })} ${p.message}`).join('\n'));
      const errors = r.problems.some((p) => p.severity === 'error');
      t.equal(r.model === null, errors, 'a model exactly when there is no error');
      for (const p of r.problems) t.notMatch(p.message, /must match pattern|must NOT have|must be equal to/, 'no raw ajv text');
    });
  }
});

t.test('every code the fixtures name has a fixture named for it', async (t) => {
  const named = new Set(bad.map((f) => f.name.replace(/\.ya?ml$/, '')));
  for (const code of new Set(bad.flatMap((f) => f.expected.map((e) => e.code)))) {
    t.ok(
      [...named].some((n) => n === code || n.startsWith(`${code}-`)),
      code,
    );
  }
});

t.test('good fixtures', async (t) => {
  t.ok(good.length > 0, 'the corpus is there');
  for (const f of good) {
    t.test(f.name, async (t) => {
      const r = validateRuleSet([f.path]);
      t.same(
        r.problems.map((p) => `${key({ code: p.code, ...p.loc })} ${p.message}`),
        [],
      );
      t.ok(r.model, 'a model');
    });
  }
});
