/** `sanso exceptions`: the upkeep list, on the sample city (its one exception expires 2027-09-30). */
import t from 'tap';
import { sanso } from './run.js';

t.test('text: one line per exception with days left; expired says so', async (t) => {
  const r = await sanso(['exceptions', '--rules', 'rules/', '--as-of', '2027-09-20']);
  t.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  t.equal(lines.length, 1);
  t.match(lines[0], /^\S+ {2}\S+ → \S+ {2}\S+ {2}approved-by .+ {2}expires 2027-09-30 \(10 days left\)$/);
  const late = await sanso(['exceptions', '--rules', 'rules/', '--as-of', '2027-10-02']);
  t.match(late.out, /expires 2027-09-30 \(expired 2 days ago\)\n$/);
});

t.test('--json: the same rows for scripts', async (t) => {
  const r = await sanso(['exceptions', '--rules', 'rules/', '--as-of', '2027-09-29', '--json']);
  t.equal(r.code, 0);
  const doc = JSON.parse(r.out);
  t.equal(doc.asOf, '2027-09-29');
  t.equal(doc.exceptions.length, 1);
  t.match(doc.exceptions[0], { expires: '2027-09-30', daysLeft: 1, active: true });
  t.ok(doc.exceptions[0].from.length > 0 && doc.exceptions[0].services.length > 0);
  t.equal((await sanso(['exceptions', 'extra'])).code, 2);
});
