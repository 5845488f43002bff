import t from 'tap';
import { loadPolicy } from '../src/policy.js';
import { todayIn } from '../src/model/dates.js';
import { validateRuleSet } from '../src/validate/index.js';

t.test('one date judges a whole load', async (t) => {
  const given = loadPolicy(['rules/'], { asOf: '2027-10-01' });
  t.equal(given.policy?.asOf, '2027-10-01');
  t.equal(given.policy?.table.asOf, '2027-10-01', 'the table is compiled on the date validation used');
  t.same(
    given.problems.map((p) => p.code),
    ['EXCEPTION-EXPIRED'],
    'the sample exception has expired by then',
  );

  const v = validateRuleSet(['rules/']);
  const today = todayIn('Asia/Tokyo');
  t.equal(v.asOf, today, 'without --as-of, today in policy.timezone');
  const loaded = loadPolicy(['rules/']);
  t.equal(loaded.policy?.asOf, today);
  t.equal(loaded.policy?.table.asOf, today);
});

t.test('a rule set with errors reports no date and loads nothing', async (t) => {
  const bad = validateRuleSet(['test/fixtures/bad/GROUP-CYCLE.yaml']);
  t.equal(bad.model, null);
  t.equal(bad.asOf, null);
  t.equal(loadPolicy(['test/fixtures/bad/GROUP-CYCLE.yaml']).policy, null);
});
